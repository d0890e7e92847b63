"""The signed service agreement (服务协议) as a PDF with a verification QR (``yibao.documents``)."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from yibao.documents.models import DocumentKind, IssuedDocument
from yibao.documents.pdf import register_cjk_font, styles
from yibao.documents.services import issue_document
from yibao.documents.verification import verification_block
from yibao.institutions.models import Agreement
from yibao.institutions.rules import region_rules
from yibao.institutions.services import InstitutionRefused


def _p(text: object, style: str = "body") -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles()[style])


def render_agreement(agreement: Agreement, *, verification: tuple[str, str]) -> bytes:
    institution = agreement.institution
    kind = "定点医疗机构" if institution.kind == "hospital" else "定点零售药店"
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, initialFontName=register_cjk_font(),
                            title=f"{kind}医疗保障服务协议", author=institution.agency.name, invariant=1)
    rows = [["协议编号", agreement.number], ["甲方（医保经办机构）", institution.agency.name],
            ["乙方（医药机构）", institution.name], ["统一社会信用代码", institution.uscc],
            ["执业许可证/药品经营许可证号", institution.licence_number],
            ["协议期限", f"{agreement.starts_on:%Y年%m月%d日} 至 {agreement.ends_on:%Y年%m月%d日}"],
            ["办件编号", agreement.case.number]]
    table = Table([[_p(a, "cell"), _p(b, "cell")] for a, b in rows], colWidths=[48 * mm, doc.width - 48 * mm])
    story = [_p(f"{kind}医疗保障服务协议", "title"), Spacer(1, 4 * mm), table, Spacer(1, 4 * mm),
             _p("协商谈判结果及主要条款", "heading"), _p(agreement.negotiated_terms),
             _p("依据《医疗机构医疗保障定点管理暂行办法》（国家医疗保障局令第2号）、《零售药店医疗保障定点管理暂行办法》"
                "（国家医疗保障局令第3号），甲乙双方经协商谈判订立本协议。")]
    notes = region_rules(institution.region.slug).demo_notes()
    if notes:
        story += [Spacer(1, 3 * mm), _p("；".join(notes))]
    code, url = verification
    story += [Spacer(1, 5 * mm), _p(f"甲方：{institution.agency.name}（电子印章）"), _p(f"乙方：{institution.name}"),
              _p(f"签订日期：{agreement.signed_at:%Y年%m月%d日}"), Spacer(1, 5 * mm),
              *verification_block(code, url, width=doc.width)]
    doc.build(story)
    return buffer.getvalue()


def issue_agreement(*, agreement: Agreement, actor: str) -> tuple[bytes, IssuedDocument]:
    """Issue the signed agreement's PDF with a verification code (each download is its own issue)."""
    if agreement.signed_at is None:
        raise InstitutionRefused("协议尚未签订，不能打印")
    return issue_document(
        kind=DocumentKind.OTHER, title="医疗保障服务协议",
        subject_summary=f"{agreement.institution.name} 的医疗保障服务协议 {agreement.number}",
        issuer=agreement.institution.agency.name,
        pdf_builder=lambda code, url: render_agreement(agreement, verification=(code, url)),
        case_number=agreement.case.number, actor=actor,
    )
