"""补正 after acceptance from the console: the reviewer's notice stops the clock."""

import pytest

from tests.cases.conftest import PDF
from yibao.cases.models import CaseStatus
from yibao.cases.services import Upload, accept_case, submit_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(reimbursement, person, staff):
    case = submit_case(item=reimbursement, applicant_kind="person", applicant_user=person.user,
                       applicant_name=person.name, applicant_id_number=person.id_number,
                       applicant_phone=person.phone, channel="online_hall",
                       uploads={i: [Upload(f"{i}.pdf", PDF)] for i in range(4)})
    return accept_case(case=case, staff=staff["zezhou"]["accept"])


def states(**overrides):
    data = {f"state_{i}": "ok" for i in range(5)}
    data.update(overrides)
    return data


def test_the_home_reviewer_issues_a_supplement_notice(client, accepted, staff):
    client.force_login(staff["zezhou"]["review"].user)
    assert "补正告知（暂停计时）" in client.get(f"/console/cases/{accepted.number}/").content.decode()
    response = client.post(f"/console/cases/{accepted.number}/supplement/",
                           states(state_1="defective", reason_1="清单缺第2页"))
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == CaseStatus.SUPPLEMENTING and accepted.paused_on is not None
    assert accepted.notices.get().problems[0]["problem"] == "清单缺第2页"


def test_nothing_marked_is_refused(client, accepted, staff):
    client.force_login(staff["zezhou"]["review"].user)
    response = client.post(f"/console/cases/{accepted.number}/supplement/", states())
    assert response.status_code == 400 and "没有标记需补正的材料" in response.content.decode()
    accepted.refresh_from_db()
    assert accepted.status == CaseStatus.ACCEPTED


def test_another_county_cannot_open_the_case_to_stop_its_clock(client, accepted, staff):
    client.force_login(staff["gaoping"]["review"].user)
    assert client.get(f"/console/cases/{accepted.number}/").status_code == 404
