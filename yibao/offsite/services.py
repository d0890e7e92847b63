"""Writes of off-site filings (异地就医备案): file, change, cancel, expire, batch.

Every write locks the person row first (``select_for_update``), so two filings
of one person at the same moment are serialised and the overlap check of the
second sees the first. The checks themselves are in ``check_application``, a
read-only function the case handler and the 花名表 import call before anything
is written.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction

from yibao import clock
from yibao.agencies.models import Region
from yibao.audit.services import record_audit
from yibao.enrollment.models import (
    InsurancePeriod,
    InsuranceStatus,
    InsuranceType,
    Person,
    PersonCategory,
    Unit,
)
from yibao.enrollment.services.periods import BASIC_TYPES, active_periods
from yibao.errors import DomainError
from yibao.offsite.locations import UnknownDestination, resolve_destination
from yibao.offsite.models import FiledBy, FilingStatus, OffsiteFiling
from yibao.offsite.rules import ItemRule, category_label, category_rule, filing_rules

INSURANCE_LABELS = dict(InsuranceType.choices)
PERSON_CATEGORY_LABELS = dict(PersonCategory.choices)


class FilingError(DomainError):
    """A filing that cannot be made, changed or cancelled; the message is for the user."""

    kind = "conflict"
    code = "filing_refused"


@dataclass(frozen=True)
class Application:
    """What a 表9 (or one 花名表 row) asks for."""

    category: str
    destination_province: str
    destination_city: str = ""
    start_date: date | None = None
    end_date: date | None = None
    hospital: str = ""
    reason: str = ""
    offsite_address: str = ""
    phone: str = ""


@dataclass
class Filer:
    """Who files: the person, a unit for its employees, or a hospital's 医保科."""

    kind: str = FiledBy.PERSON
    id_number: str = ""
    name: str = ""
    case_number: str = ""
    by_commitment: bool = False


@dataclass
class PersonState:
    """What the checks need to know of a person (loaded in bulk for a 花名表)."""

    person: Person
    periods: list[InsurancePeriod] = field(default_factory=list)
    filings: list[OffsiteFiling] = field(default_factory=list)  # active ones



def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def minimum_end(start: date) -> date:
    """The earliest end of a temporary filing starting on ``start`` (valid at least N months)."""
    return add_months(start, filing_rules().temporary_min_months) - timedelta(days=1)


def describe(filing: OffsiteFiling) -> str:
    """A filing as the refusals name it: number, category, destination, validity."""
    until = f"至 {filing.end_date:%Y-%m-%d}" if filing.end_date else "起长期有效"
    place = filing.destination_province_name
    if filing.destination_city_name != place:
        place += filing.destination_city_name
    return f"{filing.number}（{category_label(filing.category)}，{place}，{filing.start_date:%Y-%m-%d}{until}）"


def _overlaps(filing: OffsiteFiling, start: date, end: date | None) -> bool:
    last = filing.last_day
    return (last is None or start <= last) and (end is None or filing.start_date <= end)


def load_state(person: Person) -> PersonState:
    return PersonState(
        person=person,
        periods=list(active_periods(person).filter(insurance_type__in=BASIC_TYPES)),
        filings=list(OffsiteFiling.objects.filter(person=person, status=FilingStatus.ACTIVE)),
    )


