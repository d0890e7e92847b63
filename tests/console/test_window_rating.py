"""一次一评: the window clerk records the applicant's rating after the case ends."""

import pytest

from tests.cases.conftest import PDF
from yibao.cases.services import Upload, refuse_case, submit_case
from yibao.evaluations.models import Evaluation, FollowUp

pytestmark = pytest.mark.django_db


@pytest.fixture
def refused(reimbursement, person, staff):
    case = submit_case(item=reimbursement, applicant_kind="person", applicant_user=person.user,
                       applicant_name=person.name, applicant_id_number=person.id_number,
                       applicant_phone=person.phone, channel="online_hall",
                       uploads={0: [Upload("0.pdf", PDF)]})
    return refuse_case(case=case, staff=staff["gaoping"]["accept"], reason="不属于报销范围")


def test_the_accepting_window_records_a_rating_once(client, refused, staff):
    clerk = staff["gaoping"]["accept"]
    client.force_login(clerk.user)
    page = client.get(f"/console/cases/{refused.number}/").content.decode()
    assert "窗口评价（一次一评）" in page
    response = client.post(f"/console/cases/{refused.number}/rate/", {"level": "4", "comment": "等了很久"})
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(case=refused)
    assert evaluation.level == 4 and evaluation.channel == "window"
    assert FollowUp.objects.filter(evaluation=evaluation).exists()
    page = client.get(f"/console/cases/{refused.number}/").content.decode()
    assert "窗口评价（一次一评）" not in page and "等了很久" in page


def test_a_bad_rating_without_a_reason_is_refused(client, refused, staff):
    client.force_login(staff["gaoping"]["accept"].user)
    response = client.post(f"/console/cases/{refused.number}/rate/", {"level": "5", "comment": ""})
    assert response.status_code == 400 and "差评请说明原因" in response.content.decode()
    assert not Evaluation.objects.filter(case=refused).exists()


def test_another_agency_cannot_record_the_rating(client, refused, staff):
    client.force_login(staff["zezhou"]["accept"].user)
    assert "窗口评价（一次一评）" not in client.get(f"/console/cases/{refused.number}/").content.decode()
    response = client.post(f"/console/cases/{refused.number}/rate/", {"level": "1"})
    assert response.status_code == 400
    assert not Evaluation.objects.filter(case=refused).exists()
