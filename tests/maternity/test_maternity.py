"""Category 七 of Taiyuan and Changzhi: eligibility from the records, amounts explained, paid once."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.enrollment.contributions.conftest import apply, current_item
from yibao.cases.handlers import handler_for
from yibao.cases.models import CaseStatus
from yibao.cases.services import InvalidApplication, MoveNotAllowed, accept_case, advance_case
from yibao.enrollment.models import Contribution
from yibao.maternity.models import MaternityBenefit
from yibao.payments.models import Payment

pytestmark = pytest.mark.django_db

BANK = {"bank_name": "中国银行太原分行", "account_number": "6216600000001234"}
BIRTH = {"event": "分娩", "event_date": "2026-10-01", "care_start": "2026-09-29", "care_end": "2026-10-05"}


def for_person(person) -> dict:
    return {"person_id_number": person.id_number, "person_name": person.name}


def unit_applies(unit, item, form):
    return apply(item, applicant_kind="unit", applicant_id=unit.uscc, applicant_name=unit.name, form_data=form)


def person_applies(person, item, form):
    return apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
                 form_data=form)


def run_to_payment(case, clerks):
    case = accept_case(case=case, staff=clerks["accept"])
    case = advance_case(case=case, staff=clerks["review"], action="review", opinion="同意")
    case = advance_case(case=case, staff=clerks["pay"], action="pay", opinion="拨付")
    return advance_case(case=case, staff=clerks["pay"], action="complete", opinion="办结")


def test_taiyuan_allowance_is_the_units_average_wage_over_30_times_leave_days_paid_to_the_unit(unit, employ, staff):
    mother = employ(unit, name="张丽")
    item = current_item("taiyuan", "maternity-allowance")
    case = unit_applies(unit, item, {**for_person(mother), **BIRTH, "difficult_birth": True, "babies": 2})
    case = run_to_payment(case, staff["taiyuan"])

    # 98 + 15 (难产) + 15 (second baby) + 60 (Shanxi, to confirm) = 188 days; 7 500 ÷ 30 × 188.
    benefit = MaternityBenefit.objects.get()
    assert (benefit.leave_days, benefit.average_wage, benefit.amount) == (188, Decimal("7500.00"),
                                                                         Decimal("47000.00"))
    payment = Payment.objects.get()
    assert (payment.fund, payment.amount, payment.payee.kind, payment.payee.identifier, payment.payee.account_number) == (
        "510100", Decimal("47000.00"), "unit", unit.uscc, "0502123409000012345")
    assert case.status == CaseStatus.COMPLETED
    shown = dict(handler_for(case.item).describe(case=case, fields=handler_for(case.item).parse_fields(case.form_data)))
    assert "2025 年缴费基数合计 45000.00 元 ÷ 6 人月 = 7500.00 元" in shown["单位上年度职工月平均工资"]
    assert shown["产假天数计算"].endswith("98 + 难产 15 + 多胞胎 15×1 + 山西省延长 60 = 188 天")
    assert "待核实" in shown["山西省延长生育假天数"]
    assert "7500.00 元 ÷ 30 × 188 天 = 47000.00 元" in shown["生育津贴"]
    assert "晋阳机械有限公司 应将 47000.00 元生育津贴全额转付给职工 张丽" in shown["单位应转付职工"]


@pytest.mark.parametrize("key", ["maternity-allowance", "prenatal-check"])
def test_a_man_is_refused_maternity_allowance_and_prenatal_checks(unit, employ, key):
    father = employ(unit, sex="1", name="李强")
    form = {**for_person(father), **BIRTH} if key == "maternity-allowance" else {
        **for_person(father), "event": "产前检查", "event_date": "2026-08-01", "total_cost": "600.00", "in_policy_cost": "600.00"}
    with pytest.raises(InvalidApplication, match="李强 的参保记录性别为男.*只支付给本人生育"):
        unit_applies(unit, current_item("taiyuan", key), form)
    assert not Payment.objects.exists()


def test_a_person_not_insured_on_the_care_dates_is_refused_naming_them(unit, employ):
    late = employ(unit, name="王芳", start=datetime.date(2026, 10, 3))
    with pytest.raises(InvalidApplication, match=r"王芳（.*）在 2026-09-29 至 2026-10-05 未参加生育保险或职工基本医疗保险"):
        unit_applies(unit, current_item("taiyuan", "maternity-allowance"), {**for_person(late), **BIRTH})


def test_arrears_item_is_accepted_only_once_the_units_arrears_for_the_care_months_are_paid(unit, employ, staff):
    mother = employ(unit, name="赵敏")
    for month in (9, 10):
        Contribution.objects.create(person=mother, unit=unit, month=datetime.date(2026, month, 1), insurance_type="310",
                                    base=Decimal("6000.00"), unit_part=Decimal("480.00"),
                                    personal_part=Decimal("120.00"), paid=(month == 9))
    item = current_item("taiyuan", "maternity-medical-arrears")
    form = {**BIRTH, "delivery_type": "剖宫产", "total_cost": "8000.00", "in_policy_cost": "6000.00", **BANK}
    with pytest.raises(InvalidApplication, match="单位欠费尚未补缴到账：赵敏 2026年10月的缴费未到账"):
        person_applies(mother, item, form)

    Contribution.objects.filter(person=mother).update(paid=True)
    case = run_to_payment(person_applies(mother, item, form), staff["taiyuan"])
    payment = Payment.objects.get()
    # Taiyuan pays a 定额 per delivery type (demo value); 生育医疗费 goes to the person.
    assert (payment.amount, payment.payee.kind, payment.payee.identifier) == (Decimal("3500.00"), "person",
                                                                              mother.id_number)
    assert MaternityBenefit.objects.get().uses_demo_values
    assert case.status == CaseStatus.COMPLETED


def test_changzhi_pays_the_actual_in_policy_delivery_cost_within_its_cap_to_the_person(changzhi_unit, employ, staff):
    mother = employ(changzhi_unit, name="刘红", city="changzhi")
    item = current_item("changzhi", "maternity-medical")
    form = {**BIRTH, "delivery_type": "顺产", "total_cost": "6000.00", "in_policy_cost": "5200.00", **BANK}
    run_to_payment(person_applies(mother, item, form), staff["changzhi"])
    payment = Payment.objects.get()
    assert (payment.fund, payment.amount, payment.payee.kind) == ("510100", Decimal("4000.00"), "person")


def test_changzhi_allowance_is_paid_to_the_mother_not_the_unit(changzhi_unit, employ, staff, agencies):
    mother = employ(changzhi_unit, name="孙静", city="changzhi")
    Contribution.objects.create(person=mother, unit=changzhi_unit, month=datetime.date(2025, 6, 1), insurance_type="310",
                                base=Decimal("4500.00"), unit_part=Decimal("360.00"), personal_part=Decimal("90.00"),
                                paid=True)
    form = {"event": "流产", "event_date": "2026-06-10", "pregnancy_months": 3, **BANK}
    run_to_payment(person_applies(mother, current_item("changzhi", "maternity-allowance"), form), staff["changzhi"])
    benefit = MaternityBenefit.objects.get()
    # Miscarriage before 4 months: 15 days; 4 500 ÷ 30 × 15.
    assert (benefit.leave_days, benefit.amount, benefit.paid_to_unit) == (15, Decimal("2250.00"), False)
    assert Payment.objects.get().payee.identifier == mother.id_number


def test_a_unit_without_last_years_bases_cannot_get_an_allowance_computed(changzhi_unit, employ):
    mother = employ(changzhi_unit, name="周敏", city="changzhi")
    with pytest.raises(InvalidApplication, match="潞安化工有限公司 在 2025 年没有缴费基数记录"):
        person_applies(mother, current_item("changzhi", "maternity-allowance"), {**BIRTH, **BANK})


def test_one_birth_is_paid_once_whatever_the_number_of_cases(unit, employ, staff):
    mother = employ(unit, name="陈晨")
    item = current_item("taiyuan", "maternity-allowance")
    first = unit_applies(unit, item, {**for_person(mother), **BIRTH})
    second = unit_applies(unit, item, {**for_person(mother), **BIRTH})
    run_to_payment(first, staff["taiyuan"])
    clerks = staff["taiyuan"]
    with pytest.raises(MoveNotAllowed, match="生育津贴已由办件 .* 支付"):
        accept_case(case=second, staff=clerks["accept"])
    assert Payment.objects.count() == 1


def test_a_retried_payment_step_pays_once(unit, employ, staff):
    mother = employ(unit, name="林雪")
    item = current_item("taiyuan", "maternity-allowance")
    case = run_to_payment(unit_applies(unit, item, {**for_person(mother), **BIRTH}), staff["taiyuan"])
    handler = handler_for(case.item)
    handler.on_step(case=case, step="拨付", fields=handler.parse_fields(case.form_data), actor="retry")
    assert Payment.objects.count() == 1 and MaternityBenefit.objects.count() == 1


def test_a_unit_cannot_apply_for_someone_who_is_not_its_employee(unit, employ, changzhi_unit):
    stranger = employ(changzhi_unit, name="外单位职工")
    with pytest.raises(InvalidApplication, match="不是本单位参保职工"):
        unit_applies(unit, current_item("taiyuan", "maternity-allowance"), {**for_person(stranger), **BIRTH})


def test_the_wrong_event_for_the_item_is_refused_naming_the_field(unit, employ):
    mother = employ(unit, name="吴佳")
    with pytest.raises(InvalidApplication, match="字段 生育情形：本事项只办理产前检查"):
        unit_applies(unit, current_item("taiyuan", "prenatal-check"), {**for_person(mother), **BIRTH})


def test_a_future_date_and_inconsistent_costs_are_refused(unit, employ):
    mother = employ(unit, name="郑洁")
    item = current_item("taiyuan", "maternity-medical-employee-remote")
    with pytest.raises(InvalidApplication, match="政策范围内费用不能大于医疗费总额"):
        person_applies(mother, item, {**BIRTH, "delivery_type": "顺产", "total_cost": "100", "in_policy_cost": "200",
                                      **BANK})
    with pytest.raises(InvalidApplication, match="不能晚于今天"):
        person_applies(mother, item, {"event": "分娩", "event_date": "2027-01-01", "delivery_type": "顺产", **BANK})


def test_the_unit_page_lists_what_it_must_pass_on_and_only_its_own(unit, employ, staff, client, changzhi_unit):
    from tests.factories import PersonAccountFactory, UnitAccountFactory

    mother = employ(unit, name="张丽")
    run_to_payment(unit_applies(unit, current_item("taiyuan", "maternity-allowance"), {**for_person(mother), **BIRTH}),
                   staff["taiyuan"])
    client.force_login(UnitAccountFactory(uscc=unit.uscc, name=unit.name).user)
    page = client.get("/maternity/unit/").content.decode()
    assert "张丽" in page and "生育津贴" in page and "¥39500.00" in page  # 7 500 ÷ 30 × 158 days
    assert mother.id_number not in page  # masked in the list
    client.force_login(UnitAccountFactory(uscc=changzhi_unit.uscc, name=changzhi_unit.name).user)
    assert "张丽" not in client.get("/maternity/unit/").content.decode()
    client.force_login(PersonAccountFactory(id_number=mother.id_number, name=mother.name).user)
    assert client.get("/maternity/unit/").status_code == 403
