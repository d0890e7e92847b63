"""Who may open a clerk's page: one guard for every app's staff pages (the API has ``yibao.api.callers``)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.urls import reverse

from yibao.agencies.selectors import staff_of


def to_staff_login(request) -> HttpResponse:
    """Send an anonymous visitor to the staff login, back here afterwards."""
    return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=staff")


def refuse(request, message: str, *, page: bool = False) -> HttpResponse:
    """403 with ``message`` in Chinese: as the site's forbidden page when ``page``, else as plain text."""
    if page:
        return render(request, "hall/forbidden.html", {"message": message}, status=403)
    return HttpResponseForbidden(message.encode())


def staff_page(message: str, *, page: bool = False):
    """Decorate a page for active clerks: anonymous visitors go to the staff login, any other login
    gets 403 with ``message``; the view finds the clerk (agency, window, roles) on ``request.staff``."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return to_staff_login(request)
            staff = staff_of(request.user)
            if staff is None or not staff.is_active:
                return refuse(request, message, page=page)
            request.staff = staff
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
