"""Unit items: 信息变更 (表4), 暂停, 注销, 合并, 拆分/分立 — through the case engine and the services."""

import datetime
from decimal import Decimal

import pytest

from tests.enrollment.units.conftest import (
    ContributionFactory,
    UnitFactory,
    apply,
    current_item,
    run_through,
)
from yibao.audit.models import AuditEntry
from yibao.cases.models import CaseStatus
from yibao.cases.services import InvalidApplication, MoveNotAllowed, accept_case, advance_case
from yibao.enrollment.models import InsurancePeriod, InsuranceStatus, Unit, UnitStatus
from yibao.enrollment.services.units import (
    UnitRefused,
    cancel_unit,
    change_unit_info,
    merge_units,
    split_unit,
    suspend_unit,
)
from yibao.ids import make_resident_id, make_uscc

pytestmark = pytest.mark.django_db
ON = datetime.date(2026, 3, 16)


def active(unit):
    return InsurancePeriod.objects.filter(unit=unit, status=InsuranceStatus.INSURED)


# --- 单位参保信息变更登记 -------------------------------------------------------------------------

def test_a_contact_change_is_applied_at_completion_by_one_clerk(units, staff):
    unit = units["changzhi"]
    case = apply(current_item("changzhi", "unit-info-change"), applicant=unit, situations=("变更联系人",),
                 form_data={"new_handler_name": "赵会计",
                            "new_bank": "中国银行长治分行", "new_account_number": "6216600000001",
                            "new_affiliation": "市属"})
    assert case.extra_steps == []
    clerk = staff["changzhi"]["accept_review"]
    case = accept_case(case=case, staff=clerk)
    case = advance_case(case=case, staff=clerk, action="review")  # instant, no key field: one person may do it
    unit.refresh_from_db()
    assert unit.contact_name == ""  # nothing changes before 办结
    advance_case(case=case, staff=clerk, action="complete")
    unit.refresh_from_db()
    assert (unit.contact_name, unit.bank_name, unit.bank_account, unit.affiliation) == (
        "赵会计", "中国银行长治分行", "6216600000001", "市属")
    entry = AuditEntry.objects.get(action="enrollment.unit.change")
    assert entry.before["contact_name"] == "" and entry.after["case"] == case.number


def test_a_key_field_change_needs_review_by_a_second_person(units, staff):
    unit = units["jincheng"]
    new_uscc = make_uscc("91140500MA0C00099")
    case = apply(current_item("jincheng", "unit-info-change"), applicant=unit,
                 situations=("变更统一社会信用代码、法定代表人等关键信息",),
                 form_data={"new_uscc": new_uscc, "new_legal_rep_name": "钱法人",
                            "new_legal_rep_id_number": make_resident_id("14050019800101123")})
    assert case.extra_steps == ["审核"]
    clerk = staff["jincheng"]["accept_review"]
    case = accept_case(case=case, staff=clerk)
    with pytest.raises(MoveNotAllowed, match="本事项须两人办理"):
        advance_case(case=case, staff=clerk, action="review")
    case = advance_case(case=case, staff=staff["jincheng"]["review"], action="review", opinion="材料核实")
    advance_case(case=case, staff=staff["jincheng"]["review"], action="complete")
    unit.refresh_from_db()
    assert unit.uscc == new_uscc and unit.legal_representative == "钱法人"


def test_a_name_change_of_a_taiyuan_unit_is_a_key_change(units, staff):
    case = apply(current_item("taiyuan", "unit-info-change"), applicant=units["machinery"],
                 situations=("变更名称",), form_data={"new_unit_name": "太原示例重工有限公司", "new_address": "小店区"})
    assert case.extra_steps == ["审核"]
    run_through(case, staff["xiaodian"])
    units["machinery"].refresh_from_db()
    assert units["machinery"].name == "太原示例重工有限公司" and units["machinery"].address == "小店区"


def test_a_uscc_held_by_another_unit_is_refused(units):
    with pytest.raises(InvalidApplication, match=f"{units['coal'].uscc} 已由「太原示例煤业有限公司」登记参保"):
        apply(current_item("taiyuan", "unit-info-change"), applicant=units["machinery"], situations=("变更名称",),
              form_data={"new_uscc": units["coal"].uscc})


