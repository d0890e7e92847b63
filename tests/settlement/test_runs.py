"""Background runs started from the console and their progress record: a reviewer starts a month's
run, the page shows it queued, the worker's run records its stages and summary; refusals in Chinese."""

import pytest

from tests.factories import AgencyFactory, StaffFactory
from tests.settlement.conftest import MONTH
from yibao.settlement import runs
from yibao.settlement.models import DeclarationStatus, RunProgress, RunStatus
from yibao.settlement.tasks import execute_month_run


def test_a_reviewer_starts_a_month_run_and_follows_its_progress(client, declared, clerk):
    client.force_login(clerk.user)
    response = client.post("/console/settlement/runs/", {"month": MONTH})
    run = RunProgress.objects.get()
    assert response.status_code == 302 and response.url == f"/console/settlement/runs/{run.pk}/"
    page = client.get(response.url).content.decode()
    assert "排队中" in page and 'hx-trigger="every 2s"' in page

    execute_month_run(run_id=run.pk, month=MONTH, actor=clerk.user.username)  # what the worker does
    run.refresh_from_db()
    declared.refresh_from_db()
    assert run.status == RunStatus.FINISHED and run.summary["declarations"] == 1 and run.summary["records"] == 3
    assert run.stage == "结算单 完成" and declared.status == DeclarationStatus.STATED
    fragment = client.get(f"/console/settlement/runs/{run.pk}/", {"fragment": "1"}).content.decode()
    assert "已完成" in fragment and "every 2s" not in fragment and run.summary["payable"] in fragment
    assert "<html" not in fragment
    assert "已完成" in client.get("/console/settlement/runs/").content.decode()


def test_a_run_of_a_month_without_declarations_finishes_empty(agency, clerk):
    run = runs.start_run(kind="settlement_run", label="2026-10", agency=agency, actor="c")
    execute_month_run(run_id=run.pk, month="2026-10", actor="c")
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED and run.summary["declarations"] == 0


def test_a_bad_month_or_a_clerk_without_the_role_starts_nothing(client, agency, clerk):
    client.force_login(clerk.user)
    response = client.post("/console/settlement/runs/", {"month": "11/2026"})
    assert response.status_code == 422 and "结算月份" in response.content.decode()
    receptionist = StaffFactory(agency=agency, roles=["accept"])
    client.force_login(receptionist.user)
    response = client.post("/console/settlement/runs/", {"month": MONTH})
    assert response.status_code == 403 and "审核" in response.content.decode()
    assert not RunProgress.objects.exists()


def test_another_agencys_run_is_not_shown(client, agency, clerk):
    run = runs.start_run(kind="settlement_run", label="2026-11", agency=AgencyFactory(name="别处中心"), actor="x")
    client.force_login(clerk.user)
    assert client.get(f"/console/settlement/runs/{run.pk}/").status_code == 404
    assert "2026-11" not in client.get("/console/settlement/runs/").content.decode()


def test_an_unknown_kind_is_refused(agency):
    from yibao.settlement.errors import InvalidDeclaration

    with pytest.raises(InvalidDeclaration, match="类型"):
        runs.start_run(kind="nuke", label="x", agency=agency, actor="c")
