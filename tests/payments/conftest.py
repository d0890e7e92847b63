"""Personas of the payments tests: a paying agency with its 拨付 clerk and 科长, a clerk
of another agency, and a person's bank account to pay."""

from decimal import Decimal

import pytest

from tests.factories import AgencyFactory, StaffFactory
from yibao.payments.services import PayeeDetails, approve_payment


@pytest.fixture
def agency(db):
    return AgencyFactory(name="测试区医疗保障服务中心")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(name="另一区医疗保障服务中心")


@pytest.fixture
def payer(agency):
    return StaffFactory(agency=agency, roles=["pay"], name="拨付员")


@pytest.fixture
def supervisor(agency):
    return StaffFactory(agency=agency, roles=["supervise"], name="科长")


@pytest.fixture
def stranger(other_agency):
    return StaffFactory(agency=other_agency, roles=["pay", "supervise"], name="外机构拨付员")


@pytest.fixture
def bank_account():
    return PayeeDetails(kind="person", identifier="140105198503122515", name="王建国",
                        bank_name="中国工商银行太原分行", account_number="6222020200112233445")


@pytest.fixture
def approve(agency, bank_account):
    """Approve a payment with defaults the test may override."""

    def make(reference="claim:0001", amount=Decimal("1234.56"), **overrides):
        arguments = dict(actor="clerk", fund="310100", payee=bank_account, amount=amount, reference=reference,
                         agency=agency, source="结算单 JS-0001")
        arguments.update(overrides)
        return approve_payment(**arguments)

    return make
