"""The unit's page of maternity benefits paid to it, which it must pass on to the employees."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from yibao.accounts.selectors import unit_of
from yibao.ids import mask_resident_id
from yibao.maternity.selectors import passed_on_by_unit


@require_GET
def unit_pass_on(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=unit")
    account = unit_of(request.user)
    if account is None:
        return HttpResponseForbidden("本页面仅限参保单位使用".encode())
    rows = [{"case_number": b.case_number, "kind": b.get_kind_display(), "name": b.person.name,
             "id_number": mask_resident_id(b.person.id_number), "event_date": b.event_date, "amount": b.amount,
             "status": b.payment.get_status_display()} for b in passed_on_by_unit(account.uscc)[:500]]
    return render(request, "maternity/unit_pass_on.html", {"rows": rows, "unit_name": account.name})
