"""A case from application to completion, and every refusal on the way."""

import datetime

import pytest

from tests.cases.conftest import PDF, PNG
from yibao import clock
from yibao.audit.models import AuditEntry
from yibao.cases import services
from yibao.cases.handlers import HandlerRefusal, handler_for
from yibao.cases.models import CaseEvent, CaseMaterial, CaseStatus, Outcome
from yibao.cases.services import (
    CaseConflict,
    InvalidApplication,
    MoveNotAllowed,
    Upload,
    accept_case,
    advance_case,
    issue_notice,
    mark_overdue_cases,
    refuse_case,
    resubmit_case,
    submit_case,
    withdraw_case,
)

pytestmark = pytest.mark.django_db


def apply(item, person, uploads=None, **extra):
    return submit_case(
        item=item, applicant_kind="person", applicant_user=person.user, applicant_name=person.name,
        applicant_id_number=person.id_number, applicant_phone=person.phone, channel="online_hall",
        uploads=uploads if uploads is not None else {0: [Upload("票据.pdf", PDF)], 1: [Upload("清单.png", PNG)]},
        **extra,
    )


@pytest.fixture
def on_day(monkeypatch):
    """Freeze the engine's calendar day."""
    def set_day(day):
        monkeypatch.setattr(clock, "_fixed", clock.at_noon(day))
    return set_day


def test_the_whole_journey_with_a_notice_and_acceptance_at_another_county(
        reimbursement, person, agencies, staff, windows, on_day):
    on_day(datetime.date(2026, 9, 28))
    case = apply(reimbursement, person)
    assert case.status == CaseStatus.SUBMITTED and case.home_agency == agencies["zezhou"]
    assert [m.position for m in case.materials.all()] == [0, 1, 2, 3, 4]  # no 长期居住证明 without that situation

    notice = issue_notice(case=case, staff=staff["gaoping"]["accept"], window=windows["gaoping"],
                          problems={2: "缺少住院病历复印件", 3: "缺少社保卡复印件"})
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENTING
    assert [p["name"] for p in notice.problems] == ["住院病历(复印件)", "社保卡(复印件)"]

    case = resubmit_case(case=case, user=person.user,
                         uploads={2: [Upload("病历.pdf", PDF)], 3: [Upload("社保卡.png", PNG)]})
    assert case.status == CaseStatus.SUBMITTED

    on_day(datetime.date(2026, 9, 30))
    case = accept_case(case=case, staff=staff["gaoping"]["accept"], window=windows["gaoping"])
    assert case.status == CaseStatus.ACCEPTED and case.is_cross_agency
    assert case.accepting_agency == agencies["gaoping"]
    # 20 working days from 9-30, the day itself not counted, across 国庆 (10-10 is a make-up Saturday).
    assert case.due_date == datetime.date(2026, 11, 3)

    with pytest.raises(MoveNotAllowed, match="不是该办件的所属经办机构"):
        advance_case(case=case, staff=staff["gaoping"]["review"], action="review", opinion="同意")
    case = advance_case(case=case, staff=staff["zezhou"]["review"], action="review", opinion="材料齐全，同意")
    case = advance_case(case=case, staff=staff["zezhou"]["pay"], action="pay", opinion="已拨付 1234.56 元")
    case = advance_case(case=case, staff=staff["zezhou"]["pay"], action="complete", opinion="办结")
    assert case.status == CaseStatus.COMPLETED and case.outcome == Outcome.APPROVED
    actions = list(case.events.values_list("action", flat=True))
    assert actions == ["submit", "notice", "resubmit", "accept", "review", "pay", "complete"]
    accept_event = case.events.get(action="accept")
    assert accept_event.agency == agencies["gaoping"] and accept_event.window == windows["gaoping"]
    assert accept_event.channel == "window"
    assert AuditEntry.objects.filter(object_id=case.number).count() == len(actions)


def test_paying_an_unreviewed_case_is_refused(reimbursement, person, staff):
    case = accept_case(case=apply(reimbursement, person, uploads=full_uploads()), staff=staff["zezhou"]["accept"])
    with pytest.raises(MoveNotAllowed, match="下一环节是「审核」，不能「拨付」"):
        advance_case(case=case, staff=staff["zezhou"]["pay"], action="pay")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED


def full_uploads():
    return {i: [Upload(f"{i}.pdf", PDF)] for i in range(4)}


def test_a_clerk_cannot_review_a_case_they_accepted_themselves(reimbursement, person, staff):
    clerk = staff["zezhou"]["accept_review"]
    case = accept_case(case=apply(reimbursement, person, uploads=full_uploads()), staff=clerk)
    with pytest.raises(MoveNotAllowed, match="受理人不能审核自己受理的办件"):
        advance_case(case=case, staff=clerk, action="review")


