"""The 清算确认书 (settlement confirmation) of one institution, one fund, one month, as a PDF
with a verification QR (``yibao.documents``), like the agreement and the other printed documents."""

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
from yibao.settlement.errors import DeclarationNotFound, DeclarationRefused
from yibao.settlement.models import Declaration, DeclarationStatus, StatementLine

FUND_LABELS = {
    "310100": "职工基本医疗保险统筹基金",
    "310200": "职工个人账户",
    "330100": "职工大额医疗费用补助",
    "390100": "城乡居民基本医疗保险统筹基金",
    "390200": "城乡居民大病保险",
    "610100": "医疗救助基金",
}
DEMO_NOTE = "质量保证金比例为示例参数，须按本地现行文件核定"


def _p(text: object, style: str = "body") -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles()[style])


def _when(value) -> str:
    return f"{value:%Y年%m月%d日 %H:%M}" if value else "（未确认）"


def render_confirmation(line: StatementLine, *, verification: tuple[str, str]) -> bytes:
    declaration = line.declaration
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, initialFontName=register_cjk_font(),
                            title="定点医药机构费用清算确认书", author=declaration.agency.name, invariant=1)
    share = declaration.deposit_share
    rows = [
        ["定点医药机构", declaration.institution_name], ["定点机构编码", declaration.institution_code],
        ["结算月份", f"{declaration.month:%Y年%m月}"],
        ["基金", f"{FUND_LABELS.get(line.fund, line.fund)}（{line.fund}，{line.pool}）"],
        ["结算笔数", f"{line.records}"], ["申报金额（元）", f"{line.declared:,.2f}"],
        ["审核扣款（元）", f"{line.deducted:,.2f}"], ["审核通过（元）", f"{line.approved:,.2f}"],
        ["预留质量保证金（元）", f"{line.withheld:,.2f}"
         + (f"（比例 {share * 100:.2f}%）" if share is not None else "")],
        ["应拨付（元）", f"{line.payable:,.2f}"],
        ["申报日期 / 拨付期限", f"{declaration.declared_on or '—'} / {declaration.due_date or '—'}（申报后30个工作日）"],
        ["收款账户", f"{declaration.payee_bank_name} {declaration.payee_account_number}".strip() or "—"],
    ]
    table = Table([[_p(a, "cell"), _p(b, "cell")] for a, b in rows], colWidths=[48 * mm, doc.width - 48 * mm])
    story = [_p("定点医药机构费用清算确认书", "title"), Spacer(1, 4 * mm), table, Spacer(1, 4 * mm),
             _p("依据《医疗机构医疗保障定点管理暂行办法》（国家医疗保障局令第2号）、《零售药店医疗保障定点管理暂行办法》"
                "（国家医疗保障局令第3号）及服务协议，双方确认上列结算金额。")]
    if declaration.deposit_share_is_demo:
        story += [Spacer(1, 2 * mm), _p(DEMO_NOTE)]
    code, url = verification
    story += [Spacer(1, 5 * mm),
              _p(f"定点医药机构确认：{declaration.institution_confirmed_by or '—'}  {_when(declaration.institution_confirmed_at)}"),
              _p(f"经办机构确认：{declaration.agency.name} {declaration.agency_confirmed_by or '—'}  "
                 f"{_when(declaration.agency_confirmed_at)}"),
              Spacer(1, 5 * mm), *verification_block(code, url, width=doc.width)]
    doc.build(story)
    return buffer.getvalue()


def issue_confirmation(*, declaration: Declaration, fund: str, actor: str) -> tuple[bytes, IssuedDocument]:
    """Issue the 清算确认书 of one fund's line (from the statement on; each download is its own issue)."""
    if declaration.status not in (DeclarationStatus.STATED, DeclarationStatus.CONFIRMED, DeclarationStatus.PAID):
        raise DeclarationRefused("尚未出具结算单，不能打印清算确认书")
    line = StatementLine.objects.select_related("declaration__agency").filter(
        declaration=declaration, fund=fund).first()
    if line is None:
        raise DeclarationNotFound(f"字段 基金：本月结算单没有 {fund[:10]} 基金")
    return issue_document(
        kind=DocumentKind.OTHER, title="定点医药机构费用清算确认书",
        subject_summary=f"{declaration.institution_name} {declaration.month:%Y年%m月} {FUND_LABELS.get(fund, fund)} 清算确认书",
        issuer=declaration.agency.name,
        pdf_builder=lambda code, url: render_confirmation(line, verification=(code, url)),
        case_number=declaration.case_number, actor=actor,
    )
