"""Contributions (缴费) and declared bases (缴费基数申报).

- ``post_monthly_contributions`` builds a unit's month (费款所属期): one 310 row
  per active employee, from the base the unit declared for that year (else its
  latest declaration), with the region's rates, unpaid.
- ``record_unit_payment`` marks the month paid when the unit pays exactly what
  it owes for it, and credits each employee's personal account with the
  personal part; the movement's reference is derived from unit, person and
  month, so a second credit of the same month can never happen.
- ``check_base_declarations`` / ``declare_bases`` are the 报盘 import
  (``yibao.enrollment.baopan`` reads the file): every bad row at once, then one
  bulk upsert in one transaction.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from yibao import clock
from yibao.audit.services import record_audit
from yibao.enrollment.models import (
    BaopanUpload,
    BaseDeclaration,
    Contribution,
    InsurancePeriod,
    InsuranceStatus,
    InsuranceType,
    MovementKind,
    Person,
    PersonalAccount,
    PersonCategory,
    Unit,
    UnitStatus,
)
from yibao.enrollment.policies import policy_for
from yibao.enrollment.rules_files import BaopanRules, load_rules_file
from yibao.enrollment.services.accounts import post_movement
from yibao.enrollment.services.errors import EnrollmentError
from yibao.ids import InvalidIdentifier, validate_resident_id

CENT = Decimal("0.01")
BAOPAN_FILE = Path(__file__).resolve().parent.parent / "data" / "baopan.yaml"
# Only employees in work pay contributions; retired members (退休人员) are declared
# in the 报盘 too (Taiyuan guide: "在职及退休人员的缴费基数") but pay nothing.
# "" is a period written before categories existed.
PAYING_CATEGORIES = (PersonCategory.EMPLOYED, "")
DECLARABLE_CATEGORIES = (PersonCategory.EMPLOYED, PersonCategory.RETIRED, "")
# IN (...) lists are cut into chunks: SQLite allows 32 766 parameters per statement.
CHUNK = 5000


class ContributionError(EnrollmentError):
    pass


@cache
def baopan_rules() -> dict:
    data = load_rules_file(BAOPAN_FILE, BaopanRules)
    return {**data, "base_min": Decimal(str(data["base_min"])), "base_max": Decimal(str(data["base_max"]))}


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _first_of_month(month: date) -> date:
    return month.replace(day=1)


def _last_of_month(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def contribution_reference(*, unit: Unit, person_id: int, month: date) -> str:
    """The 业务流水号 of the account credit of one person's month from one unit."""
    return f"contrib:{unit.uscc}:{person_id}:{month:%Y%m}"


def declared_bases(*, unit: Unit, person_ids: list[int], year: int) -> dict[int, Decimal]:
    """Each person's base for ``year``: that year's declaration, else the latest earlier one."""
    bases: dict[int, tuple[int, Decimal]] = {}
    rows = (BaseDeclaration.objects.filter(unit=unit, person_id__in=person_ids, year__lte=year)
            .values_list("person_id", "year", "base"))
    for person_id, declared_year, base in rows:
        if person_id not in bases or declared_year > bases[person_id][0]:
            bases[person_id] = (declared_year, base)
    return {person_id: base for person_id, (_year, base) in bases.items()}


@dataclass(frozen=True)
class MonthPosting:
    month: date
    created: int
    updated: int
    unchanged_paid: int
    unit_total: Decimal
    personal_total: Decimal


