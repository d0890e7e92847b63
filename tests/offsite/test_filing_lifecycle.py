"""变更, 取消, 到期 and what the other domains read (in force on a day; long-term start)."""

import datetime

import pytest

from tests.offsite.conftest import TODAY, apply_and_complete, current_item, submit, uploads_for
from yibao import clock
from yibao.audit.models import AuditEntry
from yibao.cases.services import InvalidApplication
from yibao.offsite.models import FilingStatus, OffsiteFiling
from yibao.offsite.rules import filing_rules
from yibao.offsite.selectors import active_filings_of, filing_in_force, offsite_filing_start
from yibao.offsite.services import FilingError, cancel_filing, expire_filings

pytestmark = pytest.mark.django_db

TO_SHENZHEN = {"destination_province": "广东省", "destination_city": "深圳市"}


@pytest.fixture
def retiree_filing(make_insured, clerks):
    person = make_insured("changzhi")
    apply_and_complete(current_item("changzhi", "remote-long-term-residence"), person, TO_SHENZHEN,
                       clerks["changzhi"])
    return OffsiteFiling.objects.get(person=person)


def test_a_change_keeps_the_old_filing_as_history(retiree_filing, clerks, monkeypatch):
    person = retiree_filing.person
    changed_on = datetime.date(2026, 7, 1)
    apply_and_complete(current_item("changzhi", "remote-long-term-residence"), person,
                       {"registration": "变更", "filing_number": retiree_filing.number,
                        "destination_province": "海南省", "destination_city": "海口市",
                        "start_date": changed_on.isoformat(), "reason": "随子女迁居"}, clerks["changzhi"])
    old = OffsiteFiling.objects.get(pk=retiree_filing.pk)
    new = OffsiteFiling.objects.get(supersedes=old)
    assert old.status == FilingStatus.CHANGED and old.ended_on == changed_on and old.end_reason == "随子女迁居"
    assert new.status == FilingStatus.ACTIVE and new.destination_city_name == "海口市"
    assert new.start_date == changed_on
    assert filing_in_force(person, datetime.date(2026, 6, 30)) == old
    assert filing_in_force(person, changed_on) == new
    # A change between long-term filings does not interrupt the filing.
    assert offsite_filing_start(person, on=datetime.date(2028, 1, 1)) == TODAY
    assert AuditEntry.objects.filter(action="offsite.filing.change", object_id=old.number).exists()


def test_a_changed_filing_cannot_be_changed_again(retiree_filing, clerks):
    item = current_item("changzhi", "remote-long-term-residence")
    change = {"registration": "变更", "filing_number": retiree_filing.number, "destination_province": "上海市"}
    apply_and_complete(item, retiree_filing.person, change, clerks["changzhi"])
    with pytest.raises(InvalidApplication, match=f"备案 {retiree_filing.number} 当前状态为「已变更」，不能变更"):
        submit(item, retiree_filing.person, change)


def test_a_change_needs_the_number_of_an_own_filing(retiree_filing, make_insured):
    item = current_item("changzhi", "remote-long-term-residence")
    with pytest.raises(InvalidApplication, match="字段 原备案编号：变更备案时必填"):
        submit(item, retiree_filing.person, {"registration": "变更", **TO_SHENZHEN})
    stranger = make_insured("changzhi")
    with pytest.raises(InvalidApplication, match=f"未找到 .* 的备案 {retiree_filing.number}"):
        submit(item, stranger, {"registration": "变更", "filing_number": retiree_filing.number, **TO_SHENZHEN})


def test_cancellation_through_a_case_ends_the_filing(retiree_filing, clerks):
    person = retiree_filing.person
    apply_and_complete(current_item("changzhi", "remote-long-term-residence"), person,
                       {"registration": "取消", "filing_number": retiree_filing.number, "reason": "回参保地居住"},
                       clerks["changzhi"])
    filing = OffsiteFiling.objects.get(pk=retiree_filing.pk)
    assert filing.status == FilingStatus.CANCELLED and filing.ended_on == TODAY
    assert "回参保地居住" in filing.end_reason
    assert filing_in_force(person, TODAY) is None and offsite_filing_start(person, on=TODAY) is None
    assert active_filings_of(person, today=TODAY) == []


def test_cancelling_twice_is_refused(retiree_filing):
    cancel_filing(filing=retiree_filing, actor="p:test", today=TODAY)
    with pytest.raises(FilingError, match="当前状态为「已取消」，不能取消"):
        cancel_filing(filing=retiree_filing, actor="p:test", today=TODAY)