def test_a_clerk_without_the_role_is_refused(reimbursement, person, staff):
    case = apply(reimbursement, person, uploads=full_uploads())
    with pytest.raises(MoveNotAllowed, match="没有「受理」权限"):
        accept_case(case=case, staff=staff["zezhou"]["review"])


def test_acceptance_with_missing_materials_is_refused_naming_them(reimbursement, person, staff):
    case = apply(reimbursement, person)
    with pytest.raises(MoveNotAllowed, match="住院病历\\(复印件\\)、社保卡\\(复印件\\)"):
        accept_case(case=case, staff=staff["zezhou"]["accept"])
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_a_non_tongban_item_cannot_be_accepted_at_another_county(catalog, person, staff, agencies):
    from tests.cases.conftest import current_item
    from tests.factories import AgencyFactory, StaffFactory
    from yibao.agencies.models import Region
    taiyuan = Region.objects.get(slug="taiyuan")
    AgencyFactory(region=taiyuan, code="140105", slug="ty-xiaodian", name="小店区医疗保障服务中心")
    yingze = AgencyFactory(region=taiyuan, code="140106", slug="ty-yingze", name="迎泽区医疗保障服务中心")
    from tests.conftest import serve_with_stand_in
    item = serve_with_stand_in(current_item("taiyuan", "two-diseases"))
    from yibao.ids import make_resident_id
    case = submit_case(item=item, applicant_kind="person", applicant_name="王建国",
                       applicant_id_number=make_resident_id("14010519850312251"), applicant_phone="13900001111",
                       channel="online_hall", uploads={0: [Upload("登记表.pdf", PDF)]})
    assert case.home_agency.code == "140105"
    with pytest.raises(MoveNotAllowed, match="不在本机构通办范围"):
        accept_case(case=case, staff=StaffFactory(agency=yingze, roles=["accept"]))


def test_refusal_needs_a_reason_and_ends_the_case(reimbursement, person, staff):
    case = apply(reimbursement, person)
    with pytest.raises(InvalidApplication, match="不予受理理由：必填"):
        refuse_case(case=case, staff=staff["zezhou"]["accept"], reason="  ")
    case = refuse_case(case=case, staff=staff["zezhou"]["accept"], reason="不属于医保支付范围")
    assert case.status == CaseStatus.REFUSED and case.refusal_reason == "不属于医保支付范围"
    with pytest.raises(MoveNotAllowed):
        accept_case(case=case, staff=staff["zezhou"]["accept"])


def test_withdrawal_only_by_the_applicant_and_only_before_acceptance(reimbursement, person, staff):
    case = apply(reimbursement, person, uploads=full_uploads())
    with pytest.raises(MoveNotAllowed, match="只有申请人本人"):
        withdraw_case(case=case, user=staff["zezhou"]["accept"].user)
    accept_case(case=case, staff=staff["zezhou"]["accept"])
    with pytest.raises(MoveNotAllowed, match="已受理的办件不能撤回"):
        withdraw_case(case=case, user=person.user)
    other = apply(reimbursement, person)
    assert withdraw_case(case=other, user=person.user).status == CaseStatus.WITHDRAWN


def test_review_can_deny_with_a_reason(reimbursement, person, staff):
    case = accept_case(case=apply(reimbursement, person, uploads=full_uploads()), staff=staff["zezhou"]["accept"])
    with pytest.raises(InvalidApplication, match="必须写明理由"):
        advance_case(case=case, staff=staff["zezhou"]["review"], action="review", approve=False)
    case = advance_case(case=case, staff=staff["zezhou"]["review"], action="review", approve=False,
                        opinion="票据为复印件")
    assert case.status == CaseStatus.COMPLETED and case.outcome == Outcome.DENIED


def test_a_notice_after_acceptance_pauses_the_clock(reimbursement, person, staff, on_day):
    on_day(datetime.date(2026, 11, 2))
    case = accept_case(case=apply(reimbursement, person, uploads=full_uploads()), staff=staff["zezhou"]["accept"])
    due = case.due_date
    on_day(datetime.date(2026, 11, 4))
    issue_notice(case=case, staff=staff["zezhou"]["review"], problems={0: "票据模糊", 1: "清单缺页"},
                 defective={0, 1})
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENTING and case.paused_on == datetime.date(2026, 11, 4)
    on_day(datetime.date(2026, 11, 11))  # five working days later
    case = resubmit_case(case=case, user=person.user,
                         uploads={0: [Upload("票据2.pdf", PDF)], 1: [Upload("清单2.pdf", PDF)]})
    assert case.status == CaseStatus.ACCEPTED
    assert case.paused_working_days == 5
    assert case.due_date == datetime.date(2026, 12, 7) and due == datetime.date(2026, 11, 30)


