"""职工 (险种 310, with 510 生育 where the unit insures it): the batch items of a unit and 灵活就业.

Rows (form 表2 参保人员): a unit names its people as rows — 证件类型, 证件号码,
姓名, 性别, 出生日期, 参保日期, 月缴费基数, 人员类别, 统筹区内转移 — typed as
dicts (API) or pasted as text, one person a line, columns separated by tabs
(Excel) or commas (``parse_rows_text``). ``check_rows`` reports every bad row at
once ("第 3 行 证件号码：…") and the writes apply nothing unless every row is
good: they run in one transaction and re-check each row under the person's
row lock (``start_period`` / ``stop_period`` lock it).

Rules decided here:

- 新参 / 续保: a person insured (310) anywhere is refused: "仍在「X」参保，请原单位
  先办理停保" (or, at this unit, "已在本单位参保"). 续保 needs an earlier 310
  period of the person. 统筹区内转移 (the row's last column = 是) needs a 310
  period of this region that another unit already stopped; the new period may
  not start on or before that period's end date. Without the marker the same
  person is simply enrolled (新参 of someone who worked elsewhere before).
- Where the unit insures 生育保险 (``Unit.insurance_types``), a 510 period
  starts with the 310 one and stops with it.
- A person holding active 城乡居民 (390) is refused with the message of
  ``DuplicateInsurance`` unless the application chose 重复参保处理
  (``KEEP_EMPLOYEE``): the 390 period then stops the day before the 310 start.
- 停保: the reason (the situation) decides the status (``data/employee_rules.yaml``:
  2 暂停 or 4 终止); 死亡 also sets ``Person.death_date``. Only a person insured
  at the applying unit can be stopped; one already stopped is refused.
- 在职转退休: the 在职 period ends the day before and a 退休 period starts at
  the same unit (510 stops: retirees pay no 生育保险).
- 灵活就业: see ``enroll_flexible``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import F

from yibao.agencies.models import Agency, Region
from yibao.audit.services import record_audit
from yibao.enrollment.id_documents import validate_id_document
from yibao.enrollment.models import (
    BaseDeclaration,
    Contribution,
    IdType,
    InsurancePeriod,
    InsuranceStatus,
    InsuranceType,
    Person,
    PersonCategory,
    Unit,
    UnitStatus,
)
from yibao.enrollment.policies import policy_for
from yibao.enrollment.rules_files import EmployeeRules, load_rules_file
from yibao.enrollment.selectors import person_row
from yibao.enrollment.services.errors import DuplicateInsurance, EnrollmentError
from yibao.enrollment.services.periods import (
    active_periods,
    create_person,
    ensure_person,
    start_period,
    stop_period,
)
from yibao.ids import InvalidIdentifier
from yibao.transactions import nested_service

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "employee_rules.yaml"
EMPLOYEE = InsuranceType.EMPLOYEE_BASIC
RESIDENT = InsuranceType.RESIDENT_BASIC
MATERNITY = InsuranceType.MATERNITY
MATERNITY_LABEL = "生育保险"  # as Unit.insurance_types names it (form 表1)
CENT = Decimal("0.01")
# The 重复参保处理 an employee application may ask for (Jincheng guide: 选取主账户, 暂停另一险种).
KEEP_EMPLOYEE = "保留职工医保，暂停居民医保"

# The columns of a row, in the order a pasted line gives them (form 表2 参保人员).
ROW_COLUMNS = ("id_type", "id_number", "name", "sex", "birth_date", "start_date", "base", "category",
               "transfer")
COLUMN_LABELS = {"id_type": "证件类型", "id_number": "证件号码", "name": "姓名", "sex": "性别",
                 "birth_date": "出生日期", "start_date": "参保日期", "base": "月缴费基数",
                 "category": "人员类别", "transfer": "统筹区内转移"}
ROWS_HELP = ("每行一人，各列以制表符（从 Excel 复制）或逗号分隔，列顺序：" + "、".join(COLUMN_LABELS.values())
             + "。证件类型填代码（01 居民身份证）或名称；性别、出生日期可空（从身份证号码读取）；"
               "人员类别填 在职 或 退休（默认在职）；统筹区内转移填 是 或留空。停保、在职转退休只需前三列。")
CATEGORIES = {"在职": PersonCategory.EMPLOYED, "在职职工": PersonCategory.EMPLOYED,
              "退休": PersonCategory.RETIRED, "退休人员": PersonCategory.RETIRED}
SEXES = {"男": "1", "女": "2", "1": "1", "2": "2"}
YES = ("是", "Y", "y", "1", "true")


class RowsRefused(EnrollmentError):
    """One or more rows are bad; the message names each (第 N 行 字段：…)."""


class FlexibleRefused(EnrollmentError):
    pass


@cache
def employee_rules() -> dict:
    """The rules of ``data/employee_rules.yaml`` (read once)."""
    return load_rules_file(RULES_FILE, EmployeeRules)


def stop_reasons() -> tuple[str, ...]:
    return tuple(employee_rules()["stop_reasons"])


# --- parsing rows ------------------------------------------------------------------------------

def parse_rows_text(text: str) -> list[dict]:
    """Pasted rows → row dicts with their line number; blank lines are skipped.

    A line is split on tabs when it has one (Excel), else on commas (half- or
    full-width). Too many columns are kept as an error for ``check_rows``.
    """
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in (line.split("\t") if "\t" in line else re.split(r"[,，]", line))]
        while cells and not cells[-1]:
            cells.pop()
        row: dict = {"line": number}
        if len(cells) > len(ROW_COLUMNS):
            row["error"] = f"列数过多（{len(cells)} 列），应不超过 {len(ROW_COLUMNS)} 列：{'、'.join(COLUMN_LABELS.values())}"
        row.update(zip(ROW_COLUMNS, cells, strict=False))
        rows.append(row)
    return rows


def _parse_date(text: str, label: str) -> date:
    match = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?", text.strip())
    if not match:
        raise ValueError(f"{label}：「{text}」不是有效日期，请写作 2026-01-01")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(f"{label}：「{text}」不是有效日期") from None


def parse_month(text: str, label: str) -> date:
    """'2026-03' (or 202603, 2026年3月) → 2026-03-01."""
    match = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})月?", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"字段 {label}：「{text}」不是有效月份，请写作 2026-03")
    return date(int(match.group(1)), int(match.group(2)), 1)


def _money(text: str, label: str, *, low: Decimal, high: Decimal) -> Decimal:
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(f"{label}：「{text}」不是有效金额") from None
    if not value.is_finite() or value != value.quantize(CENT):
        raise ValueError(f"{label}：「{text}」不是有效金额（最多两位小数）")
    if not low <= value <= high:
        raise ValueError(f"{label}：{value} 超出范围 {low}–{high} 元")
    return value.quantize(CENT)


def _id_type(text: str) -> str:
    text = (text or "").strip() or IdType.RESIDENT_ID
    if text in IdType.values:
        return text
    if text.isdigit() and len(text) == 1 and "0" + text in IdType.values:  # Excel drops the leading zero
        return "0" + text
    for value, label in IdType.choices:
        if text == label or text in label.replace("（", "(").replace("）", ")").split("(")[0]:
            return value
    raise ValueError(f"证件类型：「{text}」无效，可选：{'、'.join(f'{v} {lb}' for v, lb in IdType.choices)}")


@dataclass(frozen=True)
class EmployeeRow:
    """A checked row."""

    line: int
    id_type: str
    id_number: str
    name: str
    sex: str = ""
    birth_date: date | None = None
    start_date: date | None = None
    base: Decimal | None = None
    category: str = PersonCategory.EMPLOYED
    transfer: bool = False


def _cell(row: dict, key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _row_person(row: dict, *, full: bool) -> EmployeeRow:
    """Check one row's own cells (no database); raises ValueError naming the column."""
    if row.get("error"):
        raise ValueError(row["error"])
    id_type = _id_type(_cell(row, "id_type"))
    try:
        document = validate_id_document(id_type, _cell(row, "id_number"))
    except InvalidIdentifier as exc:
        raise ValueError(f"证件号码：{exc}") from exc
    name = _cell(row, "name")
    if not name:
        raise ValueError("姓名：必填")
    if len(name) > 50:
        raise ValueError("姓名：不能超过 50 个字")
    if not full:
        return EmployeeRow(line=int(row.get("line") or 0), id_type=id_type, id_number=document.number, name=name)
    sex_text = _cell(row, "sex")
    if sex_text and sex_text not in SEXES:
        raise ValueError(f"性别：「{sex_text}」无效，应为 男 或 女")
    sex = SEXES.get(sex_text) or document.sex or ""
    if not sex:
        raise ValueError("性别：证件号码不含性别，必填")
    if document.sex and sex != document.sex:
        raise ValueError(f"性别：与证件号码不符（证件号码表明为{'男' if document.sex == '1' else '女'}）")
    birth_text = _cell(row, "birth_date")
    birth = _parse_date(birth_text, "出生日期") if birth_text else document.birth_date
    if birth is None:
        raise ValueError("出生日期：证件号码不含出生日期，必填")
    if document.birth_date and birth != document.birth_date:
        raise ValueError(f"出生日期：{birth:%Y-%m-%d} 与证件号码中的 {document.birth_date:%Y-%m-%d} 不符")
    start_text = _cell(row, "start_date")
    if not start_text:
        raise ValueError("参保日期：必填")
    start = _parse_date(start_text, "参保日期")
    base_text = _cell(row, "base")
    if not base_text:
        raise ValueError("月缴费基数：必填")
    base = _money(base_text, "月缴费基数", low=CENT, high=Decimal(employee_rules()["employee_base_max"]))
    category_text = _cell(row, "category") or "在职"
    if category_text not in CATEGORIES:
        raise ValueError(f"人员类别：「{category_text}」无效，应为 在职 或 退休")
    transfer_text = _cell(row, "transfer")
    if transfer_text and transfer_text not in YES + ("否", "N", "n", "0", "false"):
        raise ValueError(f"统筹区内转移：「{transfer_text}」无效，应为 是 或留空")
    return EmployeeRow(line=int(row.get("line") or 0), id_type=id_type, id_number=document.number, name=name,
                       sex=sex, birth_date=birth, start_date=start, base=base,
                       category=CATEGORIES[category_text], transfer=transfer_text in YES)