@transaction.atomic
def post_monthly_contributions(*, unit: Unit, month: date, actor: str) -> MonthPosting:
    """核定 one month (费款所属期) of 310 contributions for the unit's active employees.

    The base is the one declared for the month's year, else the latest earlier
    declaration; unit and personal parts are base × the region's rates, rounded
    half up to the cent. Rows already paid are never touched; unpaid rows are
    recomputed (a base declared since). Refused, naming them, when an employee
    has no declared base at all. A month after the current one is refused: it
    cannot be owed yet, and counting it as arrears would block 注销.
    """
    month = _first_of_month(month)
    current = _first_of_month(clock.today())
    if month > current:
        raise ContributionError(f"字段 费款所属期：{month:%Y-%m} 晚于本月 {current:%Y-%m}，不能核定未来月份的缴费")
    unit = Unit.objects.select_for_update(of=("self",)).select_related("region").get(pk=unit.pk)
    if unit.status == UnitStatus.CANCELLED:
        raise ContributionError(f"{unit.name} 已注销，不能核定缴费")
    employees = list(
        InsurancePeriod.objects.filter(
            unit=unit, insurance_type=InsuranceType.EMPLOYEE_BASIC, status=InsuranceStatus.INSURED,
            category__in=PAYING_CATEGORIES, start_date__lte=_last_of_month(month))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=month))
        .values_list("person_id", "person__name").distinct())
    if not employees:
        raise ContributionError(f"{unit.name} 在 {month:%Y-%m} 没有在职参保职工，无需核定缴费")
    names = dict(employees)
    bases = declared_bases(unit=unit, person_ids=list(names), year=month.year)
    missing = [names[p] for p in names if p not in bases]
    if missing:
        raise ContributionError(
            f"以下职工没有申报缴费基数，请先办理职工医保缴费基数申报：{'、'.join(missing[:20])}"
            + (f" 等 {len(missing)} 人" if len(missing) > 20 else ""))
    policy = policy_for(unit.region, on=month)  # the rates in force in the month charged
    existing = {c.person_id: c for c in Contribution.objects.select_for_update().filter(
        person_id__in=list(names), insurance_type=InsuranceType.EMPLOYEE_BASIC, month=month)}
    elsewhere = [names[p] for p, c in existing.items() if c.unit_id != unit.pk]
    if elsewhere:
        raise ContributionError(
            f"以下职工 {month:%Y-%m} 已在其他单位核定缴费，不能重复核定：{'、'.join(elsewhere[:20])}")
    new, changed, paid = [], [], 0
    unit_total = personal_total = Decimal("0.00")
    for person_id in names:
        base = bases[person_id]
        unit_part = _money(base * policy.unit_rate)
        personal_part = _money(base * policy.personal_rate)
        row = existing.get(person_id)
        if row is not None and row.paid:
            paid += 1
            continue
        unit_total += unit_part
        personal_total += personal_part
        if row is None:
            new.append(Contribution(person_id=person_id, unit=unit, month=month,
                                    insurance_type=InsuranceType.EMPLOYEE_BASIC, base=base,
                                    unit_part=unit_part, personal_part=personal_part, paid=False))
        elif (row.base, row.unit_part, row.personal_part) != (base, unit_part, personal_part):
            row.base, row.unit_part, row.personal_part = base, unit_part, personal_part
            changed.append(row)
    Contribution.objects.bulk_create(new, batch_size=2000)
    Contribution.objects.bulk_update(changed, ["base", "unit_part", "personal_part"], batch_size=2000)
    record_audit(actor=actor, action="enrollment.contribution.post_month", object_type="Unit",
                 object_id=unit.uscc,
                 after={"month": f"{month:%Y-%m}", "created": len(new), "updated": len(changed),
                        "paid_untouched": paid, "unit_part": str(unit_total),
                        "personal_part": str(personal_total)})
    return MonthPosting(month, len(new), len(changed), paid, unit_total, personal_total)


@dataclass(frozen=True)
class MonthPayment:
    month: date
    amount: Decimal
    persons: int
    reference: str


@transaction.atomic
def record_unit_payment(*, unit: Unit, month: date, amount: Decimal, actor: str, reference: str) -> MonthPayment:
    """到账: the unit paid ``amount`` for ``month``; it must equal what the month owes, to the cent.

    Marks the month's unpaid rows paid and credits each employee's personal
    account with the personal part (one movement per person and month, so a
    retry credits nothing twice). A month with nothing owed is refused, so
    paying twice credits once.
    """
    if not isinstance(amount, Decimal):
        raise TypeError("amount must be a Decimal")
    if not reference.strip():
        raise ContributionError("字段 缴费流水号：必填")
    # The unit row lock serialises two payments of one unit.
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    month = _first_of_month(month)
    rows = list(Contribution.objects.select_for_update().filter(unit=unit, month=month, paid=False)
                .order_by("person_id"))
    if not rows:
        if Contribution.objects.filter(unit=unit, month=month).exists():
            raise ContributionError(f"{unit.name} 费款所属期 {month:%Y-%m} 已足额到账，本次 {amount} 元不予入账")
        raise ContributionError(f"{unit.name} 费款所属期 {month:%Y-%m} 尚未核定缴费，不能入账")
    owed = sum((r.unit_part + r.personal_part for r in rows), Decimal("0.00"))
    if amount != owed:
        raise ContributionError(
            f"字段 缴费金额：{unit.name} 费款所属期 {month:%Y-%m} 应缴 {owed} 元，实缴 {amount} 元，金额不符，不予入账")
    accounts = {a.person_id: a for a in PersonalAccount.objects.filter(person_id__in=[r.person_id for r in rows])}
    for row in rows:
        account = accounts.get(row.person_id)
        if account is None:
            # An employee enrolled before accounts were opened automatically.
            account = PersonalAccount.objects.create(person_id=row.person_id)
        if row.personal_part > 0:
            post_movement(account=account, kind=MovementKind.CONTRIBUTION, amount=row.personal_part,
                          reference=contribution_reference(unit=unit, person_id=row.person_id, month=month),
                          actor=actor, note=f"{month:%Y-%m} 个人缴费划入（{unit.name}）")
    Contribution.objects.filter(pk__in=[r.pk for r in rows]).update(paid=True)
    record_audit(actor=actor, action="enrollment.contribution.paid", object_type="Unit", object_id=unit.uscc,
                 before={"month": f"{month:%Y-%m}", "owed": str(owed)},
                 after={"month": f"{month:%Y-%m}", "paid": str(amount), "persons": len(rows),
                        "reference": reference.strip()})
    return MonthPayment(month, amount, len(rows), reference.strip())


