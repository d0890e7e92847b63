"""PDFs of the transfer chain: the 联系函 (own layout) and the 信息表 (reference form 表8)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yibao.documents.pdf import register_cjk_font, styles
from yibao.documents.reference_forms import render_reference_form
from yibao.documents.verification import verification_block

LETTER_TITLE = "基本医疗保险关系转移接续联系函"


@dataclass(frozen=True)
class LetterFacts:
    ref: str
    name: str
    sex: str
    id_number: str
    scheme_label: str
    out_region_name: str
    in_region_name: str
    in_region_code: str
    in_agency_name: str
    in_agency_code: str
    in_agency_phone: str
    in_agency_address: str
    certificate_code: str
    issued_on: datetime.date


def _p(text: object, style: str = "cell") -> Paragraph:
    return Paragraph(escape(str(text)), styles()[style])


def render_contact_letter(facts: LetterFacts, *, code: str, url: str) -> bytes:
    """《基本医疗保险关系转移接续联系函》 from the transfer-in agency to the transfer-out agency."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=16 * mm, title=LETTER_TITLE,
                            author=facts.in_agency_name, initialFontName=register_cjk_font())
    width = doc.width
    rows = [
        ["转移编号", facts.ref, "险种", facts.scheme_label],
        ["姓名", facts.name, "性别", facts.sex],
        ["公民身份号码", facts.id_number, "参保凭证验证码", facts.certificate_code or "—"],
        ["转出地", facts.out_region_name, "转入地", f"{facts.in_region_name}（{facts.in_region_code}）"],
        ["转入地经办机构", f"{facts.in_agency_name}（行政区划代码 {facts.in_agency_code}）",
         "联系电话", facts.in_agency_phone or "—"],
        ["通讯地址", facts.in_agency_address or "—", "", ""],
    ]
    table = Table([[_p(c) for c in row] for row in rows],
                  colWidths=[28 * mm, width / 2 - 28 * mm, 28 * mm, width / 2 - 28 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#6b7a8a"), ("SPAN", (1, 5), (3, 5)),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story = [
        _p(LETTER_TITLE, "title"),
        _p(f"{facts.out_region_name}医疗保障经办机构：", "body"),
        _p(f"参保人员{facts.name}已在我统筹区参加{facts.scheme_label}，申请办理基本医疗保险关系转移接续。"
           "请贵机构按《基本医疗保险关系转移接续暂行办法》（医保办发〔2021〕43号）出具《参保人员基本医疗保险信息表》，"
           "并将个人账户余额划转至我机构。", "body"),
        Spacer(1, 4 * mm), table, Spacer(1, 6 * mm),
        _p(f"出具机构：{facts.in_agency_name}（电子印章）", "body"),
        _p(f"出具日期：{facts.issued_on.year}年{facts.issued_on.month}月{facts.issued_on.day}日", "body"),
        Spacer(1, 5 * mm), *verification_block(code, url, width=width),
    ]
    doc.build(story)
    return buffer.getvalue()


def render_transfer_sheet(values: dict, *, code: str, url: str) -> bytes:
    """《参保人员基本医疗保险信息表》 as reference form 表8, filled in, with its verification code."""
    return render_reference_form("表8", values=values, verification=(code, url))
