"""Category 八 cases: 医疗救助零星报销 on what the person still bears, and the 个人缴费补贴 refund."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.enrollment.contributions.conftest import apply, current_item
from tests.medical_aid.conftest import row, workbook
from yibao.cases.handlers import handler_for
from yibao.cases.services import InvalidApplication, MoveNotAllowed, accept_case, advance_case
from yibao.medical_aid.models import AidReimbursement
from yibao.medical_aid.services import (
    approve_programme,
    create_programme,
    import_recipients,
    pay_programme,
    submit_programme,
)
from yibao.payments.models import Payment

pytestmark = pytest.mark.django_db

BANK = {"bank_name": "中国银行太原分行", "account_number": "6216600000001234"}
CLAIM = {"settlement_number": "JS20261001001", "care_start": "2026-10-01", "care_end": "2026-10-10",
         "total_cost": "20000.00", "basic_fund_paid": "12000.00", "serious_illness_paid": "1000.00",
         "still_borne_in_policy": "5000.00", **BANK}


def identify(regions, *rows):
    programme = create_programme(region=regions["taiyuan"], year=2026, actor="ty-importer")
    import_recipients(programme=programme, content=workbook(list(rows)), actor="ty-importer")
    submit_programme(programme=programme, actor="ty-importer")
    return approve_programme(programme=programme, actor="ty-approver")


def file(person, key, form):
    return apply(current_item("taiyuan", key), applicant_kind="person", applicant_id=person.id_number,
                 applicant_name=person.name, form_data=form)


def to_payment(case, clerks):
    case = accept_case(case=case, staff=clerks["accept"])
    case = advance_case(case=case, staff=clerks["review"], action="review", opinion="同意")
    return advance_case(case=case, staff=clerks["pay"], action="pay", opinion="拨付")


def test_aid_is_the_categorys_ratio_of_what_the_person_still_bears_within_the_yearly_cap(regions, resident, staff):
    person = resident(name="王救助")
    identify(regions, row(person, "低保对象"))
    case = to_payment(file(person, "aid-reimbursement", CLAIM), staff["taiyuan"])

    # 低保对象: 70 % (demo value, at the national floor) of 5 000.
    payment = Payment.objects.get()
    assert (payment.fund, payment.amount, payment.payee.identifier) == ("610100", Decimal("3500.00"), person.id_number)
    shown = dict(handler_for(case.item).describe(case=case, fields=handler_for(case.item).parse_fields(case.form_data)))
    assert "5000.00 元 × 70% = 3500.00 元" in shown["医疗救助金额"]
    assert "纸质结算单" in shown["数据来源"] and "示例参数" in shown["说明"]


def test_the_local_ratio_below_the_national_floor_is_raised_to_seventy_percent(regions, resident, staff, monkeypatch):
    from dataclasses import replace

    from yibao.rules.parameters import file_rulebook

    book = file_rulebook("taiyuan")
    ratio = book.parameters["aid_ratio"]
    series = next(s for s in ratio.series if "特困人员" in s.key.get("aid_category", ()))
    monkeypatch.setattr(series, "values", [replace(series.values[0], value=Decimal("0.50"))])
    book._cache.clear()
    person = resident(name="赵特困")
    identify(regions, row(person, "特困人员/孤儿"))
    to_payment(file(person, "aid-reimbursement", CLAIM), staff["taiyuan"])
    book._cache.clear()
    assert Payment.objects.get().amount == Decimal("3500.00")


def test_the_yearly_cap_limits_the_second_claim(regions, resident, staff):
    person = resident(name="钱边缘")
    identify(regions, row(person, "监测对象"))  # 低保边缘: 60 %, cap 30 000 (demo values)
    big = {**CLAIM, "total_cost": "90000.00", "still_borne_in_policy": "45000.00"}
    to_payment(file(person, "aid-reimbursement", big), staff["taiyuan"])
    second = {**CLAIM, "settlement_number": "JS20261101002", "care_start": "2026-11-01", "care_end": "2026-11-05"}
    to_payment(file(person, "aid-reimbursement", second), staff["taiyuan"])
    assert sorted(p.amount for p in Payment.objects.all()) == [Decimal("3000.00"), Decimal("27000.00")]


def test_a_person_not_identified_must_file_the_authorisation_and_the_case_waits_for_identification(
        regions, resident, staff):
    person = resident(name="孙待认定")
    with pytest.raises(InvalidApplication, match="尚未认定为医疗救助对象，请提交《个人家庭经济状况核查委托授权书》"):
        file(person, "aid-reimbursement", CLAIM)

    case = file(person, "aid-reimbursement", {**CLAIM, "authorization_filed": True})
    clerks = staff["taiyuan"]
    case = accept_case(case=case, staff=clerks["accept"])
    case = advance_case(case=case, staff=clerks["review"], action="review", opinion="同意")
    with pytest.raises(MoveNotAllowed, match="尚未认定为医疗救助对象.*认定后方可拨付"):
        advance_case(case=case, staff=clerks["pay"], action="pay", opinion="拨付")
    assert not Payment.objects.exists()

    identify(regions, row(person, "因病致贫重病患者"))
    case.refresh_from_db()
    advance_case(case=case, staff=clerks["pay"], action="pay", opinion="拨付")
    assert Payment.objects.get().amount == Decimal("2500.00")  # 因病致贫: 50 % (demo value)


def test_one_settlement_is_aided_once(regions, resident, staff):
    person = resident(name="王救助")
    identify(regions, row(person))
    first = file(person, "aid-reimbursement", CLAIM)
    second = file(person, "aid-reimbursement", CLAIM)
    to_payment(first, staff["taiyuan"])
    with pytest.raises(MoveNotAllowed, match="结算单 JS20261001001 已由办件"):
        accept_case(case=second, staff=staff["taiyuan"]["accept"])
    assert AidReimbursement.objects.count() == 1


def test_figures_that_do_not_add_up_are_refused(regions, resident):
    person = resident(name="王救助")
    with pytest.raises(InvalidApplication, match="之和不能大于医疗费总额"):
        file(person, "aid-reimbursement", {**CLAIM, "still_borne_in_policy": "9000.00"})


def test_a_full_payer_applies_for_the_refund_and_the_programme_run_does_not_pay_it_again(regions, resident, staff):
    person = resident(name="王救助")
    programme = identify(regions, row(person, bank=("", "")))
    case = to_payment(file(person, "aid-contribution-subsidy", {"year": 2026, **BANK}), staff["taiyuan"])
    assert Payment.objects.get().amount > 0
    pay_programme(programme=programme, actor="ty-payer")
    payment = Payment.objects.get()
    assert payment.case_id == case.pk and payment.fund == "610100"
    with pytest.raises(InvalidApplication, match="已退还，不能重复申请"):
        file(person, "aid-contribution-subsidy", {"year": 2026, **BANK})


def test_the_refund_is_refused_to_someone_not_on_the_list_or_who_had_not_paid_in_full(regions, resident):
    listed = resident(name="李低保", paid_in_full=False)
    outsider = resident(name="周某")
    identify(regions, row(listed))
    with pytest.raises(InvalidApplication, match="未在集中缴费期全额缴纳 2026 年度"):
        file(listed, "aid-contribution-subsidy", {"year": 2026, **BANK})
    with pytest.raises(InvalidApplication, match="周某 不在 2026 年度医疗救助参保资助名单中"):
        file(outsider, "aid-contribution-subsidy", {"year": 2026, **BANK})


def test_the_aid_application_form_11_is_prefilled_from_the_records(regions, resident):
    from yibao.documents.prefill import prefill_values, render_case_form

    person = resident(name="王救助", address="太原市小店区示例路1号")
    identify(regions, row(person, "特困人员/孤儿"))
    case = file(person, "aid-reimbursement", CLAIM)
    values = prefill_values(case, "表11")
    assert (values["name"], values["id_number"], values["home_address"]) == (
        "王救助", person.id_number, "太原市小店区示例路1号")
    assert "特困人员" in str(values["aid_category"])
    assert render_case_form(case, "表11").startswith(b"%PDF")


def _paid_basic_claim(person, *, aid="0.00"):
    """A paid basic reimbursement (the reimbursement app's Claim) on a case of its own."""
    import datetime

    from yibao.reimbursement.models import Claim, ClaimStatus

    basic_case = file(person, "aid-reimbursement", {**CLAIM, "settlement_number": "BASIC-CASE-HOLDER",
                                                    "authorization_filed": True})
    Claim.objects.create(
        case=basic_case, person=person, handler_key="inpatient", insurance_type="390", med_type="21",
        institution_name="山西医科大学第一医院", institution_local=True, hospital_level="三级",
        admission_date=datetime.date(2026, 9, 1), discharge_date=datetime.date(2026, 9, 10), diagnosis_name="肺炎",
        referral="有", claimed_total=Decimal("10000.00"), status=ClaimStatus.PAID,
        settlement={"fields": {"符合政策范围金额": "8000.00", "统筹基金支出": "4500.00", "大病保险/大额补助": "500.00",
                               "医疗救助": aid}})
    return basic_case


def test_the_aid_is_computed_on_the_basic_reimbursement_cases_settlement_when_named(regions, resident, staff):
    person = resident(name="王救助")
    identify(regions, row(person, "低保对象"))
    basic = _paid_basic_claim(person)
    case = to_payment(file(person, "aid-reimbursement", {"basic_case_number": basic.number, **BANK}), staff["taiyuan"])
    # 8 000 in policy − 4 500 pooled − 500 大病 = 3 000 still borne; × 70 %.
    assert Payment.objects.get().amount == Decimal("2100.00")
    shown = dict(handler_for(case.item).describe(case=case, fields=handler_for(case.item).parse_fields(case.form_data)))
    assert "= 个人负担 3000.00 元" in shown["数据来源"]


def test_a_basic_settlement_that_already_included_aid_is_refused(regions, resident):
    person = resident(name="王救助")
    identify(regions, row(person, "低保对象"))
    basic = _paid_basic_claim(person, aid="100.00")
    with pytest.raises(InvalidApplication, match="的结算已含医疗救助"):
        file(person, "aid-reimbursement", {"basic_case_number": basic.number, **BANK})
    with pytest.raises(InvalidApplication, match="未找到 王救助 的零星报销办件 TY-NOPE"):
        file(person, "aid-reimbursement", {"basic_case_number": "TY-NOPE", **BANK})


def test_a_ratio_added_in_the_console_is_the_one_the_aid_uses(regions, resident, staff):
    from datetime import date

    from tests.factories import AgencyFactory, StaffFactory
    from yibao.agencies.models import AgencyLevel
    from yibao.rules.parameters import file_rulebook
    from yibao.rules.services import add_parameter_value

    admin = StaffFactory(agency=AgencyFactory(region=regions["taiyuan"], level=AgencyLevel.CITY), roles=["administer"])
    index = next(i for i, series in enumerate(file_rulebook("taiyuan").parameters["aid_ratio"].series)
                 if "低保对象" in series.key["aid_category"])
    add_parameter_value(staff=admin, region="taiyuan", parameter="aid_ratio", series_index=index,
                        effective=date(2026, 1, 1), value="0.85", reference_number="并医保发〔2026〕1号",
                        reference_title="测试用医疗救助比例文件")
    person = resident(name="孙低保")
    identify(regions, row(person, "低保对象"))
    to_payment(file(person, "aid-reimbursement", CLAIM), staff["taiyuan"])

    # 85 % from the console, not the file's 70 % (demo).
    assert Payment.objects.get().amount == Decimal("4250.00")
