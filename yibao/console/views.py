"""经办工作台: the staff console (thin views: parse, call one service, render).

Every page needs a logged-in staff member; what a clerk sees is scoped by the
case selectors (their agency's cases and those a 通办 window may accept).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yibao import clock
from yibao.agencies.models import Role
from yibao.agencies.pages import staff_page
from yibao.agencies.selectors import staff_can, staff_roles, windows_of
from yibao.cases import lifecycle
from yibao.cases.models import Case, CaseFile, CaseMaterial, CaseStatus, Channel
from yibao.cases.routing import may_accept, may_handle
from yibao.cases.selectors import (
    case_for_staff,
    cases_visible_to_staff,
    deadline_flag,
    described_application,
    todo_for_staff,
)
from yibao.cases.services import (
    CaseConflict,
    CaseError,
    InvalidApplication,
    ItemNotOffered,
    accept_case,
    advance_case,
    issue_notice,
    refuse_case,
    resubmit_case,
    submit_case,
)
from yibao.catalog.schema import SpecialGroup, UnitType
from yibao.catalog.selectors import CatalogNotLoaded, current_version, items_of
from yibao.console import forms
from yibao.errors import DomainError
from yibao.evaluations.models import Level
from yibao.evaluations.selectors import evaluation_of_case, rating_refusal
from yibao.evaluations.services import EvaluationError, rate_case_at_window
from yibao.ids import mask_resident_id
from yibao.transfers.selectors import leg_for_staff, leg_refusal, open_legs_for_staff
from yibao.transfers.services import TransferError, do_leg

PAGE_SIZE = 50
STATUS_LABELS = dict(CaseStatus.choices)


# --- access ----------------------------------------------------------------------------

# Staff only: anonymous users go to the staff login, other logins get 403.
staff_required = staff_page("经办工作台仅限在岗经办人员使用")


def _status_for(exc: CaseError) -> int:
    if isinstance(exc, InvalidApplication):
        return 400
    if isinstance(exc, CaseConflict | ItemNotOffered):
        return 409
    return 403


def _masked(case: Case) -> str:
    return mask_resident_id(case.applicant_id_number) if case.applicant_kind == "person" else case.applicant_id_number


def _region_items(staff) -> list:
    """The current, applicable (non-group) items of the clerk's region."""
    try:
        version = current_version(staff.agency.region.slug)
    except CatalogNotLoaded:
        return []
    return [item for item in items_of(version) if not item.is_group]


def _base_context(request) -> dict:
    roles = staff_roles(request.staff)
    return {"staff": request.staff,
            "role_labels": [label for value, label in Role.choices if value in roles]}


# --- 待办任务 ----------------------------------------------------------------------------

@require_GET
@staff_required
def todo(request):
    staff = request.staff
    items = _region_items(staff)
    context = _base_context(request)
    context.update(items=items, statuses=CaseStatus.choices, flags=forms.FLAGS, rows=[], error="",
                   transfer_legs=[])
    status = 200
    try:
        filters = forms.parse_todo_filters(request.GET, {item.key for item in items})
    except forms.FormError as exc:
        filters, context["error"], status = forms.TodoFilters(), str(exc), 400
    else:
        context["rows"] = todo_for_staff(staff, item_key=filters.item_key, status=filters.status,
                                         flag=filters.flag, today=clock.today())
        # 转移接续 legs done for another region's case (or standing alone) have no case of their own here.
        context["transfer_legs"] = open_legs_for_staff(staff, flag=filters.flag, today=clock.today())
    context["filters"] = filters
    return render(request, "console/todo.html", context, status=status)


@require_GET
@staff_required
def find_case(request):
    number = request.GET.get("number", "").strip()
    case = case_for_staff(request.staff, number) if number else None
    if case is not None:
        return redirect("console:case_detail", number=case.number)
    context = _base_context(request)
    context.update(number=number, error="请输入办件编号" if not number else "未找到或无权查看该办件")
    return render(request, "console/find.html", context, status=400 if not number else 404)


# --- 办件列表 ---------------------------------------------------------------------------

