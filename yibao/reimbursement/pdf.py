"""The 结算单 issued at 办结: every line with its money stages, every rule applied with its
parameter, date and source, the demo-parameter warning where one was used, and the
verification code with its QR (``yibao.documents``)."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yibao import clock
from yibao.cases.models import Case
from yibao.documents.certificates import keep_case_document, kept_content
from yibao.documents.models import DocumentKind, IssuedDocument
from yibao.documents.pdf import register_cjk_font, styles
from yibao.documents.services import issue_document
from yibao.documents.verification import mask_name, verification_block
from yibao.ids import mask_resident_id
from yibao.reimbursement.fields import MED_TYPES
from yibao.reimbursement.models import Claim
from yibao.rules.parameters import DEMO_NOTE

TITLE = "医疗费用零星报销结算单"


def _p(text: object, style: str = "cell") -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles()[style])


def _table(rows: list[list[object]], widths: list[float], *, header: bool = False) -> Table:
    table = Table([[_p(cell) for cell in row] for row in rows], colWidths=widths, repeatRows=1 if header else 0)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9aa9b8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), register_cjk_font()),
        ("BACKGROUND", (0, 0), (-1, 0) if header else (0, -1), colors.HexColor("#eef3f8")),
    ]))
    return table


def render_settlement_statement(claim: Claim, *, verification: tuple[str, str] | None = None) -> bytes:
    """The 结算单 of a paid claim (person data masked, as on every printed document)."""
    case = claim.case
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, initialFontName=register_cjk_font(),
                            title=f"{TITLE} {case.number}", author=case.region.name, subject=TITLE)
    settlement = claim.settlement or {}
    story: list = [_p(TITLE, "title"), _p(f"{case.region.name}医疗保障经办服务 · {case.item.name}", "subtitle")]
    if settlement.get("demo"):
        story.append(_p(f"注意：本结算使用了示例参数（{DEMO_NOTE}），金额仅供演示，不作为正式结算依据。", "heading"))
    facts: list[list[object]] = [
        ["办件编号", case.number, "参保人", f"{mask_name(claim.person.name)} {mask_resident_id(claim.person.id_number)}"],
        ["险种", {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险"}.get(claim.insurance_type, claim.insurance_type),
         "医疗类别", f"{claim.med_type} {MED_TYPES.get(claim.med_type[:2], '')}"],
        ["医疗机构", f"{claim.institution_name} {claim.institution_code}".strip(), "医院等级", claim.hospital_level],
        ["就医日期", f"{claim.admission_date:%Y-%m-%d} 至 {claim.discharge_date:%Y-%m-%d}",
         "疾病诊断", f"{claim.diagnosis_name} {claim.diagnosis_code}".strip()],
        ["异地就医备案", "本地就医" if claim.institution_local else ("备案有效" if claim.filing_in_force else "未备案"),
         "转诊转院", claim.referral],
        ["收费票据", "、".join(claim.bills.values_list("bill_number", flat=True)) or "—",
         "拨付时间", f"{claim.paid_at:%Y-%m-%d %H:%M}" if claim.paid_at else "—"],
    ]
    width = doc.width
    story.append(_table(facts, [22 * mm, width / 2 - 22 * mm, 22 * mm, width / 2 - 22 * mm]))
    story.append(_p("费用明细（申报—审核调整—核准）", "heading"))
    rows: list[list[object]] = [["行", "收费项目", "等级", "单价×数量", "申报", "审核调整（原因）", "核准"]]
    for line in claim.lines.all():
        adjusted = (f"{line.adjusted_amount:.2f}（{line.adjust_reason} {line.get_adjust_reason_display()}"
                    f"{('：' + line.adjust_note) if line.adjust_note else ''}）" if line.adjusted_amount is not None
                    else "—")
        rows.append([line.row, f"{line.item_name} {line.item_code}".strip(), line.grade,
                     f"{line.unit_price.normalize():f}×{line.quantity.normalize():f}", f"{line.claimed_amount:.2f}",
                     adjusted, f"{line.approved_amount:.2f}" if line.approved_amount is not None else "—"])
    story.append(_table(rows, [9 * mm, 50 * mm, 10 * mm, 26 * mm, 20 * mm, width - 135 * mm, 20 * mm], header=True))
    story.append(_p("结算结果", "heading"))
    fields = list((settlement.get("fields") or {}).items())
    pairs = [[*fields[i], *(fields[i + 1] if i + 1 < len(fields) else ("", ""))] for i in range(0, len(fields), 2)]
    story.append(_table(pairs, [35 * mm, width / 2 - 35 * mm, 35 * mm, width / 2 - 35 * mm]))
    story.append(_p("计算过程与依据", "heading"))
    steps: list[list[object]] = [["步骤", "金额", "参数取值", "施行日期", "依据"]]
    for step in settlement.get("steps", []):
        basis = "示例参数，须按本地现行文件核定" if step.get("demo") else (step.get("reference") or "—")
        detail = step.get("detail") or ""
        steps.append([f"{step['label']}\n{detail}" if detail else step["label"], step["amount"],
                      step.get("value") or "—", step.get("effective") or "—", basis])
    story.append(_table(steps, [62 * mm, 20 * mm, 30 * mm, 20 * mm, width - 132 * mm], header=True))
    story += [Spacer(1, 4 * mm), _p(f"经办机构：{case.home_agency.name} · 打印时间：{clock.now():%Y-%m-%d %H:%M}",
                                    "small")]
    if verification is not None:
        code, url = verification
        story += [Spacer(1, 4 * mm), *verification_block(code, url, width=width)]
    doc.build(story)
    return buffer.getvalue()


def issue_settlement_statement(*, case: Case, actor: str) -> bytes:
    """Issue the 结算单 once (registered with its verification code and kept for download)."""
    claim = Claim.objects.select_related("case__region", "case__item", "case__home_agency", "person").get(case=case)
    title = f"{TITLE} {case.number}"
    existing = (IssuedDocument.objects.filter(kind=DocumentKind.OTHER, case_number=case.number, title=title,
                                              revoked_at__isnull=True).order_by("-issued_at", "-id").first())
    if existing is not None:
        content = kept_content(existing)
        if content is not None:
            return content
    content, document = issue_document(
        kind=DocumentKind.OTHER, title=title,
        subject_summary=f"{mask_name(claim.person.name)} {mask_resident_id(claim.person.id_number)} 的零星报销结算",
        issuer=case.home_agency.name,
        pdf_builder=lambda code, url: render_settlement_statement(claim, verification=(code, url)),
        case_number=case.number, actor=actor)
    keep_case_document(document, content)
    return content


def settlement_statement_of(case: Case) -> bytes | None:
    """The issued 结算单's bytes, or None before 办结."""
    document = (IssuedDocument.objects.filter(kind=DocumentKind.OTHER, case_number=case.number,
                                              title=f"{TITLE} {case.number}", revoked_at__isnull=True)
                .order_by("-issued_at", "-id").first())
    return kept_content(document) if document is not None else None
