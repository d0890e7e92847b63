"""网上服务大厅: the public web for persons and units (thin views: parse, call one service, render).

A person sees only their own cases, a unit only its own (``cases_of_applicant``);
staff may open a case's PDFs when the case selectors let them see the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yibao.accounts.models import PersonAccount, UnitAccount
from yibao.accounts.selectors import person_of, unit_of
from yibao.agencies.selectors import staff_of
from yibao.cases import lifecycle
from yibao.cases.checklist import compute_checklist
from yibao.cases.handlers import NOT_OFFERED, NotOffered, handler_for, is_offered
from yibao.cases.models import Case, CaseMaterial, CaseStatus, Channel
from yibao.cases.selectors import (
    case_for_staff,
    case_of_applicant,
    cases_of_applicant,
    described_application,
    public_progress,
)
from yibao.cases.services import (
    CaseConflict,
    CaseError,
    InvalidApplication,
    ItemNotOffered,
    resubmit_case,
    submit_case,
    withdraw_case,
)
from yibao.catalog.selectors import (
    CatalogNotLoaded,
    current_version,
    get_item,
    regions_with_catalog,
)
from yibao.documents.case_pdfs import issue_notice_pdf, issue_receipt
from yibao.documents.certificates import (
    CertificateRefused,
    issue_insurance_certificate,
    issue_person_record,
    issue_unit_info,
    issue_unit_record,
)
from yibao.documents.records import (
    RecordRefused,
    parse_period,
    person_overview,
    unit_by_uscc,
    unit_info,
    unit_record,
)
from yibao.enrollment.selectors import person_by_id_number, unit_may_declare_bases
from yibao.errors import DomainError
from yibao.evaluations.selectors import rating_refusal
from yibao.hall import forms
from yibao.ids import mask_resident_id
from yibao.qualifications.selectors import applications_filed_for

NOT_FOUND_PROGRESS = "未找到该办件，请核对办件编号和手机号"


@dataclass(frozen=True)
class Applicant:
    kind: str  # "person" | "unit" | "institution"
    name: str
    id_number: str
    phone: str
    person: PersonAccount | None = None
    unit: UnitAccount | None = None


def _applicant_of(user) -> Applicant | None:
    if person := person_of(user):
        return Applicant("person", person.name, person.id_number, person.phone, person=person)
    if unit := unit_of(user):
        return Applicant("unit", unit.name, unit.uscc, "", unit=unit)
    from yibao.institutions.selectors import institution_of

    if institution := institution_of(user):  # its staff apply as the institution
        return Applicant("institution", institution.name, institution.uscc, institution.phone)
    return None


def _status_for(exc: CaseError) -> int:
    if isinstance(exc, InvalidApplication):
        return 400
    if isinstance(exc, CaseConflict | ItemNotOffered):
        return 409
    return 403


def applicant_required(view):
    """Persons and units only: anonymous users go to the login, staff get a 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=person")
        applicant = _applicant_of(request.user)
        if applicant is None:
            return render(request, "hall/forbidden.html", {"is_staff": staff_of(request.user) is not None},
                          status=403)
        request.applicant = applicant
        return view(request, *args, **kwargs)

    return wrapper


# --- 我的办件 ---------------------------------------------------------------------------

@require_GET
@applicant_required
def index(request):
    """The applicant's cases, newest first."""
    cases = cases_of_applicant(request.user).order_by("-submitted_at", "-id")
    applicant = request.applicant
    return render(request, "hall/index.html", {
        "applicant": applicant, "cases": cases, "regions": regions_with_catalog(),
        # 报盘 is offered only where the unit's city lists 缴费基数申报 (Taiyuan): no dead link elsewhere.
        "may_declare_bases": applicant.kind == "unit" and unit_may_declare_bases(applicant.id_number),
        # 门诊慢特病 filed by a designated hospital for this patient (the hospital is the applicant).
        "filed_for_me": applications_filed_for(applicant.id_number) if applicant.kind == "person" else [],
    })


# --- 在线申请 ---------------------------------------------------------------------------

def _item_or_404(city: str, key: str):
    try:
        version = current_version(city)
    except CatalogNotLoaded as exc:
        raise Http404(str(exc)) from exc
    item = get_item(version, key)
    if item is None:
        raise Http404(f"{version.region.name}没有标识为「{key}」的事项")
    return item


def _field_specs(item) -> list[forms.FieldSpec]:
    handler = handler_for(item)
    return forms.field_specs(handler.Fields, workbook_rows=handler.workbook_rows)


