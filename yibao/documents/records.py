"""What the certificates and records print, read from the enrollment records (selectors).

Each function returns a plain, frozen snapshot (dataclasses) so that the PDF
renderers never touch the ORM and a printed figure is the figure read here.
Money is ``Decimal`` throughout.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from yibao import clock
from yibao.agencies.models import Agency, Region
from yibao.enrollment.account_selectors import movements_of
from yibao.enrollment.models import (
    Contribution,
    InsurancePeriod,
    InsuranceStatus,
    InsuranceType,
    Person,
    PersonalAccount,
    Unit,
)

# person_by_id_number is re-exported for the form prefill; the one definition is the enrollment selector.
from yibao.enrollment.selectors import person_by_id_number, unit_arrears  # noqa: F401

ZERO = Decimal("0.00")
# A record printed in one go covers at most this many years: the window
# printouts of the seeds are per year or a few years, and a longer span is a
# different service (an archive search).
MAX_RECORD_YEARS = 5
# The 参保凭证 of 医保办发〔2021〕43号 has two variants: employees (职工医保,
# with the personal account) and residents (居民医保). These 险种 belong to each.
EMPLOYEE_TYPES = (InsuranceType.EMPLOYEE_BASIC, InsuranceType.CIVIL_SERVANT_SUBSIDY,
                  InsuranceType.LARGE_EXPENSE_SUBSIDY, InsuranceType.RETIRED_CADRE, InsuranceType.MATERNITY)
RESIDENT_TYPES = (InsuranceType.RESIDENT_BASIC, InsuranceType.RESIDENT_CRITICAL_ILLNESS)
TYPE_LABELS = dict(InsuranceType.choices)
STATUS_LABELS = dict(InsuranceStatus.choices)
START_LABEL = ("起始年月", "start")
END_LABEL = ("截止年月", "end")
_MONTH = re.compile(r"^\s*(\d{4})\s*[-/年.]\s*(\d{1,2})\s*月?\s*$")


def insurance_type_labels(values) -> tuple[str, ...]:
    """A unit's 险种 as labels, whether stored as codes ("310") or as labels."""
    return tuple(TYPE_LABELS.get(str(value), str(value)) for value in values or ())


class RecordRefused(Exception):
    """A document that cannot be printed; the message (Chinese) names the field or the reason."""


# --- periods (起止年月) -------------------------------------------------------------------

def _field(label: tuple[str, str]) -> str:
    return f"字段 {label[0]}"


def _month(raw: object, label: tuple[str, str]) -> datetime.date:
    if isinstance(raw, datetime.date):
        return raw.replace(day=1)
    match = _MONTH.match(str(raw or ""))
    if not match:
        raise RecordRefused(f"{_field(label)}：应为年月，格式 YYYY-MM（如 2025-01）")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1990:
        raise RecordRefused(f"{_field(label)}：「{raw}」不是有效的年月")
    return datetime.date(year, month, 1)


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Months from ``start`` to ``end`` inclusive (both first days of a month)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def parse_period(start: object, end: object, *, today: datetime.date | None = None,
                 max_years: int = MAX_RECORD_YEARS,
                 labels: tuple[tuple[str, str], tuple[str, str]] = (START_LABEL, END_LABEL),
                 ) -> tuple[datetime.date, datetime.date]:
    """(first month, last month) of a record, checked; an empty pair means the last 12 months.

    Refusals name the field (``labels``: (Chinese label, input name) of start and
    end): end before start, a future month, more than ``max_years``.
    """
    start_label, end_label = labels
    today = today or clock.today()
    this_month = today.replace(day=1)
    if not str(start or "").strip() and not str(end or "").strip():
        first = (datetime.date(this_month.year, 1, 1) if this_month.month == 12
                 else datetime.date(this_month.year - 1, this_month.month + 1, 1))
        return first, this_month
    if not str(start or "").strip():
        raise RecordRefused(f"{_field(start_label)}：必填")
    first = _month(start, start_label)
    last = _month(end, end_label) if str(end or "").strip() else this_month
    if last < first:
        raise RecordRefused(f"{_field(end_label)}：{last:%Y-%m} 早于起始年月 {first:%Y-%m}")
    if first > this_month:
        raise RecordRefused(f"{_field(start_label)}：{first:%Y-%m} 尚未到来")
    if last > this_month:
        raise RecordRefused(f"{_field(end_label)}：{last:%Y-%m} 尚未到来，最晚为本月 {this_month:%Y-%m}")
    if months_between(first, last) > 12 * max_years:
        raise RecordRefused(f"{_field(end_label)}：查询期间最长 {max_years} 年（{12 * max_years} 个月），"
                            f"{first:%Y-%m} 至 {last:%Y-%m} 共 {months_between(first, last)} 个月")
    return first, last


