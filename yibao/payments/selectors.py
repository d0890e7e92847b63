"""Reads of the payments ledger: the ledger list, daily totals, reconciliation.

Staff scoping: a clerk sees the payments of their own agency (the paying
经办机构) only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from yibao.agencies.models import Agency, StaffMember
from yibao.payments.models import DisbursementBatch, Fund, Payment, PaymentStatus

ZERO = Decimal("0.00")


def payments_of_agency(agency: Agency) -> QuerySet[Payment]:
    return (Payment.objects.select_related("payee", "agency", "case", "batch", "reissue_of")
            .filter(agency=agency))


def ledger(*, staff: StaffMember, fund: str = "", status: str = "", day_from: date | None = None,
           day_to: date | None = None, reference: str = "") -> QuerySet[Payment]:
    """The clerk's agency's payments, newest first, filtered by fund, status and approval day."""
    qs = payments_of_agency(staff.agency)
    if fund:
        qs = qs.filter(fund=fund)
    if status:
        qs = qs.filter(status=status)
    if day_from:
        qs = qs.filter(approved_on__gte=day_from)
    if day_to:
        qs = qs.filter(approved_on__lte=day_to)
    if reference:
        qs = qs.filter(reference__icontains=reference)
    return qs.order_by("-approved_on", "-id")


def payment_for_staff(staff: StaffMember, pk: int) -> Payment | None:
    return payments_of_agency(staff.agency).prefetch_related("events").filter(pk=pk).first()


def payments_of_case(case) -> QuerySet[Payment]:
    return Payment.objects.select_related("payee").filter(case=case).order_by("id")


def payment_by_reference(reference: str) -> Payment | None:
    return Payment.objects.select_related("payee", "agency").filter(reference=reference).first()


def batches_of(agency: Agency, *, day_from: date, day_to: date) -> QuerySet[DisbursementBatch]:
    return DisbursementBatch.objects.filter(agency=agency, day__gte=day_from, day__lte=day_to).order_by("-id")


def batch_for_staff(staff: StaffMember, number: str) -> DisbursementBatch | None:
    return DisbursementBatch.objects.select_related("agency").filter(agency=staff.agency, number=number).first()


def pending_submission(agency: Agency) -> list[dict]:
    """(day, fund, count, total) of payments approved and not yet in a disbursement file."""
    return [dict(row) for row in Payment.objects.filter(agency=agency, status=PaymentStatus.APPROVED)
            .values("approved_on", "fund").annotate(count=Count("id"), total=Sum("amount"))
            .order_by("approved_on", "fund")]


@dataclass(frozen=True)
class DailyTotal:
    day: date
    agency: Agency
    fund: str
    count: int
    total: Decimal

    @property
    def fund_label(self) -> str:
        return Fund(self.fund).label


def daily_totals(*, day_from: date, day_to: date, agency: Agency | None = None) -> list[DailyTotal]:
    """Approved payments per day, paying agency and fund (count and amount)."""
    qs = Payment.objects.filter(approved_on__gte=day_from, approved_on__lte=day_to)
    if agency is not None:
        qs = qs.filter(agency=agency)
    rows = (qs.values("approved_on", "agency", "fund").annotate(count=Count("id"), total=Sum("amount"))
            .order_by("approved_on", "agency", "fund"))
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in={r["agency"] for r in rows})}
    return [DailyTotal(r["approved_on"], agencies[r["agency"]], r["fund"], r["count"], r["total"]) for r in rows]


@dataclass
class Figure:
    count: int = 0
    total: Decimal = ZERO


@dataclass
class DayLine:
    day: date
    approved: Figure = field(default_factory=Figure)
    submitted: Figure = field(default_factory=Figure)
    paid: Figure = field(default_factory=Figure)
    returned: Figure = field(default_factory=Figure)


@dataclass(frozen=True)
class Difference:
    kind: str  # why the payment is open: 已核定未提交 / 已提交未回盘 / 退回未重新支付
    payment: Payment
    since: date | None  # the day it became open (set for every open state; None only on bad data)


@dataclass
class Reconciliation:
    day_from: date
    day_to: date
    days: list[DayLine]
    differences: list[Difference]
    fund: str = ""


def _figures(qs: QuerySet[Payment], day_field: str) -> dict[date, Figure]:
    rows = qs.exclude(**{f"{day_field}__isnull": True}).values(day_field).annotate(
        count=Count("id"), total=Sum("amount"))
    return {r[day_field]: Figure(r["count"], r["total"] or ZERO) for r in rows}


def reconciliation(*, agency: Agency, day_from: date, day_to: date, fund: str = "") -> Reconciliation:
    """By day: what the agency approved, submitted to the bank, saw paid and saw returned;
    then every payment still open at the end of ``day_to``, one line each, oldest first:
    approved but not submitted, submitted but neither paid nor returned, returned and not reissued.
    """
    base = Payment.objects.filter(agency=agency)
    if fund:
        base = base.filter(fund=fund)
    approved = _figures(base.filter(approved_on__gte=day_from, approved_on__lte=day_to), "approved_on")
    submitted = _figures(base.filter(submitted_on__gte=day_from, submitted_on__lte=day_to), "submitted_on")
    settled = base.filter(settled_on__gte=day_from, settled_on__lte=day_to)
    paid = _figures(settled.filter(status=PaymentStatus.PAID), "settled_on")
    returned = _figures(settled.filter(status=PaymentStatus.RETURNED), "settled_on")
    days = sorted(set(approved) | set(submitted) | set(paid) | set(returned))
    lines = [DayLine(d, approved.get(d, Figure()), submitted.get(d, Figure()), paid.get(d, Figure()),
                     returned.get(d, Figure())) for d in days]
    related = base.select_related("payee", "case", "batch")
    differences: list[Difference] = []
    # Open as of day_to: the state each payment had at the end of that day.
    for p in related.filter(approved_on__lte=day_to).exclude(submitted_on__lte=day_to).order_by("approved_on", "id"):
        differences.append(Difference("已核定未提交银行", p, p.approved_on))
    for p in (related.filter(submitted_on__lte=day_to).exclude(settled_on__lte=day_to)
              .order_by("submitted_on", "id")):
        differences.append(Difference("已提交银行未回盘（既未支付也未退回）", p, p.submitted_on))
    for p in (related.filter(status=PaymentStatus.RETURNED, settled_on__lte=day_to)
              .exclude(reissue__approved_on__lte=day_to).order_by("settled_on", "id")):
        differences.append(Difference("银行退回未重新支付", p, p.settled_on))
    return Reconciliation(day_from, day_to, lines, differences, fund)
