"""参保政策参数 have effective dates: a date is read with the policy in force on it."""

import datetime
from decimal import Decimal

import pytest

from yibao.agencies.models import Region
from yibao.enrollment.models import RegionPolicy
from yibao.enrollment.policies import FIRST_DAY, PolicyMissing, policy_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def taiyuan(catalog):
    return Region.objects.get(slug="taiyuan")


def test_first_use_creates_the_default_policy_in_force_from_the_earliest_date(taiyuan):
    policy = policy_for(taiyuan, on=datetime.date(2026, 3, 2))
    assert (policy.effective_from, policy.effective_to) == (FIRST_DAY, None)
    assert policy_for(taiyuan, on=datetime.date(2010, 1, 1)) == policy


def test_a_new_rate_from_a_date_leaves_earlier_dates_with_the_old_one(taiyuan):
    old = policy_for(taiyuan, on=datetime.date(2026, 1, 1))
    RegionPolicy.objects.filter(pk=old.pk).update(effective_to=datetime.date(2026, 6, 30))
    new = RegionPolicy.objects.create(region=taiyuan, effective_from=datetime.date(2026, 7, 1),
                                      unit_rate=Decimal("0.0750"))
    assert policy_for(taiyuan, on=datetime.date(2026, 6, 30)) == old
    assert policy_for(taiyuan, on=datetime.date(2026, 7, 1)) == new


def test_a_gap_between_policies_is_refused_with_its_date(taiyuan):
    RegionPolicy.objects.create(region=taiyuan, effective_from=datetime.date(2026, 7, 1))
    with pytest.raises(PolicyMissing, match="太原市没有 2026-06-30 适用的参保政策参数"):
        policy_for(taiyuan, on=datetime.date(2026, 6, 30))