def _apply_context(request, item, situation: forms.SituationInput, *, error: str = "",
                   phone: str | None = None) -> dict:
    applicant = request.applicant
    lines = compute_checklist(item.data, situation.as_situation(applicant.kind))
    posted = request.POST if request.method == "POST" else None
    # The item's own inputs, filled again with what was posted when the form is shown back; a
    # person applying for themselves finds their own name and number already filled in.
    own = ({"insured_name": applicant.name, "insured_id_number": applicant.id_number,
            "account_name": applicant.name} if applicant.kind == "person" else {})
    fields = [{"spec": spec, "value": posted.get(spec.input_name, "") if posted else own.get(spec.name, ""),
               "selected": posted.getlist(spec.input_name) if posted else []}
              for spec in _field_specs(item)]
    return {
        "applicant": applicant, "item": item, "city": item.version.region.slug,
        "masked_id": mask_resident_id(applicant.id_number) if applicant.kind == "person" else applicant.id_number,
        "situation": situation, "lines": lines, "error": error,
        "phone": applicant.phone if phone is None else phone,
        "unit_types": forms.UNIT_TYPES, "special_groups": forms.SPECIAL_GROUPS,
        "item_situations": item.data.get("situations", []),
        "fields": fields,
    }


@require_http_methods(["GET", "POST"])
@applicant_required
def apply(request, city: str, key: str):
    """The application form; POST files the case through ``submit_case``."""
    item = _item_or_404(city, key)
    if item.is_group:
        return render(request, "hall/group_item.html", {
            "item": item, "city": city, "not_offered": NOT_OFFERED,
            "children": [(child, is_offered(child)) for child in item.children.order_by("position")],
            "error": f"「{item.name}」包含多个子项，请选择具体子项"}, status=400)
    if not is_offered(item):
        return render(request, "hall/not_offered.html", {
            "item": item, "city": city, "error": str(NotOffered(item.name))}, status=409)
    applicant = request.applicant
    item_situations = item.data.get("situations", [])
    if request.method == "GET":
        situation = forms.SituationInput()
        return render(request, "hall/apply.html", _apply_context(request, item, situation))
    phone = request.POST.get("applicant_phone", "").strip()
    try:
        situation = forms.parse_situation(request.POST, applicant_kind=applicant.kind,
                                          item_situations=item_situations)
    except forms.FormError as exc:
        return render(request, "hall/apply.html",
                      _apply_context(request, item, forms.SituationInput(), error=str(exc), phone=phone),
                      status=400)
    try:
        handler = handler_for(item)
        form_data = forms.parse_item_fields(_field_specs(item), request.POST, request.FILES, handler=handler)
        uploads = forms.parse_uploads(request.FILES)
        commitments = forms.parse_commitments(request.POST)
        case = submit_case(
            item=item, applicant_kind=applicant.kind, applicant_user=request.user,
            applicant_name=applicant.name, applicant_id_number=applicant.id_number, applicant_phone=phone,
            channel=Channel.ONLINE_HALL, situation=situation.as_service_dict(), form_data=form_data,
            uploads=uploads, commitments=commitments,
            agent_name=situation.agent_name if situation.proxy else "",
            agent_id_number=situation.agent_id_number if situation.proxy else "",
        )
    except (forms.FormError, DomainError) as exc:
        # A bad 明细 workbook is the rows reader's DomainError: shown on the form, like the rest.
        status = (400 if isinstance(exc, forms.FormError) else _status_for(exc) if isinstance(exc, CaseError)
                  else exc.http_status)
        return render(request, "hall/apply.html",
                      _apply_context(request, item, situation, error=str(exc), phone=phone), status=status)
    messages.success(request, f"申请已提交，办件编号：{case.number}。请凭办件编号查询办理进度。")
    return redirect("hall:case", number=case.number)


@require_GET
@applicant_required
def checklist(request, city: str, key: str):
    """htmx partial: the material checklist recomputed for the situation ticked so far."""
    item = _item_or_404(city, key)
    if item.is_group:
        return HttpResponse("请选择具体子项", status=400)
    try:
        situation = forms.parse_situation(request.GET, applicant_kind=request.applicant.kind,
                                          item_situations=item.data.get("situations", []))
    except forms.FormError as exc:
        return render(request, "hall/_checklist.html", {"lines": [], "error": str(exc)}, status=400)
    lines = compute_checklist(item.data, situation.as_situation(request.applicant.kind))
    return render(request, "hall/_checklist.html", {"lines": lines, "error": ""})


# --- 我的办件详情 ------------------------------------------------------------------------

def _own_case_or_404(request, number: str) -> Case:
    case = case_of_applicant(request.user, number)
    if case is None:
        raise Http404("未找到该办件")
    return case


