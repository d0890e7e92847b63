"""Reads on issued documents."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db.models import QuerySet

from yibao.documents.models import IssuedDocument
from yibao.documents.verification import normalize_code


def document_by_code(raw_code: object) -> IssuedDocument | None:
    """The document of a typed or scanned code (any case, spaces, dashes), or None."""
    code = normalize_code(raw_code)
    if code is None:
        return None
    return IssuedDocument.objects.filter(code=code).first()


def documents_of_case(case_number: str) -> QuerySet[IssuedDocument]:
    return IssuedDocument.objects.filter(case_number=case_number)


def content_matches(document: IssuedDocument, chunks: Iterable[bytes]) -> bool:
    """Whether the bytes (streamed in chunks, never stored) hash to the registered SHA-256."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return bool(document.sha256) and digest.hexdigest() == document.sha256
