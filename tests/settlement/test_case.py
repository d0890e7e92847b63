"""The 费用结算 items through the case engine: only a designated institution files the 清算申请
of a declared month; 拨付 pays the statement both sides confirmed, exactly once."""

import pytest

from tests.cases.conftest import current_item
from tests.factories import AgencyFactory, StaffFactory
from tests.settlement.conftest import MONTH, make_institution, make_person, record
from yibao.agencies.models import Region
from yibao.cases.models import CaseStatus
from yibao.cases.services import (
    InvalidApplication,
    MoveNotAllowed,
    accept_case,
    advance_case,
    submit_case,
)
from yibao.payments.models import Payment
from yibao.settlement import services
from yibao.settlement.models import DeclarationStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def luzhou(catalog):
    return AgencyFactory(region=Region.objects.get(slug="changzhi"), code="140403", slug="cz-luzhou-t",
                         name="潞州区医疗保障服务中心")


@pytest.fixture
def staff(luzhou):
    return {role: StaffFactory(agency=luzhou, roles=[role]) for role in ("accept", "review", "pay")}


@pytest.fixture
def confirmed(luzhou):
    hospital = make_institution(luzhou, code="H14040300001")
    person = make_person(luzhou, 11)
    declaration = services.open_declaration(actor="h", institution_code=hospital.national_code, month=MONTH)
    services.add_records(actor="h", institution_code=hospital.national_code, declaration=declaration,
                         records=[record("JS001", person)])
    declaration = services.declare(actor="h", institution_code=hospital.national_code, declaration=declaration)
    declaration = services.make_statement(actor="c", declaration=services.review(actor="c", declaration=declaration))
    services.confirm_statement(actor="h", declaration=declaration, side="institution",
                               institution_code=hospital.national_code, bank_name="中国银行长治分行",
                               account_number="1234567890123")
    return hospital, services.confirm_statement(actor="chief", declaration=declaration, side="agency")


def file(item, *, kind, name, number, month=MONTH):
    return submit_case(item=item, applicant_kind=kind, applicant_name=name, applicant_id_number=number,
                       applicant_phone="03552000000", channel="online_hall", form_data={"month": month})


def test_a_natural_person_cannot_file_a_settlement(confirmed):
    with pytest.raises(InvalidApplication, match="只能由定点医药机构申请"):
        file(current_item("changzhi", "hospital-settlement"), kind="person", name="王建国",
             number="140105198503122515")


def test_a_hospital_cannot_file_the_pharmacy_item(confirmed):
    hospital, _ = confirmed
    with pytest.raises(InvalidApplication, match="只受理定点零售药店"):
        file(current_item("changzhi", "pharmacy-settlement"), kind="institution", name=hospital.name,
             number=hospital.uscc)


def test_an_undeclared_month_cannot_be_filed(confirmed):
    hospital, _ = confirmed
    with pytest.raises(InvalidApplication, match="2026-10 尚未申报结算明细"):
        file(current_item("changzhi", "hospital-settlement"), kind="institution", name=hospital.name,
             number=hospital.uscc, month="2026-10")


def test_the_confirmed_month_is_paid_at_the_pay_step_once(confirmed, staff, luzhou):
    hospital, declaration = confirmed
    case = file(current_item("changzhi", "hospital-settlement"), kind="institution", name=hospital.name,
                number=hospital.uscc)
    assert case.home_agency == luzhou
    case = accept_case(case=case, staff=staff["accept"])
    case = advance_case(case=case, staff=staff["review"], action="review", opinion="审核通过")
    case = advance_case(case=case, staff=staff["pay"], action="pay", opinion="拨付")
    assert case.status == CaseStatus.PAID
    payments = Payment.objects.filter(case=case)
    assert [p.fund for p in payments.order_by("fund")] == ["310100", "310200"]
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PAID and declaration.case_number == case.number
    assert sum(p.amount for p in payments) == sum(line.payable for line in declaration.lines.all())


def test_paying_before_both_sides_confirmed_is_refused(luzhou, staff):
    hospital = make_institution(luzhou, code="H14040300002")
    person = make_person(luzhou, 12)
    declaration = services.open_declaration(actor="h", institution_code=hospital.national_code, month=MONTH)
    services.add_records(actor="h", institution_code=hospital.national_code, declaration=declaration,
                         records=[record("JS001", person)])
    services.declare(actor="h", institution_code=hospital.national_code, declaration=declaration)
    case = file(current_item("changzhi", "hospital-settlement"), kind="institution", name=hospital.name,
                number=hospital.uscc)
    case = accept_case(case=case, staff=staff["accept"])
    case = advance_case(case=case, staff=staff["review"], action="review", opinion="审核通过")
    with pytest.raises(MoveNotAllowed, match="双方确认"):
        advance_case(case=case, staff=staff["pay"], action="pay", opinion="拨付")
    assert not Payment.objects.exists()
