"""The synthetic city: valid identifiers, determinism, contribution arithmetic, the command."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import AgencyFactory
from yibao.agencies.models import Region
from yibao.audit.models import AuditEntry
from yibao.enrollment import selectors
from yibao.enrollment.models import Contribution, InsurancePeriod, Person, PersonalAccount, Unit
from yibao.enrollment.synthetic import (
    contribution_parts,
    generate_city,
    generate_rows,
    schema_of_tables,
)
from yibao.ids import validate_resident_id, validate_uscc

AGENCIES = [(1, "140105"), (2, "140106")]
FIRST_IDS = {"unit": 1, "person": 1, "period": 1, "contribution": 1, "account": 1}


def plan(seed: int) -> list:
    return list(generate_rows(region_id=1, region_name="太原市", agencies=AGENCIES, persons=200,
                              units=20, seed=seed, first_ids=FIRST_IDS, created_at="x",
                              batch_persons=50))


@pytest.fixture
def taiyuan(catalog):
    region = Region.objects.get(slug="taiyuan")
    AgencyFactory(region=region, code="140105", slug="t-xiaodian", name="小店区医疗保障服务中心")
    AgencyFactory(region=region, code="140106", slug="t-yingze", name="迎泽区医疗保障服务中心")
    return region


def test_same_seed_gives_same_rows_and_another_seed_does_not():
    first, again, other = plan(7), plan(7), plan(8)

    def tables(batches):
        return [(b.units, b.persons, b.periods, b.contributions, b.accounts) for b in batches]

    assert tables(first) == tables(again)
    assert first[0].persons != other[0].persons


def test_generated_identifiers_validate():
    batches = plan(3)
    numbers = [row[2] for b in batches for row in b.persons]
    usccs = [row[1] for b in batches for row in b.units]

    assert len(numbers) == len(set(numbers)) == 200
    for number in numbers:
        assert validate_resident_id(number).county_code in {"140105", "140106"}
    assert len(usccs) == 20
    for code in usccs:
        assert validate_uscc(code) == code


@pytest.mark.django_db
def test_generate_city_writes_twelve_exact_contributions_per_employee(taiyuan):
    result = generate_city(region=taiyuan, persons=200, units=10, seed=5)

    assert Person.objects.filter(region=taiyuan).count() == result.persons == 200
    assert Unit.objects.filter(region=taiyuan).count() == 10
    employees = InsurancePeriod.objects.filter(insurance_type="310")
    assert employees.count() == PersonalAccount.objects.count() == result.accounts > 0
    assert InsurancePeriod.objects.filter(insurance_type="390").count() == 200 - result.accounts
    assert Contribution.objects.count() == result.contributions == 12 * result.accounts
    for period in employees:
        rows = list(Contribution.objects.filter(person_id=period.person_id))
        assert len(rows) == 12
        assert len({row.month for row in rows}) == 12
        for row in rows:
            assert isinstance(row.base, Decimal)
            assert row.unit_id == period.unit_id
            assert (row.unit_part, row.personal_part) == contribution_parts(row.base)
            assert row.unit_part == (row.base * Decimal("0.08")).quantize(Decimal("0.01"))
    audit = AuditEntry.objects.get(action="enrollment.synthetic.generate")
    assert (audit.actor, audit.object_id) == ("generate", "taiyuan")
    assert audit.after["persons"] == 200 and audit.after["seed"] == 5
    # the id sequences were moved past the explicit ids: an ordinary insert still works
    person = Person.objects.order_by("pk").first()
    person.pk, person.id_number = None, "140105199001011230"
    person.save()
    assert person.pk == 201


def test_reserved_numbers_are_left_out_of_the_city():
    taken = {row[2] for b in plan(3) for row in b.persons}
    reserved = frozenset(sorted(taken)[:5])

    again = list(generate_rows(region_id=1, region_name="太原市", agencies=AGENCIES, persons=200,
                               units=20, seed=3, first_ids=FIRST_IDS, created_at="x",
                               reserved_numbers=reserved))

    numbers = {row[2] for b in again for row in b.persons}
    assert len(numbers) == 200 and not numbers & reserved


@pytest.mark.django_db
def test_periods_carry_the_person_category(taiyuan):
    generate_city(region=taiyuan, persons=100, units=5, seed=4)

    employees = InsurancePeriod.objects.filter(insurance_type="310")
    residents = InsurancePeriod.objects.filter(insurance_type="390")
    assert employees.exists() and residents.exists()
    assert set(employees.values_list("category", flat=True)) == {"employed"}
    assert set(residents.values_list("category", flat=True)) == {"resident"}
    assert not residents.filter(unit__isnull=False).exists()


@pytest.mark.django_db
def test_the_load_puts_back_every_index_and_key_it_set_aside(taiyuan):
    # On PostgreSQL the load drops the keys and secondary indexes and rebuilds them
    # (by default only from DEFER_SCHEMA_FROM persons on; forced here to keep the test small).
    before = schema_of_tables()

    result = generate_city(region=taiyuan, persons=100, units=5, seed=4, defer_schema=True)

    assert schema_of_tables() == before
    assert any("contribution_person_month_idx" in line for line in before)
    assert any("contribution_unique_month" in line for line in before)
    assert Contribution.objects.count() == result.contributions > 0


@pytest.mark.django_db
def test_selectors_read_one_query_each(taiyuan, django_assert_num_queries):
    generate_city(region=taiyuan, persons=200, units=10, seed=5)
    period = InsurancePeriod.objects.filter(insurance_type="310").select_related("person").first()
    person = period.person

    with django_assert_num_queries(1):
        found = selectors.person_row_by_id_number(person.id_number)
    with django_assert_num_queries(1):
        rows = selectors.contributions_of(person.pk)
    with django_assert_num_queries(1):
        missing = selectors.person_row_by_id_number("140105199001011234")

    assert found["id"] == person.pk and found["name"] == person.name
    assert missing is None
    assert len(rows) == 12
    assert [row["month"] for row in rows] == sorted((row["month"] for row in rows), reverse=True)
    assert rows[0]["month"].month == 12


@pytest.mark.django_db
def test_generate_command_prints_counts(taiyuan, capsys):
    call_command("generate", region="taiyuan", persons=50, units=5, seed=2)

    out = capsys.readouterr().out
    assert "参保人员 50" in out and "参保单位 5" in out and "秒" in out


@pytest.mark.django_db
@pytest.mark.parametrize(("options", "message"), [
    ({"region": "atlantis", "persons": 10, "units": 1}, "未知统筹区“atlantis”"),
    ({"region": "taiyuan", "persons": 0, "units": 1}, "人数 --persons 应为正整数"),
    ({"region": "taiyuan", "persons": 10, "units": 0}, "单位数 --units 应为正整数"),
    ({"region": "changzhi", "persons": 10, "units": 1}, "请先运行 yibao demo 载入经办机构"),
])
def test_generate_command_refuses_bad_input(taiyuan, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate", **options)
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_generate_command_refuses_a_region_that_already_has_persons(taiyuan):
    generate_city(region=taiyuan, persons=20, units=2, seed=1)

    with pytest.raises(CommandError, match="已有参保人员 20 人"):
        call_command("generate", region="taiyuan", persons=20, units=2)
    assert Person.objects.count() == 20


@pytest.mark.django_db
def test_generate_adds_to_a_region_that_has_a_demo_city_without_reusing_its_numbers(taiyuan, capsys):
    # manage.py demo leaves a small city in every region; a benchmark city goes on top of it,
    # with the same seed as the demo's (which would otherwise give the same ID numbers).
    generate_city(region=taiyuan, persons=20, units=2, seed=1)
    before = set(Person.objects.values_list("id_number", flat=True))
    usccs = set(Unit.objects.values_list("uscc", flat=True))

    call_command("generate", region="taiyuan", persons=30, units=3, seed=1, add=True)

    assert "参保人员 30" in capsys.readouterr().out
    assert Person.objects.filter(region=taiyuan).count() == 50
    assert Unit.objects.count() == 5
    assert before < set(Person.objects.values_list("id_number", flat=True))
    assert usccs < set(Unit.objects.values_list("uscc", flat=True))
