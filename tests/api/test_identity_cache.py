"""Every API request authenticates through the in-process identity cache (yibao.api.auth.cached_identity).

A clerk's token, user and profile (agency, window, roles) are read once and kept for
API_TOKEN_CACHE_SECONDS; what this process changes is seen at once, what another process
changes (a queryset update stands for it here) once the entry is read again.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import pdf_file
from yibao.agencies.models import StaffMember, StaffRole

pytestmark = pytest.mark.django_db

ITEM = {"city": "jincheng", "item": "inpatient-reimbursement"}


def tables_read(captured) -> str:
    return " ".join(q["sql"] for q in captured.captured_queries)


def test_a_clerks_profile_is_read_once_for_a_token_not_on_every_request(as_staff):
    clerk = as_staff("zezhou", "accept")
    assert clerk.get("/api/staff/todo").status_code == 200  # first use: token, profile, roles

    with CaptureQueriesContext(connection) as again:
        assert clerk.get("/api/staff/todo").status_code == 200

    sql = tables_read(again)
    assert "api_apitoken" not in sql and "agencies_staffmember" not in sql and "agencies_staffrole" not in sql


def test_a_role_taken_away_in_this_process_counts_at_once(as_person, as_staff, staff, day):
    number = as_person.post("/api/cases", {**ITEM, "files": [pdf_file(p) for p in range(4)]}).json()["number"]
    clerk = as_staff("zezhou", "accept")
    assert clerk.get("/api/staff/todo").status_code == 200

    StaffRole.objects.get(staff=staff["zezhou"]["accept"], role="accept").delete()  # signal: cache forgotten

    refused = clerk.post(f"/api/staff/cases/{number}/accept", {"window": "A01"})
    assert refused.status_code == 403 and "受理" in refused.json()["detail"]


def test_a_clerk_deactivated_elsewhere_is_refused_once_the_entry_is_read_again(as_staff, staff, settings):
    clerk = as_staff("zezhou", "accept")
    assert clerk.get("/api/staff/todo").status_code == 200

    # Another process's change: no signal reaches this one.
    StaffMember.objects.filter(pk=staff["zezhou"]["accept"].pk).update(is_active=False)
    assert clerk.get("/api/staff/todo").status_code == 200  # still the cached profile …

    settings.API_TOKEN_CACHE_SECONDS = 0  # … until the entry is read again
    refused = clerk.get("/api/staff/todo")
    assert refused.status_code == 403 and refused.json()["detail"] == "仅限经办人员"


def test_a_revoked_token_is_refused_at_once(as_staff):
    clerk = as_staff("zezhou", "accept")
    assert clerk.get("/api/staff/todo").status_code == 200
    assert clerk.delete("/api/auth/token").status_code == 204
    assert clerk.get("/api/staff/todo").status_code == 401
