"""The handler seam (单位参保登记 creates the unit), to-do lists and public progress."""

import datetime

import pytest

from tests.cases.conftest import PDF, current_item
from tests.factories import UnitAccountFactory
from yibao import clock
from yibao.cases import handlers
from yibao.cases.handlers import DEFAULT, handler_for, is_offered
from yibao.cases.selectors import public_progress, todo_for_staff
from yibao.cases.services import (
    InvalidApplication,
    MoveNotAllowed,
    Upload,
    accept_case,
    advance_case,
    submit_case,
)
from yibao.enrollment.handlers.units import UnitRegistrationHandler
from yibao.enrollment.models import Unit
from yibao.ids import make_uscc

pytestmark = pytest.mark.django_db

FIELDS = {"unit_name": "晋城示例煤业有限公司", "unit_type": "企业", "insurance_types": ["职工基本医疗保险", "生育保险"]}


@pytest.fixture
def unit_item(catalog, agencies):
    return current_item("jincheng", "unit-enrollment")


def apply_for_unit(item, uscc, fields=FIELDS):
    return submit_case(
        item=item, applicant_kind="unit", applicant_name=fields.get("unit_name", "某单位"),
        applicant_id_number=uscc, applicant_phone="0356-2221234", channel="online_hall",
        situation={"unit_type": "企业"}, form_data=fields,
        uploads={i: [Upload(f"{i}.pdf", PDF)] for i in range(3)},
    )


def test_registration_items_name_the_unit_handler_and_unhandled_items_are_not_offered(catalog, monkeypatch):
    assert isinstance(handler_for(current_item("jincheng", "unit-enrollment")), UnitRegistrationHandler)
    assert isinstance(handler_for(current_item("taiyuan", "unit-enrollment")), UnitRegistrationHandler)
    # 单位注销 shares the national sub-item code but must not register units.
    assert not isinstance(handler_for(current_item("jincheng", "unit-cancellation")), UnitRegistrationHandler)
    # An item no handler claims falls back to the default (no business effect) and is not offered.
    monkeypatch.delitem(handlers._registry, "accident_determination")
    unhandled = current_item("jincheng", "accident-injury-determination")
    assert handler_for(unhandled) is DEFAULT and not is_offered(unhandled)


def test_completing_unit_registration_creates_the_unit(unit_item, staff):
    uscc = make_uscc("91140525MA0L00001")
    case = apply_for_unit(unit_item, uscc)
    case = accept_case(case=case, staff=staff["zezhou"]["accept"])
    case = advance_case(case=case, staff=staff["zezhou"]["review"], action="review", opinion="同意")
    assert not Unit.objects.filter(uscc=uscc).exists()  # only 办结 registers
    advance_case(case=case, staff=staff["zezhou"]["review"], action="complete", opinion="已登记")
    unit = Unit.objects.get(uscc=uscc)
    assert unit.name == "晋城示例煤业有限公司" and unit.home_agency.code == "140525"
    assert unit.insurance_types == ["职工基本医疗保险", "生育保险"] and unit.registered_by_case == case.number


def test_an_already_registered_uscc_is_refused(unit_item, staff):
    uscc = make_uscc("91140525MA0L00002")
    case = apply_for_unit(unit_item, uscc)
    case = accept_case(case=case, staff=staff["zezhou"]["accept"])
    case = advance_case(case=case, staff=staff["zezhou"]["review"], action="review")
    advance_case(case=case, staff=staff["zezhou"]["review"], action="complete")
    with pytest.raises(InvalidApplication, match=f"统一社会信用代码 {uscc} 已由「晋城示例煤业有限公司」登记参保"):
        apply_for_unit(unit_item, uscc)


