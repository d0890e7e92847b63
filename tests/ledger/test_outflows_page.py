"""The bureau's ledger shows the settlements' fund outflows by month and fund with a chart drawn on
the server, for 科长 and 管理员 within their scope; bad months are named."""

import pytest

from tests.factories import StaffFactory
from tests.settlement.conftest import *  # noqa: F401,F403  (agency, hospital, employee, resident, declared)
from yibao.settlement import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def stated(declared):
    return services.make_statement(actor="c", declaration=services.review(actor="c", declaration=declared))


def test_the_chief_sees_the_month_by_fund_with_a_chart(client, stated):
    chief = StaffFactory(agency=stated.agency, roles=["supervise"])
    client.force_login(chief.user)
    response = client.get("/ledger/outflows/?from=2026-11&to=2026-11")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg class="chart" id="outflows-chart"' in html and "<rect class=\"series-0\"" in html
    assert "2026-11" in html and "职工基本医疗保险统筹基金" in html and "城乡居民基本医疗保险统筹基金" in html
    from yibao.settlement.models import StatementLine

    lines = StatementLine.objects.filter(declaration=stated)
    assert lines.exists() and all(str(line.payable + line.withheld) in html for line in lines)
    assert "style=" not in html  # CSP: the chart is coloured by classes


@pytest.mark.parametrize(("query", "message"), [
    ("from=2026-13&to=2026-12", "月份"), ("from=2026-12&to=2026-01", "起止月份无效"),
    ("from=2000-01&to=2026-12", "最长 5 年"), ("from=%00&to=2026-12", ""),
])
def test_bad_months_are_refused_with_a_chinese_message(client, stated, query, message):
    client.force_login(StaffFactory(agency=stated.agency, roles=["supervise"]).user)
    response = client.get(f"/ledger/outflows/?{query}")
    assert response.status_code == 400 and message in response.content.decode()


def test_a_window_clerk_may_not_see_it(client, stated):
    client.force_login(StaffFactory(agency=stated.agency, roles=["accept"]).user)
    assert client.get("/ledger/outflows/").status_code == 403
