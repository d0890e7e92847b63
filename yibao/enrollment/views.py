"""Enrollment pages (mounted at /enrollment/): thin views that parse, call one service, render.

- 缴费基数申报（报盘）: a unit logged in to the hall downloads the template,
  uploads the filled file, sees every bad row with its row number, and files a
  ``base_declaration`` case with the checked rows (or only the good ones, when
  it asks to). The uploaded workbook is kept (by its SHA-256) beside the case.
- 我的个人账户: a person's own balance and movements.
- 个人承诺书 (表12) of a death withdrawal, prefilled from the case, for the heir to sign.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from yibao import clock
from yibao.accounts.selectors import person_of, unit_of
from yibao.agencies.pages import to_staff_login
from yibao.agencies.selectors import staff_of
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.selectors import case_for_staff, case_of_applicant
from yibao.cases.services import CaseError, Upload, submit_case
from yibao.catalog.models import Item
from yibao.enrollment.account_selectors import account_summary, movements_of
from yibao.enrollment.baopan import BaopanFileError, read_baopan, rows_pdf, template
from yibao.enrollment.models import DeathDocumentType, DeathVerification, Person, Unit
from yibao.enrollment.selectors import (
    base_declaration_item,
    person_by_id_number,
    workbook_belongs_to,
)
from yibao.enrollment.services.contributions import (
    baopan_rules,
    check_base_declarations,
    record_baopan_upload,
)
from yibao.enrollment.services.deaths import missing_before_payment, record_death_verification
from yibao.enrollment.services.errors import EnrollmentError
from yibao.enrollment.withdrawal_forms import death_commitment_pdf
from yibao.ids import mask_resident_id

SESSION_KEY = "enrollment_baopan"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _login_as(kind: str):
    """Units (kind "unit") or persons ("person") only; others get the hall's 403 page."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind={kind}")
            account = unit_of(request.user) if kind == "unit" else person_of(request.user)
            if account is None:
                message = "本页面仅供参保单位使用，请以单位账号登录" if kind == "unit" else "本页面仅供参保人员使用，请以个人账号登录"
                return render(request, "hall/forbidden.html",
                              {"message": message, "is_staff": staff_of(request.user) is not None}, status=403)
            request.login_account = account
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _years() -> list[int]:
    this_year = clock.today().year
    return [this_year, this_year + 1]


def _declaration_item(unit: Unit) -> Item | None:
    return base_declaration_item(unit)


def _store_workbook(content: bytes, *, uscc: str) -> str:
    digest = hashlib.sha256(content).hexdigest()
    path = f"baopan/{digest[:2]}/{digest}.xlsx"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(content))
    record_baopan_upload(sha256=digest, uscc=uscc, actor=f"u:{uscc}")
    return digest


def _workbook_path(digest: str) -> str:
    return f"baopan/{digest[:2]}/{digest}.xlsx"