def test_a_change_that_changes_nothing_is_refused(units):
    with pytest.raises(InvalidApplication, match="没有需要变更的项目"):
        apply(current_item("changzhi", "unit-info-change"), applicant=units["changzhi"],
              situations=("变更名称",), form_data={"new_unit_name": units["changzhi"].name})


def test_an_unregistered_unit_cannot_change_information(agencies):
    stranger = UnitFactory.build(uscc=make_uscc("91140400MA0C00077"), name="未参保单位",
                                 home_agency=agencies["changzhi"])
    with pytest.raises(InvalidApplication, match="未在长治市登记参保"):
        apply(current_item("changzhi", "unit-info-change"), applicant=stranger, situations=("变更名称",),
              form_data={"new_unit_name": "新名称"})


def test_a_unit_of_another_region_cannot_apply_to_this_region(units):
    with pytest.raises(InvalidApplication, match="未在长治市登记参保"):
        apply(current_item("changzhi", "unit-info-change"), applicant=units["jincheng"], situations=("变更名称",),
              form_data={"new_unit_name": "新名称"})


def test_a_bad_legal_representative_id_is_refused_naming_the_field(units):
    with pytest.raises(InvalidApplication, match="变更后法定代表人（负责人）身份证件号码"):
        apply(current_item("jincheng", "unit-info-change"), applicant=units["jincheng"],
              form_data={"new_legal_rep_name": "钱法人", "new_legal_rep_id_number": "140500198001011230"})


# --- 单位注销 -------------------------------------------------------------------------------------

def test_unit_in_arrears_cannot_be_cancelled(units, make_person):
    unit = units["jincheng"]
    person = make_person(at=unit)
    ContributionFactory(person=person, unit=unit, paid=False, unit_part=Decimal("400.00"),
                        personal_part=Decimal("100.50"))
    with pytest.raises(InvalidApplication, match=r"单位存在欠费 ¥500\.50，补齐后方可注销"):
        apply(current_item("jincheng", "unit-cancellation"), applicant=unit, form_data={"suspend_persons": "是"})
    assert Unit.objects.get(pk=unit.pk).status == UnitStatus.ACTIVE


def test_arrears_arising_after_submission_stop_the_acceptance(units, make_person, staff):
    unit = units["jincheng"]
    person = make_person(at=unit)
    case = apply(current_item("jincheng", "unit-cancellation"), applicant=unit, form_data={"suspend_persons": "是"})
    ContributionFactory(person=person, unit=unit, paid=False)
    with pytest.raises(MoveNotAllowed, match=r"单位存在欠费 ¥500\.00"):
        accept_case(case=case, staff=staff["jincheng"]["accept"])


def test_cancellation_with_active_employees_needs_the_sync_option(units, make_person):
    unit = units["jincheng"]
    make_person(at=unit)
    make_person(at=unit, insurance_types=("310", "510"))
    with pytest.raises(InvalidApplication, match="单位尚有 2 名正常参保人员.*同步暂停人员"):
        apply(current_item("jincheng", "unit-cancellation"), applicant=unit, form_data={})


def test_cancellation_with_sync_suspends_the_employees_on_the_date(units, make_person, staff):
    unit = units["jincheng"]
    first, second = make_person(at=unit), make_person(at=unit, insurance_types=("310", "510"))
    case = apply(current_item("jincheng", "unit-cancellation"), applicant=unit,
                 form_data={"suspend_persons": "是", "effective_date": "2026-03-31", "cancel_reason": "破产"})
    case = run_through(case, staff["jincheng"])
    assert case.status == CaseStatus.COMPLETED
    unit.refresh_from_db()
    assert unit.status == UnitStatus.CANCELLED and unit.cancelled_on == datetime.date(2026, 3, 31)
    stopped = InsurancePeriod.objects.filter(person__in=(first, second))
    assert {(p.status, p.end_date, p.stop_reason) for p in stopped} == {
        (InsuranceStatus.SUSPENDED, datetime.date(2026, 3, 31), "单位注销")}
    assert stopped.count() == 3 and all(p.stopped_by_case == case.number for p in stopped)


