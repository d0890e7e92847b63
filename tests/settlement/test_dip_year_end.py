"""Year-end DIP from the year's reviewed inpatient settlements (issue 14 §2): 分值 per 病种组合,
结算点值, each institution's amount, 职工 and 居民 apart; the console page; the optional file column."""

import datetime
from decimal import Decimal

import pytest

from tests.factories import StaffFactory
from yibao.settlement import selectors
from yibao.settlement.errors import InvalidDeclaration
from yibao.settlement.models import Declaration, DeclarationStatus, SettlementRecord

pytestmark = pytest.mark.django_db


def month_of(agency, code, name, *, status=DeclarationStatus.STATED, month=datetime.date(2026, 6, 1)):
    return Declaration.objects.create(institution_code=code, institution_name=name, month=month, agency=agency,
                                      status=status)


def stay(declaration, n, *, group, cost, insurance="310", med="21", problem=""):
    day = declaration.month + datetime.timedelta(days=n)
    return SettlementRecord.objects.create(
        declaration=declaration, row=n, settlement_id=f"{declaration.institution_code}-{n}",
        person_id_number="140105198503122515", insurance_type=insurance, med_type=med, begin_date=day,
        end_date=day, total=Decimal(cost), fund_total=Decimal("0"), personal_total=Decimal(cost),
        diagnosis_code=group, problem_code=problem)


@pytest.fixture
def year(agency):
    first = month_of(agency, "H14010000001", "甲医院")
    second = month_of(agency, "H14010000002", "乙医院")
    stay(first, 1, group="A", cost="1000.00")
    stay(first, 2, group="A", cost="3000.00")
    stay(second, 3, group="B", cost="6000.00")
    # Left out: no group, outpatient, 居民, a record with a problem, a month not yet reviewed.
    stay(first, 4, group="", cost="5000.00")
    stay(first, 5, group="A", cost="9000.00", med="11")
    stay(second, 6, group="A", cost="9000.00", insurance="390")
    stay(second, 7, group="A", cost="9000.00", problem="DUPLICATE")
    stay(month_of(agency, "H14010000003", "丙医院", status=DeclarationStatus.DECLARED), 8, group="B",
         cost="9000.00")
    return agency


def test_scores_point_value_and_amounts_follow_the_formula(year):
    dip = selectors.dip_of_year(agency=year, year=2026, pool="310", fund_available=Decimal("30000.00"),
                                ratio=Decimal("0.75"))
    result = dip["result"]
    # Mean cost 3 333.33: group A (mean 2 000) scores 0.6, group B (6 000) 1.8; points 1.2 + 1.8 = 3.0;
    # 结算点值 = 30 000 ÷ 0.75 ÷ 3.0 = 13 333.33; 甲 1.2 × 13 333.33 × 0.75 = 12 000, 乙 the rest.
    assert result.scores == {"A": Decimal("0.600000"), "B": Decimal("1.800000")}
    assert result.total_points == Decimal("3.000000")
    assert result.point_value == Decimal("13333.333333")
    assert result.amounts == {"H14010000001": Decimal("12000.00"), "H14010000002": Decimal("18000.00")}
    assert (dip["cases"], dip["ungrouped"]) == (3, 1)
    assert [row["name"] for row in dip["rows"]] == ["甲医院", "乙医院"]


def test_the_pools_are_kept_apart_and_an_empty_pool_is_refused(year):
    with pytest.raises(InvalidDeclaration, match="没有已审核、带病种组合的居民住院结算"):
        selectors.dip_of_year(agency=year, year=2025, pool="390", fund_available=Decimal("1"), ratio=Decimal("1"))
    resident = selectors.dip_of_year(agency=year, year=2026, pool="390", fund_available=Decimal("900.00"),
                                     ratio=Decimal("1"))
    assert resident["result"].amounts == {"H14010000002": Decimal("900.00")}


def test_the_console_page_computes_and_names_bad_input(client, year):
    clerk = StaffFactory(agency=year, roles=["review"])
    client.force_login(clerk.user)
    page = client.get("/console/settlement/dip/?year=2026&pool=310&fund_available=30000&ratio=0.75")
    html = page.content.decode()
    assert page.status_code == 200 and "13333.333333" in html and "12000.00" in html and "18000.00" in html
    for query, message in (("year=2026&pool=310&fund_available=-5&ratio=0.75", "字段 可用于 DIP 的基金"),
                           ("year=2026&pool=310&fund_available=100&ratio=1.5", "字段 报销比例"),
                           ("year=abcd&pool=310&fund_available=100&ratio=0.5", "字段 年度"),
                           ("year=2026&pool=999&fund_available=100&ratio=0.5", "字段 险种")):
        bad = client.get(f"/console/settlement/dip/?{query}")
        assert bad.status_code == 422 and message in bad.content.decode(), query
    other = StaffFactory(roles=["review"])
    client.force_login(other.user)
    assert "13333" not in client.get("/console/settlement/dip/?year=2026&pool=310&fund_available=30000"
                                     "&ratio=0.75").content.decode()  # another agency sees none of it