# --- 缴费基数申报 (报盘) ------------------------------------------------------------------------

@dataclass(frozen=True)
class BaseRow:
    """One data row of a 报盘 as read from the file (``row`` is the Excel row number)."""

    row: int
    id_number: str
    name: str
    year: str
    base: str


@dataclass(frozen=True)
class GoodRow:
    row: int
    person_id: int
    id_number: str
    name: str
    base: Decimal


@dataclass
class BaseCheck:
    good: list[GoodRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def parse_base(text: str) -> Decimal:
    """A 月缴费基数 as written in the file: digits with at most two decimals."""
    cleaned = text.replace(",", "").replace("，", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"月缴费基数「{text}」不是数字") from None
    if not value.is_finite():
        raise ValueError(f"月缴费基数「{text}」不是数字")
    if value != value.quantize(CENT):
        raise ValueError(f"月缴费基数「{text}」最多保留两位小数")
    return value.quantize(CENT)


def _persons_by_id(numbers: list[str]) -> dict[str, tuple[int, str]]:
    """(id, name) of the unmerged persons with these ID numbers, by ID number."""
    if connection.vendor == "postgresql":
        # One text parameter split by the server instead of thousands of IN placeholders (or an
        # array quoted element by element on the client): compiling and quoting them was most of
        # the time of a 10 000-row 报盘. ID numbers are digits and X, never a comma. Joined (not
        # "= ANY"), the planner looks each number up in the unique index rather than scanning all
        # persons in parallel: 37–72 ms instead of 98 ms at 1 M persons, and it does not grow with them.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT p.id, p.id_number, p.name FROM unnest(string_to_array(%s, ',')) AS n(id_number) "
                           f"JOIN {Person._meta.db_table} p ON p.id_number = n.id_number "
                           "WHERE p.merged_into_id IS NULL", [",".join(numbers)])
            return {id_number: (pk, name) for pk, id_number, name in cursor.fetchall()}
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(numbers), CHUNK):
        for pk, id_number, name in Person.objects.filter(
                id_number__in=numbers[start:start + CHUNK], merged_into__isnull=True).values_list(
                "id", "id_number", "name"):
            found[id_number] = (pk, name)
    return found


def check_base_declarations(*, unit: Unit, year: int, rows: list[BaseRow]) -> BaseCheck:
    """Check every row of a 报盘 against the records; all problems of all rows at once.

    A row is bad when its ID number is invalid, its name differs from the
    person record, the person is not an active employee (在职 or 退休) of this
    unit, the base is not a number or outside the documented range, the year is
    not the declaration's year, or the ID number appears on more than one row.
    Two queries whatever the number of rows (persons in chunks, the unit's periods).
    """
    rules = baopan_rules()
    result = BaseCheck()
    numbers = [r.id_number for r in rows if r.id_number]
    persons = _persons_by_id(sorted(set(numbers)))
    employees = set(InsurancePeriod.objects.filter(
        unit=unit, insurance_type=InsuranceType.EMPLOYEE_BASIC, status=InsuranceStatus.INSURED,
        category__in=DECLARABLE_CATEGORIES).values_list("person_id", flat=True))
    seen: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        if r.id_number:
            seen[r.id_number].append(r.row)
    for r in rows:
        problems: list[str] = []
        person = None
        if not r.id_number:
            problems.append("证件号码必填")
        elif r.id_number in persons:
            person = persons[r.id_number]
        else:
            try:
                validate_resident_id(r.id_number, field_name="证件号码")
                problems.append(f"证件号码 {r.id_number} 没有参保登记记录")
            except InvalidIdentifier as exc:
                problems.append(str(exc))
        if len(seen.get(r.id_number, ())) > 1:
            others = "、".join(str(n) for n in seen[r.id_number] if n != r.row)
            problems.append(f"证件号码与第 {others} 行重复")
        if not r.name:
            problems.append("姓名必填")
        elif person is not None and person[1] != r.name:
            problems.append(f"姓名「{r.name}」与参保登记姓名不符")
        if person is not None and person[0] not in employees:
            problems.append(f"不是本单位（{unit.name}）正常参保的职工")
        if r.year != str(year):
            problems.append(f"申报年度「{r.year or '空'}」与本次申报年度 {year} 不符")
        base = None
        if not r.base:
            problems.append("月缴费基数必填")
        else:
            try:
                base = parse_base(r.base)
            except ValueError as exc:
                problems.append(str(exc))
            else:
                if not rules["base_min"] <= base <= rules["base_max"]:
                    problems.append(f"月缴费基数 {base} 元超出申报范围 {rules['base_min']}–{rules['base_max']} 元")
        if problems:
            result.errors.append((r.row, "；".join(problems)))
        else:
            result.good.append(GoodRow(r.row, person[0], r.id_number, r.name, base))
    return result


