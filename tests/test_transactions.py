"""Nested services inside ``all_or_nothing`` skip their savepoints; a refusal still undoes it all."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from yibao.agencies.models import Region
from yibao.transactions import all_or_nothing, nested_service

pytestmark = pytest.mark.django_db


class Refused(Exception):
    pass


@nested_service
def add_region(*, code: str, refuse: bool = False) -> None:
    Region.objects.create(slug=f"r{code}", name=f"测试{code}", code=code)
    if refuse:
        raise Refused(code)


def savepoints(captured) -> int:
    return sum(1 for q in captured.captured_queries if "SAVEPOINT" in q["sql"].upper())


def test_inside_all_or_nothing_a_nested_service_opens_no_savepoint():
    with CaptureQueriesContext(connection) as plain:
        with transaction.atomic():
            add_region(code="990001")
    with CaptureQueriesContext(connection) as grouped:
        with transaction.atomic(), all_or_nothing():
            add_region(code="990002")
    # The same block, less the nested service's SAVEPOINT and RELEASE SAVEPOINT.
    assert savepoints(plain) - savepoints(grouped) == 2


def test_a_refusal_inside_all_or_nothing_undoes_the_whole_step_and_the_caller_goes_on():
    before = Region.objects.count()
    with pytest.raises(Refused):
        with transaction.atomic(), all_or_nothing():  # the step's own savepoint (here: inside the test's transaction)
            add_region(code="990003")
            add_region(code="990004", refuse=True)
    assert Region.objects.count() == before  # both undone, and the connection is usable again


def test_outside_all_or_nothing_a_nested_failure_is_contained_by_its_own_savepoint():
    with transaction.atomic():
        add_region(code="990005")
        with pytest.raises(Refused):
            add_region(code="990006", refuse=True)
        assert Region.objects.filter(code__in=["990005", "990006"]).count() == 1


# --- audit rows of an all-or-nothing step -----------------------------------------------------

from yibao.audit.models import AuditEntry  # noqa: E402
from yibao.audit.services import audits_written_together, record_audit  # noqa: E402


def audit_inserts(captured) -> int:
    return sum(1 for q in captured.captured_queries if q["sql"].lstrip().upper().startswith('INSERT INTO "AUDIT_'))


def test_the_audit_rows_of_an_all_or_nothing_step_are_written_together_as_it_ends():
    before = AuditEntry.objects.count()
    with CaptureQueriesContext(connection) as captured:
        with transaction.atomic(), all_or_nothing():
            for n in range(3):
                record_audit(actor="测试", action="test.step", object_type="Region", object_id=n)
            assert AuditEntry.objects.count() == before  # not yet: they go in with the block's end
    assert audit_inserts(captured) == 1
    assert list(AuditEntry.objects.filter(action="test.step").order_by("id").values_list("object_id", flat=True)) \
        == ["0", "1", "2"]


def test_a_refused_step_leaves_no_audit_row():
    before = AuditEntry.objects.count()
    with pytest.raises(Refused):
        with transaction.atomic(), all_or_nothing():
            record_audit(actor="测试", action="test.refused", object_type="Region", object_id=1)
            add_region(code="990007", refuse=True)
    assert AuditEntry.objects.count() == before


def test_an_inner_block_that_fails_gives_back_only_its_own_rows():
    with transaction.atomic(), audits_written_together():
        record_audit(actor="测试", action="test.outer", object_type="Region", object_id=1)
        with pytest.raises(Refused), transaction.atomic(), audits_written_together():
            record_audit(actor="测试", action="test.inner", object_type="Region", object_id=2)
            raise Refused("inner")
    assert AuditEntry.objects.filter(action="test.outer").count() == 1
    assert not AuditEntry.objects.filter(action="test.inner").exists()


def test_outside_a_block_each_audit_row_is_written_at_once():
    entry = record_audit(actor="测试", action="test.single", object_type="Region", object_id=1)
    assert entry.pk is not None and AuditEntry.objects.filter(pk=entry.pk).exists()