def test_a_cancelled_unit_cannot_be_cancelled_again(units):
    unit = units["jincheng"]
    cancel_unit(unit=unit, on=ON, actor="clerk")
    with pytest.raises(UnitRefused, match="当前为「注销」状态，不能注销"):
        cancel_unit(unit=unit, on=ON, actor="clerk")


def test_cancellation_is_a_situation_of_the_changzhi_registration_item(units, staff):
    unit = units["changzhi"]
    case = apply(current_item("changzhi", "unit-enrollment"), applicant=unit, situations=("注销登记",),
                 form_data={})
    run_through(case, staff["changzhi"])
    unit.refresh_from_db()
    assert unit.status == UnitStatus.CANCELLED and unit.cancelled_on == ON


def test_a_person_cannot_cancel_a_unit(units, make_person):
    person = make_person()
    with pytest.raises(InvalidApplication, match="本事项须由参保单位申请"):
        apply(current_item("jincheng", "unit-cancellation"), applicant=person, applicant_kind="person",
              form_data={})


# --- 暂停 -----------------------------------------------------------------------------------------

def test_suspension_is_reached_from_form_1_registration_type(units, make_person, staff):
    unit = units["changzhi"]
    person = make_person(at=unit)
    with pytest.raises(InvalidApplication, match="单位尚有 1 名正常参保人员"):
        apply(current_item("changzhi", "unit-enrollment"), applicant=unit, situations=("参保登记",),
              form_data={"registration_type": "暂停登记"})
    case = apply(current_item("changzhi", "unit-enrollment"), applicant=unit, situations=("参保登记",),
                 form_data={"registration_type": "暂停登记", "suspend_persons": "是"})
    run_through(case, staff["changzhi"])
    unit.refresh_from_db()
    assert unit.status == UnitStatus.SUSPENDED and unit.suspended_on == ON
    period = InsurancePeriod.objects.get(person=person)
    assert period.status == InsuranceStatus.SUSPENDED and period.stop_reason == "单位暂停参保"


def test_a_suspended_unit_cannot_be_suspended_again_nor_in_arrears(units, make_person):
    unit = units["machinery"]
    person = make_person(at=units["coal"])
    ContributionFactory(person=person, unit=units["coal"], paid=False)
    with pytest.raises(UnitRefused, match=r"单位存在欠费 ¥500\.00，补齐后方可暂停参保"):
        suspend_unit(unit=units["coal"], on=ON, actor="clerk", suspend_persons=True)
    suspend_unit(unit=unit, on=ON, actor="clerk")
    with pytest.raises(UnitRefused, match="当前为「暂停」状态，不能暂停参保"):
        suspend_unit(unit=unit, on=ON, actor="clerk")


# --- 拆分、合并、分立 -------------------------------------------------------------------------------

def test_merge_moves_the_employees_and_cancels_the_absorbed_unit(units, make_person, staff):
    absorbed, successor = units["machinery"], units["coal"]
    first = make_person(at=absorbed, insurance_types=("310",))
    second = make_person(at=absorbed)
    case = apply(current_item("taiyuan", "unit-enrollment"), applicant=absorbed, situations=("拆分、合并、分立",),
                 form_data={"restructure_type": "合并", "successor_uscc": successor.uscc,
                            "effective_date": "2026-04-01"})
    run_through(case, staff["xiaodian"])
    absorbed.refresh_from_db()
    assert absorbed.status == UnitStatus.CANCELLED and absorbed.successor_id == successor.pk
    assert absorbed.cancelled_on == datetime.date(2026, 4, 1)
    for person in (first, second):
        old = InsurancePeriod.objects.get(person=person, unit=absorbed)
        assert old.status == InsuranceStatus.TERMINATED and old.end_date == datetime.date(2026, 3, 31)
        assert old.stop_reason == "单位合并：转入「太原示例煤业有限公司」"
        new = InsurancePeriod.objects.get(person=person, unit=successor)
        assert new.status == InsuranceStatus.INSURED and new.start_date == datetime.date(2026, 4, 1)
    assert not active(absorbed).exists()


