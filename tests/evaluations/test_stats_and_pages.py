"""Statistics of 好差评 and the pages: rating form, follow-ups, statistics."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PersonAccountFactory, UserFactory
from yibao.evaluations.models import Evaluation, FollowUp, FollowUpStatus
from yibao.evaluations.selectors import evaluation_stats, follow_ups_for_staff
from yibao.evaluations.services import rate_case
from yibao.ledger.supervision import LedgerForbidden, supervision_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(completed_case, cross_case, refused_case, person):
    """Three evaluations: 泽州 online 非常满意, 高平 A01 (通办) 非常不满意, 泽州 refusal 基本满意."""
    return {
        "good": rate_case(case=completed_case, user=person.user, level=1),
        "bad": rate_case(case=cross_case, user=person.user, level=5, comment="等了两个小时"),
        "ok": rate_case(case=refused_case, user=person.user, level=3),
    }


def test_statistics_for_the_city_supervisor(rated, staff):
    today = timezone.localdate()
    stats = evaluation_stats(scope=supervision_scope(staff=staff["city"]["supervise"]), start=today, end=today)
    assert stats.total.level_counts == [1, 0, 1, 0, 1] and stats.total.total == 3
    assert stats.total.satisfaction_rate == Decimal("0.6667")
    assert stats.total.bad_review_rate == Decimal("0.3333")
    by_agency = {row.label: row for row in stats.by_agency}
    assert by_agency["泽州县医疗保障服务中心"].level_counts == [1, 0, 1, 0, 0]
    assert by_agency["泽州县医疗保障服务中心"].satisfaction_rate == Decimal("1.0000")
    assert by_agency["高平市医疗保障服务中心"].bad_review_rate == Decimal("1.0000")
    assert [(row.label, row.total) for row in stats.by_item] == [("基本医疗保险参保人员住院医疗费用手工报销", 3)]
    windows = {row.label: row.total for row in stats.by_window}
    assert windows["泽州县医疗保障服务中心 网上受理（无窗口）"] == 2
    assert windows["高平市医疗保障服务中心 A01 综合受理窗口"] == 1


def test_statistics_respect_the_period_and_the_county_scope(rated, staff):
    today = timezone.localdate()
    Evaluation.objects.filter(pk=rated["good"].pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    city = evaluation_stats(scope=supervision_scope(staff=staff["city"]["supervise"]), start=today, end=today)
    assert city.total.total == 2
    gaoping = evaluation_stats(scope=supervision_scope(staff=staff["gaoping"]["supervise"]), start=today, end=today)
    assert gaoping.total.level_counts == [0, 0, 0, 0, 1]
    empty = evaluation_stats(scope=supervision_scope(staff=staff["zezhou"]["supervise"]),
                             start=today - datetime.timedelta(days=3), end=today - datetime.timedelta(days=1))
    assert empty.total.total == 0 and empty.total.satisfaction_rate is None


def test_clerks_without_supervision_roles_get_no_statistics(staff):
    with pytest.raises(LedgerForbidden, match="只有科长或管理员"):
        supervision_scope(staff=staff["zezhou"]["accept"])


def test_follow_up_lists_put_open_and_overdue_first(rated, completed_case, staff, person):
    boss = staff["zezhou"]["supervise"]
    rows = follow_ups_for_staff(boss, today=timezone.localdate() + datetime.timedelta(days=30))
    assert len(rows) == 1 and rows[0].overdue and rows[0].may_close
    gaoping_rows = follow_ups_for_staff(staff["gaoping"]["supervise"])
    assert len(gaoping_rows) == 1 and not gaoping_rows[0].may_close
    assert follow_ups_for_staff(staff["city"]["supervise"]) == []


# --- pages -----------------------------------------------------------------------------------

def test_the_rating_page_shows_five_levels_and_thanks_after_rating(client, completed_case, person):
    client.force_login(person.user)
    url = reverse("evaluations:rate", args=[completed_case.number])
    page = client.get(url).content.decode()
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f"> {label}</label>" in page
    bad = client.post(url, {"level": "4", "comment": ""})
    assert bad.status_code == 400 and "差评请说明原因" in bad.content.decode()
    assert not Evaluation.objects.exists()
    response = client.post(url, {"level": "2", "comment": "不错"})
    assert response.status_code == 302
    thanks = client.get(url).content.decode()
    assert "感谢您的评价" in thanks and "满意" in thanks
    assert Evaluation.objects.get().level == 2


def test_the_rating_page_is_404_for_another_users_case(client, completed_case):
    stranger = PersonAccountFactory()
    client.force_login(stranger.user)
    assert client.get(reverse("evaluations:rate", args=[completed_case.number])).status_code == 404
    assert client.post(reverse("evaluations:rate", args=[completed_case.number]), {"level": "1"}).status_code == 404
    assert not Evaluation.objects.exists()


def test_the_rating_page_needs_login(client, completed_case):
    response = client.get(reverse("evaluations:rate", args=[completed_case.number]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_supervisor_closes_a_follow_up_through_the_pages(client, rated, staff):
    boss = staff["zezhou"]["supervise"]
    client.force_login(boss.user)
    listing = client.get(reverse("evaluations:follow_ups")).content.decode()
    follow_up = FollowUp.objects.get()
    assert rated["bad"].case.number in listing and "等了两个小时" in listing
    url = reverse("evaluations:follow_up", args=[follow_up.pk])
    missing = client.post(url, {"callback_note": "已回访", "rectification_note": ""})
    assert missing.status_code == 400 and "字段 整改情况：必填" in missing.content.decode()
    assert client.post(url, {"callback_note": "已回访", "rectification_note": "增开窗口"}).status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.CLOSED and follow_up.rectification_note == "增开窗口"


def test_follow_up_pages_are_refused_to_others(client, rated, staff, person):
    follow_up = FollowUp.objects.get()
    client.force_login(person.user)
    assert client.get(reverse("evaluations:follow_ups")).status_code == 403
    client.force_login(staff["zezhou"]["accept"].user)
    assert client.get(reverse("evaluations:follow_up", args=[follow_up.pk])).status_code == 403
    client.force_login(staff["city"]["supervise"].user)
    assert client.get(reverse("evaluations:follow_up", args=[follow_up.pk])).status_code == 404
    client.force_login(staff["gaoping"]["supervise"].user)  # 通办: sees it, cannot close it
    page = client.get(reverse("evaluations:follow_up", args=[follow_up.pk])).content.decode()
    assert "办结整改" not in page
    response = client.post(reverse("evaluations:follow_up", args=[follow_up.pk]),
                           {"callback_note": "a", "rectification_note": "b"})
    assert response.status_code == 400 and "只有所属经办机构的科长" in response.content.decode()


def test_the_statistics_page(client, rated, staff):
    client.force_login(staff["city"]["supervise"].user)
    today = timezone.localdate().isoformat()
    page = client.get(reverse("evaluations:stats"), {"start": today, "end": today}).content.decode()
    assert "66.67%" in page and "33.33%" in page and "高平市医疗保障服务中心 A01" in page
    bad = client.get(reverse("evaluations:stats"), {"start": "2026/01/01"})
    assert bad.status_code == 400 and "字段 开始日期：日期格式应为 YYYY-MM-DD" in bad.content.decode()
    backwards = client.get(reverse("evaluations:stats"), {"start": "2026-02-01", "end": "2026-01-01"})
    assert backwards.status_code == 400 and "字段 结束日期：" in backwards.content.decode()


def test_the_statistics_page_for_superusers_and_strangers(client, rated, staff):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(reverse("evaluations:stats")).status_code == 200
    client.force_login(staff["zezhou"]["pay"].user)
    assert client.get(reverse("evaluations:stats")).status_code == 403
