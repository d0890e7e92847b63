"""Every 零星报销 item of the three cities, filed and handled to 办结 with its real effect: an
amount computed, explained and paid once through the payments ledger."""

import datetime
from decimal import Decimal

import pytest

from tests.reimbursement.conftest import claim_form, current_item, days_ago, handle_to_end, submit
from yibao.cases.handlers import handler_for
from yibao.cases.models import CaseStatus
from yibao.catalog.models import Item
from yibao.enrollment.models import Unit
from yibao.ids import make_uscc
from yibao.offsite.models import OffsiteFiling
from yibao.payments.models import Payment
from yibao.reimbursement.handlers import ReimbursementHandler
from yibao.reimbursement.models import Claim

pytestmark = pytest.mark.django_db

# city, item key, 险种, 人员类别, 医疗类别, situations, extra form fields
ITEMS = [
    ("taiyuan", "outpatient-reimbursement-employee", "310", "retired", "13", [], {}),
    ("taiyuan", "outpatient-reimbursement-resident", "390", "resident", "11", [], {}),
    ("taiyuan", "minor-outpatient-accident", "390", "student", "11", [], {"accident": True}),
    ("taiyuan", "inpatient-reimbursement-employee", "310", "employed", "21", [], {}),
    ("taiyuan", "inpatient-reimbursement-resident", "390", "resident", "21", [], {}),
    ("changzhi", "outpatient-reimbursement", "310", "retired", "11", [], {}),
    ("changzhi", "inpatient-reimbursement", "390", "resident", "21", [], {}),
    ("jincheng", "inpatient-reimbursement", "310", "retired", "21", [], {}),
]


@pytest.mark.parametrize("city, key, insurance_type, category, med_type, situations, extra", ITEMS)
def test_each_item_is_paid_to_the_claimant_from_the_right_fund(make_insured, clerks, city, key, insurance_type,
                                                               category, med_type, situations, extra):
    person = make_insured(city, insurance_type=insurance_type, category=category)
    form = claim_form(person, med_type=med_type, referral="不涉及" if city != "jincheng" else "已办理转诊转院审批",
                      hospital_level="三级", **extra)
    case = handle_to_end(submit(current_item(city, key), person, form, situations=situations), clerks[city])

    assert case.status == CaseStatus.COMPLETED
    claim = Claim.objects.get(case=case)
    fields = claim.settlement["fields"]
    assert Decimal(fields["基金支付总额"]) + Decimal(fields["个人负担总金额"]) == Decimal(fields["医疗费总额"])
    payments = Payment.objects.filter(case=case)
    assert sum(p.amount for p in payments) == claim.fund_paid
    assert {p.fund for p in payments} <= {f"{insurance_type}100", "330100" if insurance_type == "310" else "390200"}
    assert all(p.payee.identifier == person.id_number for p in payments)


def test_the_arrears_item_pays_once_the_unit_has_paid(make_insured, clerks):
    agency = clerks["taiyuan"]["accept"].agency
    unit = Unit.objects.create(uscc=make_uscc("91140100MA0R00002"), name="太原补缴示例有限公司", unit_type="企业",
                               registered_on=datetime.date(2010, 1, 1), region=agency.region, home_agency=agency)
    person = make_insured("taiyuan", category="employed", unit=unit)
    form = claim_form(person, referral="不涉及")
    case = handle_to_end(submit(current_item("taiyuan", "inpatient-reimbursement-arrears"), person, form,
                                situations=["住院"]), clerks["taiyuan"])
    assert Claim.objects.get(case=case).fund_paid > 0


def test_jincheng_may_pay_the_unit_named_as_payee(make_insured, clerks):
    person = make_insured("jincheng")
    form = claim_form(person, payee="单位", account_name="晋城示例有限公司", account_id_number=make_uscc("91140500MA0J00001"),
                      account_number="6222020500009999999")
    case = handle_to_end(submit(current_item("jincheng", "inpatient-reimbursement"), person, form), clerks["jincheng"])
    payment = Payment.objects.get(case=case)
    assert payment.payee.kind == "unit" and payment.payee.name == "晋城示例有限公司"


def test_a_taiyuan_item_cannot_pay_a_unit(make_insured):
    from yibao.cases.services import InvalidApplication

    person = make_insured("taiyuan")
    form = claim_form(person, payee="单位", referral="不涉及", account_name="某公司",
                      account_id_number=make_uscc("91140100MA0J00003"))
    with pytest.raises(InvalidApplication, match="只能拨付至本人账户"):
        submit(current_item("taiyuan", "inpatient-reimbursement-employee"), person, form)


def test_care_off_site_without_a_filing_lowers_the_ratio_and_with_one_it_does_not(make_insured, clerks):
    item = current_item("changzhi", "inpatient-reimbursement")
    unfiled, filed = make_insured("changzhi"), make_insured("changzhi")
    OffsiteFiling.objects.create(**_filing(filed))
    paid = {}
    for person, bill in ((unfiled, "CZ-OFF-1"), (filed, "CZ-OFF-2")):
        form = claim_form(person, institution_local=False, institution_code="", institution_name="北京协和医院",
                          referral="不涉及", bills=[bill])
        case = handle_to_end(submit(item, person, form), clerks["changzhi"])
        paid[person.pk] = Claim.objects.get(case=case)
    assert paid[unfiled.pk].filing_in_force is False and paid[filed.pk].filing_in_force is True
    assert paid[unfiled.pk].fund_paid < paid[filed.pk].fund_paid
    assert any("未备案" in step["detail"] for step in paid[unfiled.pk].settlement["steps"])


def _filing(person):
    return {"person": person, "region": person.region, "insurance_type": "310", "category": "long_term_resident",
            "destination_province_code": "110000", "destination_province_name": "北京市",
            "destination_city_code": "110100", "destination_city_name": "北京市", "start_date": days_ago(200)}


def test_a_chronic_claim_is_paid_with_a_qualification_for_the_disease(make_insured, clerks):
    from yibao.qualifications.models import Qualification

    person = make_insured("jincheng")
    Qualification.objects.create(person=person, region=person.region, kind="chronic", disease_code="M03900",
                                 disease_name="高血压", insurance_type="310", valid_from=days_ago(300),
                                 valid_to=days_ago(-60), case_number="QUAL-1", status="active")
    form = claim_form(person, med_type="14", disease_code="M03900", chronic_kind="门诊慢性病")
    case = handle_to_end(submit(current_item("jincheng", "chronic-special-drug-reimbursement"), person, form,
                                situations=["门诊慢性病"]), clerks["jincheng"])
    assert Claim.objects.get(case=case).fund_paid > 0

    other = make_insured("jincheng")
    from yibao.cases.services import InvalidApplication

    with pytest.raises(InvalidApplication, match="没有病种 M03900 的有效门诊慢性病待遇资格"):
        submit(current_item("jincheng", "chronic-special-drug-reimbursement"), other,
               claim_form(other, med_type="14", disease_code="M03900", chronic_kind="门诊慢性病", bills=["Q-2"]),
               situations=["门诊慢性病"])


def test_every_category_six_item_of_the_three_cities_is_served_by_the_reimbursement_handler(catalog):
    items = [item for item in Item.objects.filter(version__is_current=True, category__number=6).select_related(
        "version__region") if not item.is_group]
    assert {item.version.region.slug for item in items} == {"taiyuan", "changzhi", "jincheng"}
    assert len(items) == 10
    for item in items:
        assert isinstance(handler_for(item), ReimbursementHandler), item.name