# --- 参保凭证 -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificatePeriod:
    insurance_type: str
    type_label: str
    status_label: str
    start: datetime.date
    end: datetime.date | None
    unit: str
    agency_name: str
    agency_code: str
    months_by_year: tuple[tuple[int, int], ...]

    @property
    def months_total(self) -> int:
        return sum(months for _, months in self.months_by_year)


@dataclass(frozen=True)
class CertificateFacts:
    variant: str  # "employee" | "resident"
    name: str
    sex: str
    id_type: str
    id_number: str
    birth_date: datetime.date
    region_name: str
    region_code: str
    agency_name: str
    agency_code: str
    agency_phone: str
    agency_address: str
    periods: tuple[CertificatePeriod, ...]
    account_balance: Decimal | None
    printed_on: datetime.date

    @property
    def variant_label(self) -> str:
        return "职工基本医疗保险" if self.variant == "employee" else "城乡居民基本医疗保险"


def unit_by_uscc(uscc: str) -> Unit | None:
    return Unit.objects.select_related("region", "home_agency").filter(uscc=uscc).first()


def _unit_text(period: InsurancePeriod) -> str:
    if period.unit_id:
        return f"{period.unit.name}（{period.unit.uscc}）"
    return f"单位编号 {period.unit_code}" if period.unit_code else "—"


def _paid_months(person: Person, periods: list[InsurancePeriod], today: datetime.date
                 ) -> dict[int, tuple[tuple[int, int], ...]]:
    """period id → ((year, months paid), …), from paid contribution rows inside the period."""
    months = defaultdict(set)
    rows = (Contribution.objects.filter(person=person, paid=True,
                                        insurance_type__in={p.insurance_type for p in periods})
            .values_list("insurance_type", "month"))
    for insurance_type, month in rows:
        months[insurance_type].add(month)
    result = {}
    for period in periods:
        first = period.start_date.replace(day=1)
        last = period.end_date or today
        per_year: dict[int, int] = defaultdict(int)
        for month in months[period.insurance_type]:
            if first <= month <= last:
                per_year[month.year] += 1
        result[period.pk] = tuple(sorted(per_year.items()))
    return result


def certificate_facts(*, person: Person, region: Region, today: datetime.date | None = None) -> CertificateFacts:
    """What the 参保凭证 of ``person`` in ``region`` prints; refused when no period is there."""
    today = today or clock.today()
    periods = list(InsurancePeriod.objects.filter(person=person, home_agency__region=region)
                   .select_related("unit", "home_agency").order_by("start_date", "insurance_type"))
    basic = [p for p in periods if p.insurance_type in (InsuranceType.EMPLOYEE_BASIC, InsuranceType.RESIDENT_BASIC)]
    if not periods:
        raise RecordRefused(f"{person.name}在{region.name}没有参保记录，不能出具参保凭证")
    # The latest basic period decides the variant (a resident who became an
    # employee gets the employee certificate); without one, the 险种 present.
    if basic:
        variant = "employee" if basic[-1].insurance_type == InsuranceType.EMPLOYEE_BASIC else "resident"
    else:
        variant = "employee" if any(p.insurance_type in EMPLOYEE_TYPES for p in periods) else "resident"
    wanted = EMPLOYEE_TYPES if variant == "employee" else RESIDENT_TYPES
    periods = [p for p in periods if p.insurance_type in wanted]
    paid = _paid_months(person, periods, today)
    latest = periods[-1]
    agency: Agency = latest.home_agency
    account_balance = None
    if variant == "employee":
        account = PersonalAccount.objects.filter(person=person).values_list("balance", flat=True).first()
        account_balance = account if account is not None else ZERO
    return CertificateFacts(
        variant=variant, name=person.name, sex=person.get_sex_display(), id_type=person.get_id_type_display(),
        id_number=person.id_number, birth_date=person.birth_date, region_name=region.name,
        region_code=region.code, agency_name=agency.name, agency_code=agency.code,
        agency_phone=agency.phone, agency_address=agency.address,
        periods=tuple(CertificatePeriod(
            insurance_type=p.insurance_type, type_label=TYPE_LABELS.get(p.insurance_type, p.insurance_type),
            status_label=STATUS_LABELS.get(p.status, p.status), start=p.start_date, end=p.end_date,
            unit=_unit_text(p), agency_name=p.home_agency.name, agency_code=p.home_agency.code,
            months_by_year=paid[p.pk]) for p in periods),
        account_balance=account_balance, printed_on=today,
    )