def _where(period: InsurancePeriod) -> str:
    if period.unit_id:
        return period.unit.name
    return f"灵活就业人员（单位编号 {period.unit_code}）" if period.unit_code else "其他参保单位"


def _row_label(index: int, row: dict) -> str:
    return f"第 {row.get('line') or index} 行"


def _raise_all(problems: list[str]) -> None:
    if problems:
        raise RowsRefused("；".join(problems))


def _check_batch(rows: list[dict]) -> None:
    if not rows:
        raise RowsRefused("字段 参保人员：至少填写一行")
    limit = employee_rules()["max_rows"]
    if len(rows) > limit:
        raise RowsRefused(f"字段 参保人员：一次最多 {limit} 行，共 {len(rows)} 行，请分批办理或使用报盘导入")


# --- 新参 / 续保 -------------------------------------------------------------------------------

def _enrollment_problem(row: EmployeeRow, person: Person | None, *, unit: Unit, resume: bool,
                        duplicate_resolution: str) -> str:
    """Why ``row`` cannot be enrolled at ``unit`` ('' if it can); reads only."""
    if row.start_date < unit.registered_on:
        return f"参保日期：{row.start_date:%Y-%m-%d} 早于单位参保日期 {unit.registered_on:%Y-%m-%d}"
    if person is None:
        if resume:
            return "证件号码：没有职工医保参保记录，不能续保，请按新参办理"
        if row.transfer:
            return "统筹区内转移：在本统筹区没有职工医保参保记录，请按新参办理"
        return ""
    if person.merged_into_id:
        return "证件号码：该记录已合并至另一记录，请使用保留的记录办理"
    if person.name != row.name:
        return f"姓名：「{row.name}」与参保记录的姓名「{person.name}」不符"
    if person.death_date:
        return f"证件号码：{person.name} 已于 {person.death_date:%Y-%m-%d} 死亡，不能参保"
    current = active_periods(person, EMPLOYEE).first()
    if current is not None:
        if current.unit_id == unit.pk:
            return f"证件号码：{person.name} 已在本单位参保"
        return f"证件号码：{person.name} 仍在「{_where(current)}」参保，请原单位先办理停保"
    earlier = (InsurancePeriod.objects.filter(person=person, insurance_type=EMPLOYEE).select_related("unit")
               .order_by(F("end_date").desc(nulls_last=True), "-start_date").first())
    if resume and earlier is None:
        return "证件号码：没有职工医保参保记录，不能续保，请按新参办理"
    if row.transfer:
        if earlier is None or earlier.unit is None or earlier.unit.region_id != unit.region_id \
                or earlier.unit_id == unit.pk:
            return "统筹区内转移：在本统筹区其他单位没有已停保的职工医保参保记录，请按新参办理"
        if earlier.end_date and row.start_date <= earlier.end_date:
            return (f"参保日期：{row.start_date:%Y-%m-%d} 不晚于原单位「{earlier.unit.name}」的停保日期 "
                    f"{earlier.end_date:%Y-%m-%d}")
    resident = active_periods(person, RESIDENT).first()
    if resident is not None and duplicate_resolution != KEEP_EMPLOYEE:
        return (f"重复参保：{person.name} 正在参加城乡居民基本医疗保险（险种 390），不能同时参加职工基本医疗保险"
                f"（险种 310）。请选择重复参保处理「{KEEP_EMPLOYEE}」")
    if resident is not None and row.start_date <= resident.start_date:
        return f"参保日期：重复参保处理须在居民医保开始日期 {resident.start_date:%Y-%m-%d} 之后"
    return ""


