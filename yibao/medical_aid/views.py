"""Pages of medical aid: the person's own aid (hall) and the staff's programmes (import, approve, pay, totals)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yibao.accounts.selectors import person_of
from yibao.agencies.pages import staff_page
from yibao.enrollment.selectors import person_by_id_number
from yibao.errors import DomainError
from yibao.medical_aid import selectors, services

MAX_UPLOAD = services.CAPS.max_bytes
# Who may do what on a programme (roles of yibao.agencies.models.Role).
ROLES = {"import": {"review"}, "approve": {"second_review", "supervise"}, "pay": {"pay"}}


def _roles(staff) -> set[str]:
    return {r.role for r in staff.roles.all()}


staff_only = staff_page("本页面仅限在岗经办人员使用")


@require_GET
def my_aid(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=person")
    account = person_of(request.user)
    if account is None:
        return HttpResponseForbidden("本页面仅限参保人员本人使用".encode())
    person = person_by_id_number(account.id_number)
    aid = selectors.aid_of_person(person) if person else {"subsidies": [], "reimbursements": []}
    return render(request, "medical_aid/my_aid.html", {"aid": aid, "name": account.name})


@staff_only
@require_http_methods(["GET", "POST"])
def programmes(request):
    staff = request.staff
    if request.method == "POST":
        if not _roles(staff) & ROLES["import"]:
            return HttpResponseForbidden("创建资助计划须有审核角色".encode())
        try:
            year = int((request.POST.get("year") or "").strip())
        except ValueError:
            messages.error(request, "字段 参保年度：请输入四位年份")
            return redirect("medical_aid:programmes")
        try:
            programme = services.create_programme(region=staff.agency.region, year=year, actor=request.user.username)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("medical_aid:programmes")
        return redirect("medical_aid:programme", programme.pk)
    return render(request, "medical_aid/programmes.html",
                  {"programmes": selectors.programmes_for_staff(staff), "staff": staff})


def _programme(request, pk: int):
    programme = selectors.programme_for_staff(request.staff, pk)
    if programme is None:
        raise Http404("未找到资助计划")
    return programme


@staff_only
@require_GET
def programme(request, pk: int):
    programme = _programme(request, pk)
    return render(request, "medical_aid/programme.html", {
        "programme": programme, "totals": selectors.programme_totals(request.staff, programme),
        "roles": _roles(request.staff), "categories": services.parameters.categories(),
        "columns": services.COLUMNS})


@staff_only
@require_POST
def programme_action(request, pk: int, action: str):
    programme = _programme(request, pk)
    needed = ROLES["import" if action in ("import", "submit") else action] if action in (
        "import", "submit", "approve", "pay") else None
    if needed is None:
        raise Http404("未知操作")
    if not _roles(request.staff) & needed:
        return HttpResponseForbidden("您没有此操作的角色".encode())
    actor = request.user.username
    try:
        if action == "import":
            upload = request.FILES.get("file")
            if upload is None:
                raise services.AidError("字段 名单文件：请选择救助对象名单（.xlsx）")
            if upload.size > MAX_UPLOAD:
                raise services.AidError(f"字段 名单文件：不能超过 {MAX_UPLOAD // 1024 // 1024} MB")
            result = services.import_recipients(programme=programme, content=upload.read(), actor=actor)
            messages.success(request, f"已导入 {result.rows} 名救助对象")
        elif action == "submit":
            services.submit_programme(programme=programme, actor=actor)
            messages.success(request, "已提交审批")
        elif action == "approve":
            services.approve_programme(programme=programme, actor=actor)
            messages.success(request, "已审批")
        else:
            run = services.pay_programme(programme=programme, actor=actor)
            messages.success(request, f"已支付：退费 {run.refunded} 人，抵缴 {run.credited} 人，"
                                      f"待本人申请退费 {run.waiting} 人，不予资助 {run.not_insured} 人")
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("medical_aid:programme", programme.pk)


@staff_only
@require_GET
def programme_export(request, pk: int):
    programme = _programme(request, pk)
    response = HttpResponse(selectors.totals_workbook(request.staff, programme),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="aid-{programme.region.slug}-{programme.year}.xlsx"'
    return response
