"""Every refusal of a claim, with its Chinese message naming the dates or the field; nothing is filed."""

import datetime

import pytest

from tests.reimbursement.conftest import (
    claim_form,
    current_item,
    days_ago,
    handle_to_end,
    submit,
)
from yibao.cases.models import Case
from yibao.cases.services import InvalidApplication
from yibao.enrollment.models import Contribution, InsurancePeriod, Unit
from yibao.ids import make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def jincheng_inpatient(catalog):
    return current_item("jincheng", "inpatient-reimbursement")


def refused(item, person, form, match, **kwargs):
    before = Case.objects.count()
    with pytest.raises(InvalidApplication, match=match):
        submit(item, person, form, **kwargs)
    assert Case.objects.count() == before


def test_care_before_the_insurance_started_is_refused_with_both_dates(jincheng_inpatient, make_insured):
    start = days_ago(10)
    person = make_insured("jincheng", start=start)
    form = claim_form(person, admission=days_ago(20), discharge=days_ago(15))
    refused(jincheng_inpatient, person, form,
            f"就医日期 {days_ago(20):%Y-%m-%d} 早于.*参保开始日期 {start:%Y-%m-%d}")


def test_care_during_a_suspension_is_refused_naming_the_suspension(jincheng_inpatient, make_insured):
    person = make_insured("jincheng", start=datetime.date(2015, 1, 1))
    InsurancePeriod.objects.filter(person=person).update(status="2", end_date=days_ago(40), stop_reason="解除劳动关系")
    InsurancePeriod.objects.create(person=person, insurance_type="310", status="1", category="retired",
                                   home_agency=person.home_agency, start_date=days_ago(5))
    form = claim_form(person, admission=days_ago(20), discharge=days_ago(18))
    refused(jincheng_inpatient, person, form,
            f"就医日期 {days_ago(20):%Y-%m-%d} 处于停保期间（{days_ago(39):%Y-%m-%d} 至 {days_ago(6):%Y-%m-%d}"
            "暂停参保：解除劳动关系）")


def test_care_after_death_is_refused_naming_the_date_of_death(jincheng_inpatient, make_insured):
    person = make_insured("jincheng", death_date=days_ago(25))
    refused(jincheng_inpatient, person, claim_form(person, admission=days_ago(20)),
            f"就医开始日期：{days_ago(20):%Y-%m-%d} 晚于参保人的死亡日期 {days_ago(25):%Y-%m-%d}")


def test_a_bill_already_reimbursed_is_refused_naming_the_bill_and_the_case(jincheng_inpatient, make_insured, clerks):
    person = make_insured("jincheng")
    first = handle_to_end(submit(jincheng_inpatient, person, claim_form(person, bills=["JC-1"])), clerks["jincheng"])
    refused(jincheng_inpatient, person, claim_form(person, bills=["JC-2", "JC-1"]),
            f"票据 JC-1 已在办件 {first.number} 中报销，不能重复报销")


def test_a_bill_in_an_open_claim_cannot_be_claimed_again(jincheng_inpatient, make_insured, clerks):
    from yibao.cases.services import accept_case

    person = make_insured("jincheng")
    first = accept_case(case=submit(jincheng_inpatient, person, claim_form(person, bills=["JC-9"])),
                        staff=clerks["jincheng"]["accept"])
    refused(jincheng_inpatient, person, claim_form(person, bills=["JC-9"]),
            f"票据 JC-9 已在办理中的办件 {first.number} 中申报")


def test_an_outpatient_item_refuses_an_inpatient_stay(catalog, make_insured):
    item = current_item("changzhi", "outpatient-reimbursement")
    person = make_insured("changzhi")
    refused(item, person, claim_form(person, med_type="21"), "字段 医疗类别：21 不属于门诊费用")


def test_a_resident_item_refuses_an_employee(catalog, make_insured):
    item = current_item("taiyuan", "inpatient-reimbursement-resident")
    person = make_insured("taiyuan", insurance_type="310")
    refused(item, person, claim_form(person, referral="不涉及"), "没有城乡居民基本医疗保险的参保记录")


