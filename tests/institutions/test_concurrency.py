"""Two openings at the same moment (real threads, real transactions; PostgreSQL: SELECT … FOR UPDATE).

Codes are assigned under the region's row lock, so two institutions opened at
once get different codes, and one institution opened twice at once is opened once.
"""

import pytest

from tests.concurrency import race
from tests.institutions.conftest import designate, later, make_institution
from yibao.institutions.models import DesignationPeriod, Institution
from yibao.institutions.services import open_service


@pytest.fixture
def signed(regions, agencies, clerks):
    """Two Changzhi hospitals with signed agreements, not yet opened."""
    hospitals = [make_institution(regions["changzhi"], "hospital") for _ in range(2)]
    for hospital in hospitals:
        designate(hospital, clerks, through="认定")
    return hospitals


@pytest.mark.django_db(transaction=True)
def test_two_institutions_opened_at_once_get_different_codes(signed):
    first, second = signed
    with later(120):  # the agreements are in force (the threads read the same clock)
        outcomes = race(lambda: open_service(institution=first, actor="a"),
                        lambda: open_service(institution=second, actor="b"), atomic=True)
    assert outcomes == ["ok", "ok"]
    codes = set(Institution.objects.filter(pk__in=[first.pk, second.pk]).values_list("national_code", flat=True))
    assert codes == {"H14040000001", "H14040000002"}


@pytest.mark.django_db(transaction=True)
def test_one_institution_opened_twice_at_once_is_opened_once(signed):
    hospital = signed[0]
    with later(120):
        outcomes = race(lambda: open_service(institution=hospital, actor="a"),
                        lambda: open_service(institution=hospital, actor="b"), atomic=True)
    assert outcomes.count("ok") == 1, outcomes
    assert "已开通定点服务" in str(next(o for o in outcomes if o != "ok"))
    assert DesignationPeriod.objects.filter(institution=hospital).count() == 1