def check_unit_in_business(unit: Unit) -> None:
    if unit.status != UnitStatus.ACTIVE:
        raise EnrollmentError(f"单位「{unit.name}」当前为「{unit.get_status_display()}」状态，不能办理人员参保")


def check_enrollment_rows(*, unit: Unit, rows: list[dict], resume: bool = False,
                          duplicate_resolution: str = "") -> list[EmployeeRow]:
    """Check 新参 (or 续保) rows for ``unit``; every bad row is reported at once. Reads only."""
    return [row for row, _ in _checked_enrollment_rows(unit=unit, rows=rows, resume=resume,
                                                        duplicate_resolution=duplicate_resolution)]


def _checked_enrollment_rows(*, unit: Unit, rows: list[dict], resume: bool,
                             duplicate_resolution: str) -> list[tuple[EmployeeRow, Person | None]]:
    """``check_enrollment_rows`` with each row's existing record (None for a new person)."""
    check_unit_in_business(unit)
    _check_batch(rows)
    problems, checked, seen = [], [], {}
    for index, raw in enumerate(rows, start=1):
        label = _row_label(index, raw)
        try:
            row = _row_person(raw, full=True)
        except ValueError as exc:
            problems.append(f"{label} {exc}")
            continue
        if row.id_number in seen:
            problems.append(f"{label} 证件号码：与{seen[row.id_number]}重复")
            continue
        seen[row.id_number] = label
        if row.category != PersonCategory.EMPLOYED:
            problems.append(f"{label} 人员类别：新参、续保只登记在职职工，退休请办理在职转退休")
            continue
        # Raw row: a merged-away number on an import row is refused by _enrollment_problem, not redirected.
        person = person_row(row.id_number)
        problem = _enrollment_problem(row, person, unit=unit, resume=resume,
                                      duplicate_resolution=duplicate_resolution)
        if problem:
            problems.append(f"{label} {problem}")
        checked.append((row, person))
    _raise_all(problems)
    return checked


