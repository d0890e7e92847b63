"""Handler contract v2 (issue 10): items without a handler are not offered, handlers declare
where they act, a refusal at 受理 is a refusal, one table of moves, one rule for rating."""

import re
from pathlib import Path

import pytest
from django.core import checks
from pydantic import BaseModel, Field

from tests.api.conftest import Api, obtain
from tests.cases.conftest import PDF, current_item
from tests.conftest import STAND_IN_KEY, serve_with_stand_in
from tests.enrollment.contributions.conftest import PersonFactory
from yibao.cases import handlers, lifecycle
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.handlers import (
    NOT_OFFERED,
    Effect,
    HandlerRefusal,
    ItemHandler,
    catalog_problems,
    check_catalog_handlers,
)
from yibao.cases.models import Case, CaseStatus
from yibao.cases.selectors import described_application, todo_for_staff
from yibao.cases.services import (
    ItemNotOffered,
    MoveNotAllowed,
    Upload,
    accept_case,
    advance_case,
    submit_case,
)
from yibao.catalog.files import city_path, read_city_file
from yibao.evaluations.selectors import rating_refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def unhandled(catalog, agencies, monkeypatch):
    """Jincheng 意外伤害费用纳入医保支付范围认定 (申请—受理—调查—认定—办结) with its handler taken away."""
    monkeypatch.delitem(handlers._registry, "accident_determination")
    return current_item("jincheng", "accident-injury-determination")


def all_scans(item):
    lines = compute_checklist(item.data, Situation(applicant_kind="person"))
    return {line.position: [Upload(f"{line.position}.pdf", PDF)] for line in lines}


def apply(item, person, **extra):
    return submit_case(
        item=item, applicant_kind="person", applicant_user=person.user, applicant_name=person.name,
        applicant_id_number=person.id_number, applicant_phone=person.phone, channel="online_hall",
        uploads=all_scans(item), **extra)


# --- items that pay must not pretend ---------------------------------------------------------

def test_an_item_without_handler_is_not_offered_by_the_service(unhandled, person):
    with pytest.raises(ItemNotOffered, match=f"「{unhandled.name}」{NOT_OFFERED}"):
        apply(unhandled, person)
    assert not Case.objects.filter(item=unhandled).exists()


def test_the_guide_says_not_offered_instead_of_the_apply_button(client, unhandled, reimbursement):
    page = client.get(f"/guides/jincheng/{unhandled.key}/").content.decode()
    assert NOT_OFFERED in page and "在线申请</a>" not in page
    offered = client.get(f"/guides/jincheng/{reimbursement.key}/").content.decode()
    assert "在线申请</a>" in offered and NOT_OFFERED not in offered


def test_the_hall_apply_page_refuses_an_item_not_offered(client, unhandled, person):
    client.force_login(person.user)
    response = client.get(f"/hall/apply/jincheng/{unhandled.key}/")
    assert response.status_code == 409 and NOT_OFFERED in response.content.decode()
    response = client.post(f"/hall/apply/jincheng/{unhandled.key}/", {"applicant_phone": person.phone})
    assert response.status_code == 409
    assert not Case.objects.filter(item=unhandled).exists()


def test_a_group_item_lists_its_sub_items_not_offered_without_a_link(client, catalog, person, monkeypatch):
    for key in ("reimbursement_inpatient_employee", "reimbursement_inpatient_resident", "reimbursement_after_arrears"):
        monkeypatch.delitem(handlers._registry, key)  # the sub-items' handlers are gone
    client.force_login(person.user)
    page = client.get("/hall/apply/taiyuan/inpatient-reimbursement/").content.decode()
    assert "住院费用报销(职工)" in page and NOT_OFFERED in page
    assert "/hall/apply/taiyuan/inpatient-reimbursement-employee/" not in page


def test_the_window_entry_refuses_an_item_not_offered(client, unhandled, person, staff, windows):
    client.force_login(staff["zezhou"]["accept"].user)
    response = client.post("/console/new/", {
        "item": unhandled.key, "window": windows["zezhou"].pk, "applicant_kind": "person",
        "applicant_name": person.name, "applicant_id_number": person.id_number,
        "applicant_phone": person.phone})
    assert response.status_code == 409 and NOT_OFFERED in response.content.decode()
    assert not Case.objects.filter(item=unhandled).exists()


def test_the_api_answers_409_for_an_item_not_offered(client, unhandled, person):
    token = obtain(client, "person", person.id_number).json()["token"]
    response = Api(client, token).post("/api/cases", {"city": "jincheng", "item": unhandled.key,
                                                      "phone": person.phone})
    assert response.status_code == 409 and NOT_OFFERED in response.json()["detail"]


