"""个人账户一次性支取 and the payments ledger: the movement's payment is one ledger row of fund 310200."""

from decimal import Decimal

import pytest

from tests.enrollment.contributions.conftest import UnitFactory, apply, current_item
from tests.enrollment.contributions.test_withdrawal import BANK, HEIR_ID, insured, run_to_payment
from tests.factories import PersonAccountFactory
from yibao.cases.models import CaseStatus
from yibao.cases.services import MoveNotAllowed, accept_case, advance_case
from yibao.enrollment.models import AccountMovement, PersonalAccount
from yibao.payments.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def changzhi_unit(agencies):
    agency = agencies["changzhi"]
    return UnitFactory(region=agency.region, home_agency=agency, name="潞安化工有限公司")


def test_a_withdrawal_approves_one_310200_payment_to_the_persons_bank_account(unit, employ, staff, on_day, client):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, name="周放弃", balance=Decimal("800.00"))
    login = PersonAccountFactory(id_number=person.id_number, name=person.name)
    case = apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
                 form_data={**insured(person), **BANK}, situations=("主动放弃参加职工基本医疗保险",), user=login.user)
    case = run_to_payment(case, staff["taiyuan"])

    movement = AccountMovement.objects.get(account__person=person)
    payment = Payment.objects.get()
    assert (payment.fund, payment.amount, payment.reference, payment.case_id, payment.status) == (
        "310200", Decimal("800.00"), movement.reference, case.pk, PaymentStatus.APPROVED)
    assert (payment.payee.kind, payment.payee.identifier, payment.payee.bank_name, payment.payee.account_number) == (
        "person", person.id_number, "中国银行太原分行", "6216600000001234")
    assert payment.agency_id == case.home_agency_id

    client.force_login(staff["taiyuan"]["pay"].user)
    page = client.get("/console/payments/", {"fund": "310200"}).content.decode()
    assert movement.reference in page and "¥800.00" in page and case.number in page


def test_a_death_withdrawal_pays_the_heirs_account(changzhi_unit, employ, staff, on_day):
    item = current_item("changzhi", "personal-account-withdrawal")
    deceased = employ(changzhi_unit, name="刘德厚", balance=Decimal("1234.56"), phone="13900000007")
    certificate = next(i for i, m in enumerate(item.data["materials"]) if m.get("commitment_alternative"))
    form = {**insured(deceased), "withdrawal_reason": "死亡", "death_date": "2026-10-03",
            "heir_name": "刘小兰", "heir_relationship": "女儿", "heir_id_number": HEIR_ID,
            "heir_phone": "13811112222", "heir_address": "长治市潞州区英雄南路1号",
            "heir_bank": "长治银行", "heir_account_number": "6230000000009876"}
    case = apply(item, applicant_kind="person", applicant_id=HEIR_ID, applicant_name="刘小兰", form_data=form,
                 situations=("死亡",), commitments=frozenset({certificate}))
    run_to_payment(case, staff["changzhi"], deceased=deceased)
    payee = Payment.objects.get().payee
    assert (payee.name, payee.identifier, payee.account_number) == ("刘小兰", HEIR_ID, "6230000000009876")


def test_a_bank_account_the_ledger_refuses_stops_the_payment_step_and_moves_no_money(unit, employ, staff, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, balance=Decimal("800.00"))
    login = PersonAccountFactory(id_number=person.id_number, name=person.name)
    case = apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
                 form_data={**insured(person), "insured_bank": "中国银行", "insured_account_number": "12-34"},
                 situations=("主动放弃参加职工基本医疗保险",), user=login.user)
    clerks = staff["taiyuan"]
    case = accept_case(case=case, staff=clerks["accept"])
    case = advance_case(case=case, staff=clerks["review"], action="review", opinion="同意")
    with pytest.raises(MoveNotAllowed, match="字段 银行账号"):
        advance_case(case=case, staff=clerks["pay"], action="pay", opinion="拨付")
    assert PersonalAccount.objects.get(person=person).balance == Decimal("800.00")
    assert not Payment.objects.exists() and not AccountMovement.objects.exists()
    case.refresh_from_db()
    assert case.status != CaseStatus.COMPLETED
