"""Writes to unit records (参保单位): 参保登记, 信息变更, 暂停, 注销, 合并, 拆分/分立."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction

from yibao.agencies.models import Agency
from yibao.audit.services import record_audit
from yibao.enrollment.models import InsurancePeriod, InsuranceStatus, Unit, UnitStatus, UnitType
from yibao.enrollment.selectors import unit_arrears
from yibao.enrollment.services.errors import EnrollmentError, UnitAlreadyRegistered
from yibao.enrollment.services.periods import start_period, stop_period
from yibao.ids import InvalidIdentifier, validate_uscc


@transaction.atomic
def register_unit(*, uscc: str, name: str, unit_type: str, home_agency: Agency, registered_on: date,
                  actor: str, insurance_types: list[str], address: str = "", legal_representative: str = "",
                  contact_name: str = "", contact_phone: str = "", case_number: str = "", affiliation: str = "",
                  bank_name: str = "", bank_account: str = "") -> Unit:
    """单位参保登记: create the unit record; a USCC is registered only once."""
    existing = Unit.objects.filter(uscc=uscc).first()
    if existing is not None:
        raise UnitAlreadyRegistered(f"统一社会信用代码 {uscc} 已由「{existing.name}」登记参保，不能重复登记")
    try:
        with transaction.atomic():
            unit = Unit.objects.create(
                uscc=uscc, name=name, unit_type=unit_type, region=home_agency.region, home_agency=home_agency,
                address=address, legal_representative=legal_representative, contact_name=contact_name,
                contact_phone=contact_phone, insurance_types=insurance_types, registered_on=registered_on,
                registered_by_case=case_number, affiliation=affiliation, bank_name=bank_name,
                bank_account=bank_account,
            )
    except IntegrityError as exc:  # a concurrent registration of the same code won the race
        raise UnitAlreadyRegistered(f"统一社会信用代码 {uscc} 已登记参保，不能重复登记") from exc
    record_audit(actor=actor, action="enrollment.unit.register", object_type="Unit", object_id=uscc,
                 after={"name": name, "unit_type": unit_type, "agency": home_agency.code, "case": case_number})
    return unit


# --- 单位参保信息变更, 暂停, 注销, 合并, 拆分/分立 ------------------------------------------------
#
# Who may do what is the handlers' business (a unit acts only on itself); these
# services check the record: status, arrears, employees, the new values. Each
# locks the unit row first, so two cases on one unit cannot both pass a check
# the other's effect would break (two cancellations, a merge and a split …).

class UnitRefused(EnrollmentError):
    pass


# 表4 基本医疗保险参保单位信息变更登记表: Unit field → label.
UNIT_FIELD_LABELS = {
    "uscc": "统一社会信用代码", "name": "单位名称", "address": "住所(地址)", "unit_type": "单位类型",
    "affiliation": "隶属关系", "legal_representative": "法定代表人", "contact_name": "单位经办人姓名",
    "contact_phone": "单位经办人联系电话", "bank_name": "开户银行", "bank_account": "银行账号",
}
# 关键信息 (Jincheng guide: "变更统一社会信用代码、法定代表人等关键信息需提供相应的辅助材料"):
# a second person reviews the proof before they change.
UNIT_KEY_FIELDS = ("uscc", "name", "legal_representative")
UNIT_STATUS_LABELS = dict(UnitStatus.choices)


def _locked_unit(unit: Unit) -> Unit:
    return Unit.objects.select_for_update(of=("self",)).select_related("home_agency").get(pk=unit.pk)


def _active_employee_periods(unit: Unit):
    return (InsurancePeriod.objects.filter(unit=unit, status=InsuranceStatus.INSURED)
            .select_related("person").order_by("person__id_number", "insurance_type"))


def _require_status(unit: Unit, allowed: tuple[str, ...], doing: str) -> None:
    if unit.status not in allowed:
        raise UnitRefused(f"单位「{unit.name}」当前为「{UNIT_STATUS_LABELS[unit.status]}」状态，不能{doing}")


def plan_unit_info_change(*, unit: Unit, wanted: dict) -> dict:
    """Compare ``wanted`` (Unit field → new value; empty: unchanged) with the record: field → (old, new).

    Refuses an unknown field, an invalid or already registered USCC, an unknown
    unit type and a change of a cancelled unit; reads only.
    """
    _require_status(unit, (UnitStatus.ACTIVE, UnitStatus.SUSPENDED), "变更信息")
    unknown = sorted(set(wanted) - set(UNIT_FIELD_LABELS))
    if unknown:
        raise UnitRefused(f"不能变更的项目：{'、'.join(unknown)}")
    changes = {f: (getattr(unit, f), v) for f, v in wanted.items() if v not in (None, "") and v != getattr(unit, f)}
    if not changes:
        raise UnitRefused("没有需要变更的项目：填写的内容与单位参保信息相同")
    if "uscc" in changes:
        try:
            new = validate_uscc(changes["uscc"][1], field_name="变更后统一社会信用代码")
        except InvalidIdentifier as exc:
            raise UnitRefused(str(exc)) from exc
        changes["uscc"] = (unit.uscc, new)
        other = Unit.objects.filter(uscc=new).exclude(pk=unit.pk).first()
        if other is not None:
            raise UnitRefused(f"字段 变更后统一社会信用代码：{new} 已由「{other.name}」登记参保，不能变更为该代码")
        if new == unit.uscc:
            del changes["uscc"]
    if "unit_type" in changes and changes["unit_type"][1] not in UnitType.values:
        raise UnitRefused(f"字段 变更后单位类型：「{changes['unit_type'][1]}」无效，可选：{'、'.join(UnitType.values)}")
    if not changes:
        raise UnitRefused("没有需要变更的项目：填写的内容与单位参保信息相同")
    return changes


def unit_change_needs_review(changes: dict) -> bool:
    """A change of a key field (统一社会信用代码, 单位名称, 法定代表人) is reviewed by a second person."""
    return bool(set(changes) & set(UNIT_KEY_FIELDS))


@transaction.atomic
def change_unit_info(*, unit: Unit, wanted: dict, actor: str, case_number: str = "") -> dict:
    """单位参保信息变更登记 (表4): apply the changed fields; the audit row keeps the old values."""
    unit = _locked_unit(unit)
    changes = plan_unit_info_change(unit=unit, wanted=wanted)
    for field, (_old, new) in changes.items():
        setattr(unit, field, new)
    try:
        with transaction.atomic():
            unit.save(update_fields=list(changes))
    except IntegrityError as exc:  # a concurrent registration or change took the code
        raise UnitRefused(f"字段 变更后统一社会信用代码：{unit.uscc} 已登记参保，不能变更为该代码") from exc
    record_audit(actor=actor, action="enrollment.unit.change", object_type="Unit",
                 object_id=changes.get("uscc", (unit.uscc,))[0],
                 before={f: old for f, (old, _new) in changes.items()},
                 after={**{f: new for f, (_old, new) in changes.items()}, "case": case_number or None})
    return changes


def check_unit_closing(*, unit: Unit, suspend_persons: bool, doing: str = "注销") -> None:
    """Preconditions of 注销 (and of 暂停): no arrears; active employees only with 同步暂停人员.

    Reads only; the write repeats it under the unit's row lock.
    """
    allowed = (UnitStatus.ACTIVE, UnitStatus.SUSPENDED) if doing == "注销" else (UnitStatus.ACTIVE,)
    _require_status(unit, allowed, doing)
    owed = unit_arrears(unit)
    if owed > 0:
        raise UnitRefused(f"单位存在欠费 ¥{owed}，补齐后方可{doing}")
    if not suspend_persons:
        count = _active_employee_periods(unit).values("person").distinct().count()
        if count:
            raise UnitRefused(f"单位尚有 {count} 名正常参保人员，请先办理人员停保，或选择同步暂停人员")


def _suspend_employees_of(unit: Unit, *, on: date, reason: str, actor: str, case_number: str) -> int:
    periods = list(_active_employee_periods(unit))
    for period in periods:
        stop_period(period=period, end_date=max(on, period.start_date), reason=reason, actor=actor,
                    case_number=case_number)
    return len({p.person_id for p in periods})


@transaction.atomic
def suspend_unit(*, unit: Unit, on: date, actor: str, reason: str = "单位暂停参保", suspend_persons: bool = False,
                 case_number: str = "") -> Unit:
    """单位暂停参保 (表1 暂停登记): status 暂停 from ``on``.

    Refused in arrears and, unless ``suspend_persons`` (同步暂停人员), while
    employees are still insured at the unit.
    """
    unit = _locked_unit(unit)
    check_unit_closing(unit=unit, suspend_persons=suspend_persons, doing="暂停参保")
    persons = _suspend_employees_of(unit, on=on, reason=reason, actor=actor, case_number=case_number)
    unit.status, unit.suspended_on = UnitStatus.SUSPENDED, on
    unit.save(update_fields=["status", "suspended_on"])
    record_audit(actor=actor, action="enrollment.unit.suspend", object_type="Unit", object_id=unit.uscc,
                 before={"status": UnitStatus.ACTIVE},
                 after={"status": UnitStatus.SUSPENDED, "on": on.isoformat(), "reason": reason,
                        "persons_suspended": persons, "case": case_number or None})
    return unit


@transaction.atomic
def cancel_unit(*, unit: Unit, on: date, actor: str, reason: str = "单位注销", suspend_persons: bool = False,
                successor: Unit | None = None, case_number: str = "") -> Unit:
    """单位注销: status 注销 on ``on``.

    Refused while the unit is in arrears ("单位存在欠费 ¥X，补齐后方可注销") and,
    unless ``suspend_persons`` (同步暂停人员 = 是), while employees are still
    insured (their periods are then stopped on ``on`` with reason 单位注销).
    """
    unit = _locked_unit(unit)
    check_unit_closing(unit=unit, suspend_persons=suspend_persons)
    persons = _suspend_employees_of(unit, on=on, reason="单位注销", actor=actor, case_number=case_number)
    before = unit.status
    unit.status, unit.cancelled_on, unit.successor = UnitStatus.CANCELLED, on, successor
    unit.save(update_fields=["status", "cancelled_on", "successor"])
    record_audit(actor=actor, action="enrollment.unit.cancel", object_type="Unit", object_id=unit.uscc,
                 before={"status": before},
                 after={"status": UnitStatus.CANCELLED, "on": on.isoformat(), "reason": reason,
                        "successor": successor.uscc if successor else None, "persons_suspended": persons,
                        "case": case_number or None})
    return unit


def _move_period(period: InsurancePeriod, *, to: Unit, on: date, reason: str, actor: str,
                 case_number: str) -> InsurancePeriod:
    """Stop ``period`` the day before ``on`` and open the same 险种 and category at ``to`` on ``on``."""
    stop_period(period=period, end_date=max(on - timedelta(days=1), period.start_date), reason=reason,
                actor=actor, case_number=case_number, status=InsuranceStatus.TERMINATED)
    return start_period(person=period.person, insurance_type=period.insurance_type, category=period.category,
                        start_date=on, home_agency=to.home_agency, unit=to, actor=actor,
                        case_number=case_number)


def check_merge_units(*, absorbed: Unit, successor: Unit) -> None:
    """Preconditions of 合并 (reads only): two distinct units of one region, both in business, no arrears."""
    if absorbed.pk == successor.pk:
        raise UnitRefused("字段 承继单位统一社会信用代码：不能与申请单位相同")
    if absorbed.region_id != successor.region_id:
        raise UnitRefused(f"承继单位「{successor.name}」不在本统筹区参保，不能合并")
    _require_status(absorbed, (UnitStatus.ACTIVE, UnitStatus.SUSPENDED), "合并")
    if successor.status != UnitStatus.ACTIVE:
        raise UnitRefused(f"承继单位「{successor.name}」当前为「{UNIT_STATUS_LABELS[successor.status]}」状态，不能承接人员")
    owed = unit_arrears(absorbed)
    if owed > 0:
        raise UnitRefused(f"单位存在欠费 ¥{owed}，补齐后方可合并")


@transaction.atomic
def merge_units(*, absorbed: Unit, successor: Unit, on: date, actor: str, case_number: str = "") -> Unit:
    """单位合并: ``absorbed``'s insured employees move to ``successor`` on ``on``; ``absorbed`` is cancelled.

    Each active period at the absorbed unit ends the day before (参保状态 4,
    reason 单位合并) and the same 险种 starts at the successor on ``on``.
    """
    locked = {u.pk: u for u in Unit.objects.select_for_update().filter(pk__in=(absorbed.pk, successor.pk))
              .order_by("pk")}
    absorbed, successor = locked[absorbed.pk], locked[successor.pk]
    check_merge_units(absorbed=absorbed, successor=successor)
    periods = list(_active_employee_periods(absorbed))
    for period in periods:
        _move_period(period, to=successor, on=on, reason=f"单位合并：转入「{successor.name}」", actor=actor,
                     case_number=case_number)
    before = absorbed.status
    absorbed.status, absorbed.cancelled_on, absorbed.successor = UnitStatus.CANCELLED, on, successor
    absorbed.save(update_fields=["status", "cancelled_on", "successor"])
    record_audit(actor=actor, action="enrollment.unit.merge", object_type="Unit", object_id=absorbed.uscc,
                 before={"status": before},
                 after={"status": UnitStatus.CANCELLED, "successor": successor.uscc, "on": on.isoformat(),
                        "periods_moved": len(periods), "case": case_number or None})
    return successor


def check_split_unit(*, source: Unit, new_uscc: str, moved_id_numbers: list[str]) -> str:
    """Preconditions of 拆分/分立 (reads only); returns the checked new USCC.

    Every person to move must be insured at ``source``; all bad numbers are named at once.
    """
    _require_status(source, (UnitStatus.ACTIVE,), "拆分、分立")
    try:
        uscc = validate_uscc(new_uscc, field_name="新单位统一社会信用代码")
    except InvalidIdentifier as exc:
        raise UnitRefused(str(exc)) from exc
    existing = Unit.objects.filter(uscc=uscc).first()
    if existing is not None:
        raise UnitRefused(f"字段 新单位统一社会信用代码：{uscc} 已由「{existing.name}」登记参保，不能重复登记")
    insured = set(_active_employee_periods(source).values_list("person__id_number", flat=True))
    strangers = [n for n in moved_id_numbers if n not in insured]
    if strangers:
        raise UnitRefused(f"字段 转入新单位人员：{'、'.join(strangers)} 不是本单位正常参保的人员")
    return uscc


@transaction.atomic
def split_unit(*, source: Unit, new_uscc: str, new_name: str, on: date, actor: str,
               moved_id_numbers: list[str], unit_type: str = "", case_number: str = "") -> Unit:
    """单位拆分、分立: register a new unit from ``source`` and move the chosen employees to it on ``on``.

    The new unit copies the source's type (unless given), region, home agency,
    address, 险种 and bank; its ``successor`` names the unit it was split from.
    The source unit stays in business (cancel it separately if it ceases).
    """
    source = _locked_unit(source)
    uscc = check_split_unit(source=source, new_uscc=new_uscc, moved_id_numbers=moved_id_numbers)
    new = register_unit(uscc=uscc, name=new_name, unit_type=unit_type or source.unit_type,
                        home_agency=source.home_agency, registered_on=on, actor=actor,
                        insurance_types=list(source.insurance_types), address=source.address,
                        legal_representative=source.legal_representative, contact_name=source.contact_name,
                        contact_phone=source.contact_phone, case_number=case_number, affiliation=source.affiliation)
    new.successor = source
    new.save(update_fields=["successor"])
    moved = [p for p in _active_employee_periods(source) if p.person.id_number in set(moved_id_numbers)]
    for period in moved:
        _move_period(period, to=new, on=on, reason=f"单位拆分、分立：转入「{new.name}」", actor=actor,
                     case_number=case_number)
    record_audit(actor=actor, action="enrollment.unit.split", object_type="Unit", object_id=source.uscc,
                 after={"new_unit": uscc, "on": on.isoformat(), "persons_moved": len(set(moved_id_numbers)),
                        "case": case_number or None})
    return new
