"""Pages of 好差评: the applicant's rating form, the 科长's follow-ups, statistics."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from yibao import clock
from yibao.agencies.models import Role
from yibao.agencies.selectors import staff_can, staff_of
from yibao.cases.selectors import case_of_applicant
from yibao.evaluations import selectors, services
from yibao.evaluations.models import FollowUpStatus, Level
from yibao.ledger.supervision import InvalidPeriod, may_supervise, parse_period, scope_for_user


@login_required
@require_http_methods(["GET", "POST"])
def rate(request, case_number: str):
    case = case_of_applicant(request.user, case_number)
    if case is None:
        raise Http404("没有这个办件")
    evaluation = selectors.evaluation_of_case(case)
    context = {"case": case, "evaluation": evaluation, "levels": Level.choices,
               "rateable": case.status in services.RATEABLE, "error": "",
               "chosen": "", "comment": "", "comment_max": services.COMMENT_MAX}
    if request.method == "POST" and evaluation is None:
        context["chosen"] = request.POST.get("level", "")
        context["comment"] = request.POST.get("comment", "")
        try:
            services.rate_case(case=case, user=request.user, level=context["chosen"],
                               comment=context["comment"], channel="online_hall")
        except services.EvaluationError as exc:
            context["error"] = str(exc)
            return render(request, "evaluations/rate.html", context, status=400)
        return redirect("evaluations:rate", case_number=case.number)
    return render(request, "evaluations/rate.html", context)


def _supervisor(request):
    staff = staff_of(request.user)
    if not may_supervise(staff):
        raise PermissionDenied("只有科长或管理员可以查看差评整改")
    return staff


@login_required
def follow_ups(request):
    staff = _supervisor(request)
    status = request.GET.get("status", "")
    if status not in ("", *FollowUpStatus.values):
        status = ""
    rows = selectors.follow_ups_for_staff(staff, status=status)
    return render(request, "evaluations/follow_ups.html",
                  {"staff": staff, "rows": rows, "status": status, "statuses": FollowUpStatus.choices})


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request, pk: int):
    staff = _supervisor(request)
    item = selectors.follow_up_for_staff(staff, pk)
    if item is None:
        raise Http404("没有这个差评整改任务")
    context = {"staff": staff, "follow_up": item, "overdue": item.is_overdue(clock.today()),
               "may_close": item.status == FollowUpStatus.OPEN and item.home_agency_id == staff.agency_id
               and staff_can(staff, Role.SUPERVISE),
               "error": "", "callback_note": "", "rectification_note": ""}
    if request.method == "POST":
        context["callback_note"] = request.POST.get("callback_note", "")
        context["rectification_note"] = request.POST.get("rectification_note", "")
        try:
            services.close_follow_up(follow_up=item, staff=staff, callback_note=context["callback_note"],
                                     rectification_note=context["rectification_note"])
        except services.EvaluationError as exc:
            context["error"] = str(exc)
            return render(request, "evaluations/follow_up.html", context, status=400)
        return redirect("evaluations:follow_up", pk=item.pk)
    return render(request, "evaluations/follow_up.html", context)


@login_required
def stats(request):
    scope = scope_for_user(request.user)  # LedgerForbidden is a PermissionDenied → 403
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"), today=clock.today())
    except InvalidPeriod as exc:
        return render(request, "evaluations/stats.html",
                      {"error": str(exc), "scope": scope, "levels": Level.choices,
                       "start": request.GET.get("start", ""), "end": request.GET.get("end", "")}, status=400)
    result = selectors.evaluation_stats(scope=scope, start=start, end=end)
    return render(request, "evaluations/stats.html",
                  {"stats": result, "total_rows": [result.total], "scope": scope, "levels": Level.choices, "start": start.isoformat(),
                   "end": end.isoformat(), "error": ""})
