"""Two filings of one person at the same moment: the person row lock lets exactly one through.

Real threads and real transactions (PostgreSQL: SELECT … FOR UPDATE; SQLite:
IMMEDIATE transactions serialise the writers).
"""

import pytest

from tests.concurrency import race
from tests.offsite.conftest import current_item
from yibao.offsite.models import OffsiteFiling
from yibao.offsite.rules import item_rule
from yibao.offsite.services import Application, Filer, cancel_filing, file_filing


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_filings_at_once_cannot_both_succeed(make_insured):
    person = make_insured("changzhi")
    item = current_item("changzhi", "remote-temporary")
    rule = item_rule(item)

    def filing_to(province):
        return lambda: file_filing(person=person, region=item.version.region, rule=rule, actor="test",
                                   application=Application(category="other_temporary", destination_province=province),
                                   filer=Filer())

    outcomes = race(filing_to("上海市"), filing_to("北京市"))
    assert outcomes.count("ok") == 1, outcomes
    loser = next(o for o in outcomes if o != "ok")
    assert "时间重叠" in str(loser)
    assert OffsiteFiling.objects.filter(person=person).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_cancellations_at_once_leave_one(make_insured):
    person = make_insured("changzhi")
    item = current_item("changzhi", "remote-temporary")
    filing = file_filing(person=person, region=item.version.region, rule=item_rule(item), actor="test",
                         application=Application(category="other_temporary", destination_province="上海市"),
                         filer=Filer())
    outcomes = race(*(lambda: cancel_filing(filing=filing, actor="test") for _ in range(2)))
    assert outcomes.count("ok") == 1, outcomes
    assert "当前状态为「已取消」" in str(next(o for o in outcomes if o != "ok"))
