"""Pages of 异地就医备案 (thin views: parse, call one service or selector, render).

- 我的异地备案 (a logged-in person): their filings, cancel, form 表9;
- 单位批量备案 (a logged-in unit): 花名表 template and import, submitted as a case;
- 备案查询 (staff): filings of the clerk's region by ID number, destination, category, day.
"""

from __future__ import annotations

from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yibao import clock
from yibao.accounts.selectors import person_of, unit_of
from yibao.agencies.selectors import staff_of
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.services import CaseError, Upload, submit_case
from yibao.catalog.selectors import (
    CatalogNotLoaded,
    current_version,
    get_item,
    regions_with_catalog,
)
from yibao.documents.reference_forms import render_reference_form
from yibao.enrollment.models import InsuranceType, Person
from yibao.enrollment.selectors import person_by_id_number
from yibao.ids import mask_resident_id
from yibao.offsite.models import FilingCategory
from yibao.offsite.roster import RosterFileError, check_roster_file, roster_pdf, template
from yibao.offsite.rules import category_rule, filing_rules, item_rule
from yibao.offsite.selectors import (
    StaffQuery,
    active_filings_of,
    filing_for_person,
    filing_for_staff,
    filings_for_staff,
    filings_of_person,
)
from yibao.offsite.services import FilingError, cancel_filing

PAGE_LIMIT = 200
INSURANCE_FORM = {"310": "职工医保", "390": "城乡居民医保"}
# 险种 codes as people read them ("310" → 职工基本医疗保险).
INSURANCE_LABELS = dict(InsuranceType.choices)


def _login_as(kind: str):
    """Only a logged-in person / unit / staff member: others are sent to log in or refused."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind={kind}")
            if kind == "person":
                request.person_account = person_of(request.user)
                allowed = request.person_account is not None
            elif kind == "unit":
                request.unit_account = unit_of(request.user)
                allowed = request.unit_account is not None
            else:
                request.staff = staff_of(request.user)
                allowed = request.staff is not None and request.staff.is_active
            if not allowed and kind == "person" and request.method == "GET":
                # One menu entry serves everyone: units go to the 花名表 page, clerks to the query.
                if unit_of(request.user) is not None:
                    return redirect("offsite:batch")
                if (staff := staff_of(request.user)) is not None and staff.is_active:
                    return redirect("offsite:staff_query")
            if not allowed:
                return HttpResponseForbidden({"person": "本页面仅限参保人员本人使用", "unit": "本页面仅限参保单位使用",
                                              "staff": "本页面仅限在岗经办人员使用"}[kind].encode())
            return view(request, *args, **kwargs)
        return wrapper
    return decorate


def _enrolled(account) -> Person | None:
    return person_by_id_number(account.id_number)


# --- 我的异地备案 -------------------------------------------------------------------------

@require_GET
@_login_as("person")
def my_filings(request):
    person = _enrolled(request.person_account)
    today = clock.today()
    return render(request, "offsite/my_filings.html", {
        "account": request.person_account, "masked_id": mask_resident_id(request.person_account.id_number),
        "active": active_filings_of(person, today=today) if person else [],
        "history": filings_of_person(person)[:PAGE_LIMIT] if person else [],
        "regions": regions_with_catalog(),
    })


@require_POST
@_login_as("person")
def cancel(request, number: str):
    person = _enrolled(request.person_account)
    filing = filing_for_person(person, number) if person else None
    if filing is None:
        raise Http404("未找到该备案")
    try:
        cancel_filing(filing=filing, actor=request.user.get_username(), person=person,
                      reason=request.POST.get("reason", "").strip() or "本人在线取消")
    except FilingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"备案 {filing.number} 已取消")
    return redirect("offsite:mine")


def form9_values(filing) -> dict:
    """表9 异地就医登记备案表, filled from a filing."""
    person = filing.person
    return {
        "name": person.name, "sex": person.get_sex_display(),
        "insurance_type": INSURANCE_FORM.get(filing.insurance_type, ""),
        "person_category": category_rule(filing.category).form_category,
        "registration_category": "变更" if filing.supersedes_id else "新增",
        "social_security_number": person.id_number, "home_address": person.address,
        "offsite_address": filing.offsite_address, "phone_1": person.phone, "phone_2": filing.phone,
        "destination_province": filing.destination_province_name,
        "destination_prefecture": filing.destination_city_name,
        "fill_date": timezone.localtime(filing.created_at).date(),
    }


@require_GET
def form9(request, number: str):
    """表9 of a filing, for its person or a clerk of its region."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=person")
    filing = None
    if account := person_of(request.user):
        person = _enrolled(account)
        filing = filing_for_person(person, number) if person else None
    elif (staff := staff_of(request.user)) is not None and staff.is_active:
        filing = filing_for_staff(staff, number)
    if filing is None:
        raise Http404("未找到该备案")
    pdf = render_reference_form("表9", values=form9_values(filing))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filing.number}.pdf"'
    return response


# --- 备案查询 (staff) --------------------------------------------------------------------------