def test_a_person_cannot_cancel_another_persons_filing(retiree_filing, make_insured):
    with pytest.raises(FilingError, match="不是本人的备案"):
        cancel_filing(filing=retiree_filing, actor="p:x", person=make_insured("changzhi"), today=TODAY)


def test_the_sweep_expires_temporary_filings_which_stay_in_force_for_their_dates(make_insured, clerks):
    person = make_insured("changzhi")
    apply_and_complete(current_item("changzhi", "remote-temporary"), person, TO_SHENZHEN, clerks["changzhi"])
    filing = OffsiteFiling.objects.get(person=person)
    assert filing.end_date == datetime.date(2026, 9, 1)
    assert expire_filings(today=datetime.date(2026, 9, 1)) == 0
    assert expire_filings(today=datetime.date(2026, 9, 2)) == 1
    filing.refresh_from_db()
    assert filing.status == FilingStatus.EXPIRED
    assert filing_in_force(person, datetime.date(2026, 9, 2)) is None  # expired: not in force
    assert filing_in_force(person, datetime.date(2026, 8, 1)) == filing  # a claim for a past stay finds it
    with pytest.raises(FilingError, match="当前状态为「已到期」，不能取消"):
        cancel_filing(filing=filing, actor="system", today=datetime.date(2026, 9, 2))


def test_an_expired_but_unswept_filing_cannot_be_changed(make_insured, clerks, monkeypatch):
    person = make_insured("changzhi")
    item = current_item("changzhi", "remote-temporary")
    apply_and_complete(item, person, TO_SHENZHEN, clerks["changzhi"])
    filing = OffsiteFiling.objects.get(person=person)
    monkeypatch.setattr(clock, "_fixed", clock.at_noon(datetime.date(2026, 10, 1)))
    with pytest.raises(InvalidApplication, match=f"备案 {filing.number} 已于 2026-09-01 到期"):
        submit(item, person, {"registration": "变更", "filing_number": filing.number, "destination_province": "上海市"})


def test_a_new_filing_after_a_cancellation_restarts_the_long_term_clock(retiree_filing, clerks, monkeypatch):
    person = retiree_filing.person
    cancel_filing(filing=retiree_filing, actor="p:test", today=TODAY)
    later = datetime.date(2026, 5, 4)
    monkeypatch.setattr(clock, "_fixed", clock.at_noon(later))
    apply_and_complete(current_item("changzhi", "remote-long-term-residence"), person, TO_SHENZHEN,
                       clerks["changzhi"])
    assert offsite_filing_start(person, on=later) == later


# --- 承诺书 in place of a proof (self-service online) -------------------------------------------

def test_a_signed_commitment_replaces_the_residence_proof(make_insured, clerks):
    # The data files allow the 个人承诺书 of 医保发〔2022〕22号 for the residence proof.
    item = current_item("changzhi", "remote-long-term-residence")
    assert item.data["materials"][2]["commitment_alternative"] == filing_rules().commitment_text
    person = make_insured("changzhi")
    uploads = uploads_for(item, {}, skip={2})
    apply_and_complete(item, person, TO_SHENZHEN, clerks["changzhi"], uploads=uploads, commitments={2})
    filing = OffsiteFiling.objects.get(person=person)
    assert filing.by_commitment and filing.status == FilingStatus.ACTIVE


def test_a_commitment_is_refused_where_the_catalog_allows_none(make_insured):
    person = make_insured("changzhi")
    # Material 1 is the 《异地就医登记备案表》 itself: no commitment can replace it.
    with pytest.raises(InvalidApplication, match="不能以承诺书代替"):
        submit(current_item("changzhi", "remote-resettled-retiree"), person, TO_SHENZHEN, commitments={1})


def test_the_expire_command_sweeps(make_insured, clerks, capsys):
    from django.core.management import call_command

    person = make_insured("changzhi")
    apply_and_complete(current_item("changzhi", "remote-temporary"), person, TO_SHENZHEN, clerks["changzhi"])
    OffsiteFiling.objects.filter(person=person).update(end_date=datetime.date(2020, 1, 1))
    call_command("offsite", "expire")
    assert "已标记到期备案 1 件" in capsys.readouterr().out
    assert OffsiteFiling.objects.get(person=person).status == FilingStatus.EXPIRED
