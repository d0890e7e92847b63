"""The 个人承诺书 of a death withdrawal (Changzhi 表12, second form), prefilled from the case.

Where no death certificate exists the heir signs this commitment instead
(the catalog marks the material ``commitment_alternative: 个人承诺书``); the
blanks of the form's text are filled from the case's 表7 fields, the heir
signs and presses a fingerprint on paper.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from yibao.documents.pdf import register_cjk_font, styles

TITLE = "个人承诺书"


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), styles()[style])


def death_commitment_pdf(*, agency_name: str, heir_name: str, heir_id_number: str, insured_name: str,
                         insured_id_number: str, death_date: date | None, phone: str, address: str) -> bytes:
    """表12 (个人账户一次性支取用) with the heir, the insured person and the date of death filled in."""
    blank = "_____"
    died = (f"{death_date.year}年{death_date.month}月{death_date.day}日" if death_date
            else f"{blank}年{blank}月{blank}日")
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=24 * mm,
                            bottomMargin=20 * mm, initialFontName=register_cjk_font(), title=TITLE,
                            subject="个人账户一次性支取")
    doc.build([
        _p(TITLE, "title"),
        Spacer(1, 6 * mm),
        _p(f"{agency_name or blank}："),
        Spacer(1, 3 * mm),
        _p(f"　　本人{heir_name or blank}（身份证号码：{heir_id_number or blank}），为参保人{insured_name}"
           f"（身份证号码：{insured_id_number}）的家属，现申请办理参保人个人账户一次性支取业务，因无法提供有效的死亡证明，"
           f"特明确参保人{insured_name}的死亡日期为：{died}，所述信息真实、准确、有效，由此产生的一切法律责任均由本人承担。"),
        Spacer(1, 10 * mm),
        _p(f"联系电话：{phone or blank}"),
        _p(f"通讯地址：{address or blank}"),
        Spacer(1, 10 * mm),
        _p("承诺人（签名、指印）："),
        Spacer(1, 6 * mm),
        _p("　　　　年　　月　　日"),
    ])
    return buffer.getvalue()
