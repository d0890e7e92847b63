"""Pages of the rules domain (thin views): the console's parameter timelines and dated additions,
and the public 试算 page.

试算 is public (no login): it files nothing, stores nothing and reads no one's data — only what
is typed or uploaded — so asking for a login would only keep citizens from checking what a bill
would cost them before they apply. The upload goes through the workbook guard and size cap.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yibao import clock
from yibao.agencies.models import Role
from yibao.agencies.pages import refuse, to_staff_login
from yibao.agencies.selectors import staff_of, staff_roles
from yibao.errors import DomainError
from yibao.rules import lines_upload, selectors, services, trial
from yibao.rules.calculator import AID_CATEGORIES, HOSPITAL_LEVELS, MED_TYPES
from yibao.rules.parameters import DEMO_NOTE, regions

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _staff_or_refuse(request):
    if not request.user.is_authenticated:
        return None, to_staff_login(request)
    staff = staff_of(request.user)
    if staff is None or not staff.is_active:
        return None, refuse(request, "政策参数页仅限在岗经办人员查看")
    return staff, None


def _region(request, staff) -> str:
    wanted = request.GET.get("region") or staff.agency.region.slug
    return wanted if wanted in regions() else staff.agency.region.slug


@require_GET
def parameters(request):
    staff, refusal = _staff_or_refuse(request)
    if refusal:
        return refusal
    region = _region(request, staff)
    on = clock.today()
    roles = staff_roles(staff)
    return render(request, "rules/parameters.html", {
        "staff": staff, "role_labels": [label for value, label in Role.choices if value in roles],
        "region": region, "region_name": trial.REGION_NAMES.get(region, region),
        "regions": [(r, trial.REGION_NAMES.get(r, r)) for r in regions()],
        "timelines": selectors.parameter_timelines(region, on=on), "today": on, "demo_note": DEMO_NOTE,
        "may_change": services.may_change_rules(staff, region),
    })


@require_POST
def add_value(request, region: str, parameter: str, series: int):
    staff, refusal = _staff_or_refuse(request)
    if refusal:
        return refusal
    if region not in regions():
        return HttpResponse("没有这个统筹区".encode(), status=404)
    post = request.POST
    back = f"{reverse('rules:parameters')}?region={region}#{parameter}"
    try:
        effective = _date(post.get("effective", ""), "施行日期", "effective")
        issued_text = post.get("reference_issued", "").strip()
        issued = _date(issued_text, "成文日期", "reference_issued") if issued_text else None
        services.add_parameter_value(
            staff=staff, region=region, parameter=parameter, series_index=series, effective=effective,
            value=post.get("value", ""), reference_number=post.get("reference_number", ""),
            reference_title=post.get("reference_title", ""), reference_article=post.get("reference_article", ""),
            reference_issued=issued, note=post.get("note", ""))
    except DomainError as exc:
        messages.error(request, f"未添加：{exc}")
        return redirect(back) if exc.http_status != 403 else HttpResponseForbidden(str(exc).encode())
    messages.success(request, f"已添加 {parameter} 自 {effective} 起的取值")
    return redirect(back)


def _date(text: str, label: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        from yibao.rules.errors import InvalidParameterValue

        raise InvalidParameterValue(f"{label}须为日期，如 2026-01-01", field=field) from exc


def _trial_context(form, result=None, error="", lines=None):
    return {
        "form": form, "result": result, "error": error, "lines": lines, "demo_note": DEMO_NOTE,
        "regions": [(r, trial.REGION_NAMES.get(r, r)) for r in regions()],
        "med_types": sorted(MED_TYPES.items()), "levels": HOSPITAL_LEVELS, "aid_categories": AID_CATEGORIES,
        "max_lines": lines_upload.MAX_LINES,
    }


@require_http_methods(["GET", "POST"])
def trial_page(request):
    if request.method == "GET":
        form = {"region": "taiyuan", "insurance_type": "310", "person_category": "在职", "med_type": "21",
                "hospital_level": "三级", "care_date": clock.today().isoformat(), "referral": "1"}
        return render(request, "rules/trial.html", _trial_context(form))
    post = request.POST
    form = {k: post.get(k, "") for k in ("region", "insurance_type", "person_category", "med_type",
                                         "hospital_level", "care_date", "aid_category", "amount_a", "amount_b",
                                         "amount_c", "deductible_used", "fund_paid", "offsite",
                                         "filing_in_force", "emergency", "referral")}
    data = trial.TrialInput(
        region=form["region"], insurance_type=form["insurance_type"], person_category=form["person_category"],
        med_type=form["med_type"], hospital_level=form["hospital_level"], care_date=form["care_date"],
        offsite=bool(form["offsite"]), filing_in_force=bool(form["filing_in_force"]),
        emergency=bool(form["emergency"]), referral=bool(form["referral"]), aid_category=form["aid_category"],
        amount_a=form["amount_a"], amount_b=form["amount_b"], amount_c=form["amount_c"],
        deductible_used=form["deductible_used"], fund_paid=form["fund_paid"])
    lines = None
    try:
        upload = request.FILES.get("lines")
        if upload is not None:
            if upload.size > lines_upload.CAPS.max_bytes:
                raise lines_upload.LinesRefused(["文件超过 2 MB，请分开试算"])
            lines = lines_upload.parse_lines(upload.read())
        result = trial.run_trial(data, lines=lines)
    except DomainError as exc:
        return render(request, "rules/trial.html", _trial_context(form, error=str(exc)), status=422)
    return render(request, "rules/trial.html", _trial_context(form, result=result, lines=lines))


@require_GET
def lines_template(request):
    response = HttpResponse(lines_upload.template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E8%B4%B9%E7%94%A8%E6%98%8E%E7%BB%86%E6%B8%85%E5%8D%95%E6%A8%A1%E6%9D%BF.xlsx"
    return response