def test_a_duplicate_registered_between_submission_and_acceptance_is_stopped(unit_item, staff):
    uscc = make_uscc("91140525MA0L00003")
    first, second = apply_for_unit(unit_item, uscc), apply_for_unit(unit_item, uscc)
    first = accept_case(case=first, staff=staff["zezhou"]["accept"])
    first = advance_case(case=first, staff=staff["zezhou"]["review"], action="review")
    advance_case(case=first, staff=staff["zezhou"]["review"], action="complete")
    with pytest.raises(MoveNotAllowed, match="已由.*登记参保"):
        accept_case(case=second, staff=staff["zezhou"]["accept"])
    assert Unit.objects.filter(uscc=uscc).count() == 1


def test_bad_unit_fields_are_refused_naming_the_field(unit_item):
    with pytest.raises(InvalidApplication, match="insurance_types"):
        apply_for_unit(unit_item, make_uscc("91140525MA0L00004"), {**FIELDS, "insurance_types": []})
    with pytest.raises(InvalidApplication, match="字段 单位类型："):
        apply_for_unit(unit_item, make_uscc("91140525MA0L00005"), {**FIELDS, "unit_type": "公司"})


def test_todo_lists_show_each_clerk_their_next_moves_with_flags(reimbursement, person, staff, monkeypatch):
    monkeypatch.setattr(clock, "_fixed", clock.at_noon(datetime.date(2026, 9, 30)))
    uploads = {i: [Upload(f"{i}.pdf", PDF)] for i in range(4)}
    waiting = submit_case(item=reimbursement, applicant_kind="person", applicant_user=person.user,
                          applicant_name=person.name, applicant_id_number=person.id_number,
                          applicant_phone=person.phone, channel="online_hall", uploads=uploads)
    accepted = accept_case(case=submit_case(
        item=reimbursement, applicant_kind="person", applicant_user=person.user, applicant_name=person.name,
        applicant_id_number=person.id_number, applicant_phone=person.phone, channel="online_hall",
        uploads=uploads), staff=staff["gaoping"]["accept"])  # due 2026-11-03
    acceptor_rows = todo_for_staff(staff["zezhou"]["accept"], today=datetime.date(2026, 10, 1))
    assert [(r.case.number, r.action) for r in acceptor_rows] == [(waiting.number, "accept")]
    assert acceptor_rows[0].masked_id != person.id_number and acceptor_rows[0].masked_id.endswith(person.id_number[-4:])
    reviewer = staff["zezhou"]["review"]
    assert [r.flag for r in todo_for_staff(reviewer, today=datetime.date(2026, 10, 20))] == [""]
    assert [r.flag for r in todo_for_staff(reviewer, today=datetime.date(2026, 11, 2))] == ["临期"]
    assert [r.flag for r in todo_for_staff(reviewer, today=datetime.date(2026, 11, 4))] == ["超期"]
    assert todo_for_staff(reviewer, flag="超期", today=datetime.date(2026, 11, 2)) == []
    # the accepting county sees the case but has nothing to do on it
    assert todo_for_staff(staff["gaoping"]["review"], today=datetime.date(2026, 10, 1)) == []
    assert accepted.number


def test_public_progress_needs_the_phone_and_shows_nothing_personal(reimbursement, person):
    case = submit_case(item=reimbursement, applicant_kind="person", applicant_user=person.user,
                       applicant_name=person.name, applicant_id_number=person.id_number,
                       applicant_phone=person.phone, channel="online_hall")
    assert public_progress(case.number, "13000000000") is None
    progress = public_progress(case.number, person.phone)
    assert progress["status_label"] == "待受理" and progress["item"] == reimbursement.name
    flat = repr(progress)
    assert person.name not in flat and person.id_number not in flat


def test_unit_applicant_gets_the_unit_account_case(unit_item):
    account = UnitAccountFactory(uscc=make_uscc("91140525MA0L00009"))
    case = submit_case(item=unit_item, applicant_kind="unit", applicant_user=account.user,
                       applicant_name=account.name, applicant_id_number=account.uscc,
                       applicant_phone="0356-2221234", channel="app", form_data=FIELDS)
    assert case.channel == "app" and case.home_agency.code == "140525"
