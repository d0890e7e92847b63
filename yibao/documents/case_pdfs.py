"""The applicant's documents of a case: the receipt (回执) and the one-time notice (一次性告知书).

ReportLab with the embedded CJK font (``yibao.documents.pdf``); every table sets
its FONTNAME so no page references an unembedded Helvetica.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yibao.cases.models import Case, CaseNotice
from yibao.documents.certificates import keep_case_document, kept_content
from yibao.documents.models import DocumentKind, IssuedDocument
from yibao.documents.pdf import register_cjk_font, styles
from yibao.documents.services import issue_document
from yibao.documents.verification import mask_name, verification_block
from yibao.ids import mask_resident_id

Verification = tuple[str, str]  # (code, verify URL) printed with a QR code at the foot

PROGRESS_HINT = "凭办件编号和手机号在 /hall/progress/ 查询办理进度"
NOTICE_CLOSING = "请一次性补齐上述材料后重新提交；补正期间不计入办理时限。"


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles()[style])


def _table(rows: list[list[str]], widths: list[float], *, header: bool = False) -> Table:
    table = Table([[_p(cell, "cell") for cell in row] for row in rows], colWidths=widths,
                  repeatRows=1 if header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9aa9b8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), register_cjk_font()),
    ]
    commands.append(("BACKGROUND", (0, 0), (-1, 0) if header else (0, -1), colors.HexColor("#eef3f8")))
    table.setStyle(TableStyle(commands))
    return table


def _document(buffer: BytesIO, title: str, author: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
        bottomMargin=16 * mm, initialFontName=register_cjk_font(), title=title, author=author,
        subject="医疗保障经办政务服务",
    )


def _masked_id(case: Case) -> str:
    # Person ID numbers are personal data and always masked on paper; a unit's
    # 统一社会信用代码 is public registration data.
    if case.applicant_kind == "person":
        return mask_resident_id(case.applicant_id_number)
    return case.applicant_id_number


def _item_code(case: Case) -> str:
    return case.item.code or case.item.national_item or "—"


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _chinese_date(value) -> str:
    day = timezone.localtime(value).date()
    return f"{day.year}年{day.month}月{day.day}日"


def _provided(material) -> str:
    if material.use_commitment:
        return f"以{material.commitment_alternative}代替"
    count = len(material.files.all())
    if count:
        return f"已上传 {count} 个文件"
    return "未提供"


def _receipt_title(case: Case) -> str:
    return "受理回执" if case.accepted_at is not None else "申请回执"


def _masked_applicant(case: Case) -> str:
    name = mask_name(case.applicant_name) if case.applicant_kind == "person" else case.applicant_name
    return f"{name} {_masked_id(case)}"


def _verification(story: list, doc: SimpleDocTemplate, verification: Verification | None) -> None:
    if verification is not None:
        code, url = verification
        story += [Spacer(1, 5 * mm), *verification_block(code, url, width=doc.width)]


def render_receipt(case: Case, *, verification: Verification | None = None) -> bytes:
    """申请回执 (before acceptance) or 受理回执 (after): what was filed, and how to follow it."""
    case = (Case.objects.select_related("item", "region", "home_agency", "accepting_agency")
            .prefetch_related("materials__files").get(pk=case.pk))
    accepted = case.accepted_at is not None
    title = _receipt_title(case)
    buffer = BytesIO()
    doc = _document(buffer, f"{title} {case.number}", case.region.name)
    facts = [
        ["办件编号", case.number],
        ["事项名称", case.item.name],
        ["事项编码", _item_code(case)],
        ["申请人", case.applicant_name],
        ["证件号码" if case.applicant_kind == "person" else "统一社会信用代码", _masked_id(case)],
        ["申请渠道", case.get_channel_display()],
        ["提交时间", _when(case.submitted_at)],
        ["当前状态", case.get_status_display()],
    ]
    if case.agent_name:
        facts.append(["代办人", f"{case.agent_name}（{mask_resident_id(case.agent_id_number)}）"])
    if accepted:
        facts += [
            ["受理机构", case.accepting_agency.name if case.accepting_agency else "—"],
            ["受理时间", _when(case.accepted_at)],
            ["办结期限", case.due_date.strftime("%Y-%m-%d") if case.due_date else "—"],
        ]
    story = [_p(title, "title"), _p(f"{case.region.name}医疗保障经办服务", "subtitle"),
             _table(facts, [32 * mm, doc.width - 32 * mm])]
    story.append(_p("申办材料", "heading"))
    rows = [["序号", "材料名称", "必需", "提供情况"]]
    for number, material in enumerate(case.materials.all(), start=1):
        rows.append([str(number), material.name, "是" if material.required else "否", _provided(material)])
    story.append(_table(rows, [12 * mm, doc.width - 70 * mm, 14 * mm, 44 * mm], header=True))
    story += [Spacer(1, 5 * mm), _p(PROGRESS_HINT),
              _p(f"打印时间：{_when(timezone.now())} · 由 yibao 生成", "small")]
    _verification(story, doc, verification)
    doc.build(story)
    return buffer.getvalue()


def render_notice(notice: CaseNotice, *, verification: Verification | None = None) -> bytes:
    """一次性告知书: every material to supplement, with its problem, in one document."""
    notice = (CaseNotice.objects.select_related("case__item", "case__region", "agency")
              .get(pk=notice.pk))
    case = notice.case
    buffer = BytesIO()
    doc = _document(buffer, f"一次性告知书 {notice.number}", notice.agency.name)
    facts = [
        ["告知书编号", notice.number],
        ["办件编号", case.number],
        ["事项名称", f"{case.item.name}（{_item_code(case)}）"],
        ["申请人", f"{case.applicant_name}（{_masked_id(case)}）"],
    ]
    story = [_p("一次性告知书", "title"), _p(f"{case.region.name}医疗保障经办服务", "subtitle"),
             _table(facts, [32 * mm, doc.width - 32 * mm]),
             _p("经审查，您的申请需补正以下材料：", "heading")]
    rows = [["序号", "材料名称", "情况", "需补正的内容"]]
    for number, problem in enumerate(notice.problems, start=1):
        rows.append([str(number), problem.get("name", ""), problem.get("state", ""), problem.get("problem", "")])
    story.append(_table(rows, [12 * mm, 62 * mm, 22 * mm, doc.width - 96 * mm], header=True))
    story += [
        Spacer(1, 4 * mm), _p(NOTICE_CLOSING),
        Spacer(1, 8 * mm),
        _p(f"出具机构：{notice.agency.name}"),
        _p(f"出具日期：{_chinese_date(notice.issued_at)}"),
        Spacer(1, 4 * mm), _p(PROGRESS_HINT, "small"),
    ]
    _verification(story, doc, verification)
    doc.build(story)
    return buffer.getvalue()


def _issued_once(*, kind: str, title: str, case_number: str, build) -> bytes:
    """The document of this case, kind and title issued earlier (its stored bytes), else issue and keep it.

    A receipt or notice does not change once issued (the title carries its
    version: 申请回执 before acceptance, 受理回执 after), so downloading it again
    serves the same document and code instead of registering a new one each time.
    """
    existing = (IssuedDocument.objects.filter(kind=kind, case_number=case_number, title=title, revoked_at__isnull=True)
                .order_by("-issued_at", "-id").first())
    if existing is not None:
        content = kept_content(existing)
        if content is not None:
            return content
    content, document = build()
    keep_case_document(document, content)
    return content


def issue_receipt(case: Case, *, actor: str) -> bytes:
    """The receipt, registered once per version as an issued document with its verification code and QR."""
    case = Case.objects.select_related("region", "home_agency", "accepting_agency").get(pk=case.pk)
    title = _receipt_title(case)
    agency = case.accepting_agency or case.home_agency
    return _issued_once(kind=DocumentKind.RECEIPT, title=f"{title} {case.number}", case_number=case.number,
                        build=lambda: issue_document(
        kind=DocumentKind.RECEIPT, title=f"{title} {case.number}",
        subject_summary=f"{_masked_applicant(case)} 的办件 {case.number} {title}",
        issuer=agency.name if agency else f"{case.region.name}医疗保障经办机构",
        pdf_builder=lambda code, url: render_receipt(case, verification=(code, url)),
        case_number=case.number, actor=actor,
    ))


def issue_notice_pdf(notice: CaseNotice, *, actor: str) -> bytes:
    """The one-time notice, registered once as an issued document with its verification code and QR."""
    notice = CaseNotice.objects.select_related("case", "agency").get(pk=notice.pk)
    case = notice.case
    return _issued_once(kind=DocumentKind.NOTICE, title=f"一次性告知书 {notice.number}", case_number=case.number,
                        build=lambda: issue_document(
        kind=DocumentKind.NOTICE, title=f"一次性告知书 {notice.number}",
        subject_summary=f"{_masked_applicant(case)} 的办件 {case.number} 一次性告知书 {notice.number}",
        issuer=notice.agency.name,
        pdf_builder=lambda code, url: render_notice(notice, verification=(code, url)),
        case_number=case.number, actor=actor,
    ))