def check_application(*, state: PersonState, region: Region, rule: ItemRule, application: Application,
                      today: date, replacing: OffsiteFiling | None = None) -> OffsiteFiling:
    """Every precondition of a filing; return the unsaved row or raise ``FilingError``.

    ``replacing`` is the filing a change (变更) supersedes: it does not count as
    an overlap.
    """
    person = state.person
    if application.category not in rule.categories:
        offered = "、".join(category_label(c) for c in rule.categories)
        raise FilingError(f"字段 人员类别：本事项不办理「{category_label(application.category)}」备案，可选：{offered}")
    category = category_rule(application.category)
    if person.merged_into_id:
        raise FilingError(f"{person.name} 的参保记录已合并至另一记录，请使用保留的记录办理")
    if person.death_date:
        raise FilingError(f"{person.name} 已于 {person.death_date:%Y-%m-%d} 死亡，不能办理异地就医备案")
    if person.region_id != region.pk:
        raise FilingError(f"{person.name} 不在{region.name}参保，请向参保地医保经办机构申请备案")
    if not state.periods:
        raise FilingError(f"未参保：{person.name} 当前没有正常参保的基本医疗保险（职工或城乡居民），不能办理异地就医备案")
    allowed = [p for p in state.periods if p.insurance_type in rule.insurance_types]
    if not allowed:
        wanted = "、".join(INSURANCE_LABELS[t] for t in rule.insurance_types)
        held = "、".join(p.get_insurance_type_display() for p in state.periods)
        raise FilingError(f"本事项仅限参加{wanted}的人员办理，{person.name} 参加的是{held}")
    period = allowed[0]
    if rule.person_categories and period.category not in rule.person_categories:
        wanted = "、".join(PERSON_CATEGORY_LABELS[c] for c in rule.person_categories)
        held = PERSON_CATEGORY_LABELS.get(period.category, "未登记")
        raise FilingError(f"本事项仅限{wanted}办理，{person.name} 的人员类别为{held}")
    try:
        province, city = resolve_destination(application.destination_province, application.destination_city)
    except UnknownDestination as exc:
        raise FilingError(str(exc)) from exc
    if city.code == region.code:
        raise FilingError(f"字段 转往地区(市、州)：{city.name}是参保地，不属于异地就医")
    if rule.cross_province and province.code[:2] == region.code[:2]:
        raise FilingError(f"字段 转往省(市、区)：本事项为跨省备案，转往地不能在{province.name}")
    hospital = application.hospital.strip()
    if category.needs_hospital and not hospital:
        raise FilingError("字段 就医医院：异地转诊须填写转诊医院（转外住院审批表上建议转诊的医院）")
    start = application.start_date or today
    if start < today and not category.may_backdate:
        raise FilingError(f"字段 开始日期：{start:%Y-%m-%d} 早于今天，{category.label}备案不能补办以前的日期")
    if start < period.start_date:
        raise FilingError(f"字段 开始日期：{start:%Y-%m-%d} 早于参保开始日期 {period.start_date:%Y-%m-%d}")
    end = application.end_date
    if category.long_term:
        if end is not None:
            raise FilingError(f"字段 结束日期：{category.label}备案长期有效，不填结束日期")
    else:
        shortest = minimum_end(start)
        end = end or shortest
        if end < shortest:
            raise FilingError(
                f"字段 结束日期：临时外出就医备案有效期不少于{filing_rules().temporary_min_months}个月，"
                f"开始日期为 {start:%Y-%m-%d} 时结束日期不能早于 {shortest:%Y-%m-%d}")
    for existing in state.filings:
        if replacing is not None and existing.pk == replacing.pk:
            continue
        if _overlaps(existing, start, end):
            raise FilingError(f"已有备案 {describe(existing)}与本次备案时间重叠，请先变更或取消该备案")
    return OffsiteFiling(
        person=person, region=region, insurance_type=period.insurance_type, category=application.category,
        destination_province_code=province.code, destination_province_name=province.name,
        destination_city_code=city.code, destination_city_name=city.name, hospital=hospital[:100],
        start_date=start, end_date=end, reason=application.reason.strip()[:200],
        offsite_address=application.offsite_address.strip()[:200], phone=application.phone.strip()[:20],
    )


def _locked_state(person: Person) -> PersonState:
    return load_state(Person.objects.select_for_update().get(pk=person.pk))


def _audit_after(filing: OffsiteFiling) -> dict:
    return {
        "number": filing.number, "person": filing.person.id_number, "category": filing.category,
        "insurance_type": filing.insurance_type, "destination": filing.destination_city_code,
        "start": filing.start_date.isoformat(), "end": filing.end_date.isoformat() if filing.end_date else None,
        "status": filing.status, "case": filing.case_number or None, "filed_by": filing.filed_by,
        "commitment": filing.by_commitment,
    }


def _stamp(filing: OffsiteFiling, filer: Filer) -> OffsiteFiling:
    filing.filed_by = filer.kind
    filing.filer_id_number = filer.id_number
    filing.filer_name = filer.name[:100]
    filing.case_number = filer.case_number
    filing.by_commitment = filer.by_commitment
    return filing


@transaction.atomic
def file_filing(*, person: Person, region: Region, rule: ItemRule, application: Application, filer: Filer,
                actor: str, today: date | None = None) -> OffsiteFiling:
    """新增: record a filing after every check of ``check_application`` passes."""
    state = _locked_state(person)
    filing = check_application(state=state, region=region, rule=rule, application=application,
                               today=today or clock.today())
    _stamp(filing, filer)
    filing.full_clean(exclude=["person", "region", "supersedes"])
    filing.save()
    record_audit(actor=actor, action="offsite.filing.create", object_type="OffsiteFiling",
                 object_id=filing.number, after=_audit_after(filing))
    return filing