def _case_page(request, case: Case, *, error: str = "", status: int = 200):
    materials = list(case.materials.prefetch_related("files"))
    wanted = [m for m in materials if m.state in (CaseMaterial.State.MISSING, CaseMaterial.State.DEFECTIVE)]
    events = [
        {"at": e.at, "action": lifecycle.ACTION_LABELS.get(e.action, e.action),
         "status": CaseStatus(e.to_status).label if e.to_status in CaseStatus.values else e.to_status,
         "agency": e.agency.name if e.agency else "", "opinion": e.opinion}
        for e in case.events.select_related("agency")
    ]
    withdraw_from, _ = lifecycle.SIDE_MOVES["withdraw"]
    return render(request, "hall/case.html", {
        "case": case, "materials": materials, "events": events, "error": error,
        "notices": list(case.notices.select_related("agency")),
        "wanted": wanted if case.status == CaseStatus.SUPPLEMENTING else [],
        "may_withdraw": case.status in withdraw_from,
        "may_rate": not rating_refusal(case, user=request.user),
        "described": described_application(case),
    }, status=status)


@require_GET
@applicant_required
def case_detail(request, number: str):
    """The applicant's case: status, history, materials, notices and what they may do now."""
    return _case_page(request, _own_case_or_404(request, number))


@require_POST
@applicant_required
def resubmit(request, number: str):
    """补正: upload what the one-time notice listed."""
    case = _own_case_or_404(request, number)
    try:
        uploads = forms.parse_uploads(request.FILES)
        commitments = forms.parse_commitments(request.POST)
        resubmit_case(case=case, uploads=uploads, commitments=commitments, user=request.user)
    except (forms.FormError, CaseError) as exc:
        status = 400 if isinstance(exc, forms.FormError) else _status_for(exc)
        return _case_page(request, case, error=str(exc), status=status)
    messages.success(request, "补正材料已提交，等待经办机构受理。")
    return redirect("hall:case", number=case.number)


@require_POST
@applicant_required
def withdraw(request, number: str):
    """撤回 the application before it is accepted."""
    case = _own_case_or_404(request, number)
    try:
        withdraw_case(case=case, user=request.user, reason=request.POST.get("reason", "")[:200])
    except CaseError as exc:
        return _case_page(request, case, error=str(exc), status=_status_for(exc))
    messages.success(request, f"办件 {case.number} 已撤回。")
    return redirect("hall:case", number=case.number)


# --- PDFs ---------------------------------------------------------------------------------

def _case_for_document(request, number: str) -> Case:
    """The applicant's own case, or one the logged-in clerk may see; anything else is 404."""
    case = case_of_applicant(request.user, number)
    if case is None and (staff := staff_of(request.user)) is not None and staff.is_active:
        case = case_for_staff(staff, number)
    if case is None:
        raise Http404("未找到该办件")
    return case


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename={filename}"
    return response


@require_GET
def receipt_pdf(request, number: str):
    """申请回执/受理回执 as a PDF."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=person")
    case = _case_for_document(request, number)
    return _pdf(issue_receipt(case, actor=request.user.username), f"receipt-{case.number}.pdf")


@require_GET
def notice_pdf(request, number: str, notice_number: str):
    """一次性告知书 as a PDF."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=person")
    case = _case_for_document(request, number)
    notice = case.notices.select_related("agency").filter(number=notice_number).first()
    if notice is None:
        raise Http404("未找到该告知书")
    return _pdf(issue_notice_pdf(notice, actor=request.user.username), f"notice-{notice.number}.pdf")


# --- 我的参保信息 / 本单位参保信息 (self-service, no case) ---------------------------------------
# The record is always the logged-in account's own: a person's by the ID number
# of the account, a unit's by its USCC. No request parameter names a person or
# unit, so nobody can print another's documents here.

def _period_inputs(request) -> tuple[str, str]:
    return request.POST.get("start", "").strip()[:20], request.POST.get("end", "").strip()[:20]


def _my_insurance_page(request, person, *, error: str = "", status: int = 200, start: str = "", end: str = ""):
    overview = person_overview(person) if person is not None else None
    return render(request, "hall/my_insurance.html", {
        "applicant": request.applicant, "person": person, "overview": overview,
        "masked_id": mask_resident_id(request.applicant.id_number), "error": error,
        "start": start, "end": end,
    }, status=status)


def _own_person(request):
    if request.applicant.kind != "person":
        return None
    return person_by_id_number(request.applicant.id_number)


def _person_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.applicant.kind != "person":
            return render(request, "hall/forbidden.html", {"message": "该页面仅供参保人员本人使用"}, status=403)
        return view(request, *args, **kwargs)

    return applicant_required(wrapper)


