"""Reads of cases, scoped to who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import F, IntegerField, Q, QuerySet, Value
from django.utils import timezone

from yibao import clock
from yibao.agencies.models import Agency, Region, StaffMember, Window
from yibao.agencies.selectors import staff_roles
from yibao.cases import lifecycle
from yibao.cases.handlers import Described, HandlerRefusal, handler_for
from yibao.cases.models import Case, CaseStatus
from yibao.cases.routing import may_accept
from yibao.catalog.models import Item
from yibao.ids import mask_resident_id
from yibao.queries import CompiledRows
from yibao.reference_rows import reference_row
from yibao.workdays.calendar import add_working_days, count_working_days

NEAR_DUE_WORKING_DAYS = 2
FLAG_URGENCY = {"超期": 0, "临期": 1, "": 2}
URGENCY_FLAG = {value: key for key, value in FLAG_URGENCY.items()}
OPEN_STATUSES = [s for s in CaseStatus.values if s not in lifecycle.TERMINAL]


def _base() -> QuerySet[Case]:
    return Case.objects.select_related("item", "item__category", "region", "home_agency", "accepting_agency",
                                       "accepting_window")


# A case by a unique key, its SQL compiled once (yibao.queries.CompiledRows).
_CASE_BY_NUMBER = CompiledRows(lambda number: Case.objects.filter(number=number).order_by()[:1], "\x00number")
_CASE_BY_PK = CompiledRows(lambda pk: Case.objects.filter(pk=pk).order_by()[:1], -918273645)
_CASE_OF_USER = CompiledRows(
    lambda user_id, number: Case.objects.filter(applicant_user_id=user_id, number=number).order_by()[:1],
    -918273646, "\x00applicant-number")


def _one_case(found: list[Case]) -> Case | None:
    """The case found by a unique key (its own row read alone), with the rows its summary shows
    (item and category, region, agencies, window) from ``yibao.reference_rows``: one plain
    indexed read instead of five joins compiled and instantiated each time."""
    if not found:
        return None
    case = found[0]
    case.item = reference_row(Item, case.item_id, related=("category",))
    case.region = reference_row(Region, case.region_id)
    case.home_agency = reference_row(Agency, case.home_agency_id)
    if case.accepting_agency_id is not None:
        case.accepting_agency = reference_row(Agency, case.accepting_agency_id)
    if case.accepting_window_id is not None:
        case.accepting_window = reference_row(Window, case.accepting_window_id)
    return case


def case_with_relations(pk: int) -> Case:
    """One case with the rows its summary shows (item, region, agencies) loaded."""
    case = _one_case(_CASE_BY_PK.instances(pk))
    if case is None:
        raise Case.DoesNotExist(f"办件 {pk} 不存在")
    return case


def cases_of_applicant(user) -> QuerySet[Case]:
    return _base().filter(applicant_user=user)


def case_of_applicant(user, number: str) -> Case | None:
    if user is None or not user.is_authenticated:
        return None
    return _one_case(_CASE_OF_USER.instances(user.pk, number))


def cases_visible_to_staff(staff: StaffMember) -> QuerySet[Case]:
    """The cases of the staff member's agency: accepted there or belonging there (通办: both see it)."""
    return _base().filter(Q(home_agency=staff.agency) | Q(accepting_agency=staff.agency))


def case_for_staff(staff: StaffMember, number: str) -> Case | None:
    """A case this clerk may open: one of the agency's, or one awaiting acceptance
    that the agency may accept (a 通办 item brought to this window)."""
    case = _one_case(_CASE_BY_NUMBER.instances(number))
    if case is None:
        return None
    # Read for this request: an action may use this copy as it is (services._current).
    case.fresh_for_action = True
    if staff.agency_id in (case.home_agency_id, case.accepting_agency_id):
        return case
    if case.status in (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENTING) and may_accept(staff=staff, case=case):
        return case
    return None


@dataclass
class TodoRow:
    case: Case
    action: str
    action_label: str
    flag: str  # "" / "临期" / "超期"
    masked_id: str


