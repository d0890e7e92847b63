"""The public verification page: anyone can check a printed document's code.

Also a case's documents: what its 办结 issued, and the reference forms
prefilled from it — for the applicant of the case and the clerks who may see it.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from yibao.documents.case_documents import case_visible_to, result_document
from yibao.documents.prefill import PrefillError, render_case_form
from yibao.documents.reference_forms import ReferenceFormError
from yibao.documents.selectors import content_matches, document_by_code
from yibao.documents.verification import group_code, normalize_code

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
NOT_FOUND = "未找到该验证码，文书可能是伪造的"


@require_http_methods(["GET"])
def verify(request):
    """Form: type the code printed on the document."""
    raw = request.GET.get("code", "").strip()
    if raw:
        code = normalize_code(raw)
        if code is not None:
            return redirect("documents:verify_code", code=code)
        return render(request, "documents/verify.html",
                      {"typed": raw, "error": "验证码应为16位字母和数字（如 ABCD-EFGH-JKMN-PQRS），请核对后重新输入"})
    return render(request, "documents/verify.html", {})


def _check_upload(document, upload) -> tuple[str, str]:
    """(outcome, message) for an uploaded PDF; the file is hashed and dropped, never stored."""
    if upload.size > MAX_UPLOAD_BYTES:
        return "error", "文件超过 10 MB，无法比对"
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        return "error", "只能上传 PDF 文件"
    if content_matches(document, upload.chunks()):
        return "match", "文件内容与登记一致"
    return "mismatch", "文件内容与登记不一致，文件可能被修改过"


@require_http_methods(["GET", "POST"])
def verify_code(request, code: str):
    document = document_by_code(code)
    if document is None:
        return render(request, "documents/verify.html",
                      {"typed": code, "not_found": NOT_FOUND}, status=404)
    if normalize_code(code) != code:  # a hand-typed form of the code: show the canonical address
        return redirect("documents:verify_code", code=document.code)
    context = {"document": document, "display_code": group_code(document.code)}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("pdf")
        if upload is None:
            context.update(outcome="error", outcome_message="请选择要比对的 PDF 文件")
            status = 400
        else:
            outcome, message = _check_upload(document, upload)
            context.update(outcome=outcome, outcome_message=message)
            status = 400 if outcome == "error" else 200
    return render(request, "documents/verify.html", context, status=status)


# --- a case's documents ----------------------------------------------------------------------

def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename={filename}"
    response["Cache-Control"] = "private, no-store"
    return response


def _visible_case(request, number: str):
    case = case_visible_to(request.user, number)
    if case is None:  # another person's or unit's case answers as if it did not exist
        raise Http404("未找到该办件")
    return case


@require_GET
def case_document(request, number: str, code: str):
    """A document issued at the case's 办结 (参保凭证, 缴费记录 …), the very bytes registered."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=person")
    case = _visible_case(request, number)
    found = result_document(case, code)
    if found is None:
        raise Http404("该办件没有这份文书")
    document, content = found
    return _pdf(content, f"{document.code}.pdf")


@require_GET
def case_form(request, number: str, form_number: str):
    """表N prefilled from the case."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=person")
    case = _visible_case(request, number)
    try:
        content = render_case_form(case, form_number)
    except PrefillError as exc:
        raise Http404(str(exc)) from exc
    except ReferenceFormError as exc:  # a value the form cannot hold: say which, print nothing
        return HttpResponse(f"无法预填{form_number}：{exc}", status=400, content_type="text/plain; charset=utf-8")
    return _pdf(content, f"{case.number}-form{form_number.removeprefix('表')}.pdf")