def test_merge_needs_the_successor_and_no_arrears(units, make_person):
    item = current_item("taiyuan", "unit-enrollment")
    with pytest.raises(InvalidApplication, match="字段 承继单位统一社会信用代码：合并时必填"):
        apply(item, applicant=units["machinery"], situations=("拆分、合并、分立",), form_data={"restructure_type": "合并"})
    with pytest.raises(InvalidApplication, match="字段 拆分、合并、分立类型：必填"):
        apply(item, applicant=units["machinery"], situations=("拆分、合并、分立",), form_data={})
    person = make_person(at=units["machinery"])
    ContributionFactory(person=person, unit=units["machinery"], paid=False)
    with pytest.raises(InvalidApplication, match=r"单位存在欠费 ¥500\.00，补齐后方可合并"):
        apply(item, applicant=units["machinery"], situations=("拆分、合并、分立",),
              form_data={"restructure_type": "合并", "successor_uscc": units["coal"].uscc})


def test_merge_into_a_unit_of_another_region_is_refused(units):
    with pytest.raises(UnitRefused, match="不在本统筹区参保"):
        merge_units(absorbed=units["machinery"], successor=units["jincheng"], on=ON, actor="clerk")


def test_split_registers_a_new_unit_and_moves_the_chosen_employees(units, make_person, staff):
    source = units["coal"]
    moving, staying = make_person(at=source, insurance_types=("310", "510")), make_person(at=source)
    new_uscc = make_uscc("91140105MA0C00055")
    case = apply(current_item("taiyuan", "unit-enrollment"), applicant=source, situations=("拆分、合并、分立",),
                 form_data={"restructure_type": "分立", "new_uscc": new_uscc, "unit_name": "太原示例洗煤有限公司",
                            "moved_id_numbers": f"{moving.id_number}\n"})
    run_through(case, staff["xiaodian"])
    new = Unit.objects.get(uscc=new_uscc)
    assert new.successor_id == source.pk and new.name == "太原示例洗煤有限公司"
    assert new.insurance_types == source.insurance_types and new.home_agency == source.home_agency
    assert set(active(new).values_list("person__id_number", "insurance_type")) == {
        (moving.id_number, "310"), (moving.id_number, "510")}
    assert set(active(source).values_list("person__id_number", flat=True)) == {staying.id_number}
    assert Unit.objects.get(pk=source.pk).status == UnitStatus.ACTIVE


def test_a_split_cannot_move_a_strangers_employee(units, make_person):
    stranger = make_person(at=units["machinery"])
    with pytest.raises(UnitRefused, match=f"字段 转入新单位人员：{stranger.id_number} 不是本单位正常参保的人员"):
        split_unit(source=units["coal"], new_uscc=make_uscc("91140105MA0C00056"), new_name="新单位", on=ON,
                   actor="clerk", moved_id_numbers=[stranger.id_number])


def test_a_split_into_a_registered_uscc_is_refused(units):
    with pytest.raises(UnitRefused, match="已由「太原示例机械有限公司」登记参保"):
        split_unit(source=units["coal"], new_uscc=units["machinery"].uscc, new_name="新单位", on=ON,
                   actor="clerk", moved_id_numbers=[])


def test_two_situations_at_once_are_refused(units):
    with pytest.raises(InvalidApplication, match="一次只能办理一种情形"):
        apply(current_item("taiyuan", "unit-enrollment"), applicant=units["coal"],
              situations=("拆分、合并、分立", "注销登记"), form_data={})


def test_service_change_keeps_the_old_values_in_the_audit(units):
    change_unit_info(unit=units["coal"], wanted={"legal_representative": "孙新"}, actor="clerk")
    entry = AuditEntry.objects.get(action="enrollment.unit.change")
    assert entry.after["legal_representative"] == "孙新" and entry.before["legal_representative"] == ""