def due_flag(due: date, today: date, *, clock_running: bool = True) -> str:
    """超期 past the due date; 临期 within NEAR_DUE_WORKING_DAYS of it while the clock runs."""
    if due < today:
        return "超期"
    if clock_running and count_working_days(today, due) <= NEAR_DUE_WORKING_DAYS:
        return "临期"
    return ""


def deadline_flag(case: Case, today: date) -> str:
    if case.due_date is None or case.status in lifecycle.TERMINAL:
        return ""
    return due_flag(case.due_date, today, clock_running=case.status != CaseStatus.SUPPLEMENTING)


def todo_for_staff(staff: StaffMember, *, item_key: str = "", status: str = "", flag: str = "",
                   today: date | None = None) -> list[TodoRow]:
    """待办任务: open cases whose next move this clerk may make, most urgent first — one query.

    The case's next move and its role are kept on the case (``next_action``/``next_role``);
    who may make it is ``routing.may_accept``/``may_handle`` written as SQL, and the deadline
    flag is a comparison with today and the last 临期 day."""
    today = today or clock.today()
    agency = staff.agency
    near_limit = add_working_days(today, NEAR_DUE_WORKING_DAYS + 1)  # first day no longer 临期
    accept = Q(next_action="accept") & Q(region_id=agency.region_id)
    if agency.level != "city":
        accept &= Q(home_agency=agency) | ~Q(item__tongban_scope="")
    handle = ~Q(next_action="accept") & (
        Q(home_agency=agency) | Q(accepting_agency=agency, item__time_limit_kind="instant"))
    cases = (cases_visible_to_staff(staff)
             .filter(status__in=OPEN_STATUSES, next_role__in=list(staff_roles(staff)))
             .exclude(status=CaseStatus.SUPPLEMENTING)
             .filter(accept | handle)
             .annotate(urgency=models.Case(
                 models.When(due_date__lt=today, then=Value(0)),
                 models.When(due_date__lt=near_limit, then=Value(1)),
                 default=Value(2), output_field=IntegerField())))
    if item_key:
        cases = cases.filter(item__key=item_key)
    if status:
        cases = cases.filter(status=status)
    if flag:
        cases = cases.filter(urgency=FLAG_URGENCY[flag])
    labels = {s.action: s.label for s in lifecycle.STEPS.values()}
    rows = []
    for case in cases.order_by("urgency", F("due_date").asc(nulls_last=True), "submitted_at"):
        masked = mask_resident_id(case.applicant_id_number) if case.applicant_kind == "person" else case.applicant_id_number
        rows.append(TodoRow(case, case.next_action, labels[case.next_action], URGENCY_FLAG[case.urgency], masked))
    return rows


def described_application(case: Case) -> Described:
    """The application as its handler describes it (labelled fields, computed amounts),
    for the case page of the applicant and of the handling staff — not for lists."""
    handler = handler_for(case.item)
    try:
        fields = handler.parse_fields(case.form_data)
    except HandlerRefusal:
        # Stored under an older form: show what was filed, key by key.
        return [(str(key), str(value)) for key, value in (case.form_data or {}).items() if value not in (None, "", [])]
    return handler.describe(case=case, fields=fields)


def public_progress(number: str, phone: str) -> dict | None:
    """Status of a case for anyone holding its number and the applicant's phone; nothing personal."""
    case = _base().filter(number=number.strip(), applicant_phone=phone.strip()).first()
    if case is None:
        return None
    return {
        "number": case.number,
        "item": case.item.name,
        "region": case.region.name,
        "status": case.status,
        "status_label": case.get_status_display(),
        "submitted_on": timezone.localtime(case.submitted_at).date(),
        "due_date": case.due_date,
        "steps": [
            {"action": lifecycle.ACTION_LABELS.get(e.action, e.action),
             "status": CaseStatus(e.to_status).label, "at": e.at}
            for e in case.events.all()
        ],
    }
