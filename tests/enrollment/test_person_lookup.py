"""One lookup of a person by the number someone typed: a merged-away number finds the kept record."""

import datetime

import pytest

from tests.factories import AgencyFactory
from yibao.enrollment.models import Person
from yibao.enrollment.selectors import person_by_id_number, person_row_by_id_number
from yibao.ids import make_resident_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency(catalog):
    return AgencyFactory()


def person(number, name, agency):
    return Person.objects.create(id_number=make_resident_id(number), name=name, sex="1",
                                 birth_date=datetime.date(1985, 1, 1), region=agency.region, home_agency=agency)


def test_a_merged_away_number_finds_the_kept_record(agency):
    kept = person("14010519850101001", "王建国", agency)
    duplicate = person("14010519850101002", "王建国", agency)
    Person.objects.filter(pk=duplicate.pk).update(merged_into=kept)

    assert person_by_id_number(duplicate.id_number) == kept
    assert person_by_id_number(kept.id_number) == kept
    assert person_row_by_id_number(duplicate.id_number)["id"] == duplicate.pk  # the raw row, for the benchmark


def test_an_unknown_number_finds_nobody():
    assert person_by_id_number(make_resident_id("14010519900101123")) is None
