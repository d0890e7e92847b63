"""Pages: the public directory and 公示 (no login), an institution's own page, the clerk's designation page."""

from __future__ import annotations

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from yibao.agencies.models import Region
from yibao.agencies.pages import to_staff_login
from yibao.agencies.selectors import staff_of
from yibao.cases.models import Case
from yibao.cases.routing import may_handle
from yibao.clock import today
from yibao.errors import DomainError
from yibao.institutions.documents import issue_agreement
from yibao.institutions.models import (
    Agreement,
    Evaluation,
    HospitalLevel,
    InstitutionKind,
    Objection,
    Publicity,
)
from yibao.institutions.rules import criteria_for, region_rules
from yibao.institutions.selectors import directory, institution_of, publicities_open
from yibao.institutions.services import (
    Finding,
    answer_objection,
    raise_objection,
    record_evaluation,
    record_negotiation,
)

PAGE_LIMIT = 500
SERVICE_LABELS = {"11": "普通门诊", "14": "门诊慢特病", "21": "普通住院", "41": "定点药店购药", "51": "生育门诊",
                  "52": "生育住院"}


def _param(request, name: str, max_length: int = 40) -> str:
    return (request.GET.get(name) or "").strip()[:max_length]


@require_GET
def directory_page(request):
    """定点医药机构名录: every institution designated today, by city, county, kind, level, service."""
    filters = {"region_slug": _param(request, "city"), "county": _param(request, "county"),
               "kind": _param(request, "kind"), "level": _param(request, "level"),
               "service": _param(request, "service")}
    error = ""
    if filters["kind"] and filters["kind"] not in InstitutionKind.values:
        error = "机构类别无效，可选：医疗机构、零售药店"
    if filters["level"] and filters["level"] not in HospitalLevel.values:
        error = "医院等级无效"
    rows = [] if error else list(directory(
        region_slug=filters["region_slug"], county=filters["county"], kind=filters["kind"],
        level=filters["level"], service=filters["service"])[:PAGE_LIMIT])
    return render(request, "institutions/directory.html", {
        "rows": rows, "filters": filters, "error": error, "regions": Region.objects.order_by("code"),
        "kinds": InstitutionKind.choices, "levels": HospitalLevel.choices, "services": SERVICE_LABELS,
    }, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def publicity_page(request):
    """定点公示: institutions under publicity today; anyone may object with name and contact."""
    status = 200
    error = ""
    if request.method == "POST":
        publicity = Publicity.objects.filter(pk=_int(request.POST.get("publicity"))).first()
        if publicity is None:
            error, status = "未找到该公示", 404
        else:
            try:
                raise_objection(publicity=publicity, raised_by=request.POST.get("raised_by", ""),
                                contact=request.POST.get("contact", ""), text=request.POST.get("text", ""))
            except DomainError as exc:
                error, status = str(exc), exc.http_status
            else:
                messages.success(request, "异议已提交，经办机构将核实并答复")
                return redirect("institutions:publicity")
    rows = list(publicities_open(day=today(), region_slug=_param(request, "city")))
    return render(request, "institutions/publicity.html", {"rows": rows, "error": error}, status=status)


def _int(value) -> int:
    try:
        return int(str(value or "0")[:12])
    except ValueError:
        return 0


# --- the institution's own page ---------------------------------------------------------------------

def _institution_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=institution")
        institution = institution_of(request.user)
        if institution is None:
            return render(request, "hall/forbidden.html", {"message": "该页面仅供定点医药机构使用"}, status=403)
        request.institution = institution
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@_institution_required
def mine(request):
    """本机构定点信息: the record, designation periods, agreements and applications."""
    institution = request.institution
    return render(request, "institutions/mine.html", {
        "institution": institution, "periods": institution.periods.all(),
        "agreements": institution.agreements.filter(signed_at__isnull=False),
        "cases": Case.objects.filter(applicant_user=request.user).select_related("item")[:100],
        "changes": institution.changes.all()[:50], "designation_handlers": DESIGNATION_HANDLERS,
    })


@require_GET
def agreement_pdf(request, number: str):
    """The signed agreement, for the institution itself or a clerk of its agency; anyone else 404."""
    agreement = Agreement.objects.select_related("institution__agency", "institution__region", "case").filter(
        number=number[:30], signed_at__isnull=False).first()
    if agreement is None or not request.user.is_authenticated:
        raise Http404
    own = institution_of(request.user)
    staff = staff_of(request.user)
    if not ((own is not None and own.pk == agreement.institution_id)
            or (staff is not None and staff.agency_id == agreement.institution.agency_id)):
        raise Http404
    pdf, _document = issue_agreement(agreement=agreement, actor=request.user.get_username())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="agreement-{agreement.number}.pdf"'
    return response


DESIGNATION_HANDLERS = ("institutions.hospital_designation", "institutions.pharmacy_designation")


# --- the clerk's designation page ------------------------------------------------------------------

def _staff_case(request, number: str):
    staff = staff_of(request.user) if request.user.is_authenticated else None
    if staff is None or not staff.is_active:
        return None, None
    case = Case.objects.select_related("item", "home_agency", "region").filter(number=number[:24]).first()
    if case is None or not may_handle(staff=staff, case=case) or case.applicant_kind != "institution":
        raise Http404
    return staff, case


@require_http_methods(["GET", "POST"])
def staff_case(request, number: str):
    """评估、公示异议、协商谈判 of one designation case (the case's moves stay on the console)."""
    if not request.user.is_authenticated:
        return to_staff_login(request)
    staff, case = _staff_case(request, number)
    if staff is None:
        return render(request, "hall/forbidden.html", {"message": "该页面仅供经办人员使用"}, status=403)
    from yibao.institutions.models import Institution

    institution = Institution.objects.filter(uscc=case.applicant_id_number).first()
    if institution is None:
        raise Http404
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "evaluate":
                findings = {c.code: Finding(met=request.POST.get(f"met_{c.code}") == "1",
                                            note=request.POST.get(f"note_{c.code}", ""))
                            for c in criteria_for(institution.kind)
                            if request.POST.get(f"met_{c.code}") in ("0", "1")}
                record_evaluation(case=case, staff=staff, findings=findings,
                                  written_on=_date(request.POST.get("written_on"), "书面评估日期"),
                                  onsite_on=_date(request.POST.get("onsite_on"), "现场评估日期"),
                                  opinion=request.POST.get("opinion", ""))
            elif action == "answer":
                objection = Objection.objects.filter(pk=_int(request.POST.get("objection")),
                                                     publicity__case=case).first()
                if objection is None:
                    raise Http404
                answer_objection(objection=objection, staff=staff, answer=request.POST.get("answer", ""),
                                 upheld=request.POST.get("upheld") == "1")
            elif action == "negotiate":
                record_negotiation(case=case, staff=staff, terms=request.POST.get("terms", ""))
            else:
                error, status = "未知的操作", 400
        except DomainError as exc:
            error, status = str(exc), exc.http_status
        if not error:
            messages.success(request, "已保存")
            return redirect("institutions:staff_case", number=case.number)
    case.refresh_from_db()
    return render(request, "institutions/staff_case.html", {
        "case": case, "institution": institution, "criteria": criteria_for(institution.kind),
        "evaluations": Evaluation.objects.filter(case=case).prefetch_related("scores"),
        "publicity": Publicity.objects.filter(case=case).prefetch_related("objections").first(),
        "agreement": Agreement.objects.filter(case=case).first(), "error": error, "today": today(),
        "rules": region_rules(case.region.slug),
    }, status=status)


def _date(value, label: str) -> datetime.date:
    from yibao.institutions.services import InstitutionInvalid

    try:
        return datetime.date.fromisoformat(str(value or "")[:10])
    except ValueError as exc:
        raise InstitutionInvalid(f"字段 {label}：应为日期（YYYY-MM-DD）") from exc