def _insures_maternity(unit: Unit) -> bool:
    return MATERNITY_LABEL in (unit.insurance_types or []) or MATERNITY in (unit.insurance_types or [])


@nested_service
def enroll_employees(*, unit: Unit, rows: list[dict], actor: str, resume: bool = False,
                     duplicate_resolution: str = "", case_number: str = "") -> list[InsurancePeriod]:
    """职工参保登记（新参 / 续保, 表2 增加 / 恢复): enroll every row at ``unit`` or none.

    Creates the person where needed, resolves a chosen 重复参保处理, opens the
    310 period (and 510 where the unit insures 生育保险) and records the row's
    monthly base as the year's 缴费基数申报.
    """
    # of=self: the unit's row only. Locking the joined region and agency rows too would queue every
    # unit of the agency behind one another and deadlock with the foreign-key checks of the inserts.
    unit = Unit.objects.select_for_update(of=("self",)).select_related("region", "home_agency").get(pk=unit.pk)
    checked = _checked_enrollment_rows(unit=unit, rows=rows, resume=resume,
                                       duplicate_resolution=duplicate_resolution)
    periods = []
    for row, person in checked:
        # The check read each record in this transaction: a person it found is used as read
        # (start_period locks and checks it again); one it did not find is created here.
        created = person is None
        try:
            if created:
                try:
                    person = create_person(id_number=row.id_number, name=row.name, sex=row.sex,
                                           birth_date=row.birth_date, region=unit.region,
                                           home_agency=unit.home_agency, actor=actor, id_type=row.id_type,
                                           case_number=case_number)
                except IntegrityError as exc:  # a concurrent case created the same person first
                    raise EnrollmentError(
                        f"证件号码：{row.id_number} 正由另一办件登记参保，请核实后重新办理") from exc
            if duplicate_resolution == KEEP_EMPLOYEE and not created:
                for resident in active_periods(person, RESIDENT):
                    stop_period(period=resident, end_date=max(row.start_date - timedelta(days=1), resident.start_date),
                                reason=f"重复参保处理：保留职工医保（{unit.name}）", actor=actor,
                                case_number=case_number)
            periods.append(start_period(person=person, insurance_type=EMPLOYEE, category=row.category,
                                        start_date=row.start_date, home_agency=unit.home_agency, unit=unit,
                                        actor=actor, case_number=case_number, created_here=created))
            if _insures_maternity(unit) and (created or not active_periods(person, MATERNITY).exists()):
                periods.append(start_period(person=person, insurance_type=MATERNITY, category=row.category,
                                            start_date=row.start_date, home_agency=unit.home_agency, unit=unit,
                                            actor=actor, case_number=case_number, created_here=created))
        except (DuplicateInsurance, EnrollmentError) as exc:  # a concurrent case changed the person since the check
            raise RowsRefused(f"第 {row.line} 行 {exc}") from exc
        # The unit row is locked above (as the 报盘 locks it): no concurrent declaration meanwhile;
        # a person created here has none at all.
        if created or not BaseDeclaration.objects.filter(unit=unit, person=person, year=row.start_date.year).update(
                base=row.base, case_number=case_number):
            BaseDeclaration.objects.create(unit=unit, person=person, year=row.start_date.year, base=row.base,
                                           case_number=case_number)
    record_audit(actor=actor, action="enrollment.employees.resume" if resume else "enrollment.employees.enroll",
                 object_type="Unit", object_id=unit.uscc,
                 after={"persons": [r.id_number for r, _ in checked], "transfer": [r.id_number for r, _ in checked
                                                                                       if r.transfer],
                        "duplicate_resolution": duplicate_resolution or None, "case": case_number or None})
    return periods


