"""Review (rule deductions with reason codes, a clerk's manual ones), one objection per deduction
decided by a second clerk, the statement per fund balancing to the fen, both sides confirming,
and the payment made once."""

from decimal import Decimal

import pytest

from tests.settlement.conftest import MONTH, record
from yibao.payments.models import Payment
from yibao.settlement import services
from yibao.settlement.errors import (
    DeclarationConflict,
    DeclarationRefused,
    InvalidDeclaration,
    NotYourDeclaration,
)
from yibao.settlement.models import DeclarationStatus, Deduction, ObjectionState, StatementLine


@pytest.fixture
def month_with_problems(hospital, employee, resident):
    declaration = services.open_declaration(actor="hospital", institution_code=hospital.national_code, month=MONTH)
    services.add_records(actor="hospital", institution_code=hospital.national_code, declaration=declaration, records=[
        record("JS001", employee),                                    # good: 600 pooled + 100 account
        record("JS002", employee),                                    # same person, day, type, total: 重复收费
        record("JS003", employee, med="11", total="500.00", pooled="400.00", account="0.00"),  # cap 300: 超限价 100
        record("JS004", "110101199001011237"),                        # unknown person: all of it
        record("JS005", resident, insurance="390", total="333.33", pooled="222.22", aid="11.11"),
    ])
    return services.declare(actor="hospital", institution_code=hospital.national_code, declaration=declaration)


def reviewed(declaration, clerk):
    return services.review(actor=clerk.user.username, declaration=declaration)


def test_rules_deduct_with_reason_codes(month_with_problems, clerk):
    declaration = reviewed(month_with_problems, clerk)
    deductions = sorted((d.record.settlement_id, d.fund, d.amount, d.reason_code, d.reason)
                        for d in Deduction.objects.filter(declaration=declaration))
    assert deductions == [
        ("JS002", "310100", Decimal("600.00"), "DUP_CHARGE", "重复收费"),
        ("JS002", "310200", Decimal("100.00"), "DUP_CHARGE", "重复收费"),
        ("JS003", "310100", Decimal("100.00"), "OVER_LIMIT", "超限价"),
        ("JS004", "310100", Decimal("600.00"), "UNKNOWN_PERSON", "非参保人员"),
        ("JS004", "310200", Decimal("100.00"), "UNKNOWN_PERSON", "非参保人员"),
    ]


def test_reviewing_a_month_again_changes_nothing(month_with_problems, clerk):
    declaration = reviewed(month_with_problems, clerk)
    again = reviewed(declaration, clerk)
    assert again.version == declaration.version
    assert Deduction.objects.filter(declaration=declaration).count() == 5


def test_a_clerks_deduction_needs_a_note_and_stays_within_what_the_fund_pays(month_with_problems, clerk):
    declaration = reviewed(month_with_problems, clerk)
    with pytest.raises(InvalidDeclaration, match="审核意见"):
        services.deduct(actor="c", declaration=declaration, settlement_id="JS001", fund="310100",
                        amount=Decimal("10.00"), reason_code="EXCESSIVE", note=" ")
    with pytest.raises(InvalidDeclaration, match="尚可支付的 ¥600.00"):
        services.deduct(actor="c", declaration=declaration, settlement_id="JS001", fund="310100",
                        amount=Decimal("600.01"), reason_code="EXCESSIVE", note="检查重复")
    deduction = services.deduct(actor="c", declaration=declaration, settlement_id="JS001", fund="310100",
                                amount=Decimal("50.00"), reason_code="EXCESSIVE", note="CT 无指征")
    assert (deduction.reason, deduction.source, deduction.note) == ("过度诊疗", "clerk", "CT 无指征")


def test_an_institution_objects_once_and_a_second_clerk_decides(hospital, month_with_problems, clerk, second_clerk):
    declaration = reviewed(month_with_problems, clerk)
    deduction = Deduction.objects.get(record__settlement_id="JS003")
    services.object_to_deduction(actor="hospital", institution_code=hospital.national_code, deduction=deduction,
                                 reason="该药品已按限价收费，附发票")
    with pytest.raises(DeclarationConflict, match="只能申诉一次"):
        services.object_to_deduction(actor="hospital", institution_code=hospital.national_code,
                                     deduction=deduction, reason="再次申诉")
    with pytest.raises(DeclarationRefused, match="未复核的申诉"):
        services.make_statement(actor="c", declaration=declaration)
    with pytest.raises(DeclarationRefused, match="另一名经办人员"):
        services.decide_objection(actor=clerk.user.username, deduction=deduction, reverse=True, note="同意")
    decided = services.decide_objection(actor=second_clerk.user.username, deduction=deduction, reverse=True,
                                        note="核实限价无误，撤销扣款")
    assert decided.objection_state == ObjectionState.REVERSED
    declaration = services.make_statement(actor="c", declaration=declaration)
    line = StatementLine.objects.get(declaration=declaration, fund="310100")
    assert line.deducted == Decimal("1200.00")  # the reversed 100.00 is paid after all


