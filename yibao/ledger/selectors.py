"""台账: per (agency, item) counts of the cases submitted in a period.

Which agency a case counts for: its home agency (所属经办机构), which reviews,
pays, completes and answers for it ("谁办理、谁审核、谁负责"). A 通办 case
(accepted at another agency) also counts as "通办受理" for the accepting agency
and as "通办转入" for the home agency. A case's evaluation counts in the case's
row. Two grouped queries whatever the number of cases.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

from yibao import clock
from yibao.agencies.models import AgencyLevel, StaffMember
from yibao.cases import lifecycle
from yibao.cases.models import Case, CaseStatus
from yibao.evaluations.selectors import rate
from yibao.ledger.supervision import (  # noqa: F401  (re-exported for callers)
    LOCAL_TZ,
    InvalidPeriod,
    LedgerError,
    LedgerForbidden,
    Scope,
    check_period,
    period_bounds,
    supervision_scope,
)

# Open cases whose clock runs; a case waiting for supplements (待补正) has its clock paused,
# as in the engine's overdue sweep (yibao.cases.services.mark_overdue_cases).
RUNNING_STATUSES = [s for s in CaseStatus.values if s not in lifecycle.TERMINAL and s != CaseStatus.SUPPLEMENTING]

COUNT_FIELDS = ("submitted", "accepted", "refused", "withdrawn", "completed", "completed_on_time", "overdue",
                "tongban_accepted", "tongban_in", "evaluations", "satisfied", "bad_reviews")


@dataclass
class LedgerRow:
    agency_code: str
    agency_name: str
    item_code: str
    item_key: str
    item_name: str
    submitted: int = 0
    accepted: int = 0
    refused: int = 0
    withdrawn: int = 0
    completed: int = 0
    completed_on_time: int = 0
    overdue: int = 0
    tongban_accepted: int = 0  # 通办受理: accepted here for another agency
    tongban_in: int = 0  # 通办转入: this agency's cases accepted elsewhere
    evaluations: int = 0
    satisfied: int = 0
    bad_reviews: int = 0
    is_total: bool = False

    @property
    def on_time_rate(self) -> Decimal | None:
        """Completed on time / completed, 4 places; None when nothing was completed."""
        return rate(self.completed_on_time, self.completed)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return rate(self.satisfied, self.evaluations)

    @property
    def bad_review_rate(self) -> Decimal | None:
        return rate(self.bad_reviews, self.evaluations)

    def as_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(on_time_rate=self.on_time_rate, satisfaction_rate=self.satisfaction_rate,
                    bad_review_rate=self.bad_review_rate)
        return data


def _home_counts(cases, today: date):
    completed = Q(status=CaseStatus.COMPLETED)
    late = completed & Q(due_date__isnull=False, completed_day__gt=F("due_date"))
    return (cases.alias(completed_day=TruncDate("completed_at", tzinfo=LOCAL_TZ))
            .values("home_agency__level", "home_agency__code", "home_agency__name", "item__position",
                    "item__code", "item__key", "item__name", "item_id")
            .annotate(
                submitted=Count("id"),
                accepted=Count("id", filter=Q(accepted_at__isnull=False)),
                refused=Count("id", filter=Q(status=CaseStatus.REFUSED)),
                withdrawn=Count("id", filter=Q(status=CaseStatus.WITHDRAWN)),
                completed=Count("id", filter=completed),
                late=Count("id", filter=late),
                running_late=Count("id", filter=Q(status__in=RUNNING_STATUSES, due_date__lt=today)),
                tongban_in=Count("id", filter=Q(is_cross_agency=True)),
                evaluations=Count("evaluation"),
                satisfied=Count("evaluation", filter=Q(evaluation__level__lte=3)),
                bad_reviews=Count("evaluation", filter=Q(evaluation__level__gte=4)),
            ).order_by())


def _tongban_counts(cases):
    return (cases.filter(is_cross_agency=True, accepting_agency__isnull=False)
            .values("accepting_agency__level", "accepting_agency__code", "accepting_agency__name",
                    "item__position", "item__code", "item__key", "item__name", "item_id")
            .annotate(n=Count("id")).order_by())


def ledger_rows(*, staff: StaffMember | None = None, start: date, end: date, region=None,
                today: date | None = None) -> list[LedgerRow]:
    """The ledger of cases submitted in [start, end] (Asia/Shanghai), one row per (agency, item),
    ordered city agency first then by agency code and item, with a total row (``is_total``) last.

    Scope: a 科长/管理员 of a county agency — that agency; of the city agency — its region;
    ``staff=None`` — unscoped (superusers; the caller checks), optionally one ``region``
    (Region, slug or code). Raises ``LedgerForbidden`` for other staff, ``InvalidPeriod``
    for a bad period.
    """
    check_period(start, end)
    scope = supervision_scope(staff=staff, region=region)
    today = today or clock.today()
    low, high = period_bounds(start, end)
    cases = Case.objects.filter(submitted_at__gte=low, submitted_at__lt=high)

    rows: dict[tuple, LedgerRow] = {}

    def row_for(values: dict, prefix: str) -> LedgerRow:
        key = (values[f"{prefix}__level"] != AgencyLevel.CITY, values[f"{prefix}__code"],
               values["item__position"], values["item_id"])
        if key not in rows:
            rows[key] = LedgerRow(agency_code=values[f"{prefix}__code"], agency_name=values[f"{prefix}__name"],
                                  item_code=values["item__code"], item_key=values["item__key"],
                                  item_name=values["item__name"])
        return rows[key]

    for values in _home_counts(cases.filter(scope.q("home_agency")), today):
        row = row_for(values, "home_agency")
        for name in ("submitted", "accepted", "refused", "withdrawn", "completed", "tongban_in", "evaluations",
                     "satisfied", "bad_reviews"):
            setattr(row, name, values[name])
        row.completed_on_time = values["completed"] - values["late"]
        row.overdue = values["late"] + values["running_late"]
    for values in _tongban_counts(cases.filter(scope.q("accepting_agency"))):
        row_for(values, "accepting_agency").tongban_accepted = values["n"]

    ordered = [rows[key] for key in sorted(rows)]
    total = LedgerRow(agency_code="", agency_name="合计", item_code="", item_key="", item_name="",
                      is_total=True)
    for row in ordered:
        for name in COUNT_FIELDS:
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return [*ordered, total]