# --- 缴费记录 (person) ------------------------------------------------------------------------

@dataclass(frozen=True)
class ContributionLine:
    month: datetime.date
    type_label: str
    base: Decimal
    unit_part: Decimal
    personal_part: Decimal
    paid: bool
    unit: str

    @property
    def total(self) -> Decimal:
        return self.unit_part + self.personal_part


@dataclass(frozen=True)
class Totals:
    unit_part: Decimal = ZERO
    personal_part: Decimal = ZERO
    paid: Decimal = ZERO
    owed: Decimal = ZERO
    months_paid: int = 0
    months_owed: int = 0

    @property
    def total(self) -> Decimal:
        return self.unit_part + self.personal_part


@dataclass(frozen=True)
class PersonRecord:
    name: str
    id_number: str
    region_name: str
    agency_name: str
    start: datetime.date
    end: datetime.date
    periods: tuple[tuple[str, str, datetime.date, datetime.date | None, str], ...]
    lines: tuple[ContributionLine, ...]
    totals: Totals
    account_balance: Decimal | None
    printed_on: datetime.date = field(default_factory=timezone.localdate)


def _totals(lines) -> Totals:
    unit_part = personal = paid = owed = ZERO
    months_paid = months_owed = 0
    for line in lines:
        unit_part += line.unit_part
        personal += line.personal_part
        if line.paid:
            paid += line.total
            months_paid += 1
        else:
            owed += line.total
            months_owed += 1
    return Totals(unit_part, personal, paid, owed, months_paid, months_owed)


def person_record(*, person: Person, start: datetime.date, end: datetime.date) -> PersonRecord:
    """The person's periods and contribution rows from ``start`` to ``end`` (months), oldest first."""
    rows = (Contribution.objects.filter(person=person, month__gte=start, month__lte=end)
            .select_related("unit").order_by("month", "insurance_type"))
    lines = tuple(ContributionLine(
        month=row.month, type_label=TYPE_LABELS.get(row.insurance_type, row.insurance_type), base=row.base,
        unit_part=row.unit_part, personal_part=row.personal_part, paid=row.paid,
        unit=row.unit.name if row.unit_id else "个人缴费") for row in rows)
    periods = tuple(
        (TYPE_LABELS.get(p.insurance_type, p.insurance_type), STATUS_LABELS.get(p.status, p.status),
         p.start_date, p.end_date, _unit_text(p))
        for p in InsurancePeriod.objects.filter(person=person).select_related("unit")
        .order_by("start_date", "insurance_type"))
    balance = PersonalAccount.objects.filter(person=person).values_list("balance", flat=True).first()
    return PersonRecord(name=person.name, id_number=person.id_number, region_name=person.region.name,
                        agency_name=person.home_agency.name, start=start, end=end, periods=periods,
                        lines=lines, totals=_totals(lines), account_balance=balance)


# --- 缴费记录 (unit) --------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitMonthLine:
    month: datetime.date
    type_label: str
    persons: int
    base: Decimal
    unit_part: Decimal
    personal_part: Decimal
    paid: Decimal
    owed: Decimal

    @property
    def total(self) -> Decimal:
        return self.unit_part + self.personal_part


@dataclass(frozen=True)
class UnitRecord:
    name: str
    uscc: str
    region_name: str
    agency_name: str
    start: datetime.date
    end: datetime.date
    lines: tuple[UnitMonthLine, ...]
    totals: Totals
    printed_on: datetime.date = field(default_factory=timezone.localdate)


