"""Due dates counted over a year without holidays entered are shown as 暂定 (issue 9 §4)."""

import datetime

import pytest

from yibao.cases.services import accept_case

pytestmark = pytest.mark.django_db

NOTE = "（暂定：2027 年节假日未录入）"


def test_the_case_pages_mark_a_due_date_in_2027_as_provisional(
        client, reimbursement, apply, staff, person, on_day, page_day):
    on_day(datetime.date(2026, 12, 21))
    page_day(datetime.date(2026, 12, 21))
    case = accept_case(case=apply(reimbursement), staff=staff["zezhou"]["accept"])
    assert case.due_date.year == 2027
    client.force_login(staff["zezhou"]["accept"].user)
    assert NOTE in client.get(f"/console/cases/{case.number}/").content.decode()
    client.force_login(person.user)
    assert NOTE in client.get(f"/hall/cases/{case.number}/").content.decode()
    assert NOTE in client.get("/hall/").content.decode()


def test_a_due_date_within_a_known_year_is_not_marked(client, reimbursement, apply, staff, on_day):
    on_day(datetime.date(2026, 9, 1))
    case = accept_case(case=apply(reimbursement), staff=staff["zezhou"]["accept"])
    client.force_login(staff["zezhou"]["accept"].user)
    assert "年节假日未录入）" not in client.get(f"/console/cases/{case.number}/").content.decode()


def test_the_case_api_marks_the_same_due_date_as_provisional(
        client, reimbursement, apply, staff, person, on_day, page_day):
    from yibao.api.auth import issue_token
    on_day(datetime.date(2026, 12, 21))
    page_day(datetime.date(2026, 12, 21))
    case = accept_case(case=apply(reimbursement), staff=staff["zezhou"]["accept"])
    _, mine = issue_token(user=person.user, kind="person", channel="app")
    _, clerk = issue_token(user=staff["zezhou"]["review"].user, kind="staff", channel="app")
    as_person = {"HTTP_AUTHORIZATION": f"Bearer {mine}"}
    as_clerk = {"HTTP_AUTHORIZATION": f"Bearer {clerk}"}
    assert client.get(f"/api/cases/{case.number}", **as_person).json()["due_date_provisional"] == NOTE
    assert client.get("/api/cases", **as_person).json()[0]["due_date_provisional"] == NOTE
    assert client.get(f"/api/staff/cases/{case.number}", **as_clerk).json()["due_date_provisional"] == NOTE
    todo = client.get("/api/staff/todo", **as_clerk).json()
    assert [row["due_date_provisional"] for row in todo if row["number"] == case.number] == [NOTE]
    progress = client.get("/api/progress", {"number": case.number, "phone": person.phone}).json()
    assert progress["due_date_provisional"] == NOTE


def test_a_due_date_within_a_known_year_has_no_note_in_the_api(client, reimbursement, apply, person, staff, on_day):
    from yibao.api.auth import issue_token
    on_day(datetime.date(2026, 9, 1))
    case = accept_case(case=apply(reimbursement), staff=staff["zezhou"]["accept"])
    _, mine = issue_token(user=person.user, kind="person", channel="app")
    response = client.get(f"/api/cases/{case.number}", HTTP_AUTHORIZATION=f"Bearer {mine}")
    assert response.json()["due_date_provisional"] == ""
