"""The per-person, per-year ledger: settle on the locked row, record once; two claims at once
never both use the deductible or together exceed the year's limit (PostgreSQL: real overlap)."""

import threading
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection, transaction

from tests.factories import AgencyFactory
from tests.rules.factories import PersonFactory
from yibao.audit.models import AuditEntry
from yibao.rules.calculator import Episode, Line
from yibao.rules.errors import AlreadyRecorded, UsageChanged
from yibao.rules.models import UsageEntry, YearUsage
from yibao.rules.selectors import usage_of, usage_snapshot
from yibao.rules.services import lock_usage, record_usage, settle, settle_and_record

EPISODE = Episode(region="taiyuan", insurance_type="310", person_category="在职", med_type="21",
                  hospital_level="三级", care_date=date(2025, 5, 6))


def bill(amount):
    return [Line(code="A", name="床位费", grade="甲", unit_price=D(amount), quantity=D(1), amount=D(amount))]


@pytest.fixture
def person(db):
    agency = AgencyFactory()
    return PersonFactory(region=agency.region, home_agency=agency)


def test_a_second_claim_uses_only_what_is_left_of_the_deductible(person):
    first = settle_and_record(person=person, episode=EPISODE, lines=bill("500.00"), reference="C-1", actor="clerk")
    second = settle_and_record(person=person, episode=EPISODE, lines=bill("2000.00"), reference="C-2", actor="clerk")
    # 起付 900 (demo): the first claim uses 500 of it, the second the other 400.
    assert (first.deductible, second.deductible) == (D("500.00"), D("400.00"))
    usage = usage_of(person, year=2025, insurance_type="310")
    assert usage.deductible_used == D("900.00")
    assert usage.fund_paid == first.pooled_fund + second.pooled_fund == D("1280.00")
    assert UsageEntry.objects.filter(usage__person=person).count() == 2
    assert AuditEntry.objects.filter(action="rules.record_usage").count() == 2


def test_the_same_claim_is_never_counted_twice(person):
    settle_and_record(person=person, episode=EPISODE, lines=bill("500.00"), reference="C-1", actor="clerk")
    with pytest.raises(AlreadyRecorded, match="C-1"):
        settle_and_record(person=person, episode=EPISODE, lines=bill("500.00"), reference="C-1", actor="clerk")
    assert usage_of(person, year=2025, insurance_type="310").deductible_used == D("500.00")


def test_a_settlement_computed_on_stale_figures_is_refused_and_writes_nothing(person):
    stale = usage_snapshot(None)
    settlement = settle(EPISODE, bill("500.00"), usage=stale)
    settle_and_record(person=person, episode=EPISODE, lines=bill("300.00"), reference="C-0", actor="clerk")
    with transaction.atomic():
        row = lock_usage(person=person, year=2025, insurance_type="310")
        with pytest.raises(UsageChanged, match="重新计算"):
            record_usage(row=row, settlement=settlement, basis=stale, reference="C-1", actor="clerk")
    assert usage_of(person, year=2025, insurance_type="310").deductible_used == D("300.00")
    assert not UsageEntry.objects.filter(reference="C-1").exists()


@pytest.mark.django_db(transaction=True)
def test_locking_outside_a_transaction_is_a_programming_error(person):
    with pytest.raises(RuntimeError, match="transaction.atomic"):
        lock_usage(person=person, year=2025, insurance_type="310")


def race(actions):
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            outcomes[index] = action()
        except Exception as exc:  # noqa: BLE001 — the outcome is asserted by the test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_claims_paid_at_the_same_moment_never_both_use_the_deductible(person):
    def claim(reference):
        return lambda: settle_and_record(person=person, episode=EPISODE, lines=bill("1000.00"),
                                         reference=reference, actor="clerk")

    outcomes = race([claim("R-1"), claim("R-2"), claim("R-3"), claim("R-4")])
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sum(o.deductible for o in outcomes) == D("900.00")
    row = YearUsage.objects.get(person=person, year=2025, insurance_type="310")
    assert row.deductible_used == D("900.00") and row.settlements == 4
    assert row.fund_paid == sum(o.pooled_fund for o in outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_claims_at_the_same_moment_never_together_exceed_the_annual_limit(person):
    # 149 000 of the 150 000 limit (demo) already paid: the two claims share the last 1 000.
    with transaction.atomic():
        row = lock_usage(person=person, year=2025, insurance_type="310")
        YearUsage.objects.filter(pk=row.pk).update(deductible_used=D("900.00"), fund_paid=D("149000.00"))

    def claim(reference):
        return lambda: settle_and_record(person=person, episode=EPISODE, lines=bill("5000.00"),
                                         reference=reference, actor="clerk")

    outcomes = race([claim("L-1"), claim("L-2"), claim("L-3")])
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(o.pooled_fund for o in outcomes) == [D("0.00"), D("0.00"), D("1000.00")]
    assert YearUsage.objects.get(pk=row.pk).fund_paid == D("150000.00")


@pytest.mark.django_db(transaction=True)
def test_two_administrators_adding_a_value_for_the_same_date_at_once_make_one(db):
    from tests.factories import RegionFactory, StaffFactory
    from yibao import clock
    from yibao.agencies.models import AgencyLevel
    from yibao.rules.errors import InvalidParameterValue
    from yibao.rules.models import ParameterValue
    from yibao.rules.services import add_parameter_value

    agency = AgencyFactory(region=RegionFactory(slug="changzhi"), level=AgencyLevel.CITY)
    admins = [StaffFactory(agency=agency, roles=["administer"]) for _ in range(2)]

    def add(staff, value):
        def action():
            with clock.override(date(2026, 3, 2)):
                return add_parameter_value(staff=staff, region="changzhi", parameter="serious_illness_limit",
                                           series_index=0, effective=date(2026, 4, 1), value=value,
                                           reference_number="长医保发〔2026〕2号", reference_title="通知").pk
        return action

    outcomes = race([add(admins[0], "450000"), add(admins[1], "460000")])
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, InvalidParameterValue) for o in outcomes) == 1, outcomes
    assert ParameterValue.objects.count() == 1