def test_resubmission_must_cover_everything_the_notice_listed(reimbursement, person, staff):
    case = apply(reimbursement, person)
    issue_notice(case=case, staff=staff["zezhou"]["accept"], problems={2: "缺少", 3: "缺少"})
    with pytest.raises(InvalidApplication, match="以下材料尚未补正：社保卡\\(复印件\\)"):
        resubmit_case(case=case, user=person.user, uploads={2: [Upload("病历.pdf", PDF)]})
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENTING


def test_a_notice_must_list_something_with_a_reason(reimbursement, person, staff):
    case = apply(reimbursement, person)
    with pytest.raises(InvalidApplication, match="至少要列出一项"):
        issue_notice(case=case, staff=staff["zezhou"]["accept"], problems={})
    with pytest.raises(InvalidApplication, match="请写明需补正的原因"):
        issue_notice(case=case, staff=staff["zezhou"]["accept"], problems={2: ""})
    assert not case.notices.exists()


@pytest.mark.parametrize("name,content,message", [
    ("scan.pdf", b"MZ\x90\x00 not a pdf", "不是 PDF、JPG 或 PNG 文件"),
    ("empty.pdf", b"", "是空文件"),
    ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "超过上限 10 MB"),
])
def test_bad_uploads_are_refused_and_nothing_is_saved(reimbursement, person, name, content, message):
    before = CaseEvent.objects.count()
    with pytest.raises(InvalidApplication, match=message):
        apply(reimbursement, person, uploads={0: [Upload(name, content)]})
    assert CaseEvent.objects.count() == before and not CaseMaterial.objects.filter(case__applicant_user=person.user).exists()


@pytest.mark.parametrize("field,value,message", [
    ("applicant_id_number", "140525199001011230", "校验"),
    ("applicant_phone", "12345", "联系电话"),
    ("applicant_name", " ", "申请人姓名"),
])
def test_bad_applicant_data_is_refused_naming_the_field(reimbursement, person, field, value, message):
    kwargs = dict(item=reimbursement, applicant_kind="person", applicant_name=person.name,
                  applicant_id_number=person.id_number, applicant_phone=person.phone, channel="online_hall")
    kwargs[field] = value
    with pytest.raises(InvalidApplication, match=message):
        submit_case(**kwargs)


def test_unknown_situation_and_proxy_without_agent_are_refused(reimbursement, person):
    with pytest.raises(InvalidApplication, match="没有「出国定居」这一情形"):
        apply(reimbursement, person, situation={"situations": ["出国定居"]})
    with pytest.raises(InvalidApplication, match="代办人姓名"):
        apply(reimbursement, person, situation={"proxy": True})


def test_the_checklist_follows_the_situation(reimbursement, person):
    case = apply(reimbursement, person, situation={"situations": ["异地长期居住"]})
    assert "长期居住证明" in list(case.materials.values_list("name", flat=True))


def test_case_numbers_are_unique_and_carry_region_and_day(reimbursement, person, on_day):
    on_day(datetime.date(2026, 11, 23))
    first, second = apply(reimbursement, person), apply(reimbursement, person)
    assert first.number == "1405002026112300001"
    assert second.number == "1405002026112300002"


def test_an_application_refused_as_it_is_filed_takes_no_number(reimbursement, person, on_day, monkeypatch):
    # The number is taken last, so a refusal by the item's on_filed (a wrong SMS code, say)
    # leaves no gap in the day's numbers.
    on_day(datetime.date(2026, 11, 23))
    handler = handler_for(reimbursement)

    refusals = ["字段 短信验证码：错误"]

    def refuse_once(self, *, case, fields):
        if refusals:
            raise HandlerRefusal(refusals.pop())

    monkeypatch.setattr(type(handler), "on_filed", refuse_once)
    with pytest.raises(InvalidApplication, match="短信验证码"):
        apply(reimbursement, person)

    assert apply(reimbursement, person).number == "1405002026112300001"


def test_a_stale_copy_of_a_case_cannot_be_moved(reimbursement, person, staff):
    case = apply(reimbursement, person, uploads=full_uploads())
    stale = type(case).objects.get(pk=case.pk)
    accept_case(case=case, staff=staff["zezhou"]["accept"])
    with pytest.raises(CaseConflict, match="已被他人处理"):
        services._move(stale, action="accept", to_status=CaseStatus.ACCEPTED, actor="x")


def test_the_sweep_flags_overdue_cases(reimbursement, person, staff, on_day):
    on_day(datetime.date(2026, 9, 30))
    case = accept_case(case=apply(reimbursement, person, uploads=full_uploads()), staff=staff["zezhou"]["accept"])
    assert mark_overdue_cases(today=datetime.date(2026, 11, 3)) == 0
    assert mark_overdue_cases(today=datetime.date(2026, 11, 4)) == 1
    case.refresh_from_db()
    assert case.is_overdue
    assert mark_overdue_cases(today=datetime.date(2026, 11, 5)) == 0