# --- 停保 / 在职转退休 -------------------------------------------------------------------------

def _insured_here(person: Person | None, unit: Unit, label: str, id_number: str) -> InsurancePeriod | str:
    """The person's active 310 period at ``unit``, or the reason there is none."""
    if person is None:
        return f"{label} 证件号码：{id_number} 不是本单位的参保人员"
    period = active_periods(person, EMPLOYEE).filter(unit=unit).first()
    if period is not None:
        return period
    last_here = (InsurancePeriod.objects.filter(person=person, insurance_type=EMPLOYEE, unit=unit)
                 .order_by("-start_date").first())
    if last_here is not None:
        return (f"{label} {person.name} 的职工基本医疗保险当前为「{last_here.get_status_display()}」，"
                "不能重复停保或转退休")
    return f"{label} 证件号码：{id_number} 不是本单位的参保人员"


def _persons_of_unit(*, unit: Unit, rows: list[dict], employed_only: bool = False) -> list[tuple[EmployeeRow, InsurancePeriod]]:
    _check_batch(rows)
    problems, found, seen = [], [], set()
    for index, raw in enumerate(rows, start=1):
        label = _row_label(index, raw)
        try:
            row = _row_person(raw, full=False)
        except ValueError as exc:
            problems.append(f"{label} {exc}")
            continue
        if row.id_number in seen:
            problems.append(f"{label} 证件号码：{row.id_number} 重复填写")
            continue
        seen.add(row.id_number)
        # Raw row: the row names the record under this number; a merged one is refused, not redirected.
        person = Person.objects.filter(id_number=row.id_number).first()
        result = _insured_here(person, unit, label, row.id_number)
        if isinstance(result, str):
            problems.append(result)
            continue
        if person.name != row.name:
            problems.append(f"{label} 姓名：「{row.name}」与参保记录的姓名「{person.name}」不符")
            continue
        if employed_only and result.category != PersonCategory.EMPLOYED:
            problems.append(f"{label} {person.name} 当前人员类别为「{result.get_category_display()}」，不能转退休")
            continue
        found.append((row, result))
    _raise_all(problems)
    return found


