"""Year end: DIP point values add up to the fund to the fen; deposits returned by score, once."""

from decimal import Decimal

import pytest

from yibao.payments.models import Payment
from yibao.settlement import services
from yibao.settlement.dip import Case, dip_year_end
from yibao.settlement.errors import InvalidDeclaration
from yibao.settlement.models import StatementLine


def test_dip_point_value_follows_the_formula_and_the_amounts_add_up_to_the_fund():
    cases = [Case("H1", "A", Decimal("10000")), Case("H1", "A", Decimal("12000")),
             Case("H2", "B", Decimal("4000")), Case("H3", "B", Decimal("6000"))]
    result = dip_year_end(cases=cases, fund_available=Decimal("20000.00"), ratio=Decimal("0.75"))
    # average of all cases 8000: A = 11000/8000 = 1.375, B = 5000/8000 = 0.625
    assert result.scores == {"A": Decimal("1.375000"), "B": Decimal("0.625000")}
    assert result.total_points == Decimal("4.000000")
    # (20000 ÷ 0.75) ÷ 4 points
    assert result.point_value == Decimal("6666.666667")
    assert result.amounts == {"H1": Decimal("13750.00"), "H2": Decimal("3125.00"), "H3": Decimal("3125.00")}
    assert sum(result.amounts.values()) == Decimal("20000.00")


def test_dip_refuses_an_impossible_ratio():
    with pytest.raises(InvalidDeclaration, match="报销比例"):
        dip_year_end(cases=[Case("H1", "A", Decimal("1"))], fund_available=Decimal("1"), ratio=Decimal("1.5"))


def test_deposits_come_back_by_score_and_only_once(hospital, declared):
    declaration = services.make_statement(actor="c", declaration=services.review(actor="c", declaration=declared))
    services.confirm_statement(actor="h", declaration=declaration, side="institution",
                               institution_code=hospital.national_code, bank_name="中国银行", account_number="12345678901")
    declaration = services.confirm_statement(actor="chief", declaration=declaration, side="agency")
    services.pay_statement(actor="payer", declaration=declaration)
    withheld = {line.fund: line.withheld for line in StatementLine.objects.filter(declaration=declaration)}
    first = services.return_deposits(actor="chief", year=2026, institution_code=hospital.national_code,
                                     score=Decimal("85"))
    again = services.return_deposits(actor="chief", year=2026, institution_code=hospital.national_code,
                                     score=Decimal("85"))
    assert {p.fund: p.amount for p in first} == {
        fund: (amount * Decimal("0.90")).quantize(Decimal("0.01")) for fund, amount in withheld.items()}
    assert [p.pk for p in first] == [p.pk for p in again]
    assert Payment.objects.filter(reference__startswith="deposit:2026:").count() == len(withheld)