def test_another_institution_cannot_object(agency, month_with_problems, clerk):
    from tests.settlement.conftest import make_institution

    reviewed(month_with_problems, clerk)
    other = make_institution(agency, code="H14010500002")
    with pytest.raises(NotYourDeclaration):
        services.object_to_deduction(actor="x", institution_code=other.national_code,
                                     deduction=Deduction.objects.first(), reason="不服")


def test_the_statement_keeps_the_funds_apart_and_balances_to_the_fen(month_with_problems, clerk):
    declaration = services.make_statement(actor="c", declaration=reviewed(month_with_problems, clerk))
    lines = {line.fund: line for line in StatementLine.objects.filter(declaration=declaration)}
    assert {fund: (line.pool, line.declared, line.deducted, line.approved) for fund, line in lines.items()} == {
        "310100": ("职工", Decimal("2200.00"), Decimal("1300.00"), Decimal("900.00")),
        "310200": ("职工", Decimal("300.00"), Decimal("200.00"), Decimal("100.00")),
        "390100": ("居民", Decimal("222.22"), Decimal("0.00"), Decimal("222.22")),
        "610100": ("救助", Decimal("11.11"), Decimal("0.00"), Decimal("11.11")),
    }
    approved = sum(line.approved for line in lines.values())
    withheld = sum(line.withheld for line in lines.values())
    assert withheld == (approved * Decimal("0.10")).quantize(Decimal("0.01"))  # 123.333 → 123.33
    assert all(line.approved == line.withheld + line.payable for line in lines.values())
    assert declaration.deposit_share_is_demo


def test_rounding_residuals_go_to_the_last_line():
    approved = [Decimal("0.05"), Decimal("0.05"), Decimal("0.05")]  # each 0.005 → 0.01, total 0.015 → 0.02
    assert services.allocate_withheld(approved, Decimal("0.10")) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]


def test_both_sides_confirm_then_the_month_is_paid_once(hospital, month_with_problems, clerk, agency):
    declaration = services.make_statement(actor="c", declaration=reviewed(month_with_problems, clerk))
    with pytest.raises(DeclarationRefused, match="双方确认"):
        services.pay_statement(actor="payer", declaration=declaration)
    with pytest.raises(InvalidDeclaration, match="收款银行账号"):
        services.confirm_statement(actor="hospital", declaration=declaration, side="institution",
                                   institution_code=hospital.national_code, bank_name="工商银行", account_number="12ab")
    services.confirm_statement(actor="hospital", declaration=declaration, side="institution",
                               institution_code=hospital.national_code, bank_name="中国工商银行太原分行",
                               account_number="0502123409000012345")
    declaration = services.confirm_statement(actor="chief", declaration=declaration, side="agency")
    assert declaration.status == DeclarationStatus.CONFIRMED
    first = services.pay_statement(actor="payer", declaration=declaration)
    again = services.pay_statement(actor="payer", declaration=declaration)
    assert [p.pk for p in first] == [p.pk for p in again]
    payments = Payment.objects.filter(reference__startswith=f"settlement:{MONTH}:{hospital.national_code}:")
    payable = sum(line.payable for line in StatementLine.objects.filter(declaration=declaration))
    assert payments.count() == 4 and sum(p.amount for p in payments) == payable
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PAID and declaration.paid_on is not None


def test_the_month_run_states_every_declared_month_and_a_rerun_changes_nothing(month_with_problems, declared_other):
    run = services.run_month(actor="bureau", month=MONTH)
    assert (run.declarations, run.records, run.statements) == (2, 6, 2)
    assert run.problems == {"UNKNOWN_PERSON": 1} and run.deductions["DUP_CHARGE"] == 1
    lines = StatementLine.objects.filter(declaration=month_with_problems)
    assert sum(line.approved for line in lines) == Decimal("1233.33")
    before = list(StatementLine.objects.order_by("pk").values_list("pk", "payable"))
    again = services.run_month(actor="bureau", month=MONTH)
    assert again.declarations == 0
    assert list(StatementLine.objects.order_by("pk").values_list("pk", "payable")) == before
    assert Deduction.objects.count() == 5


@pytest.fixture
def declared_other(agency, employee):
    from tests.settlement.conftest import make_institution

    pharmacy = make_institution(agency, code="P14010500001", kind="pharmacy")
    declaration = services.open_declaration(actor="p", institution_code=pharmacy.national_code, month=MONTH)
    services.add_records(actor="p", institution_code=pharmacy.national_code, declaration=declaration,
                         records=[record("YD001", employee, med="41", total="80.00", pooled="0.00", account="80.00")])
    return services.declare(actor="p", institution_code=pharmacy.national_code, declaration=declaration)
