"""The copy of a case an action works on (issue 15: fewer statements per case).

A clerk's lookup (``selectors.case_for_staff``) reads the case alone and takes the rows it points
at (item, region, agencies, window) from the in-process reference rows; the next action uses
that copy without reading it again, and the compare-and-set still refuses it if the case changed
in between. The answer to a submission is built from the rows the submission has just written.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.conftest import PDF
from tests.cases.test_concurrency import submitted_case
from yibao.cases import selectors
from yibao.cases.models import Case, CaseEvent, CaseStatus
from yibao.cases.services import CaseConflict, accept_case, withdraw_case

pytestmark = pytest.mark.django_db


def case_reads(captured) -> int:
    return sum(1 for q in captured.captured_queries
               if q["sql"].lstrip().upper().startswith("SELECT") and 'FROM "cases_case"' in q["sql"])


def test_an_action_uses_the_copy_the_clerks_lookup_has_just_read(reimbursement, person, staff):
    case = submitted_case(reimbursement, person)
    clerk = staff["zezhou"]["accept"]
    fresh = selectors.case_for_staff(clerk, case.number)
    with CaptureQueriesContext(connection) as captured:
        accepted = accept_case(case=fresh, staff=clerk)
    assert case_reads(captured) == 0
    assert accepted.status == CaseStatus.ACCEPTED
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED


def test_a_copy_from_elsewhere_is_read_again_inside_the_action(reimbursement, person, staff):
    case = submitted_case(reimbursement, person)
    held = Case.objects.get(pk=case.pk)
    with CaptureQueriesContext(connection) as captured:
        accept_case(case=held, staff=staff["zezhou"]["accept"])
    assert case_reads(captured) == 1


def test_a_looked_up_copy_that_changed_before_the_action_is_refused_and_nothing_is_written(
        reimbursement, person, staff):
    case = submitted_case(reimbursement, person)
    clerk = staff["zezhou"]["accept"]
    fresh = selectors.case_for_staff(clerk, case.number)
    withdraw_case(case=Case.objects.get(pk=case.pk), user=person.user, reason="不办了")  # meanwhile
    with pytest.raises(CaseConflict):
        accept_case(case=fresh, staff=clerk)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.WITHDRAWN
    assert not CaseEvent.objects.filter(case_id=case.pk, action="accept").exists()


def test_a_looked_up_copy_serves_one_action_only(reimbursement, person, staff):
    case = submitted_case(reimbursement, person)
    clerk = staff["zezhou"]["accept"]
    fresh = selectors.case_for_staff(clerk, case.number)
    accept_case(case=fresh, staff=clerk)
    assert fresh.fresh_for_action is False  # a second action on it reads the case again


def test_the_lookup_shows_an_agency_renamed_in_this_process_at_once(reimbursement, person, staff, agencies):
    case = submitted_case(reimbursement, person)
    clerk = staff["zezhou"]["accept"]
    assert selectors.case_for_staff(clerk, case.number).home_agency.name == "泽州县医疗保障服务中心"
    agencies["zezhou"].name = "泽州县医疗保障事务中心"
    agencies["zezhou"].save()
    assert selectors.case_for_staff(clerk, case.number).home_agency.name == "泽州县医疗保障事务中心"


def test_each_lookup_gets_its_own_copy_of_the_reference_rows(reimbursement, person, staff):
    case = submitted_case(reimbursement, person)
    clerk = staff["zezhou"]["accept"]
    first = selectors.case_for_staff(clerk, case.number)
    first.home_agency.name = "改过的名称"
    first.item.category.name = "改过的类别"
    again = selectors.case_for_staff(clerk, case.number)
    assert again.home_agency.name == "泽州县医疗保障服务中心"
    assert again.item.category.name != "改过的类别"


def test_the_answer_to_a_submission_shows_what_was_filed_without_reading_it_back(as_person_client):
    client, item = as_person_client
    with CaptureQueriesContext(connection) as captured:
        response = client(item)
    assert response.status_code == 201, response.content
    body = response.json()
    assert not [q for q in captured.captured_queries if 'FROM "cases_casematerial"' in q["sql"]
                and q["sql"].lstrip().upper().startswith("SELECT")]
    stored = Case.objects.get(number=body["number"])
    assert [m["position"] for m in body["materials"]] == sorted(stored.materials.values_list("position", flat=True))
    assert sum(len(m["files"]) for m in body["materials"]) == 4
    assert [e["action"] for e in body["events"]] == ["submit"]


@pytest.fixture
def as_person_client(reimbursement, person, client):
    import base64

    from yibao.api.auth import issue_token

    _, raw = issue_token(user=person.user, kind="person", channel="app", name="测试")
    files = [{"position": p, "name": f"{p}.pdf", "content_base64": base64.b64encode(PDF).decode()} for p in range(4)]

    def post(item):
        return client.post("/api/cases", {"city": "jincheng", "item": item.key, "files": files},
                           content_type="application/json", headers={"Authorization": f"Bearer {raw}"})

    return post, reimbursement


def test_a_move_writes_the_case_and_its_event_together_or_neither(reimbursement, person, staff):
    from yibao.cases.moves import move_row

    case = submitted_case(reimbursement, person)
    stale = Case.objects.get(pk=case.pk)
    event = CaseEvent(case=case, action="refuse", from_status="submitted", to_status="refused", actor="测试")
    assert move_row(case, from_status="submitted", values={"status": "refused", "refusal_reason": "测试"},
                    event=event)
    assert event.pk is not None and CaseEvent.objects.get(pk=event.pk).to_status == "refused"
    assert Case.objects.get(pk=case.pk).status == "refused"

    late = CaseEvent(case=case, action="accept", from_status="submitted", to_status="accepted", actor="测试")
    assert not move_row(stale, from_status="submitted", values={"status": "accepted"}, event=late)
    assert late.pk is None and not CaseEvent.objects.filter(case_id=case.pk, action="accept").exists()
    assert Case.objects.get(pk=case.pk).status == "refused"