def test_an_old_case_of_an_item_without_payment_handler_cannot_be_paid(reimbursement, person, staff, monkeypatch):
    case = apply(reimbursement, person)
    case = accept_case(case=case, staff=staff["zezhou"]["accept"])
    case = advance_case(case=case, staff=staff["zezhou"]["review"], action="review")
    monkeypatch.delitem(handlers._registry, STAND_IN_KEY)  # the handler is gone
    with pytest.raises(MoveNotAllowed, match="没有支付处理，不能拨付"):
        advance_case(case=case, staff=staff["zezhou"]["pay"], action="pay")
    case.refresh_from_db()
    assert case.status == CaseStatus.REVIEWED


# --- system checks ----------------------------------------------------------------------------

def _catalog_with(handler_key, monkeypatch, handler):
    catalog = read_city_file(city_path("jincheng")).catalog
    item = next(i for i in catalog.items if i.key == "inpatient-reimbursement")
    monkeypatch.setitem(handlers._registry, handler_key, handler)
    return {"jincheng": catalog.model_copy(update={"items": [item.model_copy(update={"handler": handler_key})]})}


class NoPayment(ItemHandler):
    acts_at = {"审核": Effect.RECORD}


class ActsAtInvestigation(ItemHandler):
    acts_at = {"拨付": Effect.PAYMENT, "调查": Effect.RECORD}


def test_the_shipped_catalog_agrees_with_the_handlers():
    assert check_catalog_handlers() == []


def test_a_paying_item_whose_handler_declares_no_payment_is_refused(monkeypatch):
    problems = catalog_problems(_catalog_with("no_payment", monkeypatch, NoPayment()))
    assert [p.id for p in problems] == ["cases.E003"]
    assert "有拨付环节" in problems[0].msg and isinstance(problems[0], checks.Error)


def test_a_handler_acting_at_a_step_the_item_lacks_is_refused(monkeypatch):
    problems = catalog_problems(_catalog_with("acts_at_investigation", monkeypatch, ActsAtInvestigation()))
    assert [p.id for p in problems] == ["cases.E004"] and "调查" in problems[0].msg


# --- the engine calls a handler only where it acts; a refusal at 受理 is a refusal -------------

class Recording(ItemHandler):
    acts_at = {"拨付": Effect.PAYMENT}
    calls: list[str] = []

    def on_step(self, *, case, step, fields, actor):
        self.calls.append(step)


class RefusingAtAcceptance(ItemHandler):
    acts_at = {"受理": Effect.RECORD, "拨付": Effect.PAYMENT}

    def on_step(self, *, case, step, fields, actor):
        raise HandlerRefusal("对方统筹区暂时无法连接，请稍后重试")


def test_on_step_is_called_only_at_the_declared_steps(reimbursement, person, staff, monkeypatch):
    recording = Recording()
    recording.calls = []
    monkeypatch.setitem(handlers._registry, STAND_IN_KEY, recording)
    case = apply(reimbursement, person)
    case = accept_case(case=case, staff=staff["zezhou"]["accept"])
    for clerk, action in (("review", "review"), ("pay", "pay"), ("pay", "complete")):
        case = advance_case(case=case, staff=staff["zezhou"][clerk], action=action)
    assert case.status == CaseStatus.COMPLETED and recording.calls == ["拨付"]


def test_a_handler_refusal_at_acceptance_is_a_refusal_and_changes_nothing(reimbursement, person, staff, monkeypatch):
    case = apply(reimbursement, person)
    monkeypatch.setitem(handlers._registry, STAND_IN_KEY, RefusingAtAcceptance())
    with pytest.raises(MoveNotAllowed, match="对方统筹区暂时无法连接"):
        accept_case(case=case, staff=staff["zezhou"]["accept"])
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.accepted_by_id is None and case.events.count() == 1


def test_a_handler_refusal_at_acceptance_is_a_4xx_in_the_console(client, reimbursement, person, staff, monkeypatch):
    case = apply(reimbursement, person)
    monkeypatch.setitem(handlers._registry, STAND_IN_KEY, RefusingAtAcceptance())
    client.force_login(staff["zezhou"]["accept"].user)
    positions = case.materials.values_list("position", flat=True)
    response = client.post(f"/console/cases/{case.number}/check/",
                           {**{f"state_{p}": "ok" for p in positions}})
    assert response.status_code == 403 and "对方统筹区暂时无法连接" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


# --- one table of moves ------------------------------------------------------------------------

def test_deny_at_investigation_is_one_move_for_service_api_and_console(client, unhandled, person, staff, windows):
    serve_with_stand_in(unhandled)
    case = accept_case(case=apply(unhandled, person), staff=staff["zezhou"]["accept"])
    assert "deny" in lifecycle.available_actions(case.steps, case.status)
    token = obtain(client, "staff", staff["zezhou"]["review"].user.username).json()["token"]
    detail = Api(client, token).get(f"/api/staff/cases/{case.number}").json()
    assert {"action": "deny", "label": "审核不通过"} in detail["actions"]
    client.force_login(staff["zezhou"]["review"].user)
    assert 'value="deny"' in client.get(f"/console/cases/{case.number}/").content.decode()
    case = advance_case(case=case, staff=staff["zezhou"]["review"], action="investigate", approve=False,
                        opinion="非意外伤害")
    assert case.status == CaseStatus.COMPLETED and case.outcome == "denied"


