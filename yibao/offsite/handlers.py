"""The case handler of every category-四 item (异地就医备案): fields of form 表9, effect at 办结.

Which filing categories an item covers, which 险种 it serves and whether a unit
may file a 花名表 is data (``data/filing_items.yaml``). The handler finds the
person the filing is for — the applicant, or for a unit or a hospital's 医保科
the person named in the form — checks everything at submission and again at
acceptance, and files, changes or cancels at 办结 (all these items are 即时办结).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from yibao import clock
from yibao.cases.handlers import Effect, HandlerRefusal, ItemHandler, register
from yibao.enrollment.models import Person
from yibao.ids import InvalidIdentifier, validate_resident_id
from yibao.offsite.models import FiledBy, FilingCategory, FilingStatus
from yibao.offsite.rules import ItemRule, category_rule, item_rule
from yibao.offsite.selectors import filing_for_person
from yibao.offsite.services import (
    Application,
    Filer,
    FilingError,
    RosterLine,
    cancel_filing,
    change_filing,
    check_application,
    check_roster,
    file_filing,
    file_roster,
    load_state,
)

CATEGORY_BY_LABEL = {label: value for value, label in FilingCategory.choices}
# Literals built from data at import time: mypy sees them as str.
if TYPE_CHECKING:
    CategoryLabel = str
else:
    CategoryLabel = Literal[("",) + tuple(label for _value, label in FilingCategory.choices)]
FILER_KINDS = {"person": FiledBy.PERSON, "unit": FiledBy.UNIT, "institution": FiledBy.HOSPITAL}


class RosterRow(BaseModel):
    """One row of a 花名表, as the import read it (``row``: the Excel row number)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    row: int = Field(ge=1, title="行号")
    name: str = Field(max_length=50, title="姓名")
    id_number: str = Field(max_length=18, title="公民身份号码")
    category: CategoryLabel = Field("", title="人员类别")
    destination_province: str = Field(max_length=30, title="转往省(市、区)")
    destination_city: str = Field("", max_length=30, title="转往地区(市、州)")
    start_date: date | None = Field(None, title="开始日期")
    end_date: date | None = Field(None, title="结束日期")
    offsite_address: str = Field("", max_length=200, title="异地联系地址")
    phone: str = Field("", max_length=20, title="联系电话")
    reason: str = Field("", max_length=200, title="备案原因")


