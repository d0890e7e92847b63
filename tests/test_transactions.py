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