def test_a_death_claim_needs_the_death_situation_and_its_materials(catalog, make_insured):
    item = current_item("taiyuan", "inpatient-reimbursement-employee")
    person = make_insured("taiyuan")
    refused(item, person, claim_form(person, died=True, referral="不涉及"), "字段 办理情形：本次报销属于「死亡」")


def test_the_arrears_item_waits_until_the_unit_paid_the_months_of_care(catalog, make_insured, clerks):
    item = current_item("taiyuan", "inpatient-reimbursement-arrears")
    unit = Unit.objects.create(uscc=make_uscc("91140100MA0R00001"), name="太原欠费示例有限公司", unit_type="企业",
                               registered_on=datetime.date(2010, 1, 1), region=clerks["taiyuan"]["accept"].agency.region,
                               home_agency=clerks["taiyuan"]["accept"].agency)
    person = make_insured("taiyuan", category="employed", unit=unit)
    admission = days_ago(20)
    month = admission.replace(day=1)
    Contribution.objects.create(person=person, unit=unit, month=month, insurance_type="310", base=5000,
                                unit_part=400, personal_part=100, paid=False)
    form = claim_form(person, admission=admission, discharge=admission, referral="不涉及")
    refused(item, person, form, f"参保单位 太原欠费示例有限公司 就医月份 {month:%Y-%m} 的欠费尚未补缴",
            situations=["住院"])

    Contribution.objects.filter(unit=unit).update(paid=True)
    assert submit(item, person, form, situations=["住院"]).pk


def test_a_chronic_claim_without_the_qualifications_domain_is_refused_clearly(catalog, make_insured):
    item = current_item("jincheng", "chronic-special-drug-reimbursement")
    person = make_insured("jincheng")
    form = claim_form(person, med_type="14", disease_code="M03900", chronic_kind="门诊慢性病")
    with pytest.raises(InvalidApplication, match="门诊慢特病（特药）待遇资格|没有病种 M03900"):
        submit(item, person, form, situations=["门诊慢性病"])


def test_someone_else_cannot_claim_for_a_living_person(jincheng_inpatient, make_insured):
    person = make_insured("jincheng")
    other = make_insured("jincheng")
    refused(jincheng_inpatient, person, claim_form(person), "个人只能申请本人的医疗费用报销",
            applicant=(other.name, other.id_number))


def test_a_minor_accident_claim_refuses_an_adult(catalog, make_insured):
    item = current_item("taiyuan", "minor-outpatient-accident")
    person = make_insured("taiyuan", insurance_type="390", category="resident")
    form = claim_form(person, med_type="11", accident=True, referral="不涉及")
    refused(item, person, form, "已满18周岁且不是参保大学生")


@pytest.mark.parametrize("override, match", [
    ({"discharge_date": "2000-01-01"}, "早于就医开始日期"),
    ({"bill_numbers": ["A\x00B"]}, "不是有效的票据号码"),
    ({"bill_numbers": ["X1", "X1"]}, "同一票据号码填写了两次"),
    ({"med_type": "99"}, "字段 医疗类别"),
    ({"institution_code": "14052500001"}, "字段 定点医药机构编码"),
    ({"lines": []}, "字段 费用明细"),
    ({"account_number": "62-22"}, "字段 银行账号"),
    ({"diagnosis_name": "肺\x00炎"}, "控制字符"),
])
def test_a_malformed_claim_is_refused_naming_the_field(jincheng_inpatient, make_insured, override, match):
    person = make_insured("jincheng")
    refused(jincheng_inpatient, person, claim_form(person, **override), match)


def test_care_in_the_future_is_refused(jincheng_inpatient, make_insured):
    person = make_insured("jincheng")
    future = days_ago(-3)
    refused(jincheng_inpatient, person, claim_form(person, admission=days_ago(1), discharge=future),
            f"就医结束日期 {future:%Y-%m-%d} 晚于今天")
