"""Window ratings and the follow-up of bad reviews through the API."""

import pytest

from tests.api.conftest import pdf_file
from yibao.evaluations.models import FollowUp

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(as_person, as_staff):
    body = {"city": "jincheng", "item": "inpatient-reimbursement", "phone": "13912345678", "files": [pdf_file(0)]}
    number = as_person.post("/api/cases", body).json()["number"]
    response = as_staff("gaoping", "accept").post(f"/api/staff/cases/{number}/refuse", {"reason": "不属于报销范围"})
    assert response.status_code == 200, response.content
    return number


def test_a_bad_window_rating_opens_a_follow_up_the_home_supervisor_closes(refused, as_staff):
    clerk = as_staff("gaoping", "accept")
    response = clerk.post(f"/api/staff/cases/{refused}/evaluation", {"level": 5, "comment": "说明不清楚"})
    assert response.status_code == 201 and response.json()["channel"] == "window"
    again = clerk.post(f"/api/staff/cases/{refused}/evaluation", {"level": 1})
    assert again.status_code == 409

    supervisor = as_staff("zezhou", "supervise")
    rows = supervisor.get("/api/staff/follow-ups", {"status": "open"}).json()
    assert [(r["case_number"], r["level_label"], r["may_close"]) for r in rows] == [(refused, "非常不满意", True)]
    follow_up_id = rows[0]["id"]
    missing = supervisor.post(f"/api/staff/follow-ups/{follow_up_id}/close",
                              {"callback_note": "已电话回访", "rectification_note": ""})
    assert missing.status_code == 422 and "整改" in missing.json()["detail"]
    closed = supervisor.post(f"/api/staff/follow-ups/{follow_up_id}/close",
                             {"callback_note": "已电话回访", "rectification_note": "已培训窗口人员"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert FollowUp.objects.get(pk=follow_up_id).rectification_note == "已培训窗口人员"


def test_only_the_right_people_act(refused, as_staff, as_person):
    assert as_staff("zezhou", "accept").post(f"/api/staff/cases/{refused}/evaluation", {"level": 1}).status_code == 403
    assert as_person.get("/api/staff/follow-ups").status_code == 403
    as_staff("gaoping", "accept").post(f"/api/staff/cases/{refused}/evaluation", {"level": 4, "comment": "慢"})
    follow_up = FollowUp.objects.get()
    # only the home agency's supervisor closes it; another county's cannot even find it
    response = as_staff("gaoping", "supervise").post(f"/api/staff/follow-ups/{follow_up.pk}/close",
                                                      {"callback_note": "a", "rectification_note": "b"})
    assert response.status_code == 404 and "不属于" in response.json()["detail"]
    assert as_staff("city", "supervise").get("/api/staff/follow-ups").json() == []


def test_bad_level_is_refused_naming_the_field(refused, as_staff):
    response = as_staff("gaoping", "accept").post(f"/api/staff/cases/{refused}/evaluation", {"level": 9})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "level"