def unit_record(*, unit: Unit, start: datetime.date, end: datetime.date) -> UnitRecord:
    """The unit's contributions per month and 险种 (persons, bases, parts, paid, owed), one query."""
    paid_q = Q(paid=True)
    rows = (Contribution.objects.filter(unit=unit, month__gte=start, month__lte=end)
            .values("month", "insurance_type")
            .annotate(persons=Count("person", distinct=True), base_sum=Sum("base"),
                      unit_sum=Sum("unit_part"), personal_sum=Sum("personal_part"),
                      paid_unit=Sum("unit_part", filter=paid_q), paid_personal=Sum("personal_part", filter=paid_q))
            .order_by("month", "insurance_type"))
    lines = []
    for row in rows:
        total = (row["unit_sum"] or ZERO) + (row["personal_sum"] or ZERO)
        paid = (row["paid_unit"] or ZERO) + (row["paid_personal"] or ZERO)
        lines.append(UnitMonthLine(
            month=row["month"], type_label=TYPE_LABELS.get(row["insurance_type"], row["insurance_type"]),
            persons=row["persons"], base=row["base_sum"] or ZERO, unit_part=row["unit_sum"] or ZERO,
            personal_part=row["personal_sum"] or ZERO, paid=paid, owed=total - paid))
    totals = Totals(
        unit_part=sum((line.unit_part for line in lines), ZERO),
        personal_part=sum((line.personal_part for line in lines), ZERO),
        paid=sum((line.paid for line in lines), ZERO), owed=sum((line.owed for line in lines), ZERO),
        months_paid=sum(1 for line in lines if not line.owed), months_owed=sum(1 for line in lines if line.owed))
    return UnitRecord(name=unit.name, uscc=unit.uscc, region_name=unit.region.name,
                      agency_name=unit.home_agency.name, start=start, end=end, lines=tuple(lines), totals=totals)


# --- 参保单位参保信息 ----------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitInfo:
    name: str
    uscc: str
    unit_type: str
    status: str
    registered_on: datetime.date
    address: str
    legal_representative: str
    contact: str
    region_name: str
    agency_name: str
    agency_code: str
    insurance_types: tuple[str, ...]
    employees_by_type: tuple[tuple[str, int], ...]
    employees: int
    arrears: Decimal
    months_owed: tuple[str, ...]
    printed_on: datetime.date = field(default_factory=timezone.localdate)


def unit_info(*, unit: Unit) -> UnitInfo:
    """The unit's registration data, 险种, insured employees (status 1) and arrears."""
    insured = InsurancePeriod.objects.filter(unit=unit, status=InsuranceStatus.INSURED)
    by_type = tuple(
        (TYPE_LABELS.get(row["insurance_type"], row["insurance_type"]), row["n"])
        for row in insured.values("insurance_type").annotate(n=Count("person", distinct=True))
        .order_by("insurance_type"))
    owed_months = (Contribution.objects.filter(unit=unit, paid=False).values_list("month", flat=True)
                   .distinct().order_by("month"))
    contact = " ".join(part for part in (unit.contact_name, unit.contact_phone) if part)
    return UnitInfo(
        name=unit.name, uscc=unit.uscc, unit_type=unit.get_unit_type_display(), status=unit.get_status_display(),
        registered_on=unit.registered_on, address=unit.address, legal_representative=unit.legal_representative,
        contact=contact, region_name=unit.region.name, agency_name=unit.home_agency.name,
        agency_code=unit.home_agency.code, insurance_types=insurance_type_labels(unit.insurance_types),
        employees_by_type=by_type, employees=insured.values("person").distinct().count(),
        arrears=unit_arrears(unit), months_owed=tuple(f"{m:%Y-%m}" for m in owed_months))


# --- 我的参保信息 (hall) ------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonOverview:
    periods: list[InsurancePeriod]
    contributions: list[Contribution]
    account: PersonalAccount | None
    movements: list[dict]  # yibao.enrollment.account_selectors.movements_of rows
    regions: list[Region]


def person_overview(person: Person, *, today: datetime.date | None = None) -> PersonOverview:
    """我的参保信息: every period, the last 12 months of contributions, the account and its movements,
    and the regions where a 参保凭证 can be printed."""
    today = today or clock.today()
    first, last = parse_period("", "", today=today)
    periods = list(InsurancePeriod.objects.filter(person=person)
                   .select_related("unit", "home_agency__region").order_by("-start_date", "insurance_type"))
    contributions = list(Contribution.objects.filter(person=person, month__gte=first, month__lte=last)
                         .select_related("unit").order_by("-month", "insurance_type"))
    account = PersonalAccount.objects.filter(person=person).first()
    regions = list({p.home_agency.region_id: p.home_agency.region for p in periods}.values())
    return PersonOverview(periods=periods, contributions=contributions, account=account,
                          movements=movements_of(person.pk, limit=20) if account else [], regions=regions)