def stop_status(reason: str) -> str:
    """The 参保状态 a 停保 reason leads to (data file)."""
    return employee_rules()["stop_reasons"][reason]["status"]


def check_suspension(*, unit: Unit, rows: list[dict], reason: str, on: date) -> list[tuple[EmployeeRow, InsurancePeriod]]:
    """Check 停保 rows: each person insured at ``unit`` (not yet stopped); reads only."""
    if reason not in employee_rules()["stop_reasons"]:
        raise EnrollmentError(f"字段 停保原因：「{reason}」无效，可选：{'、'.join(stop_reasons())}")
    found = _persons_of_unit(unit=unit, rows=rows)
    early = [f"第 {row.line} 行 停保日期：{on:%Y-%m-%d} 早于参保开始日期 {period.start_date:%Y-%m-%d}"
             for row, period in found if on < period.start_date]
    _raise_all(early)
    return found


@transaction.atomic
def suspend_employees(*, unit: Unit, rows: list[dict], reason: str, on: date, actor: str,
                      case_number: str = "") -> int:
    """职工参保登记（停保, 表2 暂停 / 终止): stop 310 (and 510) at ``unit`` for every row or none.

    The status follows the reason (data file); 死亡 records ``on`` as the death date.
    """
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    found = check_suspension(unit=unit, rows=rows, reason=reason, on=on)
    rule = employee_rules()["stop_reasons"][reason]
    for row, period in found:
        try:
            for each in active_periods(period.person).filter(unit=unit):
                stop_period(period=each, end_date=on, reason=reason, actor=actor, case_number=case_number,
                            status=rule["status"])
        except EnrollmentError as exc:
            raise RowsRefused(f"第 {row.line} 行 {exc}") from exc
        if rule.get("death"):
            Person.objects.filter(pk=period.person_id).update(death_date=on)
            record_audit(actor=actor, action="enrollment.person.death", object_type="Person",
                         object_id=row.id_number, after={"death_date": on.isoformat(), "case": case_number or None})
    record_audit(actor=actor, action="enrollment.employees.suspend", object_type="Unit", object_id=unit.uscc,
                 after={"persons": [r.id_number for r, _p in found], "reason": reason, "on": on.isoformat(),
                        "case": case_number or None})
    return len(found)


def check_retirement(*, unit: Unit, rows: list[dict], on: date) -> list[tuple[EmployeeRow, InsurancePeriod]]:
    """Check 在职转退休 rows: each person insured at ``unit`` as 在职职工; reads only."""
    found = _persons_of_unit(unit=unit, rows=rows, employed_only=True)
    early = [f"第 {row.line} 行 退休日期：{on:%Y-%m-%d} 不晚于参保开始日期 {period.start_date:%Y-%m-%d}"
             for row, period in found if on <= period.start_date]
    _raise_all(early)
    return found


@transaction.atomic
def retire_employees(*, unit: Unit, rows: list[dict], on: date, actor: str, case_number: str = "") -> int:
    """职工参保登记（在职转退休): end the 在职 period the day before ``on``, start a 退休 one at the same unit."""
    unit = Unit.objects.select_for_update(of=("self",)).select_related("home_agency").get(pk=unit.pk)
    found = check_retirement(unit=unit, rows=rows, on=on)
    for row, period in found:
        try:
            for each in active_periods(period.person).filter(unit=unit):
                stop_period(period=each, end_date=on - timedelta(days=1), reason="在职转退休", actor=actor,
                            case_number=case_number, status=InsuranceStatus.TERMINATED)
            start_period(person=period.person, insurance_type=EMPLOYEE, category=PersonCategory.RETIRED,
                         start_date=on, home_agency=period.home_agency, unit=unit, actor=actor,
                         case_number=case_number)
        except EnrollmentError as exc:
            raise RowsRefused(f"第 {row.line} 行 {exc}") from exc
    record_audit(actor=actor, action="enrollment.employees.retire", object_type="Unit", object_id=unit.uscc,
                 after={"persons": [r.id_number for r, _p in found], "on": on.isoformat(),
                        "case": case_number or None})
    return len(found)


# --- 灵活就业人员 --------------------------------------------------------------------------------

def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@dataclass(frozen=True)
class FlexiblePlan:
    """What a 灵活就业 application will create (checked)."""

    row: EmployeeRow
    start_month: date
    months: tuple[date, ...]          # declared months (按月 1 / 按季 3 / 按年 12)
    backpay_months: tuple[date, ...]  # 补缴 months, oldest first
    base: Decimal
    monthly_amount: Decimal
    unit_code: str