def _locked_active(filing: OffsiteFiling, *, verb: str, today: date) -> OffsiteFiling:
    current = OffsiteFiling.objects.select_for_update().select_related("person").get(pk=filing.pk)
    if current.status != FilingStatus.ACTIVE:
        raise FilingError(f"备案 {current.number} 当前状态为「{current.get_status_display()}」，不能{verb}")
    if current.end_date is not None and current.end_date < today:
        raise FilingError(f"备案 {current.number} 已于 {current.end_date:%Y-%m-%d} 到期，不能{verb}")
    return current


@transaction.atomic
def change_filing(*, filing: OffsiteFiling, rule: ItemRule, application: Application, filer: Filer,
                  actor: str, reason: str = "", today: date | None = None) -> OffsiteFiling:
    """变更: close ``filing`` and open the filing that replaces it from the change's start date.

    The old row stays (status 已变更, ``ended_on``) and the new one points at it.
    """
    today = today or clock.today()
    state = _locked_state(filing.person)
    old = _locked_active(filing, verb="变更", today=today)
    start = application.start_date or today
    # A change takes effect no earlier than the old filing's own start.
    start = max(start, old.start_date)
    new = check_application(state=state, region=old.region, rule=rule,
                            application=_with_start(application, start), today=today, replacing=old)
    _stamp(new, filer)
    new.supersedes = old
    before = _audit_after(old)
    old.status = FilingStatus.CHANGED
    old.ended_on = start
    old.end_reason = (reason.strip() or "变更备案")[:200]
    old.save(update_fields=["status", "ended_on", "end_reason"])
    new.full_clean(exclude=["person", "region", "supersedes"])
    new.save()
    record_audit(actor=actor, action="offsite.filing.change", object_type="OffsiteFiling",
                 object_id=old.number, before=before, after={**_audit_after(old), "replaced_by": new.number})
    record_audit(actor=actor, action="offsite.filing.create", object_type="OffsiteFiling",
                 object_id=new.number, after={**_audit_after(new), "supersedes": old.number})
    return new


def _with_start(application: Application, start: date) -> Application:
    return Application(**{**application.__dict__, "start_date": start})


@transaction.atomic
def cancel_filing(*, filing: OffsiteFiling, actor: str, reason: str = "", case_number: str = "",
                  person: Person | None = None, today: date | None = None) -> OffsiteFiling:
    """取消: end an active filing from today (a filing not yet started is never in force).

    With ``person``, only that person's own filing may be cancelled.
    """
    today = today or clock.today()
    current = _locked_active(filing, verb="取消", today=today)
    if person is not None and current.person_id != person.pk:
        raise FilingError(f"备案 {current.number} 不是本人的备案，不能取消")
    before = _audit_after(current)
    current.status = FilingStatus.CANCELLED
    current.ended_on = max(today, current.start_date)
    current.end_reason = (reason.strip() or "取消备案")[:200]
    if case_number:
        current.end_reason = f"{current.end_reason}（办件 {case_number}）"[:200]
    current.save(update_fields=["status", "ended_on", "end_reason"])
    record_audit(actor=actor, action="offsite.filing.cancel", object_type="OffsiteFiling",
                 object_id=current.number, before=before,
                 after={**_audit_after(current), "ended_on": current.ended_on.isoformat(),
                        "reason": current.end_reason})
    return current


def expire_filings(*, today: date | None = None, actor: str = "system") -> int:
    """The periodic sweep: mark active temporary filings whose end date has passed as 已到期.

    Compare-and-set on the status, so a filing cancelled meanwhile is left alone.
    """
    today = today or clock.today()
    with transaction.atomic():
        numbers = list(OffsiteFiling.objects.filter(status=FilingStatus.ACTIVE, end_date__lt=today)
                       .values_list("pk", flat=True))
        changed = OffsiteFiling.objects.filter(pk__in=numbers, status=FilingStatus.ACTIVE).update(
            status=FilingStatus.EXPIRED)
        if changed:
            record_audit(actor=actor, action="offsite.filing.expire", object_type="OffsiteFiling",
                         after={"count": changed, "numbers": [f"YD{pk:010d}" for pk in numbers[:100]],
                                "today": today.isoformat()})
    return changed


# --- 花名表 (batch filing by a unit) -----------------------------------------------------------

@dataclass(frozen=True)
class RosterLine:
    """One row of a 花名表, as read (``row`` is the Excel row number)."""

    row: int
    name: str
    id_number: str
    application: Application


