"""A service guide (办事指南) as a PDF, with the process drawn as a flowchart."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yibao.catalog.guides import GuideView
from yibao.documents.pdf import register_cjk_font, styles

BOX_W, BOX_H, GAP = 22 * mm, 10 * mm, 7 * mm


def flowchart(steps: list[str], width: float) -> Drawing:
    """The steps as boxes joined by arrows, wrapped onto rows that fit the width."""
    font = register_cjk_font()
    per_row = max(1, int((width + GAP) // (BOX_W + GAP)))
    rows = (len(steps) + per_row - 1) // per_row
    height = rows * (BOX_H + GAP)
    drawing = Drawing(width, height)
    for index, step in enumerate(steps):
        row, col = divmod(index, per_row)
        x = col * (BOX_W + GAP)
        y = height - (row + 1) * (BOX_H + GAP) + GAP / 2
        first_or_last = index in (0, len(steps) - 1)
        drawing.add(Rect(x, y, BOX_W, BOX_H, rx=2 * mm, ry=2 * mm,
                         fillColor=colors.HexColor("#dcebf7" if first_or_last else "#ffffff"),
                         strokeColor=colors.HexColor("#0b4f8a"), strokeWidth=1))
        drawing.add(String(x + BOX_W / 2, y + BOX_H / 2 - 3.5, step, fontName=font,
                           fontSize=10, textAnchor="middle"))
        if index < len(steps) - 1 and col < per_row - 1:
            ax, ay = x + BOX_W, y + BOX_H / 2
            drawing.add(Line(ax + 1, ay, ax + GAP - 2, ay, strokeColor=colors.HexColor("#0b4f8a")))
            drawing.add(Polygon([ax + GAP - 2, ay, ax + GAP - 5, ay + 2, ax + GAP - 5, ay - 2],
                                fillColor=colors.HexColor("#0b4f8a"), strokeWidth=0))
    return drawing


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), styles()[style])


def render_guide_pdf(guide: GuideView) -> bytes:
    """Render one item's guide; Chinese text is real text in an embedded font."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
        topMargin=16 * mm, bottomMargin=16 * mm,
        initialFontName=register_cjk_font(),
        title=f"{guide.name} 办事指南", author=guide.city_name, subject="医疗保障经办政务服务办事指南",
    )
    story = [_p(f"{guide.name}", "title"), _p(f"{guide.city_name} · {guide.source_title}", "subtitle")]
    facts = [[_p(label, "cell"), _p(value, "cell")] for label, value in guide.facts()]
    if facts:
        table = Table(facts, colWidths=[30 * mm, doc.width - 30 * mm])
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9aa9b8")),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef3f8")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 0), (-1, -1), register_cjk_font()),
        ]))
        story.append(table)
    if guide.steps:
        story += [_p("办理流程图", "heading"), flowchart(guide.steps, doc.width)]
    for title, lines in guide.sections():
        story.append(_p(title, "heading"))
        story += [_p(line) for line in lines]
    if guide.materials:
        story.append(_p("申办材料", "heading"))
        rows = [[_p("序号", "cell"), _p("材料名称", "cell"), _p("适用情形", "cell")]]
        for number, material in enumerate(guide.materials, start=1):
            rows.append([_p(str(number), "cell"), _p(material.full_name, "cell"),
                         _p(material.conditions_text or "所有情形", "cell")])
        table = Table(rows, colWidths=[12 * mm, doc.width - 62 * mm, 50 * mm], repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9aa9b8")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f8")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 0), (-1, -1), register_cjk_font()),
        ]))
        story.append(table)
    story += [Spacer(1, 6 * mm), _p(f"事项清单第 {guide.version_number} 版 · 由 yibao 生成", "small")]
    doc.build(story)
    return buffer.getvalue()
