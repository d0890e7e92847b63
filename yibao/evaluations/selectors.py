"""Reads of 好差评: a case's evaluation, the 科长's follow-ups, statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from yibao import clock
from yibao.agencies.models import Role, StaffMember
from yibao.agencies.selectors import staff_can
from yibao.cases.lifecycle import RATEABLE
from yibao.evaluations.models import Evaluation, FollowUp, FollowUpStatus, Level
from yibao.ledger.supervision import Scope, check_period, period_bounds

RATE_PLACES = Decimal("0.0001")


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole as a Decimal with 4 places (0.9500), None when nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES)


ALREADY_RATED = "该办件已评价，每件只能评价一次"


def evaluation_of_case(case) -> Evaluation | None:
    return Evaluation.objects.filter(case=case).first()


def rating_refusal(case, *, user=None, staff: StaffMember | None = None) -> str:
    """Why the case cannot be rated now by the applicant ``user`` (一事一评) or by the window
    clerk ``staff`` (一次一评, a clerk of the accepting agency); "" when it can.

    The one rule of who may rate: the services refuse with this message, the hall and the
    console show the rating form only when it is empty."""
    if staff is not None:
        if not staff_can(staff, Role.ACCEPT):
            return f"{staff.name} 不是在岗的窗口受理人员，不能录入窗口评价"
        if staff.agency_id != (case.accepting_agency_id or case.home_agency_id):
            return "只有受理该办件的经办机构的窗口人员可以录入窗口评价"
    elif user is None or case.applicant_user_id is None or case.applicant_user_id != getattr(user, "pk", None):
        return "只有申请人本人可以评价该办件"
    if case.status not in RATEABLE:
        return f"办件当前状态为「{case.get_status_display()}」，办结或不予受理后才能评价"
    if Evaluation.objects.filter(case=case).exists():
        return ALREADY_RATED
    return ""


# --- follow-ups -----------------------------------------------------------------------------

@dataclass
class FollowUpRow:
    follow_up: FollowUp
    overdue: bool
    may_close: bool


def _follow_ups_visible_to(staff: StaffMember):
    return (FollowUp.objects
            .select_related("evaluation__case", "evaluation__item", "evaluation__agency", "home_agency",
                            "accepting_agency", "closed_by")
            .filter(Q(home_agency=staff.agency) | Q(accepting_agency=staff.agency)))


def follow_ups_for_staff(staff: StaffMember, *, status: str = "", today: date | None = None) -> list[FollowUpRow]:
    """The agency's 差评整改 tasks (home agency, or accepting agency of a 通办 case): open first, by deadline."""
    today = today or clock.today()
    qs = _follow_ups_visible_to(staff)
    if status:
        qs = qs.filter(status=status)
    rows = [FollowUpRow(f, f.is_overdue(today), f.home_agency_id == staff.agency_id) for f in qs]
    rows.sort(key=lambda r: (r.follow_up.status != FollowUpStatus.OPEN, not r.overdue, r.follow_up.due_date,
                             r.follow_up.pk))
    return rows


def follow_up_for_staff(staff: StaffMember, pk: int) -> FollowUp | None:
    return _follow_ups_visible_to(staff).filter(pk=pk).first()


# --- statistics -----------------------------------------------------------------------------

@dataclass
class StatRow:
    key: object
    label: str
    counts: dict[int, int] = field(default_factory=dict)  # level → count

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def satisfied(self) -> int:
        return sum(self.counts.get(level, 0) for level in (1, 2, 3))

    @property
    def bad(self) -> int:
        return sum(self.counts.get(level, 0) for level in (4, 5))

    @property
    def satisfaction_rate(self) -> Decimal | None:
        """(非常满意 + 满意 + 基本满意) / total."""
        return rate(self.satisfied, self.total)

    @property
    def bad_review_rate(self) -> Decimal | None:
        """(不满意 + 非常不满意) / total."""
        return rate(self.bad, self.total)

    @property
    def level_counts(self) -> list[int]:
        return [self.counts.get(level, 0) for level in Level.values]


@dataclass
class EvaluationStats:
    start: date
    end: date
    total: StatRow
    by_agency: list[StatRow]
    by_item: list[StatRow]
    by_window: list[StatRow]


LEVEL_COUNTS = {f"l{level}": Count("id", filter=Q(level=level)) for level in Level.values}


def _grouped(qs, fields: list[str], key: str, label) -> list[StatRow]:
    rows = []
    for values in qs.values(*fields).annotate(**LEVEL_COUNTS).order_by(*fields):
        counts = {level: values[f"l{level}"] for level in Level.values}
        rows.append(StatRow(values[key], label(values), counts))
    return rows


def _window_label(v: dict) -> str:
    if v["window_id"] is None:
        return f"{v['agency__name']} 网上受理（无窗口）"
    return f"{v['agency__name']} {v['window__number']} {v['window__name']}"


def evaluation_stats(*, scope: Scope, start: date, end: date) -> EvaluationStats:
    """Counts per level and the rates over evaluations made in [start, end] (Asia/Shanghai),
    grouped by accepting agency, by item and by window; four grouped queries."""
    check_period(start, end)
    low, high = period_bounds(start, end)
    qs = Evaluation.objects.filter(created_at__gte=low, created_at__lt=high).filter(
        scope.q("agency") | scope.q("home_agency") if scope.agency_id else scope.q("agency"))
    unscoped = scope.agency_id is None and scope.region_id is None

    def item_label(v: dict) -> str:
        return f"{v['region__name']} · {v['item__name']}" if unscoped else v["item__name"]

    totals = qs.aggregate(**LEVEL_COUNTS)
    total = StatRow("total", "合计", {level: totals[f"l{level}"] for level in Level.values})
    return EvaluationStats(
        start=start, end=end, total=total,
        by_agency=_grouped(qs, ["agency__code", "agency__name"], "agency__code",
                           lambda v: v["agency__name"]),
        by_item=_grouped(qs, ["region__code", "region__name", "item__key", "item__name"], "item__key",
                         item_label),
        by_window=_grouped(qs, ["agency__code", "agency__name", "window_id", "window__number", "window__name"],
                           "window_id", _window_label),
    )