class FilingFields(BaseModel):
    """异地就医登记备案表 (Changzhi reference form 表9), plus what a change or cancellation needs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    registration: Literal["新增", "变更", "取消"] = Field("新增", title="办理类型")
    category: CategoryLabel = Field("", title="人员类别（本事项含多个类别时必选）")
    person_id_number: str = Field("", max_length=18, title="参保人公民身份号码（单位、医疗机构代为办理时必填）")
    person_name: str = Field("", max_length=50, title="参保人姓名（单位、医疗机构代为办理时必填）")
    destination_province: str = Field("", max_length=30, title="转往省(市、区)")
    destination_city: str = Field("", max_length=30, title="转往地区(市、州)")
    start_date: date | None = Field(None, title="开始日期（默认今天）")
    end_date: date | None = Field(None, title="结束日期（临时外出就医，不少于6个月；长期备案不填）")
    hospital: str = Field("", max_length=100, title="就医医院（异地转诊必填）")
    offsite_address: str = Field("", max_length=200, title="异地联系地址")
    phone_2: str = Field("", max_length=20, title="联系电话2")
    reason: str = Field("", max_length=200, title="备案、变更或取消原因")
    filing_number: str = Field("", max_length=12, title="原备案编号（变更、取消时必填）")
    # Filled by the 花名表 import page (/offsite/batch/), not typed in a form.
    roster: SkipJsonSchema[list[RosterRow]] = Field(default_factory=list, title="花名表")



def _rule(case) -> ItemRule:
    rule = item_rule(case.item)
    if rule is None:
        raise HandlerRefusal(f"事项「{case.item.name}」未登记备案类别，请联系管理员")
    return rule


def _category(rule: ItemRule, label: str) -> str:
    if label:
        return CATEGORY_BY_LABEL[label]
    if len(rule.categories) == 1:
        return rule.categories[0]
    raise HandlerRefusal("字段 人员类别：本事项含多个备案类别，请选择人员类别")


def _application(rule: ItemRule, fields: FilingFields, phone: str) -> Application:
    return Application(
        category=_category(rule, fields.category), destination_province=fields.destination_province,
        destination_city=fields.destination_city, start_date=fields.start_date, end_date=fields.end_date,
        hospital=fields.hospital, reason=fields.reason, offsite_address=fields.offsite_address,
        phone=phone,
    )


def roster_lines(rule: ItemRule, rows: list[RosterRow]) -> list[RosterLine]:
    """花名表 rows as the services take them (an empty category: the item's only one)."""
    return [RosterLine(row=r.row, name=r.name, id_number=r.id_number.upper(), application=Application(
        category=CATEGORY_BY_LABEL[r.category] if r.category else rule.categories[0],
        destination_province=r.destination_province, destination_city=r.destination_city,
        start_date=r.start_date, end_date=r.end_date, offsite_address=r.offsite_address, phone=r.phone,
        reason=r.reason)) for r in rows]


def _person(case, fields: FilingFields) -> Person:
    """The person the filing is for; a person applies only for themself."""
    if case.applicant_kind == "person":
        if fields.person_id_number and fields.person_id_number.upper() != case.applicant_id_number:
            raise HandlerRefusal("字段 参保人公民身份号码：个人只能为本人办理备案")
        # Raw row: a merged-away record is refused (参保记录已合并) by the rules, not redirected.
        person = Person.objects.filter(id_number=case.applicant_id_number).first()
        if person is None:
            raise HandlerRefusal(f"未参保：未查询到 {case.applicant_name} 的参保信息，不能办理异地就医备案")
        return person
    if not fields.person_id_number or not fields.person_name:
        raise HandlerRefusal("字段 参保人公民身份号码、参保人姓名：单位或医疗机构代为办理时必填")
    try:
        number = validate_resident_id(fields.person_id_number, field_name="参保人公民身份号码").number
    except InvalidIdentifier as exc:
        raise HandlerRefusal(str(exc)) from exc
    # Raw row, as above: the rules refuse a merged-away record by name.
    person = Person.objects.filter(id_number=number).first()
    if person is None:
        raise HandlerRefusal(f"未参保：未查询到 {fields.person_name} 的参保信息，不能办理异地就医备案")
    if person.name != fields.person_name:
        raise HandlerRefusal(f"字段 参保人姓名：「{fields.person_name}」与参保记录不符")
    return person


@register("offsite_filing")
class OffsiteFilingHandler(ItemHandler[FilingFields]):
    key = "offsite_filing"
    Fields = FilingFields
    acts_at = {"办结": Effect.ENTITLEMENT}

    def subject_person(self, *, case, fields: FilingFields) -> str | None:
        # A hospital's referral belongs to the patient's home agency, not the hospital's county.
        if case.applicant_kind == "institution" and fields.person_id_number:
            return fields.person_id_number.strip().upper()
        return None

    # --- checks ---------------------------------------------------------------------------

    def check(self, *, case, fields: FilingFields) -> None:
        rule = _rule(case)
        chosen = set(case.situation.get("situations", []))
        batch = bool(rule.batch_situation) and rule.batch_situation in chosen
        if fields.roster or batch:
            self._check_roster(case, rule, fields, batch)
            return
        try:
            self._prepare(case, rule, fields, clock.today())
        except FilingError as exc:
            raise HandlerRefusal(str(exc)) from exc

    def _check_roster(self, case, rule: ItemRule, fields: FilingFields, batch: bool) -> None:
        if case.applicant_kind != "unit":
            raise HandlerRefusal("花名表只能由参保单位申报")
        if not rule.batch_situation:
            raise HandlerRefusal(f"事项「{case.item.name}」不办理单位批量备案")
        if not batch:
            raise HandlerRefusal(f"字段 办理情形：导入花名表时请选择「{rule.batch_situation}」")
        if not fields.roster:
            raise HandlerRefusal("花名表没有数据行，请通过「单位批量备案」页面导入花名表")
        checked = check_roster(lines=roster_lines(rule, fields.roster), unit_uscc=case.applicant_id_number,
                               region=case.region, rule=rule, today=clock.today())
        if checked.errors:
            raise HandlerRefusal(f"花名表有 {len(checked.errors)} 行不符合条件：{checked.message}")

    def _prepare(self, case, rule: ItemRule, fields: FilingFields, today: date):
        """Check one person's 新增/变更/取消; return (person, filing to change or cancel)."""
        person = _person(case, fields)
        if person.region_id != case.region.pk:
            raise HandlerRefusal(f"{person.name} 不在{case.region.name}参保，请向参保地医保经办机构申请")
        category = _category(rule, fields.category)
        if case.applicant_kind == "institution" and not category_rule(category).hospital_files:
            raise HandlerRefusal(f"医疗机构只能办理异地转诊备案，不能代办「{FilingCategory(category).label}」")
        state = load_state(person)
        if case.applicant_kind == "unit" and not any(
                p.unit is not None and p.unit.uscc == case.applicant_id_number for p in state.periods):
            raise HandlerRefusal(f"{person.name} 不是本单位正常参保的职工，单位不能为其办理备案")
        existing = None
        if fields.registration != "新增":
            if not fields.filing_number:
                raise HandlerRefusal(f"字段 原备案编号：{fields.registration}备案时必填")
            existing = filing_for_person(person, fields.filing_number)
            if existing is None:
                raise HandlerRefusal(f"字段 原备案编号：未找到 {person.name} 的备案 {fields.filing_number}")
            if existing.category not in rule.categories:
                raise HandlerRefusal(f"备案 {existing.number} 是「{existing.get_category_display()}」备案，"
                                     f"请通过该类别的备案事项{fields.registration}")
            if existing.status != FilingStatus.ACTIVE:
                raise HandlerRefusal(
                    f"备案 {existing.number} 当前状态为「{existing.get_status_display()}」，不能{fields.registration}")
            if existing.end_date is not None and existing.end_date < today:
                raise HandlerRefusal(f"备案 {existing.number} 已于 {existing.end_date:%Y-%m-%d} 到期，"
                                     f"不能{fields.registration}，请重新备案")
        if fields.registration == "取消":
            return person, existing
        application = _application(rule, fields, case.applicant_phone)
        if existing is not None:
            start = max(fields.start_date or today, existing.start_date)
            application = Application(**{**application.__dict__, "start_date": start})
        check_application(state=state, region=case.region, rule=rule, application=application, today=today,
                          replacing=existing)
        return person, existing

    # --- effect ---------------------------------------------------------------------------

    def on_step(self, *, case, step: str, fields: FilingFields, actor: str) -> None:
        rule = _rule(case)
        try:
            if fields.roster:
                file_roster(lines=roster_lines(rule, fields.roster), unit_uscc=case.applicant_id_number,
                            unit_name=case.applicant_name, region=case.region, rule=rule,
                            case_number=case.number, actor=actor)
                return
            self._apply_one(case, rule, fields, actor)
        except FilingError as exc:
            raise HandlerRefusal(str(exc)) from exc

    def _apply_one(self, case, rule: ItemRule, fields: FilingFields, actor: str) -> None:
        today = clock.today()
        person, existing = self._prepare(case, rule, fields, today)
        filer = Filer(kind=FILER_KINDS[case.applicant_kind], id_number=case.applicant_id_number,
                      name=case.applicant_name, case_number=case.number,
                      by_commitment=case.materials.filter(use_commitment=True).exists())
        if fields.registration == "取消":
            cancel_filing(filing=existing, actor=actor, reason=fields.reason, case_number=case.number, today=today)
        elif fields.registration == "变更":
            change_filing(filing=existing, rule=rule, application=_application(rule, fields, case.applicant_phone),
                          filer=filer, actor=actor, reason=fields.reason, today=today)
        else:
            file_filing(person=person, region=case.region, rule=rule,
                        application=_application(rule, fields, case.applicant_phone), filer=filer, actor=actor,
                        today=today)
