"""对账 pages: the institution (and its agency's clerk) pastes its daily totals per fund and sees
each difference down to the settlements of that day; bad lines are named; nothing changes."""

from tests.factories import StaffFactory
from tests.settlement.test_pages import hospital_user  # noqa: F401 (fixture)
from yibao.audit.models import AuditEntry

MATCHING = "2026-11-10,310100,720.00\n2026-11-10,310200,180.00\n2026-11-10,390100,600.00"


def test_matching_totals_say_so(client, declared, hospital_user):  # noqa: F811
    client.force_login(hospital_user)
    before = AuditEntry.objects.count()
    response = client.post("/settlement/2026-11/reconcile/", {"totals": MATCHING})
    assert response.status_code == 200 and "各日各基金汇总一致" in response.content.decode()
    assert AuditEntry.objects.count() == before  # a read: nothing written


def test_a_difference_names_the_settlement_that_explains_it_first(client, declared, hospital_user):  # noqa: F811
    client.force_login(hospital_user)
    # The hospital's system missed JS003 (pooled 120.00) on the 10th.
    theirs = MATCHING.replace("720.00", "600.00")
    html = client.post("/settlement/2026-11/reconcile/", {"totals": theirs}).content.decode()
    assert "不一致 1 处" in html
    row = html[html.index("<tbody>"):html.index("</tbody>")]
    assert "310100" in row and "600.00" in row and "720.00" in row and "120.00" in row
    assert row.index("JS003") < row.index("JS001")


def test_every_bad_line_is_named(client, declared, hospital_user):  # noqa: F811
    client.force_login(hospital_user)
    response = client.post("/settlement/2026-11/reconcile/", {
        "totals": "2026-11-10,310100,720.00\n2026-12-01,310100,1\n2026-11-10,999999,1\nx\n2026-11-10,310100,5"})
    html = response.content.decode()
    assert response.status_code == 422
    for expected in ("第 2 行 日期", "不在结算月份 2026-11 内", "第 3 行 基金编码", "第 4 行：应为", "第 5 行：2026-11-10 基金 310100 重复"):
        assert expected in html
    assert "id=\"differences\"" not in html


def test_the_agencys_clerk_may_reconcile_and_another_agencys_may_not(client, declared):
    clerk = StaffFactory(agency=declared.agency, roles=["review"])
    client.force_login(clerk.user)
    url = f"/console/settlement/{declared.pk}/reconcile/"
    assert client.get(url).status_code == 200
    assert "各日各基金汇总一致" in client.post(url, {"totals": MATCHING}).content.decode()
    stranger = StaffFactory(roles=["review"])
    client.force_login(stranger.user)
    assert client.get(url).status_code == 404


def test_a_person_cannot_open_the_institutions_reconciliation(client, declared):
    from tests.factories import PersonAccountFactory

    client.force_login(PersonAccountFactory().user)
    assert client.get("/settlement/2026-11/reconcile/").status_code == 403
