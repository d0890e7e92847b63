"""Shared PDF building blocks: the embedded CJK font and paragraph styles."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from reportlab.graphics.shapes import STATE_DEFAULTS
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "YibaoCJK"


class CJKFontMissing(RuntimeError):
    pass


@cache
def register_cjk_font() -> str:
    """Register the CJK TrueType font once; ReportLab embeds a subset per PDF."""
    path = Path(settings.CJK_FONT_PATH)
    if not path.exists():
        raise CJKFontMissing(
            f"找不到中文字体 {path}：请运行 README 的安装命令（安装 fonts-wqy-zenhei），"
            "或用 YIBAO_CJK_FONT 指定一个 TrueType 字体"
        )
    options = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), **options))
    # Graphics (flowcharts) start each drawing in the default font; without this
    # every such page would reference an unembedded Helvetica.
    STATE_DEFAULTS["fontName"] = FONT_NAME
    return FONT_NAME


@cache
def styles() -> dict[str, ParagraphStyle]:
    font = register_cjk_font()
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=1, spaceAfter=6),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=9, textColor=colors.grey, alignment=1, spaceAfter=10),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4, textColor=colors.HexColor("#0b4f8a")),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.HexColor("#444444")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=13),
    }