def _upsert_bases(*, unit: Unit, year: int, good: list, case_number: str, now) -> None:
    """One upsert of the declared bases. A 报盘 has thousands of rows: on PostgreSQL they go as
    two comma-separated texts split by the server into arrays in one statement (``unnest``),
    elsewhere as one prepared statement executed per row, instead of building a model instance per
    row (most of the time of a 10 000-row apply)."""
    table = BaseDeclaration._meta.db_table
    upsert = ("ON CONFLICT (unit_id, person_id, year) DO UPDATE SET base = EXCLUDED.base, "
              "case_number = EXCLUDED.case_number, declared_at = EXCLUDED.declared_at")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (unit_id, person_id, year, base, case_number, declared_at) "
                f"SELECT %s, person_id, %s, base, %s, %s FROM unnest("
                f"string_to_array(%s, ',')::bigint[], string_to_array(%s, ',')::numeric[]) "
                f"AS rows(person_id, base) {upsert}",
                [unit.pk, year, case_number, now, ",".join(str(g.person_id) for g in good),
                 ",".join(str(g.base) for g in good)])
        else:
            ops, at = connection.ops, connection.ops.adapt_datetimefield_value(now)
            cursor.executemany(
                f"INSERT INTO {table} (unit_id, person_id, year, base, case_number, declared_at) "
                f"VALUES (%s, %s, %s, %s, %s, %s) {upsert}",
                [(unit.pk, g.person_id, year, ops.adapt_decimalfield_value(g.base, 12, 2), case_number, at)
                 for g in good])


@transaction.atomic
def declare_bases(*, unit: Unit, year: int, rows: list[BaseRow], actor: str, case_number: str = "") -> int:
    """Write the declared bases of a 报盘 (one bulk upsert); refused if any row is bad.

    The rows are checked again here, under the unit's row lock, so that what
    the clerk completes is what the records say now; the error lists every
    bad row with its number.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.status != UnitStatus.ACTIVE:
        raise ContributionError(f"{unit.name} 当前状态为「{unit.get_status_display()}」，不能申报缴费基数")
    checked = check_base_declarations(unit=unit, year=year, rows=rows)
    if checked.errors:
        shown = "；".join(f"第 {n} 行：{reason}" for n, reason in checked.errors[:20])
        more = f"（共 {len(checked.errors)} 行）" if len(checked.errors) > 20 else ""
        raise ContributionError(f"报盘有不符合条件的行，未写入任何申报{more}：{shown}")
    if not checked.good:
        raise ContributionError("报盘没有数据行")
    _upsert_bases(unit=unit, year=year, good=checked.good, case_number=case_number, now=timezone.now())
    total = sum((g.base for g in checked.good), Decimal("0.00"))
    record_audit(actor=actor, action="enrollment.base.declare", object_type="Unit", object_id=unit.uscc,
                 after={"year": year, "rows": len(checked.good), "base_total": str(total),
                        "case": case_number or None})
    return len(checked.good)


@transaction.atomic
def record_baopan_upload(*, sha256: str, uscc: str, actor: str) -> BaopanUpload:
    """Note that unit ``uscc`` uploaded the 报盘 workbook ``sha256`` (a declaration may cite only its own)."""
    row, created = BaopanUpload.objects.get_or_create(sha256=sha256, uscc=uscc)
    if created:
        record_audit(actor=actor, action="enrollment.baopan.upload", object_type="BaopanUpload",
                     object_id=str(row.pk), after={"sha256": sha256, "uscc": uscc})
    return row
