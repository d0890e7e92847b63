"""Login, logout and registration pages (thin: parse, call a service, render)."""

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from yibao.accounts import identity, selectors, services
from yibao.accounts.forms import (
    IDENTIFIER_LABELS,
    LoginForm,
    PhoneChangeForm,
    RegisterForm,
    WindowActivationForm,
)
from yibao.accounts.models import LOGIN_CHOICES, LOGIN_KIND_LABELS, LoginKind
from yibao.agencies.models import Role
from yibao.agencies.selectors import staff_can, staff_of
from yibao.api import auth as api_auth


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


def _landing(kind: str, user) -> str:
    """Where a login lands without ?next=: persons and units in the hall, clerks at the console."""
    if kind == LoginKind.STAFF:
        if user.is_superuser and not selectors.is_staff_member(user):
            return "admin:index"
        return "console:todo"
    return "hall:index"


@require_http_methods(["GET", "POST"])
def login_view(request):
    kind = request.POST.get("kind") or request.GET.get("kind") or LoginKind.PERSON
    if kind not in LOGIN_KIND_LABELS:
        kind = LoginKind.PERSON
    form = LoginForm(request.POST or None, kind=kind, initial={"kind": kind})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.authenticate_account(
                    kind=form.cleaned_data["kind"], identifier=form.cleaned_data["identifier"],
                    password=form.cleaned_data["password"], request=request,
                )
            except services.AccountError as exc:
                form.add_error("identifier" if exc.field in ("identifier", "kind") else None,
                               exc.message)
            else:
                auth_login(request, user)
                return redirect(_next_url(request) or _landing(form.cleaned_data["kind"], user))
        status = 400
    tabs = [{"kind": k, "label": label, "active": k == kind,
             "identifier_label": IDENTIFIER_LABELS[k]} for k, label in LOGIN_CHOICES]
    return render(request, "accounts/login.html",
                  {"form": form, "tabs": tabs, "kind": kind, "next": _next_url(request)},
                  status=status)


@require_http_methods(["GET", "POST"])
def logout_view(request):
    if request.method == "POST":
        if request.user.is_authenticated:
            services.record_logout(user=request.user)
        auth_logout(request)
        return redirect("accounts:login")
    return render(request, "accounts/logout.html")


@require_http_methods(["GET", "POST"])
def register_view(request):
    kind = request.POST.get("kind") or request.GET.get("kind") or LoginKind.PERSON
    if kind not in (LoginKind.PERSON, LoginKind.UNIT):
        kind = LoginKind.PERSON
    sending = request.POST.get("action") == "send_code"
    form = RegisterForm(request.POST or None, kind=kind, sending=sending)
    status, sent = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                if sending:
                    sent = services.request_registration_code(
                        kind=kind, identifier=data["identifier"], name=data["name"], actor="self-registration")
                    status = 200
                elif kind == LoginKind.UNIT:
                    services.register_unit(uscc=data["identifier"], name=data["name"], code=data["code"],
                                           password=data["password"], actor="self-registration")
                else:
                    services.register_person(id_number=data["identifier"], name=data["name"], code=data["code"],
                                             password=data["password"], actor="self-registration")
            except services.AccountError as exc:
                field = "identifier" if exc.field in ("id_number", "uscc") else exc.field
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                if not sending:
                    return render(request, "accounts/registered.html",
                                  {"identifier": data["identifier"], "kind": kind})
    return render(request, "accounts/register.html",
                  {"form": form, "kind": kind, "sent": sent,
                   "title": "单位注册" if kind == LoginKind.UNIT else "个人注册"}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def phone_view(request):
    """更换手机号码: a code is texted to the new phone; typing it back puts it on the account."""
    account = selectors.person_of(request.user)
    if account is None:
        unit = selectors.unit_of(request.user)
        if unit is None:
            return render(request, "accounts/phone.html", {"error": "只有个人和单位账号可以在此获取更换手机号码的验证码"},
                          status=403)
        return _unit_phone_code(request, unit)
    sending = request.POST.get("action") == "send_code"
    form = PhoneChangeForm(request.POST or None)
    status, sent, done = 200, None, False
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                if sending:
                    sent = services.request_phone_change_code(account=account, new_phone=data["phone"],
                                                              actor=request.user.get_username())
                elif not data["code"]:
                    form.add_error("code", "请填写短信验证码")
                else:
                    account = services.change_account_phone(account=account, new_phone=data["phone"],
                                                            code=data["code"], actor=request.user.get_username())
                    done = True
            except services.AccountError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                status = 200 if (sent or done) else 400
    return render(request, "accounts/phone.html",
                  {"form": form, "account": account, "sent": sent, "done": done}, status=status)


def _unit_phone_code(request, unit):
    """A unit proves its new 经办人 phone: the code texted to it goes into 单位参保信息变更."""
    form = PhoneChangeForm(request.POST or None)
    status, sent = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                sent = services.request_unit_phone_change_code(account=unit, new_phone=form.cleaned_data["phone"],
                                                               actor=request.user.get_username())
                status = 200
            except services.AccountError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "accounts/phone.html", {"form": form, "unit": unit, "sent": sent}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def activation_view(request):
    """窗口实名激活: a clerk (accept role) checks the ID card in person and prints an activation code."""
    staff = staff_of(request.user)
    if not staff_can(staff, Role.ACCEPT):
        return render(request, "accounts/activation.html",
                      {"denied": "只有具有「受理」权限的经办人员可以办理实名激活"}, status=403)
    form = WindowActivationForm(request.POST or None)
    status, issued = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = identity.normalise_claim(kind=data["kind"], identifier=data["identifier"], name=data["name"])
                issued = identity.issue_window_activation(claim=claim, staff=staff, phone=data["phone"],
                                                          document_checked=data["document_checked"])
            except identity.IdentityError as exc:
                field = "identifier" if exc.field in ("id_number", "uscc") else exc.field
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                status = 200
    return render(request, "accounts/activation.html",
                  {"form": form, "issued": issued, "staff": staff}, status=status)


@login_required
def me(request):
    return render(request, "accounts/me.html",
                  {"account": selectors.current_account(request.user)})


@login_required
def tokens(request):
    """The API tokens of the logged-in user (one per phone or WeChat login), with revoke buttons."""
    rows = [{"token": t, "expires": api_auth.expires_at(t)} for t in api_auth.tokens_of(request.user)]
    return render(request, "accounts/tokens.html", {"rows": rows})


@login_required
@require_http_methods(["POST"])
def revoke_token(request, token_id: int):
    try:
        token = api_auth.revoke_token_of(user=request.user, token_id=token_id,
                                         actor=request.user.get_username())
    except api_auth.TokenNotFound as exc:
        raise Http404(exc.message) from exc
    messages.success(request, f"令牌 {token.prefix}… 已注销")
    return redirect("accounts:tokens")