@require_GET
def baopan_template(request):
    """The 报盘 template (.xlsx); a logged-in unit gets it prefilled with its employees."""
    try:
        year = int(request.GET.get("year") or clock.today().year)
    except ValueError:
        year = clock.today().year
    if year not in _years():
        year = clock.today().year
    account = unit_of(request.user)
    unit = Unit.objects.filter(uscc=account.uscc).first() if account else None
    response = HttpResponse(template(year=year, unit=unit), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="baopan-{year}.xlsx"'
    return response


def _page(unit: Unit | None, item: Item | None, **extra) -> dict:
    rules = baopan_rules()
    lines = []
    if unit is not None and item is not None:
        situation = Situation(applicant_kind="unit", unit_type=unit.unit_type)
        lines = [line for line in compute_checklist(item.data, situation) if line.name != rules["roster_material"]]
    return {"unit": unit, "item": item, "years": _years(), "year": _years()[0], "errors": [], "good_count": 0,
            "error": "", "checked": False, "other_materials": lines, "base_min": rules["base_min"],
            "base_max": rules["base_max"], "roster_material": rules["roster_material"],
            "phone": unit.contact_phone if unit else "", **extra}


@require_http_methods(["GET", "POST"])
@_login_as("unit")
def baopan(request):
    """Upload → row report → submit: files a 缴费基数申报 case with the checked rows."""
    account = request.login_account
    unit = Unit.objects.select_related("region").filter(uscc=account.uscc).first()
    item = _declaration_item(unit) if unit else None
    if unit is None:
        return render(request, "enrollment/baopan.html",
                      _page(None, None, error="本单位尚未办理参保登记，不能申报缴费基数"), status=400)
    if item is None:
        return render(request, "enrollment/baopan.html", _page(
            unit, None, error=f"{unit.region.name}的事项清单中没有职工医保缴费基数申报事项"), status=400)
    if request.method == "GET":
        return render(request, "enrollment/baopan.html", _page(unit, item))
    if request.POST.get("action") == "submit":
        return _submit(request, unit, item)
    return _check(request, unit, item)


def _check(request, unit: Unit, item: Item):
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    if year not in _years():
        return render(request, "enrollment/baopan.html", _page(
            unit, item, error=f"字段 申报年度：请选择 {'或'.join(str(y) for y in _years())}"), status=400)
    upload = request.FILES.get("baopan")
    if upload is None:
        return render(request, "enrollment/baopan.html", _page(
            unit, item, year=year, error="字段 报盘文件：请选择填好的报盘文件（.xlsx）"), status=400)
    content = upload.read()
    try:
        read = read_baopan(content)
    except BaopanFileError as exc:
        return render(request, "enrollment/baopan.html", _page(unit, item, year=year, error=str(exc)),
                      status=400)
    checked = check_base_declarations(unit=unit, year=year, rows=read.rows)
    errors = sorted(read.errors + checked.errors)
    digest = _store_workbook(content, uscc=unit.uscc)
    request.session[SESSION_KEY] = {"sha256": digest, "name": upload.name[:200], "year": year}
    return render(request, "enrollment/baopan.html", _page(
        unit, item, year=year, checked=True, errors=errors, good_count=len(checked.good),
        file_name=upload.name), status=200)


def _submit(request, unit: Unit, item: Item):
    pending = request.session.get(SESSION_KEY)
    if not pending or not default_storage.exists(_workbook_path(pending["sha256"])):
        return render(request, "enrollment/baopan.html", _page(
            unit, item, error="请先上传报盘文件并查看检查结果，再提交申报"), status=400)
    with default_storage.open(_workbook_path(pending["sha256"])) as stored:
        content = stored.read()
    year = pending["year"]
    # Read and check again: the records may have changed since the report was shown.
    read = read_baopan(content)
    checked = check_base_declarations(unit=unit, year=year, rows=read.rows)
    errors = sorted(read.errors + checked.errors)
    context = {"year": year, "checked": True, "errors": errors, "good_count": len(checked.good),
               "file_name": pending["name"]}
    apply_good = request.POST.get("apply_good") == "1"
    if errors and not (apply_good and checked.good):
        return render(request, "enrollment/baopan.html", _page(
            unit, item, **context,
            error=f"报盘有 {len(errors)} 行不符合条件，未提交任何申报。请改正后重新上传，或勾选「仅申报无误的行」。"),
            status=400)
    rules = baopan_rules()
    position = next((i for i, m in enumerate(item.data.get("materials", [])) if m["name"] == rules["roster_material"]),
                    None)
    uploads: dict[int, list[Upload]] = {}
    if position is not None:
        uploads[position] = [Upload("baopan.pdf", rows_pdf(unit_name=unit.name, uscc=unit.uscc, year=year,
                                                           rows=checked.good))]
    for line in _page(unit, item)["other_materials"]:
        files = request.FILES.getlist(f"material_{line.position}")
        if files:
            uploads[line.position] = [Upload(f.name, f.read()) for f in files]
    good_rows = {g.row for g in checked.good}
    rows = [{"row": r.row, "id_number": r.id_number, "name": r.name, "year": r.year, "base": r.base}
            for r in read.rows if r.row in good_rows]
    try:
        case = submit_case(
            item=item, applicant_kind="unit", applicant_name=unit.name, applicant_id_number=unit.uscc,
            applicant_phone=request.POST.get("phone", "").strip(), channel="online_hall",
            situation={"unit_type": unit.unit_type},
            form_data={"year": year, "rows": rows, "file_name": pending["name"], "file_sha256": pending["sha256"],
                       "skipped_rows": [n for n, _ in errors]},
            uploads=uploads, applicant_user=request.user,
        )
    except CaseError as exc:
        return render(request, "enrollment/baopan.html", _page(unit, item, **context, error=str(exc)),
                      status=400)
    del request.session[SESSION_KEY]
    messages.success(request, f"已提交职工医保缴费基数申报 {len(rows)} 人，办件编号 {case.number}"
                     + (f"；{len(errors)} 行未申报" if errors else ""))
    return redirect("hall:case", case.number)


def _visible_case(request, number: str):
    staff = staff_of(request.user)
    return case_for_staff(staff, number) if staff else case_of_applicant(request.user, number)


@require_GET
def baopan_file(request, number: str):
    """The 报盘 workbook a case was filed with: for the applicant unit and staff who may see the case."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=unit")
    case = _visible_case(request, number)
    if case is None or not case.form_data.get("file_sha256"):
        raise Http404("未找到该办件的报盘文件")
    if not workbook_belongs_to(sha256=case.form_data["file_sha256"], uscc=case.applicant_id_number):
        # A digest the applicant did not upload (filed before ownership was checked): never serve it.
        raise PermissionDenied("该报盘文件不是申请单位上传的，不能下载")
    path = _workbook_path(case.form_data["file_sha256"])
    if not default_storage.exists(path):
        raise Http404("报盘文件已不存在")
    with default_storage.open(path) as stored:
        response = HttpResponse(stored.read(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="baopan-{case.number}.xlsx"'
    return response


@require_GET
def death_commitment(request, number: str):
    """表12 个人承诺书 of a 一次性支取 case (death): the applicant and staff who may see the case."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=person")
    case = _visible_case(request, number)
    if case is None or case.item.data.get("handler") != "account_withdrawal":
        raise Http404("未找到该个人账户一次性支取办件")
    form = case.form_data
    death_date = form.get("death_date")
    pdf = death_commitment_pdf(
        agency_name=case.home_agency.name, heir_name=form.get("heir_name", ""),
        heir_id_number=form.get("heir_id_number", ""), insured_name=form.get("insured_name", ""),
        insured_id_number=form.get("insured_id_number", ""),
        death_date=date.fromisoformat(death_date) if death_date else None,
        phone=form.get("heir_phone", ""), address=form.get("heir_address", ""))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="commitment-{case.number}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
