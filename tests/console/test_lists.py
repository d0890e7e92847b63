"""待办任务 and the case list."""

import datetime
import re

import pytest

from yibao.cases.models import CaseStatus
from yibao.cases.services import accept_case, issue_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_cases(reimbursement, apply, staff, on_day):
    """Given: one case overdue, one near its due date (on 2026-11-02), one awaiting acceptance,
    one waiting for supplements."""
    on_day(datetime.date(2026, 9, 1))
    overdue = accept_case(case=apply(reimbursement), staff=staff["zezhou"]["accept"])
    on_day(datetime.date(2026, 9, 30))
    near = accept_case(case=apply(reimbursement), staff=staff["zezhou"]["accept"])  # due 2026-11-03
    waiting = apply(reimbursement)
    supplementing = apply(reimbursement)
    issue_notice(case=supplementing, staff=staff["zezhou"]["accept"], problems={0: "票据模糊"}, defective={0})
    return {"overdue": overdue, "near": near, "waiting": waiting, "supplementing": supplementing}


def test_the_reviewer_sees_only_cases_to_review_with_flags(client, staff, three_cases, page_day):
    page_day(datetime.date(2026, 11, 2))
    client.force_login(staff["zezhou"]["review"].user)
    response = client.get("/console/")
    html = response.content.decode()
    assert response.status_code == 200
    assert three_cases["overdue"].number in html and three_cases["near"].number in html
    assert three_cases["waiting"].number not in html  # needs a receiving clerk
    assert three_cases["supplementing"].number not in html  # waiting for the applicant
    overdue_row = re.search(rf"<tr class=\"row-overdue\">.*?{three_cases['overdue'].number}.*?</tr>", html, re.S)
    near_row = re.search(rf"<tr class=\"row-near\">.*?{three_cases['near'].number}.*?</tr>", html, re.S)
    assert overdue_row and 'class="flag overdue">超期' in overdue_row.group(0)
    assert near_row and 'class="flag near">临期' in near_row.group(0)
    assert three_cases["overdue"].applicant_id_number not in html  # masked
    assert html.index(three_cases["overdue"].number) < html.index(three_cases["near"].number)


def test_the_todo_filters(client, staff, three_cases, page_day):
    page_day(datetime.date(2026, 11, 2))
    client.force_login(staff["zezhou"]["review"].user)
    html = client.get("/console/?flag=超期").content.decode()
    assert three_cases["overdue"].number in html and three_cases["near"].number not in html
    html = client.get("/console/?item=inpatient-reimbursement&status=accepted").content.decode()
    assert three_cases["near"].number in html
    html = client.get("/console/?item=remote-filing").content.decode()
    assert three_cases["near"].number not in html


def test_the_receiving_clerk_sees_the_case_awaiting_acceptance(client, staff, three_cases):
    client.force_login(staff["zezhou"]["accept"].user)
    html = client.get("/console/").content.decode()
    assert three_cases["waiting"].number in html and "受理" in html
    assert three_cases["near"].number not in html


@pytest.mark.parametrize("query,message", [
    ("item=no-such-item", "筛选条件 事项"),
    ("status=lost", "筛选条件 状态"),
    ("flag=soon", "筛选条件 时限"),
])
def test_bad_todo_filters_are_refused_naming_the_field(client, staff, query, message):
    client.force_login(staff["zezhou"]["review"].user)
    response = client.get(f"/console/?{query}")
    assert response.status_code == 400 and message in response.content.decode()


def test_the_case_list_shows_the_agency_cases_with_masked_ids(client, staff, three_cases, reimbursement, apply):
    client.force_login(staff["zezhou"]["review"].user)
    response = client.get("/console/cases/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "共 4 件" in html
    for case in three_cases.values():
        assert case.number in html
    assert three_cases["near"].applicant_id_number not in html
    html = client.get("/console/cases/?status=accepted").content.decode()
    assert "共 2 件" in html and three_cases["waiting"].number not in html
    assert "共 0 件" in client.get("/console/cases/?tongban=1").content.decode()
    assert "共 4 件" in client.get("/console/cases/?tongban=0").content.decode()
    # Another county sees none of them.
    client.force_login(staff["gaoping"]["review"].user)
    assert "共 0 件" in client.get("/console/cases/").content.decode()


def test_the_case_list_marks_tongban_cases(client, staff, windows, reimbursement, apply):
    case = accept_case(case=apply(reimbursement), staff=staff["gaoping"]["accept"], window=windows["gaoping"])
    assert case.is_cross_agency
    for agency in ("gaoping", "zezhou"):
        client.force_login(staff[agency]["review"].user)
        html = client.get("/console/cases/?tongban=1").content.decode()
        assert "共 1 件" in html and case.number in html and "通办" in html


@pytest.mark.parametrize("query", ["status=lost", "tongban=yes"])
def test_bad_case_list_filters_are_refused(client, staff, query):
    client.force_login(staff["zezhou"]["review"].user)
    response = client.get(f"/console/cases/?{query}")
    assert response.status_code == 400 and "筛选条件" in response.content.decode()


def test_the_case_list_query_count_does_not_grow(client, staff, reimbursement, apply,
                                                  django_assert_max_num_queries):
    client.force_login(staff["zezhou"]["review"].user)
    apply(reimbursement)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/console/cases/").status_code == 200
    for _ in range(12):
        apply(reimbursement)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/console/cases/")
    assert "共 13 件" in response.content.decode()


def test_the_case_list_is_paginated(client, staff, reimbursement, apply, monkeypatch):
    monkeypatch.setattr("yibao.console.views.PAGE_SIZE", 2)
    for _ in range(3):
        apply(reimbursement)
    client.force_login(staff["zezhou"]["review"].user)
    html = client.get("/console/cases/").content.decode()
    assert "共 3 件" in html and "第 1/2 页" in html and "下一页" in html
    html = client.get("/console/cases/?page=2").content.decode()
    assert "第 2/2 页" in html
    assert CaseStatus.SUBMITTED.label in html