def parse_staff_query(data) -> StaffQuery:
    """The query form; raise ``ValueError`` naming the field."""
    category = data.get("category", "").strip()
    if category and category not in FilingCategory.values:
        raise ValueError(f"字段 人员类别：「{category}」无效")
    on_text = data.get("on", "").strip()
    try:
        on = date.fromisoformat(on_text) if on_text else None
    except ValueError:
        raise ValueError(f"字段 有效日期：「{on_text}」不是有效日期，格式如 2026-03-01") from None
    return StaffQuery(id_number=data.get("id_number", "").strip()[:18], destination=data.get("destination", "").strip()[:30],
                      category=category, on=on)


@require_GET
@_login_as("staff")
def staff_query(request):
    context = {"staff": request.staff, "categories": FilingCategory.choices, "rows": [], "error": "",
               "query": request.GET, "searched": bool(request.GET)}
    status = 200
    if request.GET:
        try:
            query = parse_staff_query(request.GET)
        except ValueError as exc:
            context["error"], status = str(exc), 400
        else:
            context["rows"] = [{"filing": f, "masked_id": mask_resident_id(f.person.id_number),
                                "insurance_type": INSURANCE_LABELS.get(f.insurance_type, f.insurance_type)}
                               for f in filings_for_staff(request.staff, query)[:PAGE_LIMIT]]
    return render(request, "offsite/staff_query.html", context, status=status)


# --- 单位批量备案 (花名表) ------------------------------------------------------------------------

def _batch_items() -> list:
    """Current items of every city on which a unit may file a 花名表 (data: ``batch_situation``)."""
    found = []
    for city, items in filing_rules().items.items():
        try:
            version = current_version(city)
        except CatalogNotLoaded:
            continue
        for key, rule in items.items():
            item = get_item(version, key) if rule.batch_situation else None
            if item is not None:
                found.append(item)
    return found


def _batch_item(city: str, key: str):
    try:
        item = get_item(current_version(city), key)
    except CatalogNotLoaded as exc:
        raise Http404(str(exc)) from exc
    rule = item_rule(item) if item else None
    if rule is None or not rule.batch_situation:
        raise Http404("该事项不办理单位批量备案")
    return item, rule


@require_GET
def batch_template(request, city: str, key: str):
    item, rule = _batch_item(city, key)
    title = rule.roster_material.strip("《》") or f"{item.name}花名表"
    response = HttpResponse(template(title=title, rule=rule),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename=\"roster.xlsx\""
    return response


def _other_materials(item, rule) -> list:
    situation = Situation(applicant_kind="unit", situations=[rule.batch_situation])
    return [line for line in compute_checklist(item.data, situation) if line.name != rule.roster_material]


@require_http_methods(["GET", "POST"])
@_login_as("unit")
def batch(request):
    unit = request.unit_account
    context = {"unit": unit, "items": _batch_items(), "errors": [], "error": "", "good_count": 0,
               "chosen": "", "chosen_item": None}
    chosen = (request.POST if request.method == "POST" else request.GET).get("item", "")
    if not chosen:
        return render(request, "offsite/batch.html", context)
    city, _, key = chosen.partition("/")
    item, rule = _batch_item(city, key)
    context.update(chosen=f"{city}/{key}", chosen_item=item, roster_material=rule.roster_material,
                   other_materials=_other_materials(item, rule))
    if request.method == "GET":
        return render(request, "offsite/batch.html", context)
    upload = request.FILES.get("roster")
    if upload is None:
        context["error"] = "字段 花名表：请选择填好的花名表文件（.xlsx）"
        return render(request, "offsite/batch.html", context, status=400)
    content = upload.read()
    try:
        good, errors = check_roster_file(content=content, rule=rule, region=item.version.region,
                                         unit_uscc=unit.uscc, today=clock.today())
    except RosterFileError as exc:
        context["error"] = str(exc)
        return render(request, "offsite/batch.html", context, status=400)
    apply_good = request.POST.get("apply_good") == "1"
    context.update(errors=errors, good_count=len(good))
    if errors and not (apply_good and good):
        context["error"] = (f"花名表有 {len(errors)} 行不符合条件，未提交任何备案。"
                            "请改正后重新上传，或勾选「仅办理无误的行」。")
        return render(request, "offsite/batch.html", context, status=400)
    roster_position = next((i for i, m in enumerate(item.data.get("materials", []))
                            if m["name"] == rule.roster_material), None)
    # The engine keeps scans (PDF/JPG/PNG): the checked 花名表 travels with the case as a PDF.
    pdf = roster_pdf(title=rule.roster_material.strip("《》"), unit_name=unit.name, rows=good)
    uploads = {roster_position: [Upload("roster.pdf", pdf)]} if roster_position is not None else {}
    for line in _other_materials(item, rule):
        files = request.FILES.getlist(f"material_{line.position}")
        if files:
            uploads[line.position] = [Upload(f.name, f.read()) for f in files]
    try:
        case = submit_case(
            item=item, applicant_kind="unit", applicant_name=unit.name, applicant_id_number=unit.uscc,
            applicant_phone=request.POST.get("phone", "").strip(), channel="online_hall",
            situation={"situations": [rule.batch_situation]},
            form_data={"roster": [row.model_dump(mode="json") for row in good]},
            uploads=uploads, applicant_user=request.user,
        )
    except CaseError as exc:
        context["error"] = str(exc)
        return render(request, "offsite/batch.html", context, status=400)
    messages.success(request, f"已提交批量备案 {len(good)} 人，办件编号 {case.number}"
                     + (f"；{len(errors)} 行未办理" if errors else ""))
    return redirect("hall:case", case.number)
