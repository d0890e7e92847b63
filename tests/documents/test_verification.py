"""Verification codes and QR codes on issued documents, and the public page that checks them."""

import hashlib
import io
import re

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader
from reportlab.graphics.shapes import Rect
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate

from tests.cases.conftest import PDF
from yibao.audit.models import AuditEntry
from yibao.cases.services import Upload, issue_notice, submit_case
from yibao.documents import views
from yibao.documents.case_pdfs import issue_notice_pdf, issue_receipt
from yibao.documents.models import DocumentKind, IssuedDocument
from yibao.documents.pdf import register_cjk_font
from yibao.documents.selectors import document_by_code
from yibao.documents.services import DocumentError, issue_document, revoke_document
from yibao.documents.verification import (
    ALPHABET,
    group_code,
    mask_name,
    normalize_code,
    qr_drawing,
    qr_matrix,
    verification_block,
    verify_url,
)
from yibao.ids import make_resident_id, mask_resident_id

pytestmark = pytest.mark.django_db

ID = make_resident_id("14052519900101242")
SUMMARY = f"李*梅 {mask_resident_id(ID)} 的办件 1405002026112300001 申请回执"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(content: bytes) -> str:
    return squeeze("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def font_names(content: bytes) -> list[str]:
    names = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.append(str(font.get_object().get("/BaseFont")))
    return names


def simple_pdf(code: str, url: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, initialFontName=register_cjk_font())
    doc.build(verification_block(code, url, width=doc.width))
    return buffer.getvalue()


def issue(**overrides):
    fields = dict(kind=DocumentKind.RECEIPT, title="申请回执 1405002026112300001", subject_summary=SUMMARY,
                  issuer="泽州县医疗保障服务中心", pdf_builder=simple_pdf,
                  case_number="1405002026112300001", actor="clerk")
    fields.update(overrides)
    return issue_document(**fields)


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.YIBAO_PUBLIC_URL = "https://yibao.example.cn/"


# --- codes -----------------------------------------------------------------

def test_codes_use_the_unambiguous_alphabet_and_are_unique_over_1000_issues():
    def cheap(code, url):
        return b"%PDF-1.4 " + url.encode()

    codes = {issue(pdf_builder=cheap)[1].code for _ in range(1000)}
    assert len(codes) == 1000 == IssuedDocument.objects.count()
    assert not set("".join(codes)) - set(ALPHABET)
    assert not set("0O1IL") & set(ALPHABET)
    assert all(len(code) == 16 for code in codes)


@pytest.mark.parametrize("typed", [
    "ABCD-EFGH-JKMN-PQRS", "abcd efgh jkmn pqrs", " abcdefghjkmnpqrs ", "ABCD—EFGH－JKMN–PQRS",
    "ＡＢＣＤ－ＥＦＧＨ－ＪＫＭＮ－ＰＱＲＳ", "abcd-\tEFGH\n-jkmn-PQRS",
])
def test_typed_codes_are_normalised(typed):
    assert normalize_code(typed) == "ABCDEFGHJKMNPQRS"


@pytest.mark.parametrize("typed", ["", None, "ABCD-EFGH-JKMN-PQR", "ABCD-EFGH-JKMN-PQRST", "ABCD-EFGH-JKMN-PQR0",
                                   "ABCD-EFGH-JKMN-PQRI", "ABCD/EFGH/JKMN/PQRS"])
def test_malformed_codes_are_rejected(typed):
    assert normalize_code(typed) is None


def test_grouping_and_name_masking():
    assert group_code("ABCDEFGHJKMNPQRS") == "ABCD-EFGH-JKMN-PQRS"
    assert mask_name("李小梅") == "李*梅" and mask_name("王五") == "王*" and mask_name("欧阳小锋") == "欧**锋"


# --- issuing ----------------------------------------------------------------

def test_issue_prints_the_grouped_code_and_the_url_and_stores_the_hash():
    content, document = issue()
    url = verify_url(document.code)
    assert url == f"https://yibao.example.cn/documents/verify/{document.code}/"
    text = pdf_text(content)
    assert f"验证码{group_code(document.code)}" in text
    assert squeeze(url) in text and "核验真伪" in text
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert not any("Helvetica" in name for name in font_names(content))
    entry = AuditEntry.objects.get(action="document.issue")
    assert entry.object_id == document.code and entry.actor == "clerk"


def test_a_failing_builder_leaves_nothing_behind():
    def broken(code, url):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        issue(pdf_builder=broken)
    assert not IssuedDocument.objects.exists()
    with pytest.raises(DocumentError, match="不是有效的 PDF"):
        issue(pdf_builder=lambda code, url: b"hello")
    assert not IssuedDocument.objects.exists()
    assert not AuditEntry.objects.filter(action="document.issue").exists()


def test_the_qr_drawing_has_one_rect_per_dark_module():
    url = "https://yibao.example.cn/documents/verify/ABCDEFGHJKMNPQRS/"
    drawing = qr_drawing(url, 24)
    rects = [shape for shape in drawing.contents if isinstance(shape, Rect)]
    dark = sum(1 for row in segno.make(url, error="m", micro=False).matrix for cell in row if cell)
    assert len(rects) > 100
    assert len(rects) == dark == sum(map(sum, qr_matrix(url)))
    assert drawing.width == drawing.height == pytest.approx(24 * 72 / 25.4)
    # inside the drawing, quiet zone kept: nothing closer than 4 modules to the edge
    unit = drawing.width / (len(qr_matrix(url)) + 8)
    assert min(r.x for r in rects) == pytest.approx(4 * unit)
    assert max(r.x + r.width for r in rects) == pytest.approx(drawing.width - 4 * unit)


# --- the case documents -----------------------------------------------------

@pytest.fixture
def case(reimbursement, person):
    return submit_case(
        item=reimbursement, applicant_kind="person", applicant_user=person.user,
        applicant_name=person.name, applicant_id_number=person.id_number, applicant_phone=person.phone,
        channel="online_hall", uploads={0: [Upload("票据.pdf", PDF)]},
    )


def test_issue_receipt_stamps_and_registers_the_case_receipt(case, person):
    content = issue_receipt(case, actor=person.user.username)
    document = IssuedDocument.objects.get(case_number=case.number)
    assert document.kind == DocumentKind.RECEIPT and document.title == f"申请回执 {case.number}"
    assert mask_name(person.name) in document.subject_summary
    assert mask_resident_id(person.id_number) in document.subject_summary
    assert person.id_number not in document.subject_summary
    if len(person.name) > 1:
        assert person.name not in document.subject_summary
    assert document.issuer == case.home_agency.name
    text = pdf_text(content)
    assert text.startswith("申请回执") and group_code(document.code) in text
    assert squeeze(verify_url(document.code)) in text
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert not any("Helvetica" in name for name in font_names(content))


def test_issue_notice_pdf_stamps_the_notice(case, staff):
    notice = issue_notice(case=case, staff=staff["zezhou"]["accept"],
                          problems={2: "缺少住院病历复印件"}, defective=set())
    content = issue_notice_pdf(notice, actor="clerk")
    document = IssuedDocument.objects.get(kind=DocumentKind.NOTICE)
    assert document.issuer == "泽州县医疗保障服务中心" and notice.number in document.title
    text = pdf_text(content)
    assert text.startswith("一次性告知书") and group_code(document.code) in text


# --- the public page --------------------------------------------------------

def test_the_public_page_shows_the_record_and_no_full_id(client):
    _, document = issue()
    response = client.get(f"/documents/verify/{document.code}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "真实有效" in page and "办件回执" in page and "申请回执 1405002026112300001" in page
    assert "泽州县医疗保障服务中心" in page and group_code(document.code) in page
    assert mask_resident_id(ID) in page and ID not in page
    assert "clerk" not in page and document.sha256 not in page


def test_the_form_normalises_and_redirects(client):
    _, document = issue()
    typed = group_code(document.code).lower().replace("-", " - ")
    response = client.get("/documents/verify/", {"code": typed})
    assert response.status_code == 302 and response["Location"] == f"/documents/verify/{document.code}/"
    response = client.get(f"/documents/verify/{group_code(document.code).lower()}/")
    assert response.status_code == 302 and response["Location"] == f"/documents/verify/{document.code}/"
    assert "验证码应为16位" in client.get("/documents/verify/", {"code": "abc"}).content.decode()
    assert client.get("/documents/verify/").status_code == 200


def test_an_unknown_code_is_404_with_the_message(client):
    issue()
    for code in ("ABCDEFGHJKMNPQRS", "nonsense"):
        response = client.get(f"/documents/verify/{code}/")
        assert response.status_code == 404
        assert "未找到该验证码，文书可能是伪造的" in response.content.decode()


def test_a_revoked_document_shows_revoked(client):
    _, document = issue()
    revoke_document(code=group_code(document.code).lower(), reason="信息有误，已重新出具", actor="chief")
    page = client.get(f"/documents/verify/{document.code}/").content.decode()
    assert "已作废" in page and "真实有效" not in page
    document.refresh_from_db()
    assert f"{document.revoked_at:%Y}年" in page
    assert AuditEntry.objects.filter(action="document.revoke", object_id=document.code).exists()
    with pytest.raises(DocumentError, match="已作废"):
        revoke_document(code=document.code, reason="再次", actor="chief")
    with pytest.raises(DocumentError, match="未找到"):
        revoke_document(code="ABCDEFGHJKMNPQRS", reason="x", actor="chief")
    with pytest.raises(DocumentError, match="作废原因"):
        revoke_document(code=document.code, reason=" ", actor="chief")


def test_uploaded_pdf_is_compared_both_ways(client):
    content, document = issue()
    url = f"/documents/verify/{document.code}/"
    same = client.post(url, {"pdf": SimpleUploadedFile("a.pdf", content, "application/pdf")})
    assert same.status_code == 200 and "文件内容与登记一致" in same.content.decode()
    tampered = content.replace(b"/Producer", b"/Producex", 1)
    assert tampered != content
    other = client.post(url, {"pdf": SimpleUploadedFile("a.pdf", tampered, "application/pdf")})
    assert other.status_code == 200 and "文件内容与登记不一致" in other.content.decode()


def test_bad_uploads_are_refused(client, settings, monkeypatch):
    content, document = issue()
    url = f"/documents/verify/{document.code}/"
    not_pdf = client.post(url, {"pdf": SimpleUploadedFile("a.pdf", b"GIF89a....", "application/pdf")})
    assert not_pdf.status_code == 400 and "只能上传 PDF 文件" in not_pdf.content.decode()
    missing = client.post(url, {})
    assert missing.status_code == 400 and "请选择" in missing.content.decode()
    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", len(content) - 1)
    too_big = client.post(url, {"pdf": SimpleUploadedFile("a.pdf", content, "application/pdf")})
    assert too_big.status_code == 400 and "超过 10 MB" in too_big.content.decode()
    assert views.MAX_UPLOAD_BYTES != 10 * 1024 * 1024  # (monkeypatched) the real cap is 10 MB


def test_the_real_cap_is_ten_megabytes():
    assert views.MAX_UPLOAD_BYTES == 10 * 1024 * 1024


def test_selector_finds_typed_codes():
    _, document = issue()
    assert document_by_code(group_code(document.code).lower()) == document
    assert document_by_code("nope") is None