@require_GET
@staff_required
def case_list(request):
    context = _base_context(request)
    context.update(statuses=CaseStatus.choices, error="", page=None, rows=[])
    try:
        status, tongban = forms.parse_case_list_filters(request.GET)
    except forms.FormError as exc:
        context.update(error=str(exc), status="", tongban="")
        return render(request, "console/case_list.html", context, status=400)
    cases = cases_visible_to_staff(request.staff)
    if status:
        cases = cases.filter(status=status)
    if tongban:
        cases = cases.filter(is_cross_agency=tongban == "1")
    paginator = Paginator(cases.order_by("-submitted_at", "-id"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    today = clock.today()
    context.update(
        status=status, tongban=tongban, page=page, count=paginator.count,
        rows=[{"case": c, "masked_id": _masked(c), "flag": deadline_flag(c, today)} for c in page],
        query=urlencode({k: v for k, v in (("status", status), ("tongban", tongban)) if v}),
    )
    return render(request, "console/case_list.html", context)


# --- 办件详情 ---------------------------------------------------------------------------

def _case_or_404(staff, number: str) -> Case:
    case = case_for_staff(staff, number)
    if case is None:
        raise Http404("未找到或无权查看该办件")
    return case


def _panels(staff, case: Case) -> dict:
    """Which action forms this clerk sees: the move is available and the clerk may make it."""
    actions = lifecycle.available_actions(case.steps, case.status)
    can_accept = staff_can(staff, "accept") and may_accept(staff=staff, case=case)
    panels = {"check": "accept" in actions and can_accept,
              "refuse": "refuse" in actions and can_accept,
              "step": None, "deny": False, "resubmit": False}
    step = lifecycle.next_step(case.steps, case.status)
    if step is not None and step.action != "accept" and step.action in actions:
        role = lifecycle.role_for(case.steps, step)
        if staff_can(staff, role) and may_handle(staff=staff, case=case):
            panels["step"] = step
            panels["deny"] = "deny" in actions
    # 补正 after acceptance: the home agency's reviewer stops the clock with a notice.
    panels["supplement"] = (
        "notice" in actions and case.status != CaseStatus.SUBMITTED
        and staff_can(staff, "review") and may_handle(staff=staff, case=case))
    # 一次一评: the window clerk of the accepting agency records the applicant's rating.
    panels["rate"] = not rating_refusal(case, staff=staff)
    if "resubmit" in actions:
        panels["resubmit"] = (
            (staff_can(staff, "accept") and may_accept(staff=staff, case=case))
            or (staff_can(staff, "review") and may_handle(staff=staff, case=case)))
    return panels


def _render_detail(request, case: Case, *, error: str = "", status: int = 200, posted=None):
    staff = request.staff
    materials = list(case.materials.prefetch_related("files"))
    events = list(case.events.select_related("agency", "window"))
    notices = list(case.notices.select_related("agency", "issued_by"))
    windows = list(windows_of(staff.agency))
    posted = posted or {}
    context = _base_context(request)
    context.update(
        check_rows=[{"m": m, "state": posted.get(f"state_{m.position}", ""),
                     "reason": posted.get(f"reason_{m.position}", "")} for m in materials],
        case=case, materials=materials, notices=notices, windows=windows,
        events=[{"event": e, "label": lifecycle.ACTION_LABELS.get(e.action, e.action),
                 "from": STATUS_LABELS.get(e.from_status, ""), "to": STATUS_LABELS.get(e.to_status, e.to_status),
                 "channel": dict(Channel.choices).get(e.channel, e.channel)} for e in events],
        flag=deadline_flag(case, clock.today()),
        panels=_panels(staff, case), check_choices=forms.CHECK_CHOICES,
        wanted=[m for m in materials if m.state in (CaseMaterial.State.MISSING, CaseMaterial.State.DEFECTIVE)],
        default_window_id=staff.default_window_id, error=error, posted=posted,
        new_notice=request.GET.get("notice", ""),
        levels=Level.choices, evaluation=evaluation_of_case(case), described=described_application(case),
    )
    return render(request, "console/case_detail.html", context, status=status)


@require_GET
@staff_required
def case_detail(request, number: str):
    return _render_detail(request, _case_or_404(request.staff, number))


def _act(request, number: str, perform):
    """Run one service call for a POSTed form; on refusal re-render with its message."""
    case = _case_or_404(request.staff, number)
    try:
        result = perform(case)
    except (CaseError, forms.FormError) as exc:
        status = 400 if isinstance(exc, forms.FormError) else _status_for(exc)
        return _render_detail(request, case, error=str(exc), status=status, posted=request.POST)
    return result


def _window_from_post(request):
    return forms.parse_window(request.POST.get("window", ""), windows_of(request.staff.agency))


@require_POST
@staff_required
def check_case(request, number: str):
    """受理检查: all required 齐全 → 受理; otherwise one 一次性告知书 listing every problem."""

    def perform(case):
        window = _window_from_post(request)
        check = forms.parse_acceptance_check(request.POST, list(case.materials.all()))
        if check.all_required_ok:
            accept_case(case=case, staff=request.staff, window=window,
                        opinion=request.POST.get("opinion", "").strip())
            messages.success(request, f"办件 {case.number} 已受理")
            return redirect("console:case_detail", number=case.number)
        notice = issue_notice(case=case, staff=request.staff, window=window,
                              problems=check.problems, defective=check.defective)
        messages.success(request, f"已出具一次性告知书 {notice.number}，共 {len(notice.problems)} 项材料需补正")
        return redirect(f"{reverse('console:case_detail', args=[case.number])}?notice={notice.number}")

    return _act(request, number, perform)


@require_POST
@staff_required
def refuse(request, number: str):
    def perform(case):
        refuse_case(case=case, staff=request.staff, window=_window_from_post(request),
                    reason=request.POST.get("reason", ""))
        messages.success(request, f"办件 {case.number} 已不予受理")
        return redirect("console:case_detail", number=case.number)

    return _act(request, number, perform)


@require_POST
@staff_required
def advance(request, number: str):
    def perform(case):
        decision = request.POST.get("decision", "approve")
        if decision not in ("approve", "deny"):
            raise forms.FormError(f"字段 办理决定：「{decision}」无效，可选 同意、不予批准")
        action = request.POST.get("action", "").strip()
        if not action:
            raise forms.FormError("字段 办理环节：必填")
        case = advance_case(case=case, staff=request.staff, action=action,
                            opinion=request.POST.get("opinion", ""), approve=decision == "approve")
        label = "不予批准" if decision == "deny" else lifecycle.ACTION_LABELS.get(action, action)
        messages.success(request, f"办件 {case.number} 已{label}，当前状态：{case.get_status_display()}")
        return redirect("console:case_detail", number=case.number)

    return _act(request, number, perform)


@require_POST
@staff_required
def resubmit(request, number: str):
    def perform(case):
        positions = list(case.materials.values_list("position", flat=True))
        case = resubmit_case(case=case, staff=request.staff, window=_window_from_post(request),
                             uploads=forms.uploads_from(request.FILES, positions),
                             commitments=forms.commitments_from(request.POST, positions))
        messages.success(request, f"办件 {case.number} 已补正材料，当前状态：{case.get_status_display()}")
        return redirect("console:case_detail", number=case.number)

    return _act(request, number, perform)


@require_POST
@staff_required
def request_supplement(request, number: str):
    """补正告知 after acceptance: one notice listing every problem; the clock stops until resubmission."""

    def perform(case):
        check = forms.parse_acceptance_check(request.POST, list(case.materials.all()))
        if not check.problems:
            raise forms.FormError("没有标记需补正的材料：请把需补正的材料标为「缺少」或「不符合要求」并写明原因")
        notice = issue_notice(case=case, staff=request.staff, window=_window_from_post(request),
                              problems=check.problems, defective=check.defective)
        messages.success(request, f"已出具补正告知书 {notice.number}，补正期间暂停计时")
        return redirect(f"{reverse('console:case_detail', args=[case.number])}?notice={notice.number}")

    return _act(request, number, perform)


@require_POST
@staff_required
def rate_at_window(request, number: str):
    """一次一评 entered at the window after completion or refusal."""
    def perform(case):
        try:
            rate_case_at_window(case=case, staff=request.staff, level=request.POST.get("level", ""),
                                comment=request.POST.get("comment", ""))
        except EvaluationError as exc:
            raise forms.FormError(str(exc)) from exc
        messages.success(request, f"已录入办件 {case.number} 的窗口评价")
        return redirect("console:case_detail", number=case.number)
    return _act(request, number, perform)


@require_GET
@staff_required
def download_file(request, file_id: int):
    scan = CaseFile.objects.select_related("material__case").filter(pk=file_id).first()
    if scan is None or case_for_staff(request.staff, scan.material.case.number) is None:
        raise Http404("未找到或无权查看该文件")
    try:
        stored = default_storage.open(scan.storage_path, "rb")
    except FileNotFoundError:
        # The row outlived its file (a restore without the media folder): say so, not a 500.
        raise Http404("该文件的存储内容已丢失，请联系系统管理员从备份恢复") from None
    response = FileResponse(stored, as_attachment=True,
                            filename=scan.original_name, content_type=scan.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- 窗口录入 ---------------------------------------------------------------------------

def _chosen_item(items, key: str, *, strict: bool):
    key = (key or "").strip()
    for item in items:
        if item.key == key:
            return item
    if strict:
        raise forms.FormError("字段 事项：请选择本统筹区的一个具体事项" if not key
                              else f"字段 事项：「{key}」不是本统筹区可申请的事项")
    return None


def _entry_context(request, params) -> dict:
    items = _region_items(request.staff)
    item = _chosen_item(items, params.get("item", ""), strict=False)
    situation = forms.situation_from(params, item, strict=False)
    return {
        "items": items, "item": item, "situation": situation, "params": params,
        "checklist": forms.checklist_for(item, situation),
        "field_inputs": forms.field_inputs(item, params if params else None),
        "kinds": forms.KINDS, "unit_types": [t.value for t in UnitType],
        "special_groups": [g.value for g in SpecialGroup],
    }


@require_GET
@staff_required
def new_checklist(request):
    """htmx: the checklist, the item's situations and its fields for the current choices."""
    context = _entry_context(request, request.GET)
    context["oob"] = True
    return render(request, "console/_new_checklist.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def new_case(request):
    staff = request.staff
    windows = list(windows_of(staff.agency))
    if request.method == "GET":
        context = {**_base_context(request), **_entry_context(request, request.GET)}
        context.update(windows=windows, window_id=str(staff.default_window_id or ""), error="")
        return render(request, "console/new_case.html", context)
    post = request.POST
    context = {**_base_context(request), **_entry_context(request, post)}
    context.update(windows=windows, window_id=post.get("window", ""), error="")
    try:
        item = _chosen_item(context["items"], post.get("item", ""), strict=True)
        window = forms.parse_window(post.get("window", ""), windows)
        situation = forms.situation_from(post, item, strict=True)
        form_data = forms.form_data_from(forms.field_inputs(item, post), request.FILES, item)
        positions = [line.position for line in forms.checklist_for(item, situation)]
        case = submit_case(
            item=item, applicant_kind=situation.applicant_kind,
            applicant_name=post.get("applicant_name", ""),
            applicant_id_number=post.get("applicant_id_number", "").strip(),
            applicant_phone=post.get("applicant_phone", "").strip(), channel=Channel.WINDOW,
            situation=situation.model_dump(mode="json", exclude={"applicant_kind"}),
            form_data=form_data, uploads=forms.uploads_from(request.FILES, positions),
            commitments=forms.commitments_from(post, positions),
            agent_name=post.get("agent_name", ""), agent_id_number=post.get("agent_id_number", "").strip(),
            staff=staff, window=window,
        )
    except (DomainError, forms.FormError) as exc:
        context["error"] = str(exc)
        status = (400 if isinstance(exc, forms.FormError) else _status_for(exc) if isinstance(exc, CaseError)
                  else exc.http_status)
        return render(request, "console/new_case.html", context, status=status)
    messages.success(request, f"已录入办件 {case.number}，请进行受理检查")
    return redirect("console:case_detail", number=case.number)


@require_POST
@staff_required
def do_transfer_leg(request, leg_id: int):
    """Do one 转移接续 leg that has no local case (the other region's application)."""
    leg = leg_for_staff(request.staff, leg_id)
    if leg is None:
        raise Http404("未找到该环节，或不属于本机构")
    refusal = leg_refusal(request.staff, leg)
    if refusal:
        messages.error(request, refusal)
        return redirect("console:todo")
    raw = request.POST.get("declared_amount", "").strip()
    try:
        declared = forms.parse_money(raw, "信息表转出金额") if raw else None
        transfer = do_leg(leg=leg, actor=request.staff.user.username, declared_amount=declared)
    except (forms.FormError, TransferError) as exc:
        messages.error(request, f"{leg.get_kind_display()}未办理：{exc}")
    else:
        messages.success(request, f"转移 {transfer.ref}：已{leg.get_kind_display()}，当前状态：{transfer.get_status_display()}")
    return redirect("console:todo")