def death_verification(request, number: str):
    """死亡核验: the reviewing clerk records the document that verified a claimed death, and sees
    what still stops the payment."""
    if not request.user.is_authenticated:
        return to_staff_login(request)
    staff = staff_of(request.user)
    case = case_for_staff(staff, number) if staff else None
    if case is None or case.item.data.get("handler") != "account_withdrawal" or not case.form_data.get("death_date"):
        raise Http404("未找到该死亡人员个人账户支取办件")
    person = Person.objects.filter(id_number=case.form_data.get("insured_id_number", "")).first()
    if person is None:
        raise Http404("未找到该办件的参保人")
    error, status = "", 200
    if request.method == "POST":
        try:
            record_death_verification(case=case, person=person, staff=staff,
                                      document_type=request.POST.get("document_type", ""),
                                      document_number=request.POST.get("document_number", "")[:100],
                                      note=request.POST.get("note", "")[:300])
        except EnrollmentError as exc:
            error, status = str(exc), 400
        else:
            messages.success(request, "已登记死亡核验")
            return redirect("enrollment:death_verification", case.number)
    death_date = person.death_date or date.fromisoformat(case.form_data["death_date"])
    return render(request, "enrollment/death_verification.html", {
        "case": case, "person": person, "error": error, "document_types": DeathDocumentType.choices,
        "verification": DeathVerification.objects.filter(case_number=case.number).first(),
        "missing": missing_before_payment(case_number=case.number, person=person, death_date=death_date),
    }, status=status)


@require_GET
@_login_as("person")
def my_account(request):
    """我的个人账户: balance, status and movements of the logged-in person's own account."""
    account = request.login_account
    found = person_by_id_number(account.id_number)
    person = {"id": found.pk, "name": found.name, "id_number": found.id_number} if found else None
    summary = account_summary(person["id"]) if person else None
    return render(request, "enrollment/my_account.html", {
        "person": person, "masked_id": mask_resident_id(account.id_number), "account": summary,
        "movements": movements_of(person["id"]) if summary else [],
    })
