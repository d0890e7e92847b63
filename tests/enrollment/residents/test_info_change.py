"""参保信息变更登记 (表5 职工 / 表6 城乡居民): key fields after review, others at once."""

import datetime

import pytest

from tests.enrollment.residents.conftest import (
    apply,
    current_item,
    new_phone_code,
    rid,
    run_through,
)
from yibao.audit.models import AuditEntry
from yibao.cases.services import InvalidApplication, MoveNotAllowed, accept_case, advance_case
from yibao.enrollment.models import Person
from yibao.enrollment.services.persons import (
    InfoChangeRefused,
    change_person_info,
    plan_info_change,
)
from yibao.ids import make_uscc

pytestmark = pytest.mark.django_db

KEY = "变更姓名、性别、身份证号、出生日期等"
QIAN = rid("14010519900315008")  # a man born 1990-03-15
NEW_QIAN = rid("14010519900315016")  # the number the police issued after a correction


@pytest.fixture
def qian(make_person):
    return make_person(id_number=QIAN, name="钱多多", phone="13900000001", periods=("390",))


# --- services ---------------------------------------------------------------------------------

def test_plan_separates_key_fields_from_the_others(qian):
    plan = plan_info_change(person=qian, wanted={"name": "钱朵朵", "phone": "13900000002", "address": ""})
    assert plan.key == {"name": ("钱多多", "钱朵朵")} and plan.other == {"phone": ("13900000001", "13900000002")}


def test_a_change_to_nothing_new_is_refused(qian):
    with pytest.raises(InfoChangeRefused, match="没有需要变更的项目"):
        plan_info_change(person=qian, wanted={"name": "钱多多", "phone": "13900000001"})


def test_an_id_number_held_by_another_record_is_refused_suggesting_a_merge(qian, make_person):
    make_person(id_number=NEW_QIAN, name="钱某")
    with pytest.raises(InfoChangeRefused, match=f"{NEW_QIAN} 已属于另一参保记录（钱某）.*请办理多号合并"):
        plan_info_change(person=qian, wanted={"id_number": NEW_QIAN})


def test_an_invalid_new_id_number_is_refused(qian):
    with pytest.raises(InfoChangeRefused, match="字段 变更后证件号码：.*校验位错误"):
        plan_info_change(person=qian, wanted={"id_number": NEW_QIAN[:-1] + "0"})


def test_a_new_id_number_must_agree_with_the_birth_date(qian):
    with pytest.raises(InfoChangeRefused, match="中的出生日期为 1990-03-16，与出生日期 1990-03-15 不符，请一并变更出生日期"):
        plan_info_change(person=qian, wanted={"id_number": rid("14010519900316008")})
    plan = plan_info_change(person=qian, wanted={"id_number": rid("14010519900316008"),
                                                 "birth_date": datetime.date(1990, 3, 16)})
    assert set(plan.key) == {"id_number", "birth_date"}


def test_applying_key_fields_keeps_the_old_values_in_the_audit_row(qian):
    change_person_info(person=qian, wanted={"name": "钱朵朵", "id_number": NEW_QIAN, "phone": "13900000009"},
                       actor="clerk", key_fields=True)
    qian.refresh_from_db()
    assert (qian.name, qian.id_number, qian.phone) == ("钱朵朵", NEW_QIAN, "13900000001")
    entry = AuditEntry.objects.get(action="enrollment.person.change")
    assert entry.object_id == QIAN
    assert entry.before == {"name": "钱多多", "id_number": QIAN}
    assert entry.after["id_number"] == NEW_QIAN and entry.after["key_fields"] is True


# --- through the case engine ------------------------------------------------------------------------

def test_a_phone_change_applies_at_acceptance_without_review(qian, staff, on_day):
    on_day(datetime.date(2026, 6, 1))
    case = apply(current_item("taiyuan", "resident-info-change"), applicant_id=QIAN, applicant_name="钱多多",
                 form_data={"new_phone": "13700000000", "new_address": "太原市小店区某街1号",
                            "new_phone_code": new_phone_code(qian, "13700000000")})
    assert case.extra_steps == [] and case.form_data["info_category"] == "非关键信息"
    case = accept_case(case=case, staff=staff["xiaodian"]["accept_review"])
    qian.refresh_from_db()
    assert (qian.phone, qian.address) == ("13700000000", "太原市小店区某街1号")
    advance_case(case=case, staff=staff["xiaodian"]["accept_review"], action="complete")


def test_a_key_change_needs_review_by_a_second_person_and_applies_at_completion(qian, staff, on_day):
    on_day(datetime.date(2026, 6, 1))
    item = current_item("taiyuan", "resident-info-change")
    with pytest.raises(InvalidApplication, match=f"变更关键信息.*须选择情形「{KEY}」"):
        apply(item, applicant_id=QIAN, applicant_name="钱多多", form_data={"new_name": "钱朵朵"})
    case = apply(item, applicant_id=QIAN, applicant_name="钱多多", situations=(KEY,),
                 form_data={"new_name": "钱朵朵", "new_phone": "13700000000",
                            "new_phone_code": new_phone_code(qian, "13700000000")})
    assert case.extra_steps == ["审核"] and case.form_data["info_category"] == "关键信息"
    assert case.form_data["changes"] == [{"item": "姓名", "after": "钱朵朵"}, {"item": "联系电话", "after": "13700000000"}]
    assert "new_phone_code" not in [c["item"] for c in case.form_data["changes"]]
    clerk = staff["xiaodian"]["accept_review"]
    case = accept_case(case=case, staff=clerk)
    qian.refresh_from_db()
    assert (qian.name, qian.phone) == ("钱多多", "13700000000")  # the phone at once, the name not yet
    with pytest.raises(MoveNotAllowed, match="受理人不能审核自己受理的办件"):
        advance_case(case=case, staff=clerk, action="review")
    case = advance_case(case=case, staff=staff["xiaodian"]["review"], action="review", opinion="证明齐全")
    advance_case(case=case, staff=staff["xiaodian"]["review"], action="complete")
    qian.refresh_from_db()
    assert qian.name == "钱朵朵"


