"""Reads for a case page's documents: who may open the case, what it issued, which forms it prints."""

from __future__ import annotations

from dataclasses import dataclass

from yibao.agencies.selectors import staff_of
from yibao.cases.models import Case
from yibao.cases.selectors import case_for_staff, case_of_applicant
from yibao.documents.certificates import is_kept, kept_content
from yibao.documents.models import DocumentKind, IssuedDocument
from yibao.documents.prefill import forms_for_case
from yibao.documents.reference_forms import get_reference_form

# Receipts and notices are re-issued on each download; these kinds are the
# results a query item issues once, at 办结, and keeps with the case.
RESULT_KINDS = (DocumentKind.CERTIFICATE, DocumentKind.CONTRIBUTION_RECORD, DocumentKind.TRANSFER_SHEET,
                DocumentKind.CONTACT_LETTER, DocumentKind.OTHER)


@dataclass(frozen=True)
class CaseForm:
    number: str
    title: str


def case_visible_to(user, number: str) -> Case | None:
    """The applicant's own case, or one the logged-in clerk may see; otherwise None."""
    if user is None or not user.is_authenticated:
        return None
    case = case_of_applicant(user, number)
    if case is None and (staff := staff_of(user)) is not None and staff.is_active:
        case = case_for_staff(staff, number)
    return case


def result_documents(case: Case) -> list[IssuedDocument]:
    """Documents issued at the case's 办结 whose bytes are kept, oldest first (revoked ones left out)."""
    documents = (IssuedDocument.objects.filter(case_number=case.number, kind__in=RESULT_KINDS,
                                               revoked_at__isnull=True).order_by("issued_at", "id"))
    return [document for document in documents if is_kept(document)]


def result_document(case: Case, code: str) -> tuple[IssuedDocument, bytes] | None:
    document = (IssuedDocument.objects.filter(case_number=case.number, kind__in=RESULT_KINDS, code=code,
                                              revoked_at__isnull=True).first())
    if document is None:
        return None
    content = kept_content(document)
    return (document, content) if content is not None else None


def case_forms(case: Case) -> list[CaseForm]:
    """The reference forms 表1–表7 this case can print prefilled."""
    return [CaseForm(number, get_reference_form(number).title) for number in forms_for_case(case)]
