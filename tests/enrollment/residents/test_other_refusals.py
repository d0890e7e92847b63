"""The remaining refusals of the resident and person services, each with its Chinese message."""

import datetime
from decimal import Decimal

import pytest

from tests.enrollment.residents.conftest import (
    IN_WINDOW,
    ContributionFactory,
    apply,
    current_item,
    rid,
)
from yibao.cases.services import InvalidApplication
from yibao.enrollment.models import BaseDeclaration, PersonalAccount, Unit
from yibao.enrollment.services.errors import EnrollmentError
from yibao.enrollment.services.persons import (
    InfoChangeRefused,
    MergeRefused,
    merge_persons,
    plan_info_change,
)
from yibao.enrollment.services.residents import (
    BackpayNotEligible,
    BackpayRequest,
    backpay_resident,
    enroll_newborn,
    enroll_resident,
    person_input,
)
from yibao.ids import make_uscc

pytestmark = pytest.mark.django_db

WU = rid("14010519750505004")


def enroll(agencies, data, **kwargs):
    return enroll_resident(region=agencies["xiaodian"].region, home_agency=agencies["xiaodian"], data=data,
                           day=IN_WINDOW, actor="clerk", **{"category": "resident", **kwargs})


def test_a_missing_name_is_refused():
    with pytest.raises(EnrollmentError, match="字段 姓名：必填"):
        person_input(id_type="01", id_number=WU, name=" ")


def test_a_birth_date_after_today_is_refused():
    with pytest.raises(EnrollmentError, match="字段 出生日期：2030-01-01 晚于今天"):
        person_input(id_type="16", id_number="E12345678", name="某人", sex="1",
                     birth_date=datetime.date(2030, 1, 1), today=datetime.date(2026, 1, 1))


def test_a_birth_date_contradicting_the_id_number_is_refused():
    with pytest.raises(EnrollmentError, match="证件号码中的出生日期为 1975-05-05，与填写的 1975-05-06 不符"):
        person_input(id_type="01", id_number=WU, name="吴某", birth_date=datetime.date(1975, 5, 6))


def test_an_unknown_person_category_is_refused(agencies):
    with pytest.raises(EnrollmentError, match="字段 人员类别：「employed」不是城乡居民的人员类别"):
        enroll(agencies, person_input(id_type="01", id_number=WU, name="吴某"), category="employed")


def test_enrolling_under_a_merged_record_is_refused(agencies, make_person):
    kept = make_person(name="吴某")
    make_person(id_number=WU, name="吴某", merged_into=kept)
    with pytest.raises(EnrollmentError, match=f"证件号码 {WU} 的记录已合并至另一记录"):
        enroll(agencies, person_input(id_type="01", id_number=WU, name="吴某"))


def test_enrolling_a_dead_person_is_refused(agencies, make_person):
    make_person(id_number=WU, name="吴某", death_date=datetime.date(2026, 1, 2))
    with pytest.raises(EnrollmentError, match="吴某 已于 2026-01-02 死亡，不能参保"):
        enroll(agencies, person_input(id_type="01", id_number=WU, name="吴某"))


def test_an_insured_newborn_is_not_enrolled_twice(agencies, make_person):
    baby = rid("14010520260801002")
    make_person(id_number=baby, name="张小妹", periods=("390",))
    with pytest.raises(EnrollmentError, match="张小妹 已参加基本医疗保险，不能重复登记"):
        enroll_newborn(region=agencies["xiaodian"].region, home_agency=agencies["xiaodian"],
                       data=person_input(id_type="02", id_number=baby, name="张小妹"),
                       day=datetime.date(2026, 9, 1), actor="clerk")


def test_a_newborn_born_after_the_day_of_application_is_refused(agencies):
    with pytest.raises(EnrollmentError, match="字段 出生日期：2026-08-01 晚于今天"):
        enroll_newborn(region=agencies["xiaodian"].region, home_agency=agencies["xiaodian"],
                       data=person_input(id_type="02", id_number=rid("14010520260801002"), name="张小妹"),
                       day=datetime.date(2026, 7, 1), actor="clerk")


def test_backpay_of_a_year_already_recorded_is_refused(agencies, make_person):
    person = make_person(id_number=WU, name="吴某")
    ContributionFactory(person=person, month=datetime.date(2026, 1, 1))
    with pytest.raises(BackpayNotEligible, match="吴某 已有 2026 年度城乡居民医保缴费记录，不能重复补缴"):
        backpay_resident(region=agencies["xiaodian"].region, home_agency=agencies["xiaodian"],
                         data=person_input(id_type="01", id_number=WU, name="吴某"),
                         request=BackpayRequest(situation="上年度参加省内异地城乡居民医保或参加省内职工医保(户籍在异地)",
                                                previous_region_code="140402", previous_insurance_type="390",
                                                residence_permit_number=WU),
                         day=datetime.date(2026, 4, 1), actor="clerk")