def _insured_in(person: Person | None, month: date) -> bool:
    if person is None:
        return False
    periods = InsurancePeriod.objects.filter(person=person, insurance_type=EMPLOYEE, start_date__lte=_month_end(month))
    return periods.filter(end_date__isnull=True).exists() or periods.filter(end_date__gte=month).exists()


def check_flexible(*, region: Region, person_row: dict, payment_period: str, base: str, start_month: date,
                   backpay_from: date | None = None, duplicate_resolution: str = "",
                   today: date) -> FlexiblePlan:
    """Check a 灵活就业人员参保登记 and its declaration (reads only).

    - Refused while the person is insured at a unit ("仍在「X」参保，请原单位先办理停保")
      or already as a flexible worker.
    - ``payment_period`` 按月 / 按季 / 按年 declares 1 / 3 / 12 months from
      ``start_month``, which may not lie before the current month (earlier
      months are 补缴) nor after the next one.
    - The monthly base lies between ``base_min`` and ``base_max`` of the data file.
    - 补缴 (``backpay_from``, optional): the months from ``backpay_from`` to the
      month before ``start_month``, at most ``backpay_max_months`` back; each
      must lie in an earlier 310 period of the person (insured then) and have no
      310 contribution row yet. Any other month is refused by name.
    """
    rules = employee_rules()["flexible"]
    try:
        row = _row_person({**person_row, "start_date": start_month.isoformat(), "base": base}, full=True)
    except ValueError as exc:
        raise FlexibleRefused(f"字段 {exc}") from exc
    if payment_period not in rules["payment_periods"]:
        raise FlexibleRefused(f"字段 申报方式：「{payment_period}」无效，可选：{'、'.join(rules['payment_periods'])}")
    try:
        amount_base = _money(base, "字段 月缴费基数", low=Decimal(rules["base_min"]), high=Decimal(rules["base_max"]))
    except ValueError as exc:
        raise FlexibleRefused(str(exc)) from exc
    this_month = today.replace(day=1)
    if start_month < this_month:
        raise FlexibleRefused(f"字段 申报起始月份：{start_month:%Y-%m} 早于本月，以前月份请选择补缴")
    if start_month > _add_months(this_month, 1):
        raise FlexibleRefused(f"字段 申报起始月份：{start_month:%Y-%m} 晚于下月，不能预先登记")
    # Raw row: a merged-away record is refused with its own message below.
    person = Person.objects.filter(id_number=row.id_number).first()
    if person is not None:
        if person.merged_into_id:
            raise FlexibleRefused("证件号码：该记录已合并至另一记录，请使用保留的记录办理")
        if person.name != row.name:
            raise FlexibleRefused(f"字段 姓名：「{row.name}」与参保记录的姓名「{person.name}」不符")
        if person.death_date:
            raise FlexibleRefused(f"{person.name} 已于 {person.death_date:%Y-%m-%d} 死亡，不能参保")
        current = active_periods(person, EMPLOYEE).first()
        if current is not None:
            if current.unit_id:
                raise FlexibleRefused(f"{person.name} 仍在「{current.unit.name}」参保，请原单位先办理停保")
            raise FlexibleRefused(f"{person.name} 已以{_where(current)}参保，不能重复登记")
        resident = active_periods(person, RESIDENT).first()
        if resident is not None and duplicate_resolution != KEEP_EMPLOYEE:
            raise FlexibleRefused(
                f"重复参保：{person.name} 正在参加城乡居民基本医疗保险（险种 390），不能同时参加职工基本医疗保险"
                f"（险种 310）。请选择重复参保处理「{KEEP_EMPLOYEE}」")
    months = tuple(_add_months(start_month, i) for i in range(rules["payment_periods"][payment_period]))
    backpay: tuple[date, ...] = ()
    if backpay_from is not None:
        if backpay_from >= start_month:
            raise FlexibleRefused(f"字段 补缴起始月份：{backpay_from:%Y-%m} 应早于申报起始月份 {start_month:%Y-%m}")
        if backpay_from < _add_months(start_month, -rules["backpay_max_months"]):
            raise FlexibleRefused(f"字段 补缴起始月份：最多补缴 {rules['backpay_max_months']} 个月")
        count = (start_month.year - backpay_from.year) * 12 + start_month.month - backpay_from.month
        backpay = tuple(_add_months(backpay_from, i) for i in range(count))
        uninsured = [m for m in backpay if not _insured_in(person, m)]
        if uninsured:
            raise FlexibleRefused(f"字段 补缴起始月份：{'、'.join(f'{m:%Y-%m}' for m in uninsured[:6])} "
                                  "没有职工医保参保记录，只能补缴曾参保期间的月份")
        paid = sorted(Contribution.objects.filter(person=person, insurance_type=EMPLOYEE, month__in=backpay)
                      .values_list("month", flat=True))
        if paid:
            raise FlexibleRefused(f"字段 补缴起始月份：{'、'.join(f'{m:%Y-%m}' for m in paid[:6])} 已有缴费记录，不能重复补缴")
    policy = policy_for(region)
    amount = (amount_base * policy.flexible_rate).quantize(CENT)
    return FlexiblePlan(row=row, start_month=start_month, months=months, backpay_months=backpay,
                        base=amount_base, monthly_amount=amount, unit_code=policy.flexible_unit_code)