def test_pay_and_complete_offer_no_deny():
    steps = ["申请", "受理", "审核", "拨付", "办结"]
    assert "deny" not in lifecycle.available_actions(steps, CaseStatus.REVIEWED)  # next: 拨付
    assert "deny" not in lifecycle.available_actions(steps, CaseStatus.PAID)  # next: 办结
    assert "deny" in lifecycle.available_actions(steps, CaseStatus.ACCEPTED)  # next: 审核


# --- one rule for rating -------------------------------------------------------------------------

def test_who_may_rate_is_one_rule(reimbursement, person, staff):
    case = apply(reimbursement, person)
    assert "办结或不予受理后才能评价" in rating_refusal(case, user=person.user)
    case.status = CaseStatus.COMPLETED
    assert rating_refusal(case, user=person.user) == ""
    assert rating_refusal(case, user=staff["zezhou"]["accept"].user) == "只有申请人本人可以评价该办件"
    assert rating_refusal(case, staff=staff["zezhou"]["accept"]) == ""
    assert "不是在岗的窗口受理人员" in rating_refusal(case, staff=staff["zezhou"]["review"])
    assert "受理该办件的经办机构" in rating_refusal(case, staff=staff["gaoping"]["accept"])


# --- the to-do list is one query -------------------------------------------------------------------

def test_the_todo_list_is_one_query_however_many_cases(reimbursement, person, staff, django_assert_num_queries):
    cases = [apply(reimbursement, person) for _ in range(3)]
    accept_case(case=cases[0], staff=staff["zezhou"]["accept"])
    clerk = staff["zezhou"]["accept"]  # its agency is already loaded, as the console's staff_of does
    with django_assert_num_queries(2):  # the clerk's roles, then the cases
        rows = todo_for_staff(clerk)
    assert sorted(r.case.number for r in rows) == sorted(c.number for c in cases[1:])
    assert {r.action for r in rows} == {"accept"}
    reviewer_rows = todo_for_staff(staff["zezhou"]["review"])
    assert [(r.case.number, r.action) for r in reviewer_rows] == [(cases[0].number, "review")]
    # The accepting county's reviewer does not review a non-instant case of another home agency.
    assert todo_for_staff(staff["gaoping"]["review"]) == []


# --- describe: what staff approve is what they see ---------------------------------------------------

class BankFields(BaseModel):
    bank_account: str = Field("", title="收款银行账号")
    amount: str = Field("", title="申请金额（元）")


class WithBankAccount(ItemHandler[BankFields]):
    Fields = BankFields
    acts_at = {"拨付": Effect.PAYMENT}


def test_the_application_is_shown_on_the_case_pages_and_in_the_api(client, reimbursement, person, staff,
                                                                   monkeypatch):
    monkeypatch.setitem(handlers._registry, STAND_IN_KEY, WithBankAccount())
    case = apply(reimbursement, person, form_data={"bank_account": "6222021234567890123", "amount": "1280.50"})
    assert described_application(case) == [("收款银行账号", "6222021234567890123"), ("申请金额（元）", "1280.50")]
    client.force_login(staff["zezhou"]["accept"].user)
    page = client.get(f"/console/cases/{case.number}/").content.decode()
    assert "申请内容" in page and "收款银行账号" in page and "6222021234567890123" in page
    client.force_login(person.user)
    page = client.get(f"/hall/cases/{case.number}/").content.decode()
    assert "收款银行账号" in page and "6222021234567890123" in page
    token = obtain(client, "staff", staff["zezhou"]["accept"].user.username).json()["token"]
    detail = Api(client, token).get(f"/api/staff/cases/{case.number}").json()
    assert {"label": "申请金额（元）", "value": "1280.50"} in detail["described"]


# --- hooks: the lower layers do not import the domains ------------------------------------------

def test_the_case_engine_and_the_prefill_do_not_import_the_enrollment_records():
    root = Path(__file__).resolve().parents[2] / "yibao"
    imports_enrollment = re.compile(r"^\s*(from|import) yibao\.enrollment", re.MULTILINE)
    for module in (root / "cases").rglob("*.py"):
        assert not imports_enrollment.search(module.read_text(encoding="utf-8")), module
    prefill = (root / "documents" / "prefill.py").read_text(encoding="utf-8")
    for record in ("Person,", "Unit,", "PersonalAccount", "InsurancePeriod", "person_by_id_number"):
        assert record not in prefill


def test_the_enrollment_record_names_the_home_agency_through_the_registered_lookup(
        reimbursement, person, agencies):
    from_elsewhere = PersonFactory(region=reimbursement.version.region, home_agency=agencies["gaoping"],
                                   id_number=person.id_number, name=person.name)
    case = apply(reimbursement, person)
    assert from_elsewhere.home_agency == case.home_agency == agencies["gaoping"]
