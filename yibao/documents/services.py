"""Writes on issued documents: issue (with a fresh verification code) and revoke."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from yibao.audit.services import record_audit
from yibao.documents.models import DocumentKind, IssuedDocument
from yibao.documents.verification import generate_code, normalize_code, verify_url
from yibao.errors import DomainError

PdfBuilder = Callable[[str, str], bytes]
CODE_ATTEMPTS = 8


class DocumentError(DomainError):
    """A document action refused, with a message for the user."""

    code = "document_refused"


def _reserve(**fields) -> IssuedDocument:
    for _ in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                return IssuedDocument.objects.create(code=generate_code(), **fields)
        except IntegrityError:  # the astronomically rare collision: draw again
            continue
    raise DocumentError("验证码生成失败，请重试")


def issue_document(*, kind: str, title: str, subject_summary: str, issuer: str,
                   pdf_builder: PdfBuilder, case_number: str = "",
                   actor: str) -> tuple[bytes, IssuedDocument]:
    """Reserve a code, build the PDF with it, record the PDF's SHA-256 and audit it.

    Returns ``(pdf, document)``, the order of every ``issue_*`` function.
    """
    if kind not in DocumentKind.values:
        raise DocumentError(f"未知的文书类型：{kind}")
    with transaction.atomic():
        document = _reserve(kind=kind, title=title, subject_summary=subject_summary,
                            issuer=issuer, case_number=case_number, issued_by=actor)
        content = pdf_builder(document.code, verify_url(document.code))
        if not content.startswith(b"%PDF-"):
            raise DocumentError("文书生成失败：不是有效的 PDF")
        document.sha256 = hashlib.sha256(content).hexdigest()
        document.save(update_fields=["sha256"])
        record_audit(actor=actor, action="document.issue", object_type="IssuedDocument",
                     object_id=document.code,
                     after={"kind": kind, "title": title, "case_number": case_number,
                            "sha256": document.sha256})
    return content, document


def revoke_document(*, code: str, reason: str, actor: str) -> IssuedDocument:
    """作废: the public page then says 已作废 with the date."""
    reason = (reason or "").strip()
    if not reason:
        raise DocumentError("请填写作废原因")
    normalized = normalize_code(code)
    with transaction.atomic():
        document = (IssuedDocument.objects.select_for_update().filter(code=normalized).first()
                    if normalized else None)
        if document is None:
            raise DocumentError("未找到该验证码")
        if document.revoked_at is not None:
            raise DocumentError("该文书已作废，不能重复作废")
        document.revoked_at = timezone.now()
        document.revoked_reason = reason[:300]
        document.save(update_fields=["revoked_at", "revoked_reason"])
        record_audit(actor=actor, action="document.revoke", object_type="IssuedDocument",
                     object_id=document.code, before={"revoked_at": None},
                     after={"revoked_at": document.revoked_at.isoformat(), "reason": document.revoked_reason})
    return document
