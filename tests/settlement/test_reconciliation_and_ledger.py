"""对账 down to the settlement, the staff's 临期/超期 flags, the bureau's outflows and on-time count."""

import datetime
from decimal import Decimal

from tests.settlement.conftest import MONTH, record
from yibao.settlement import selectors, services


def test_a_daily_difference_names_the_settlement_that_causes_it(hospital, employee):
    declaration = services.open_declaration(actor="h", institution_code=hospital.national_code, month=MONTH)
    services.add_records(actor="h", institution_code=hospital.national_code, declaration=declaration, records=[
        record("JS1", employee, day="2026-11-10"),
        record("JS2", employee, day="2026-11-10", total="300.00", pooled="123.45", account="0.00"),
        record("JS3", employee, day="2026-11-11")])
    theirs = {(datetime.date(2026, 11, 10), "310100"): Decimal("600.00"),   # they miss JS2's 123.45
              (datetime.date(2026, 11, 10), "310200"): Decimal("100.00"),
              (datetime.date(2026, 11, 11), "310100"): Decimal("600.00"),
              (datetime.date(2026, 11, 11), "310200"): Decimal("100.00")}
    differences = services.reconcile(declaration=declaration, theirs=theirs)
    assert [(d.day, d.fund, d.theirs, d.ours, d.settlements[0]) for d in differences] == [
        (datetime.date(2026, 11, 10), "310100", Decimal("600.00"), Decimal("723.45"), "JS2")]


def test_the_deadline_is_flagged_near_and_over(declared):
    assert selectors.deadline_flag(declared, datetime.date(2026, 12, 10)) == ""
    assert selectors.deadline_flag(declared, datetime.date(2027, 1, 12)) == "临期"
    assert selectors.deadline_flag(declared, datetime.date(2027, 1, 18)) == "超期"
    assert [flag for _d, flag in selectors.todo_for_agency(agency=declared.agency,
                                                           today=datetime.date(2027, 1, 18))] == ["超期"]


def test_the_ledger_counts_outflows_by_fund_and_month_and_on_time_payments(hospital, declared):
    declaration = services.make_statement(actor="c", declaration=services.review(actor="c", declaration=declared))
    services.confirm_statement(actor="h", declaration=declaration, side="institution",
                               institution_code=hospital.national_code, bank_name="中国银行", account_number="12345678901")
    declaration = services.confirm_statement(actor="chief", declaration=declaration, side="agency")
    services.pay_statement(actor="payer", declaration=declaration)
    month = datetime.date(2026, 11, 1)
    rows = selectors.fund_outflows(month_from=month, month_to=month)
    assert {r["fund"] for r in rows} == {"310100", "310200", "390100"}
    assert sum(r["payable"] for r in rows) + sum(r["withheld"] for r in rows) == sum(r["approved"] for r in rows)
    assert selectors.on_time(month_from=month, month_to=month) == {"paid": 1, "on_time": 1}


def test_the_outflows_export_is_for_supervisors_and_lists_each_fund(client, hospital, declared):
    from io import BytesIO

    from openpyxl import load_workbook

    from tests.factories import StaffFactory

    services.make_statement(actor="c", declaration=services.review(actor="c", declaration=declared))
    clerk = StaffFactory(agency=declared.agency, roles=["accept"])
    client.force_login(clerk.user)
    assert client.get("/ledger/outflows.xlsx?from=2026-11&to=2026-11").status_code == 403
    chief = StaffFactory(agency=declared.agency, roles=["supervise"])
    client.force_login(chief.user)
    assert client.get("/ledger/outflows.xlsx?from=2026-1x").status_code == 400
    response = client.get("/ledger/outflows.xlsx?from=2026-11&to=2026-11")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content))["基金支出"]
    funds = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] == "2026-11"]
    assert funds == ["310100", "310200", "390100"]