def _unit_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.applicant.kind != "unit":
            return render(request, "hall/forbidden.html", {"message": "该页面仅供参保单位使用"}, status=403)
        return view(request, *args, **kwargs)

    return applicant_required(wrapper)


@require_GET
@_person_only
def my_insurance(request):
    """我的参保信息: periods, the last 12 months of contributions, the personal account."""
    return _my_insurance_page(request, _own_person(request))


@require_POST
@_person_only
def my_certificate_pdf(request):
    """Print the own 参保凭证 for one region where the person has a period."""
    person = _own_person(request)
    if person is None:
        return _my_insurance_page(request, None, error="未查询到您的参保记录，不能出具参保凭证", status=404)
    region = next((r for r in person_overview(person).regions if r.slug == request.POST.get("region", "")), None)
    if region is None:
        return _my_insurance_page(request, person, error="字段 参保地：请选择您参保的统筹区", status=400)
    try:
        content, document = issue_insurance_certificate(person=person, region=region,
                                                        actor=request.user.username)
    except CertificateRefused as exc:
        return _my_insurance_page(request, person, error=str(exc), status=400)
    return _pdf(content, f"certificate-{document.code}.pdf")


@require_POST
@_person_only
def my_contributions_pdf(request):
    """Print the own 参保缴费记录 for a chosen period (YYYY-MM to YYYY-MM)."""
    person = _own_person(request)
    start_text, end_text = _period_inputs(request)
    if person is None:
        return _my_insurance_page(request, None, error="未查询到您的参保记录", status=404)
    try:
        start, end = parse_period(start_text, end_text)
    except RecordRefused as exc:
        return _my_insurance_page(request, person, error=str(exc), status=400, start=start_text, end=end_text)
    content, document = issue_person_record(person=person, start=start, end=end, actor=request.user.username)
    return _pdf(content, f"contributions-{document.code}.pdf")


def _my_unit_page(request, unit, *, error: str = "", status: int = 200, start: str = "", end: str = ""):
    info = unit_info(unit=unit) if unit is not None else None
    record = None
    if unit is not None:
        from_month, to_month = parse_period("", "")
        record = unit_record(unit=unit, start=from_month, end=to_month)
    return render(request, "hall/my_unit.html", {
        "applicant": request.applicant, "unit": unit, "info": info, "record": record, "error": error,
        "start": start, "end": end,
    }, status=status)


@require_GET
@_unit_only
def my_unit(request):
    """本单位参保信息: registration data, 险种, employees, arrears, the last 12 months' contributions."""
    return _my_unit_page(request, unit_by_uscc(request.applicant.id_number))


@require_POST
@_unit_only
def my_unit_info_pdf(request):
    """Print the own 参保单位参保信息."""
    unit = unit_by_uscc(request.applicant.id_number)
    if unit is None:
        return _my_unit_page(request, None, error="未查询到本单位的参保登记记录", status=404)
    content, document = issue_unit_info(unit=unit, actor=request.user.username)
    return _pdf(content, f"unit-info-{document.code}.pdf")


@require_POST
@_unit_only
def my_unit_record_pdf(request):
    """Print the own 缴费记录 for a chosen period."""
    unit = unit_by_uscc(request.applicant.id_number)
    start_text, end_text = _period_inputs(request)
    if unit is None:
        return _my_unit_page(request, None, error="未查询到本单位的参保登记记录", status=404)
    try:
        start, end = parse_period(start_text, end_text)
    except RecordRefused as exc:
        return _my_unit_page(request, unit, error=str(exc), status=400, start=start_text, end=end_text)
    content, document = issue_unit_record(unit=unit, start=start, end=end, actor=request.user.username)
    return _pdf(content, f"unit-contributions-{document.code}.pdf")


# --- 办件进度查询 (public) --------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def progress(request):
    """Anyone holding a case number and the applicant's phone sees its status and steps."""
    context = {"number": "", "phone": "", "result": None, "error": ""}
    if request.method == "GET":
        return render(request, "hall/progress.html", context)
    number = request.POST.get("number", "").strip()[:30]
    phone = request.POST.get("phone", "").strip()[:20]
    context.update(number=number, phone=phone)
    missing = [label for label, value in (("办件编号", number), ("手机号", phone)) if not value]
    if missing:
        context["error"] = "；".join(f"字段 {label}：必填" for label in missing)
        return render(request, "hall/progress.html", context, status=400)
    result = public_progress(number, phone)
    if result is None:
        # The same answer whichever half is wrong, so the form does not tell
        # which case numbers exist.
        context["error"] = NOT_FOUND_PROGRESS
        return render(request, "hall/progress.html", context, status=404)
    context["result"] = result
    return render(request, "hall/progress.html", context)
