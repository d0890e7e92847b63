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