@dataclass
class RosterCheck:
    good: list[tuple[RosterLine, OffsiteFiling]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def message(self) -> str:
        return "；".join(f"第{row}行：{text}" for row, text in self.errors)


def load_states(id_numbers: Iterable[str]) -> dict[str, PersonState]:
    """Persons by ID number with their active basic periods and active filings (three queries)."""
    # Only the columns the checks read: a 10 000-row 花名表 builds 20 000 model instances.
    persons = Person.objects.filter(id_number__in=set(id_numbers)).only(
        "id_number", "name", "region_id", "merged_into_id", "death_date")
    states = {p.id_number: PersonState(person=p) for p in persons}
    by_pk = {s.person.pk: s for s in states.values()}
    periods = (InsurancePeriod.objects.filter(person_id__in=by_pk, insurance_type__in=BASIC_TYPES,
                                              status=InsuranceStatus.INSURED)
               .only("person_id", "insurance_type", "category", "start_date", "unit_id"))
    for period in periods:
        by_pk[period.person_id].periods.append(period)
    for filing in OffsiteFiling.objects.filter(person_id__in=by_pk, status=FilingStatus.ACTIVE):
        by_pk[filing.person_id].filings.append(filing)
    return states


def check_roster(*, lines: list[RosterLine], unit_uscc: str, region: Region, rule: ItemRule,
                 today: date, states: dict[str, PersonState] | None = None) -> RosterCheck:
    """Check every row of a unit's 花名表; collect every bad row with its reason.

    A unit files only for persons insured through it (their active 职工 period
    names the unit), and a person appears once per 花名表.
    """
    result = RosterCheck()
    if not lines:
        result.errors.append((0, "花名表没有数据行"))
        return result
    states = states if states is not None else load_states(line.id_number for line in lines)
    unit_pk = Unit.objects.filter(uscc=unit_uscc).values_list("pk", flat=True).first()
    seen: dict[str, int] = {}
    for line in lines:
        if line.id_number in seen:
            result.errors.append((line.row, f"公民身份号码 {line.id_number} 与第{seen[line.id_number]}行重复"))
            continue
        seen[line.id_number] = line.row
        state = states.get(line.id_number)
        if state is None:
            result.errors.append((line.row, f"公民身份号码 {line.id_number} 未查询到参保信息"))
            continue
        if state.person.name != line.name:
            result.errors.append((line.row, f"姓名「{line.name}」与参保记录不符"))
            continue
        # (A person with no active period at all gets the 未参保 refusal below.)
        if state.periods and not any(p.unit_id is not None and p.unit_id == unit_pk for p in state.periods):
            result.errors.append((line.row, f"{line.name} 不是本单位正常参保的职工"))
            continue
        try:
            filing = check_application(state=state, region=region, rule=rule, application=line.application,
                                       today=today)
        except FilingError as exc:
            result.errors.append((line.row, str(exc)))
            continue
        result.good.append((line, filing))
    return result


@transaction.atomic
def file_roster(*, lines: list[RosterLine], unit_uscc: str, unit_name: str, region: Region, rule: ItemRule,
                case_number: str, actor: str, today: date | None = None) -> list[OffsiteFiling]:
    """Apply a 花名表: every row is filed, or none is (``FilingError`` lists every bad row)."""
    today = today or clock.today()
    ids = [line.id_number for line in lines]
    # Lock every person of the roster, in a fixed order, before checking overlaps.
    list(Person.objects.select_for_update().filter(id_number__in=ids).order_by("pk").values_list("pk", flat=True))
    checked = check_roster(lines=lines, unit_uscc=unit_uscc, region=region, rule=rule, today=today)
    if checked.errors:
        raise FilingError(f"花名表有 {len(checked.errors)} 行不符合条件，未办理任何备案：{checked.message}")
    filer = Filer(kind=FiledBy.UNIT, id_number=unit_uscc, name=unit_name, case_number=case_number)
    filings = [_stamp(filing, filer) for _line, filing in checked.good]
    # One INSERT for the roster (PostgreSQL and SQLite ≥ 3.35 return the keys).
    created = OffsiteFiling.objects.bulk_create(filings, batch_size=2000)
    record_audit(actor=actor, action="offsite.filing.batch", object_type="OffsiteFiling",
                 object_id=case_number,
                 after={"unit": unit_uscc, "count": len(created), "category": rule.categories[0],
                        "numbers": [f.number for f in created[:100]]})
    return created

