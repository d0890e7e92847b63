"""Two clerks at once: a month is reviewed once and paid once (real threads, real transactions;
on PostgreSQL the row lock and the payments' unique reference decide)."""

import pytest

from tests.concurrency import race
from tests.settlement.conftest import MONTH, record
from yibao.payments.models import Payment
from yibao.settlement import services
from yibao.settlement.models import Deduction


@pytest.fixture
def confirmed(hospital, employee):
    declaration = services.open_declaration(actor="h", institution_code=hospital.national_code, month=MONTH)
    services.add_records(actor="h", institution_code=hospital.national_code, declaration=declaration,
                         records=[record("JS1", employee), record("JS2", employee)])  # JS2: 重复收费
    declaration = services.declare(actor="h", institution_code=hospital.national_code, declaration=declaration)
    return declaration


@pytest.mark.django_db(transaction=True)
def test_two_clerks_reviewing_one_month_deduct_once(confirmed):
    race(lambda: services.review(actor="a", declaration=confirmed),
         lambda: services.review(actor="b", declaration=confirmed))
    assert Deduction.objects.filter(declaration=confirmed).count() == 2  # 310100 and 310200 of JS2


@pytest.mark.django_db(transaction=True)
def test_five_concurrent_payments_of_one_month_pay_once(hospital, confirmed):
    declaration = services.make_statement(actor="c", declaration=services.review(actor="c", declaration=confirmed))
    services.confirm_statement(actor="h", declaration=declaration, side="institution",
                               institution_code=hospital.national_code, bank_name="中国银行", account_number="12345678901")
    declaration = services.confirm_statement(actor="chief", declaration=declaration, side="agency")
    outcomes = race(*[lambda: [p.pk for p in services.pay_statement(actor="payer", declaration=declaration)]] * 5,
                    keep_results=True)
    assert Payment.objects.count() == 2
    assert all(o == outcomes[0] for o in outcomes), outcomes