@transaction.atomic
def enroll_flexible(*, region: Region, home_agency: Agency, person_row: dict, payment_period: str, base: str,
                    start_month: date, actor: str, today: date, backpay_from: date | None = None,
                    duplicate_resolution: str = "", case_number: str = "") -> InsurancePeriod:
    """灵活就业人员参保登记 and 主动申报: a 310 period without a unit, under the region's flexible code.

    The period (category 灵活就业人员, ``unit_code`` = ``policy_for(region).flexible_unit_code``,
    Jincheng 46065) starts on the first day of ``start_month``; one unpaid
    Contribution row is owed per declared and per 补缴 month: base × flexible
    rate, all personal part. See ``check_flexible`` for the rules.
    """
    plan = check_flexible(region=region, person_row=person_row, payment_period=payment_period, base=base,
                          start_month=start_month, backpay_from=backpay_from,
                          duplicate_resolution=duplicate_resolution, today=today)
    row = plan.row
    try:
        person = ensure_person(id_number=row.id_number, name=row.name, sex=row.sex, birth_date=row.birth_date,
                               region=region, home_agency=home_agency, actor=actor, id_type=row.id_type,
                               phone=str(person_row.get("phone") or ""), case_number=case_number)
    except IntegrityError as exc:  # a concurrent case created the same person first
        raise FlexibleRefused(f"证件号码：{row.id_number} 正由另一办件登记参保，请核实后重新办理") from exc
    if duplicate_resolution == KEEP_EMPLOYEE:
        for resident in active_periods(person, RESIDENT):
            stop_period(period=resident, end_date=max(plan.start_month - timedelta(days=1), resident.start_date),
                        reason="重复参保处理：保留职工医保（灵活就业）", actor=actor, case_number=case_number)
    period = start_period(person=person, insurance_type=EMPLOYEE, category=PersonCategory.FLEXIBLE,
                          start_date=plan.start_month, home_agency=home_agency, unit_code=plan.unit_code,
                          actor=actor, case_number=case_number)
    Contribution.objects.bulk_create([
        Contribution(person=person, unit=None, month=month, insurance_type=EMPLOYEE, base=plan.base,
                     unit_part=Decimal("0.00"), personal_part=plan.monthly_amount, paid=False,
                     case_number=case_number)
        for month in plan.backpay_months + plan.months
    ])
    record_audit(actor=actor, action="enrollment.flexible.enroll", object_type="Person", object_id=row.id_number,
                 after={"unit_code": plan.unit_code, "payment_period": payment_period, "base": str(plan.base),
                        "months": [f"{m:%Y-%m}" for m in plan.months],
                        "backpay": [f"{m:%Y-%m}" for m in plan.backpay_months],
                        "monthly_amount": str(plan.monthly_amount), "case": case_number or None})
    return period


__all__ = [
    "COLUMN_LABELS", "KEEP_EMPLOYEE", "ROWS_HELP", "ROW_COLUMNS", "EmployeeRow", "FlexiblePlan", "FlexibleRefused",
    "RowsRefused", "check_enrollment_rows", "check_flexible", "check_retirement", "check_suspension",
    "employee_rules", "enroll_employees", "enroll_flexible", "parse_month", "parse_rows_text", "retire_employees",
    "stop_reasons", "stop_status", "suspend_employees",
]
