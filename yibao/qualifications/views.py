"""Pages of 待遇资格 (thin views: parse, call one selector or service, render).

- 特药定点医疗机构和责任医师查询 (public, no login; light enough for a phone);
- 我的待遇资格 (a logged-in person): their qualifications and history;
- 待遇资格查询 and 特药目录维护 (staff of the region: search; add an entry or load a CSV, audited).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yibao.accounts.selectors import person_of
from yibao.agencies.models import Region
from yibao.agencies.selectors import staff_can, staff_of
from yibao.enrollment.selectors import person_by_id_number
from yibao.errors import DomainError
from yibao.ids import mask_resident_id
from yibao.qualifications.diseases import disease_file
from yibao.qualifications.models import QualificationStatus
from yibao.qualifications.selectors import (
    applications_filed_for,
    drug_directory,
    find_qualifications,
    qualifications_of,
)
from yibao.qualifications.services import (
    CSV_HEADER,
    MAX_FILE_BYTES,
    load_directory_file,
    save_directory_entry,
)

QUERY_MAX = 50


@require_GET
def special_drugs(request):
    """The public directory, searchable by drug name; one region at a time (default: all)."""
    regions = list(Region.objects.filter(special_drugs__isnull=False).distinct().order_by("code"))
    slug = request.GET.get("region", "")[:40]
    region = next((r for r in regions if r.slug == slug), None)
    query = request.GET.get("q", "").replace("\x00", "").strip()[:QUERY_MAX]
    drugs = drug_directory(region=region, query=query, limit=50)
    return render(request, "qualifications/special_drugs.html",
                  {"regions": regions, "region": region, "query": query, "drugs": drugs})


def _login_as(kind: str):
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind={kind}")
            if kind == "person":
                request.person_account = person_of(request.user)
                allowed = request.person_account is not None
            else:
                request.staff = staff_of(request.user)
                allowed = request.staff is not None and request.staff.is_active
            if not allowed:
                return HttpResponseForbidden({"person": "本页面仅限参保人员本人使用",
                                              "staff": "本页面仅限在岗经办人员使用"}[kind].encode())
            return view(request, *args, **kwargs)
        return wrapper
    return decorate


@require_GET
@_login_as("person")
def mine(request):
    person = person_by_id_number(request.person_account.id_number)
    rows = list(qualifications_of(person)[:200]) if person else []
    filed = list(applications_filed_for(request.person_account.id_number))
    return render(request, "qualifications/mine.html",
                  {"rows": rows, "filed": filed, "demo_label": disease_file().demo_label,
                   "masked_id": mask_resident_id(request.person_account.id_number)})


@require_GET
@_login_as("staff")
def staff_query(request):
    params = {k: request.GET.get(k, "").replace("\x00", "").strip()[:QUERY_MAX]
              for k in ("id_number", "disease", "institution", "status")}
    if params["status"] not in ("", *QualificationStatus.values):
        params["status"] = ""
    searched = any(params.values())
    rows = []
    if searched:
        rows = [{"q": q, "masked_id": mask_resident_id(q.person.id_number)}
                for q in find_qualifications(region=request.staff.agency.region, **params)]
    return render(request, "qualifications/staff_query.html", {
        "staff": request.staff, "query": params, "searched": searched, "rows": rows,
        "statuses": QualificationStatus.choices,
    })


@require_http_methods(["GET", "POST"])
@_login_as("staff")
def directory_admin(request):
    """特药目录维护: add a drug / institution / doctor, or load a CSV (all rows or none)."""
    region = request.staff.agency.region
    if request.method == "POST":
        if not staff_can(request.staff, "administer"):
            return HttpResponseForbidden("维护特药目录须有「管理员」权限".encode())
        try:
            if "file" in request.FILES:
                upload = request.FILES["file"]
                if upload.size > MAX_FILE_BYTES:
                    raise DomainError(f"文件超过 {MAX_FILE_BYTES // 1024 // 1024}MB")
                count = load_directory_file(region=region, content=upload.read(), actor=request.user.get_username())
                messages.success(request, f"已导入 {count} 行")
            else:
                save_directory_entry(region=region, actor=request.user.get_username(),
                                     **{k: request.POST.get(k, "") for k in (
                                         "drug_name", "generic_name", "disease_code", "disease_name",
                                         "institution_code", "institution_name", "doctor_name",
                                         "doctor_department")})
                messages.success(request, "已保存")
        except DomainError as exc:
            messages.error(request, str(exc))
            return render(request, "qualifications/directory_admin.html",
                          {"staff": request.staff, "header": CSV_HEADER, "form": request.POST,
                           "drugs": drug_directory(region=region, limit=200)}, status=422)
        return redirect("qualifications:directory_admin")
    return render(request, "qualifications/directory_admin.html",
                  {"staff": request.staff, "header": CSV_HEADER, "form": {},
                   "drugs": drug_directory(region=region, limit=200)})


@require_GET
def directory_template(request):
    response = HttpResponse(("\ufeff" + ",".join(CSV_HEADER) + "\n").encode("utf-8"),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="special-drugs.csv"'
    return response


@require_http_methods(["GET", "POST"])
@_login_as("staff")
def review_criteria(request, number: str):
    """The reviewer ticks the disease's entry criteria met (表10), then decides the case on the console."""
    from yibao.cases.handlers import HandlerRefusal, handler_for
    from yibao.cases.selectors import case_for_staff
    from yibao.qualifications.diseases import find_disease
    from yibao.qualifications.handlers import _QualificationHandler
    from yibao.qualifications.models import CriteriaReview
    from yibao.qualifications.services import record_criteria_review

    case = case_for_staff(request.staff, number[:24])
    if case is None:
        raise Http404("未找到该办件")
    handler = handler_for(case.item)
    if not isinstance(handler, _QualificationHandler):
        raise Http404("该办件不是病种待遇核定")
    try:
        fields = handler.parse_fields(case.form_data)
        disease = find_disease(handler.kind, fields.disease_code, case.region.slug)
    except (HandlerRefusal, DomainError) as exc:
        raise Http404(str(exc)) from exc
    status = 200
    if request.method == "POST":
        try:
            record_criteria_review(case=case, staff=request.staff, criteria_met=request.POST.getlist("criteria"),
                                   opinion=request.POST.get("opinion", ""))
        except DomainError as exc:
            messages.error(request, str(exc))
            status = exc.http_status
        else:
            messages.success(request, "已记录认定标准审核结果，请在工作台作出认定或不予认定的决定")
            return redirect("qualifications:review_criteria", number=case.number)
    return render(request, "qualifications/review_criteria.html", {
        "case": case, "disease": disease, "claimed": fields.criteria_met,
        "reviews": CriteriaReview.objects.filter(case_number=case.number),
        "demo_label": disease_file().demo_label}, status=status)


@require_POST
@_login_as("staff")
def terminate(request, pk: int):
    """终止 a qualification of the clerk's region (review role), with a reason."""
    from yibao.qualifications.models import Qualification
    from yibao.qualifications.services import terminate_qualification

    if not staff_can(request.staff, "review"):
        return HttpResponseForbidden("终止待遇资格须有「审核」权限".encode())
    if not Qualification.objects.filter(pk=pk, region=request.staff.agency.region).exists():
        raise Http404("未找到该待遇资格")
    try:
        terminate_qualification(qualification_id=pk, reason=request.POST.get("reason", "").replace("\x00", ""),
                                actor=request.user.get_username())
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已终止该待遇资格")
    return redirect(f"{reverse('qualifications:staff_query')}?status=")
