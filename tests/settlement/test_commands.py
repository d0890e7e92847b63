"""yibao settlement generate | run on a small city: institutions, a month, its statements, a no-op rerun."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.settlement.conftest import make_person
from yibao.settlement.models import Declaration, DeclarationStatus, SettlementRecord


def test_generate_then_run_a_month_and_run_it_again(agency):
    for serial in range(20):
        make_person(agency, 100 + serial, insurance_type="310" if serial % 2 else "390")
    out = StringIO()
    call_command("settlement", "generate", "--region", agency.region.slug, "--institutions", "6",
                 "--records", "300", "--month", "2026-11", stdout=out)
    assert "新增定点医药机构 6 家" in out.getvalue()
    assert SettlementRecord.objects.count() == 300
    call_command("settlement", "run", "--month", "2026-11", stdout=out)
    assert set(Declaration.objects.values_list("status", flat=True)) == {DeclarationStatus.STATED}
    rerun = StringIO()
    call_command("settlement", "run", "--month", "2026-11", stdout=rerun)
    assert "没有待审核的申报" in rerun.getvalue()
    with pytest.raises(CommandError, match="已有申报"):
        call_command("settlement", "generate", "--region", agency.region.slug, "--records", "10",
                     "--month", "2026-11", stdout=out)


def test_a_command_line_run_named_for_an_agency_shows_on_its_console_runs_page(declared, client):
    from tests.factories import StaffFactory
    from yibao.settlement.models import RunProgress, RunStatus

    out = StringIO()
    call_command("settlement", "run", "--month", "2026-11", "--agency", declared.agency.code, stdout=out)
    run = RunProgress.objects.get()
    assert run.status == RunStatus.FINISHED and run.agency == declared.agency
    assert run.summary["declarations"] == 1 and run.summary["statements"] == 1
    clerk = StaffFactory(agency=declared.agency, roles=["review"])
    client.force_login(clerk.user)
    assert "月度结算（命令行）" in client.get("/console/settlement/runs/").content.decode()


def test_a_run_for_an_unknown_agency_is_refused_before_anything_runs(declared):
    from yibao.settlement.models import RunProgress

    with pytest.raises(CommandError, match="未知经办机构编码：999999"):
        call_command("settlement", "run", "--month", "2026-11", "--agency", "999999", stdout=StringIO())
    declared.refresh_from_db()
    assert declared.status == DeclarationStatus.DECLARED and not RunProgress.objects.exists()
