"""`yibao bench cases`: whole cases through the API, counted in statements and driven over HTTP.

No test asserts a speed (docs/benchmarks.md has the figures); these check that the benchmark
walks real cases to 办结 with their business effect, counts each action's statements and
leaves no token behind.
"""

import datetime

import pytest

from yibao import clock
from yibao.accounts.services import load_demo_accounts
from yibao.agencies.services import load_demo_agencies
from yibao.api.models import ApiToken
from yibao.bench import cases
from yibao.cases.models import Case, CaseStatus
from yibao.enrollment.demo import load_demo_enrollment
from yibao.enrollment.models import InsurancePeriod, Person

# A working day inside the residents' enrollment window (1 September – 20 December).
DAY = datetime.date(2026, 11, 23)


@pytest.fixture
def demo_city(catalog):
    load_demo_agencies(actor="test")
    load_demo_accounts(actor="test")
    load_demo_enrollment(actor="test", city_persons=40, city_units=4)


@pytest.fixture
def on_day():
    with clock.override(DAY):
        yield


@pytest.mark.django_db
def test_each_kind_is_counted_action_by_action_and_reaches_its_business_effect(demo_city, on_day):
    setup = cases.prepare(units=2)
    persons = cases.NewPersons(setup.agency_code, seed=4)
    try:
        employee = cases.count_statements("employee", setup, persons)
        resident = cases.count_statements("resident", setup, persons)
    finally:
        cases.release(setup)

    assert [label for label, _ in employee] == ["submit", "accept", "review", "complete"]
    assert [label for label, _ in resident] == ["submit", "accept", "complete"]
    assert all(count > 0 for _, count in employee + resident)
    done = Case.objects.filter(status=CaseStatus.COMPLETED).order_by("pk")
    # One case to warm the caches, one counted: two of each kind, each with its business effect.
    assert [c.item.key for c in done] == ["employee-enrollment-new"] * 2 + ["resident-enrollment-register"] * 2
    enrolled = {p.insurance_type for p in InsurancePeriod.objects.filter(
        person__id_number__in=[c.form_data.get("persons", [{}])[0].get("id_number") or c.applicant_id_number
                               for c in done])}
    assert {"310", "390"} <= enrolled
    assert not ApiToken.objects.filter(name="bench cases", revoked_at__isnull=True).exists()


@pytest.mark.django_db
def test_fresh_id_numbers_are_of_the_unit_county_and_never_on_record(demo_city):
    persons = cases.NewPersons("140105", seed=1)
    taken = set(Person.objects.values_list("id_number", flat=True))
    numbers = [persons.take() for _ in range(50)]
    assert len(set(numbers)) == 50 and not set(numbers) & taken
    assert all(n.startswith("140105") for n in numbers)


@pytest.mark.django_db(transaction=True)
def test_clients_walk_whole_cases_over_http_until_the_time_is_up(demo_city, on_day, live_server):
    setup = cases.prepare(units=2)
    persons = cases.NewPersons(setup.agency_code, seed=5)
    host, port = live_server.url.removeprefix("http://").split(":")
    try:
        outcomes = [cases.drive_cases(kind=kind, setup=setup, persons=persons, host=host, port=int(port),
                                      concurrency=2, duration=1.0, seed=1) for kind in ("employee", "resident")]
    finally:
        cases.release(setup)

    for outcome in outcomes:
        assert outcome.completed > 0 and outcome.errors == {}, outcome.errors
        assert len(outcome.request_latencies) >= outcome.completed * 3
    assert Case.objects.filter(status=CaseStatus.COMPLETED).count() == sum(o.completed for o in outcomes)


@pytest.mark.django_db
def test_without_the_demo_the_benchmark_says_what_to_load(catalog):
    with pytest.raises(cases.BenchSetupError, match="yibao demo"):
        cases.prepare()


@pytest.mark.django_db
def test_a_kind_that_cannot_be_filed_today_is_skipped_with_its_reason(demo_city, monkeypatch):
    def refused(kind, setup, persons):
        raise cases.BenchSetupError(f"submit 失败（422）：{kind} 不在登记期")

    monkeypatch.setattr(cases, "count_statements", refused)
    lines = cases.cases_suite({"duration": 1, "seed": 1, "kind": "both", "workers": 1, "threads": 1, "warmup": 0})

    assert [line.strip().split("：")[0] for line in lines[1:]] == ["跳过 职工参保登记(新参)", "跳过 城乡居民参保登记（窗口录入）"]
    assert not ApiToken.objects.filter(name="bench cases", revoked_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_the_tables_cases_write_are_vacuumed_before_a_timed_run_on_postgresql():
    from django.db import connection

    note = cases.vacuum_written_tables()
    if connection.vendor == "postgresql":  # VACUUM ran (outside any transaction) and the note says so
        assert note.startswith("已先 VACUUM (ANALYZE)") and "autovacuum=" in note
    else:  # SQLite: nothing to vacuum between runs
        assert note == ""