def test_a_number_taken_between_application_and_completion_is_refused_at_completion(qian, staff, on_day,
                                                                                    make_person):
    on_day(datetime.date(2026, 6, 1))
    case = apply(current_item("taiyuan", "resident-info-change"), applicant_id=QIAN, applicant_name="钱多多",
                 situations=(KEY,), form_data={"new_id_number": NEW_QIAN})
    case = accept_case(case=case, staff=staff["xiaodian"]["accept"])
    case = advance_case(case=case, staff=staff["xiaodian"]["review"], action="review")
    make_person(id_number=NEW_QIAN, name="钱某")
    with pytest.raises(MoveNotAllowed, match="已属于另一参保记录（钱某）"):
        advance_case(case=case, staff=staff["xiaodian"]["review"], action="complete")
    assert Person.objects.get(pk=qian.pk).id_number == QIAN


def test_an_id_number_held_by_another_record_is_refused_at_submission(qian, make_person, on_day):
    on_day(datetime.date(2026, 6, 1))
    make_person(id_number=NEW_QIAN, name="钱某")
    with pytest.raises(InvalidApplication, match="请办理多号合并"):
        apply(current_item("taiyuan", "resident-info-change"), applicant_id=QIAN, applicant_name="钱多多",
              situations=(KEY,), form_data={"new_id_number": NEW_QIAN})


def test_a_unit_changes_its_employees_name_in_taiyuan(make_person, staff, on_day):
    on_day(datetime.date(2026, 6, 1))
    worker = make_person(id_number=QIAN, name="钱多多", periods=("310",))
    item = current_item("taiyuan", "employee-info-change")
    case = apply(item, applicant_kind="unit", applicant_id=make_uscc("91140105MA0L00002"),
                 applicant_name="太原某公司", phone="0351-7654321", situations=(KEY,),
                 form_data={"id_number": QIAN, "name": "钱多多", "new_name": "钱朵朵"})
    run_through(case, staff["taiyuan"])
    worker.refresh_from_db()
    assert worker.name == "钱朵朵"


@pytest.mark.parametrize(("city", "key", "agency"), [
    ("changzhi", "employee-info-change", "changzhi"),
    ("changzhi", "resident-info-change", "changzhi"),
    ("jincheng", "employee-info-change", "jincheng"),
])
def test_info_change_cases_in_changzhi_and_jincheng(make_person, staff, on_day, city, key, agency):
    on_day(datetime.date(2026, 6, 1))
    number = rid("14040219900315008") if city == "changzhi" else rid("14052519900315008")
    person = make_person(id_number=number, name="周全", agency=agency)
    item = current_item(city, key)
    situations = (KEY,) if KEY in (item.data.get("situations") or []) else ()
    case = apply(item, applicant_id=number, applicant_name="周全", situations=situations,
                 form_data={"new_birth_date": "1990-03-15", "new_name": "周泉", "new_phone": "13600000000",
                            "new_phone_code": new_phone_code(person, "13600000000")})
    # The birth date is unchanged, so only the name is a key change.
    assert case.extra_steps == ["审核"]
    run_through(case, staff[agency])
    person.refresh_from_db()
    assert (person.name, person.phone) == ("周泉", "13600000000")


def test_the_name_in_the_form_must_match_the_record(qian, on_day):
    on_day(datetime.date(2026, 6, 1))
    with pytest.raises(InvalidApplication, match="参保记录姓名为「钱多多」，与填写的「钱少少」不符"):
        apply(current_item("taiyuan", "resident-info-change"), applicant_id=QIAN, applicant_name="钱多多",
              form_data={"name": "钱少少", "new_phone": "13700000000"})


# --- a new phone is proven like at registration (issue 9 §1) -----------------------------------------

def test_online_a_new_phone_needs_the_code_texted_to_it(qian, on_day):
    on_day(datetime.date(2026, 6, 1))
    item = current_item("taiyuan", "resident-info-change")
    with pytest.raises(InvalidApplication, match="字段 变更后联系电话收到的短信验证码：网上变更联系电话须先"):
        apply(item, applicant_id=QIAN, applicant_name="钱多多", form_data={"new_phone": "13700000000"})
    code = new_phone_code(qian, "13766666666")  # a code for another phone proves nothing here
    with pytest.raises(InvalidApplication, match="没有有效的短信验证码"):
        apply(item, applicant_id=QIAN, applicant_name="钱多多",
              form_data={"new_phone": "13700000000", "new_phone_code": code})
    qian.refresh_from_db()
    assert qian.phone == "13900000001"


def test_a_phone_change_code_is_used_once_and_the_case_passes_its_second_check(qian, staff, on_day):
    on_day(datetime.date(2026, 6, 1))
    item = current_item("taiyuan", "resident-info-change")
    code = new_phone_code(qian, "13700000000")
    case = apply(item, applicant_id=QIAN, applicant_name="钱多多",
                 form_data={"new_phone": "13700000000", "new_phone_code": code})
    with pytest.raises(InvalidApplication, match="没有有效的短信验证码"):
        apply(item, applicant_id=QIAN, applicant_name="钱多多",
              form_data={"new_phone": "13700000000", "new_phone_code": code})
    accept_case(case=case, staff=staff["xiaodian"]["accept_review"])
    qian.refresh_from_db()
    assert qian.phone == "13700000000"
