"""yibao.queries: unique-key reads without ORDER BY, and SQL compiled once per process."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AgencyFactory
from yibao.agencies.models import Agency, Region
from yibao.audit.models import AuditEntry
from yibao.audit.services import record_audit
from yibao.queries import CompiledRows, one_or_none

pytestmark = pytest.mark.django_db


def test_one_or_none_reads_one_row_without_sorting():
    agency = AgencyFactory()
    with CaptureQueriesContext(connection) as captured:
        assert one_or_none(Agency.objects.filter(code=agency.code)) == agency
    assert "ORDER BY" not in captured.captured_queries[0]["sql"]
    assert one_or_none(Agency.objects.filter(code="999999")) is None


ENTRIES = CompiledRows(
    lambda actor, action: AuditEntry.objects.filter(actor=actor, action=action).order_by("id")
    .values_list("object_id", "at", "after"), "\x00actor", "\x00action")
REGIONS = CompiledRows(lambda slug: Region.objects.filter(slug=slug).order_by(), "\x00slug")


def test_compiled_rows_give_what_the_queryset_gives_converted_alike():
    for n in range(3):
        record_audit(actor="测试员", action="test.compiled", object_type="Region", object_id=n, after={"n": n})
    record_audit(actor="别人", action="test.compiled", object_type="Region", object_id=9)
    expected = list(AuditEntry.objects.filter(actor="测试员", action="test.compiled").order_by("id")
                    .values_list("object_id", "at", "after"))
    assert ENTRIES.rows("测试员", "test.compiled") == expected  # datetimes and JSON converted, as the ORM does
    assert [row[0] for row in ENTRIES.rows("别人", "test.compiled")] == ["9"]
    assert ENTRIES.rows("nobody", "test.compiled") == []


def test_compiled_instances_are_the_models_rows():
    region = Region.objects.create(slug="compiled-test", name="测试市", code="149900")
    (found,) = REGIONS.instances("compiled-test")
    assert (found.pk, found.name, found.code) == (region.pk, "测试市", "149900")
    assert not found._state.adding and REGIONS.instances("missing") == []


def test_a_placeholder_that_does_not_reach_the_sql_is_refused():
    broken = CompiledRows(lambda slug: Region.objects.all(), "\x00slug")
    with pytest.raises(RuntimeError):
        broken.rows("x")
