"""Done means (issue 11): every 零星 item of the three cities (and Jincheng's 意外伤害认定) can be
applied for at a window through the console's 窗口录入 form and online through the hall's form
(typed 费用明细), and handled to 办结 with an amount computed, explained, reviewed and paid once."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import PersonAccountFactory
from tests.reimbursement.conftest import PDF, current_item, days_ago, handle_to_end
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.models import Case, CaseStatus, Channel
from yibao.cases.services import MoveNotAllowed, accept_case, advance_case
from yibao.enrollment.models import Unit
from yibao.ids import make_uscc
from yibao.payments.models import Payment
from yibao.reimbursement.models import AccidentDetermination, AccidentOutcome, Claim
from yibao.reimbursement.pdf import settlement_statement_of

pytestmark = pytest.mark.django_db

LINES = "250101001,床位费,甲,500,2\nXA01,注射用头孢曲松钠,乙,100,20,,0.10\nZ99,陪护用品,丙,30,10"

# city, item key, 险种, 人员类别, 医疗类别, situations, extra fields
ITEMS = [
    ("taiyuan", "outpatient-reimbursement-employee", "310", "retired", "13", [], {}),
    ("taiyuan", "outpatient-reimbursement-resident", "390", "resident", "11", [], {}),
    ("taiyuan", "minor-outpatient-accident", "390", "student", "11", [], {"accident": True}),
    ("taiyuan", "inpatient-reimbursement-employee", "310", "employed", "21", [], {}),
    ("taiyuan", "inpatient-reimbursement-resident", "390", "resident", "21", [], {}),
    ("taiyuan", "inpatient-reimbursement-arrears", "310", "employed", "21", ["住院"], {}),
    ("changzhi", "outpatient-reimbursement", "310", "retired", "11", [], {}),
    ("changzhi", "inpatient-reimbursement", "390", "resident", "21", [], {}),
    ("jincheng", "inpatient-reimbursement", "310", "retired", "21", [], {"referral": "已办理转诊转院审批"}),
    ("jincheng", "chronic-special-drug-reimbursement", "310", "retired", "14", ["门诊慢性病"],
     {"disease_code": "M03900", "chronic_kind": "门诊慢性病"}),
]


def fields_for(person, med_type, extra, bill):
    values = {"insured_name": person.name, "insured_id_number": person.id_number, "med_type": med_type,
              "institution_code": "H14010500001", "institution_name": "市人民医院", "institution_local": True,
              "hospital_level": "二级", "admission_date": f"{days_ago(20):%Y-%m-%d}",
              "discharge_date": f"{days_ago(15):%Y-%m-%d}", "diagnosis_code": "J18.9", "diagnosis_name": "肺炎",
              "referral": "不涉及", "bill_numbers": bill, "payee": "本人", "account_name": person.name,
              "bank_name": "中国工商银行", "account_number": "6222020500001234567", "lines": LINES}
    values.update(extra)
    return values


def insured_for(city, insurance_type, category, key, make_insured, clerks):
    unit = None
    if key == "inpatient-reimbursement-arrears":
        agency = clerks[city]["accept"].agency
        unit = Unit.objects.create(uscc=make_uscc("91140100MA0R00009"), name="太原补缴示例有限公司", unit_type="企业",
                                   registered_on=datetime.date(2010, 1, 1), region=agency.region, home_agency=agency)
    person = make_insured(city, insurance_type=insurance_type, category=category, unit=unit,
                          birth_date=datetime.date(2012, 1, 1) if category == "student" else datetime.date(1960, 1, 1))
    if key == "chronic-special-drug-reimbursement":
        from yibao.qualifications.models import Qualification

        Qualification.objects.create(person=person, region=person.region, kind="chronic", disease_code="M03900",
                                     disease_name="高血压", insurance_type="310", valid_from=days_ago(300),
                                     valid_to=days_ago(-60), case_number="QUAL-W", status="active")
    return person


def scans(item, situations, prefix):
    situation = Situation.model_validate({"situations": situations, "applicant_kind": "person"})
    return {f"{prefix}{line.position}": SimpleUploadedFile(f"{line.position}.pdf", PDF, "application/pdf")
            for line in compute_checklist(item.data, situation)}


def assert_paid_once(case, person):
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    claim = Claim.objects.get(case=case)
    fields = claim.settlement["fields"]
    assert Decimal(fields["基金支付总额"]) + Decimal(fields["个人负担总金额"]) == Decimal(fields["医疗费总额"])
    assert claim.settlement["steps"]  # explained, step by step
    payments = list(Payment.objects.filter(case=case))
    assert payments and sum(p.amount for p in payments) == claim.fund_paid > 0
    assert len({p.fund for p in payments}) == len(payments)  # one payment per fund, once
    assert all(p.payee.identifier == person.id_number for p in payments)
    assert settlement_statement_of(case).startswith(b"%PDF")  # the 结算单 issued at 办结


@pytest.mark.parametrize("city, key, insurance_type, category, med_type, situations, extra", ITEMS)
def test_each_item_entered_at_the_window_is_handled_to_completion(client, make_insured, clerks, windows, city, key,
                                                                 insurance_type, category, med_type, situations,
                                                                 extra):
    person = insured_for(city, insurance_type, category, key, make_insured, clerks)
    item = current_item(city, key)
    client.force_login(clerks[city]["accept"].user)
    data = {"item": key, "applicant_kind": "person", "applicant_name": person.name,
            "applicant_id_number": person.id_number, "applicant_phone": "13912345678",
            "window": str(windows[city].pk), "situations": situations}
    for name, value in fields_for(person, med_type, extra, f"W-{city}-{key}"[:40]).items():
        if value is True:
            data[f"field_{name}"] = "on"
        elif value is not False:
            data[f"field_{name}"] = value
    response = client.post("/console/new/", {**data, **scans(item, situations, "file_")})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(item=item, applicant_id_number=person.id_number)
    assert case.channel == Channel.WINDOW
    assert_paid_once(handle_to_end(case, clerks[city], window=windows[city]), person)

    # A retried 拨付 is refused by the engine and pays nothing more.
    before = Payment.objects.filter(case=case).count()
    with pytest.raises(MoveNotAllowed):
        advance_case(case=case, staff=clerks[city]["pay"], action="pay")
    assert Payment.objects.filter(case=case).count() == before


@pytest.mark.parametrize("city, key, insurance_type, category, med_type, situations, extra", ITEMS)
def test_each_item_applied_for_online_in_the_hall_is_handled_to_completion(client, make_insured, clerks, city, key,
                                                                          insurance_type, category, med_type,
                                                                          situations, extra):
    person = insured_for(city, insurance_type, category, key, make_insured, clerks)
    PersonAccountFactory(id_number=person.id_number, name=person.name)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username__endswith=person.id_number)
    client.force_login(user)
    item = current_item(city, key)
    data = {"applicant_phone": "13912345678", "situations": situations}
    for name, value in fields_for(person, med_type, extra, f"H-{city}-{key}"[:40]).items():
        data[f"field_{name}"] = "是" if value is True else value
    response = client.post(f"/hall/apply/{city}/{key}/", {**data, **scans(item, situations, "material_")})
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get(item=item, applicant_id_number=person.id_number)
    assert case.channel == Channel.ONLINE_HALL
    assert_paid_once(handle_to_end(case, clerks[city]), person)


def test_the_accident_determination_entered_at_the_window_is_investigated_and_decided_on_the_console(
        client, make_insured, clerks, windows):
    person = make_insured("jincheng")
    item = current_item("jincheng", "accident-injury-determination")
    people = clerks["jincheng"]
    client.force_login(people["accept"].user)
    situations = ["市外住院"]
    fields = {"insured_name": person.name, "insured_id_number": person.id_number,
              "accident_date": f"{days_ago(10):%Y-%m-%d}", "accident_place": "泽州县", "description": "下楼摔倒",
              "evidence": "意外伤害符合医保支付政策承诺书", "third_party": "无", "institution_name": "郑州大学第一附属医院"}
    data = {"item": item.key, "applicant_kind": "person", "applicant_name": person.name,
            "applicant_id_number": person.id_number, "applicant_phone": "13912345678",
            "window": str(windows["jincheng"].pk), "situations": situations,
            **{f"field_{k}": v for k, v in fields.items()}}
    response = client.post("/console/new/", {**data, **scans(item, situations, "file_")})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = accept_case(case=Case.objects.get(item=item, applicant_id_number=person.id_number),
                       staff=people["accept"], window=windows["jincheng"])
    client.force_login(people["review"].user)
    url = f"/console/reimbursement/accidents/{case.number}/"
    assert client.post(url + "investigate/", {"third_party_liable": "no", "notes": "邻居证明在家中摔倒",
                                              "window": str(windows["jincheng"].pk)}).status_code == 302
    assert client.post(url + "determine/", {"outcome": "eligible"}).status_code == 302
    case = advance_case(case=Case.objects.get(pk=case.pk), staff=people["review"], action="complete")
    assert case.status == CaseStatus.COMPLETED and case.channel == Channel.WINDOW
    assert AccidentDetermination.objects.get(case=case).outcome == AccidentOutcome.ELIGIBLE
