"""Keep the transcribers' notes about the seed text out of what the public reads.

The data files record, beside the seeds' own 备注, where the seed text was
garbled or moved ("原文：…", "合并单元格", "流程图标题为…", "days按30个自然日填写").
Those notes stay in the data (they justify the transcription and reviewers
need them) but are editorial: guide pages, guide PDFs, checklists and the JSON
export show a note without its editorial sentences, and leave out a note that
is editorial throughout.

A sentence is editorial when it speaks about the source document rather than
about the service: it quotes or describes the 原文, its table cells, flowchart,
table of contents or headings, or how a value was filled in.
"""

from __future__ import annotations

import re

# Words that only ever occur when a sentence talks about the seed document.
_MARKERS = (
    "原文", "合并单元格", "单元格", "流程图", "days", "照录", "疑为", "本节标题", "正文在",
    "子项编码栏", "子项名称栏", "子项序号栏", "设定依据栏", "备注栏", "办理材料栏", "办理时限栏",
    "表头", "逐字拆分", "备注作", "见于办理流程", "未复制到本子项",
)
# Sentence openings of the same kind (the table of contents, headings, codes, categories).
_OPENINGS = ("注：", "注:", "目录", "子项标题", "类别：", "类别:", "主项编码", "情形按", "申办材料按情形分列")
# A bracketed aside about the source inside an otherwise public sentence.
_ASIDE = re.compile(r"[（(][^（）()]*?(?:days|原文|疑为|照录|单元格)[^（）()]*?[）)]")
_OPEN_QUOTES = "“「『《"
_CLOSE_QUOTES = "”」』》"


def _split(text: str, ends: str) -> list[str]:
    """Split after each mark of ``ends`` outside quotation marks, keeping the marks."""
    parts, current, depth = [], [], 0
    for ch in text:
        current.append(ch)
        if ch in _OPEN_QUOTES:
            depth += 1
        elif ch in _CLOSE_QUOTES:
            depth = max(0, depth - 1)
        elif ch in ends and depth == 0:
            parts.append("".join(current))
            current = []
    if current:
        parts.append("".join(current))
    return [p for p in parts if p.strip()]


def is_editorial(sentence: str) -> bool:
    text = sentence.strip()
    return text.startswith(_OPENINGS) or any(marker in text for marker in _MARKERS)


def _public_sentence(sentence: str) -> str:
    # A sentence that opens about the source is about the source throughout;
    # otherwise only its clauses about the source go.
    clauses = _split(sentence, "；;")
    if is_editorial(clauses[0]):
        return ""
    kept = [c for c in clauses if not is_editorial(c)]
    if len(kept) == len(clauses):
        return sentence
    text = "".join(kept).rstrip().rstrip("；;,，、：:")
    if text and sentence.rstrip().endswith("。") and not text.endswith("。"):
        text += "。"
    return text


def public_text(note: str | None) -> str:
    """The part of a note the public may read ("" when it is editorial throughout)."""
    if not note:
        return ""
    text = _ASIDE.sub("", note)
    sentences = _split(text, "。")
    # A note that opens about the source ("注：原文本行…", "原文：…") is about it throughout.
    if text.strip().startswith(_OPENINGS + ("原文",)):
        return ""
    return "".join(_public_sentence(s) for s in sentences).strip()


def public_notes(notes: list[str] | None) -> list[str]:
    """The item's notes as the public sees them, editorial ones left out."""
    return [text for text in (public_text(n) for n in notes or []) if text]
