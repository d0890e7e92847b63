"""Each case action through the API sends a bounded number of SQL statements (issue 15 §3).

The bounds are today's counts (measured on SQLite and PostgreSQL) with a little room:
a change that reloads the case or the clerk's profile once more per action fails here.
Speed itself is measured by `yibao bench`, not by tests.
"""

import pytest

from tests.api.conftest import pdf_file

pytestmark = pytest.mark.django_db

ITEM = {"city": "jincheng", "item": "inpatient-reimbursement"}


def test_every_case_action_sends_a_bounded_number_of_statements(as_person, as_staff, day,
                                                                django_assert_max_num_queries):
    with django_assert_max_num_queries(BOUNDS["submit"]):
        submitted = as_person.post("/api/cases", {**ITEM, "files": [pdf_file(p) for p in range(4)]})
    assert submitted.status_code == 201, submitted.content
    number = submitted.json()["number"]
    accept, review, pay = as_staff("zezhou", "accept"), as_staff("zezhou", "review"), as_staff("zezhou", "pay")

    with django_assert_max_num_queries(BOUNDS["accept"]):
        assert accept.post(f"/api/staff/cases/{number}/accept", {"window": "A01"}).status_code == 200
    with django_assert_max_num_queries(BOUNDS["review"]):
        assert review.post(f"/api/staff/cases/{number}/advance",
                           {"action": "review", "opinion": "同意"}).status_code == 200
    with django_assert_max_num_queries(BOUNDS["pay"]):
        assert pay.post(f"/api/staff/cases/{number}/advance", {"action": "pay", "opinion": "已拨付"}).status_code == 200
    with django_assert_max_num_queries(BOUNDS["complete"]):
        done = pay.post(f"/api/staff/cases/{number}/advance", {"action": "complete", "opinion": "办结"})
    assert done.status_code == 200 and done.json()["status"] == "completed"


# Measured 2026-12-05 on SQLite (PostgreSQL one fewer each: the compare-and-set and its event are
# one statement there), each including the first read of the token, its once-a-minute last_used_at
# write and the first read of the reference rows the case points at (yibao.reference_rows).
# Session 6: submit 26, accept 19, review 14, pay 14, complete 10; before it: 32, 22, 17, 17, 16.
BOUNDS = {"submit": 16, "accept": 20, "review": 14, "pay": 13, "complete": 9}