def test_a_moving_in_date_after_today_is_refused(agencies):
    with pytest.raises(BackpayNotEligible, match="字段 户口迁入日期：2026-05-01 晚于今天"):
        backpay_resident(region=agencies["xiaodian"].region, home_agency=agencies["xiaodian"],
                         data=person_input(id_type="01", id_number=WU, name="吴某"),
                         request=BackpayRequest(situation="上年度参加省内异地城乡居民医保或参加省内职工医保(户口迁至太原市)",
                                                previous_region_code="140402", previous_insurance_type="390",
                                                household_moved_on=datetime.date(2026, 5, 1)),
                         day=datetime.date(2026, 4, 1), actor="clerk")


# --- merge --------------------------------------------------------------------------------------

def test_merging_records_declared_by_the_same_unit_for_the_same_year_is_refused(make_person, agencies):
    kept = make_person(id_number=WU, name="吴某")
    duplicate = make_person(id_type="16", id_number="E11112222", name="吴某", sex=kept.sex,
                            birth_date=kept.birth_date)
    unit = Unit.objects.create(uscc=make_uscc("91140105MA0L00003"), name="某公司", unit_type="企业",
                               region=kept.region, home_agency=kept.home_agency, registered_on=datetime.date(2020, 1, 1))
    for person in (kept, duplicate):
        BaseDeclaration.objects.create(unit=unit, person=person, year=2025, base=Decimal("5000.00"))
    with pytest.raises(MergeRefused, match="两条记录在同一单位同一年度都有缴费基数申报"):
        merge_persons(kept=kept, duplicate=duplicate, on=datetime.date(2026, 5, 1), actor="clerk")


def test_a_balance_on_a_closed_account_is_not_merged(make_person):
    kept = make_person(id_number=WU, name="吴某")
    duplicate = make_person(id_type="16", id_number="E11112222", name="吴某", sex=kept.sex,
                            birth_date=kept.birth_date)
    PersonalAccount.objects.create(person=kept)
    PersonalAccount.objects.create(person=duplicate, balance=Decimal("12.34"), status="closed")
    with pytest.raises(MergeRefused, match="个人账户已注销，余额 12.34 元无法并入"):
        merge_persons(kept=kept, duplicate=duplicate, on=datetime.date(2026, 5, 1), actor="clerk")


def test_a_merge_case_naming_an_unknown_record_is_refused(make_person, on_day):
    on_day(datetime.date(2026, 5, 1))
    make_person(id_number=WU, name="吴某")
    with pytest.raises(InvalidApplication, match="字段 待合并记录的证件号码：未找到证件号码为 E99999999 的参保记录"):
        apply(current_item("taiyuan", "resident-enrollment-merge"), applicant_id=WU, applicant_name="吴某",
              form_data={"duplicate_id_type": "16", "duplicate_id_number": "E99999999"})


def test_a_case_for_a_person_without_a_record_is_refused(agencies, on_day):
    on_day(datetime.date(2026, 5, 1))
    with pytest.raises(InvalidApplication, match=f"字段 身份证件号码：未找到证件号码为 {WU} 的参保人员"):
        apply(current_item("taiyuan", "resident-enrollment-suspend"), applicant_id=WU, applicant_name="吴某",
              form_data={"stop_reason": "其他"})


# --- information change ---------------------------------------------------------------------------------

def test_an_unknown_field_cannot_be_changed(make_person):
    with pytest.raises(InfoChangeRefused, match="不能变更的项目：region"):
        plan_info_change(person=make_person(), wanted={"region": "x"})


def test_a_sex_or_birth_date_contradicting_the_kept_id_number_is_refused(make_person):
    person = make_person(id_number=WU, name="吴某")
    with pytest.raises(InfoChangeRefused, match=f"变更后的性别或出生日期与证件号码 {WU} 不符"):
        plan_info_change(person=person, wanted={"birth_date": datetime.date(1975, 5, 6)})


def test_a_new_id_number_contradicting_the_sex_is_refused(make_person):
    person = make_person(id_number=WU, name="吴某")  # a woman (even 17th digit)
    with pytest.raises(InfoChangeRefused, match="表明性别为男，与性别「女」不符，请一并变更性别"):
        plan_info_change(person=person, wanted={"id_number": rid("14010519750505013")})


def test_a_passport_holder_may_change_to_a_resident_id(make_person):
    person = make_person(id_type="16", id_number="E12121212", name="吴某", sex="2",
                         birth_date=datetime.date(1975, 5, 5))
    plan = plan_info_change(person=person, wanted={"id_type": "01", "id_number": WU})
    assert plan.key == {"id_type": ("16", "01"), "id_number": ("E12121212", WU)}


def test_an_info_change_by_a_unit_needs_the_persons_number(agencies, on_day):
    on_day(datetime.date(2026, 5, 1))
    with pytest.raises(InvalidApplication, match="字段 身份证件号码：单位代为办理时必填"):
        apply(current_item("jincheng", "employee-info-change"), applicant_kind="unit",
              applicant_id=make_uscc("91140500MA0L00004"), applicant_name="晋城某公司", phone="0356-1234567",
              form_data={"new_phone": "13600000000"})

