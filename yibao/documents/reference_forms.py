"""The Changzhi reference forms (参考样表 表1–表14) as data, rendered as PDFs.

The forms live in ``forms_data/changzhi_forms.yaml``; pydantic checks the file
and refuses a broken one naming the form and the field. ``render_reference_form``
prints a form, blank or prefilled by field key.

Checkboxes: the embedded font (WenQuanYi Zen Hei) has no ☐/☑ glyphs, so an
open box prints as □ (U+25A1) and a ticked one as ▣ (U+25A3).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yibao.documents.pdf import register_cjk_font, styles

FORMS_FILE = Path(__file__).parent / "forms_data" / "changzhi_forms.yaml"
BOX, TICKED = "□", "▣"
SHORT_LABEL = 8  # labels up to this many characters share a row with another pair

FieldKind = Literal["text", "date", "money", "choice", "checkbox", "signature", "table"]


class ReferenceFormError(ValueError):
    """A broken forms file, an unknown form, or values that do not fit a form."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FormField(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    kind: FieldKind
    choices: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    rows: int = Field(default=0, ge=0, le=40)
    note: str = ""

    @model_validator(mode="after")
    def _kind_fits(self) -> FormField:
        if self.kind in ("choice", "checkbox"):
            if not self.choices:
                raise ValueError(f"字段 {self.key}（{self.label}）是选择项，必须列出 choices")
            if len(set(self.choices)) != len(self.choices):
                raise ValueError(f"字段 {self.key}（{self.label}）的选项有重复")
        elif self.choices:
            raise ValueError(f"字段 {self.key}（{self.label}）不是选择项，不应有 choices")
        if self.kind == "table":
            if not self.columns:
                raise ValueError(f"字段 {self.key}（{self.label}）是表格，必须列出 columns")
        elif self.columns or self.rows:
            raise ValueError(f"字段 {self.key}（{self.label}）不是表格，不应有 columns/rows")
        return self


class FormSection(_Strict):
    title: str = ""
    text: tuple[str, ...] = ()  # verbatim paragraphs (declarations, promises)
    fields: tuple[FormField, ...] = ()


class ReferenceForm(_Strict):
    number: str = Field(pattern=r"^表([1-9]|1[0-4])$")
    title: str = Field(min_length=1)
    subtitle: str = ""
    sections: tuple[FormSection, ...] = Field(min_length=1)
    footer: tuple[str, ...] = ()
    note: str = ""

    @model_validator(mode="after")
    def _unique_keys(self) -> ReferenceForm:
        seen: set[str] = set()
        for field in self.fields():
            if field.key in seen:
                raise ValueError(f"字段 {field.key} 重复")
            seen.add(field.key)
        return self

    def fields(self) -> list[FormField]:
        return [field for section in self.sections for field in section.fields]

    def field(self, key: str) -> FormField:
        for field in self.fields():
            if field.key == key:
                return field
        raise ReferenceFormError(f"{self.number} 没有字段 {key}")


def _describe(raw: object, index: int, error: dict) -> str:
    """Name the form (and field) a pydantic error sits in, in Chinese."""
    number = raw.get("number") if isinstance(raw, dict) else None
    where = [f"{number or f'第 {index + 1} 张表'}"]
    loc = list(error.get("loc", ()))
    node: object = raw
    for part in loc:
        try:
            node = node[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(node, dict) and "key" in node and "label" in node:
            where.append(f"字段 {node['key']}（{node['label']}）")
    path = ".".join(str(part) for part in loc)
    return f"{' '.join(where)}：{path} {error.get('msg', '')}"


def parse_reference_forms(text: str, *, source: str = "参考样表文件") -> dict[str, ReferenceForm]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ReferenceFormError(f"{source} 不是有效的 YAML：{exc}") from exc
    if not isinstance(raw, list):
        raise ReferenceFormError(f"{source} 应为表单列表")
    forms: dict[str, ReferenceForm] = {}
    for index, item in enumerate(raw):
        try:
            form = ReferenceForm.model_validate(item)
        except ValidationError as exc:
            problems = "；".join(_describe(item, index, error) for error in exc.errors())
            raise ReferenceFormError(f"{source} 有误：{problems}") from exc
        if form.number in forms:
            raise ReferenceFormError(f"{source} 有误：{form.number} 重复")
        forms[form.number] = form
    return forms


def load_reference_forms_from(path: Path) -> dict[str, ReferenceForm]:
    return parse_reference_forms(path.read_text(encoding="utf-8"), source=path.name)


@cache
def load_reference_forms() -> dict[str, ReferenceForm]:
    return load_reference_forms_from(FORMS_FILE)


def get_reference_form(number: str) -> ReferenceForm:
    forms = load_reference_forms()
    if number not in forms:
        raise ReferenceFormError(f"没有参考样表 {number}（可选：{'、'.join(forms)}）")
    return forms[number]


# --- money -----------------------------------------------------------------

DIGITS = "零壹贰叁肆伍陆柒捌玖"
GROUP_UNITS = ("", "万", "亿", "万亿")


def _group_in_capitals(n: int) -> str:
    """0 < n < 10000 → 壹仟零伍; trailing zeros dropped, inner zeros read once."""
    out, pending_zero = "", False
    for digit, unit in zip(f"{n:04d}", ("仟", "佰", "拾", ""), strict=True):
        if digit == "0":
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += "零"
            pending_zero = False
        out += DIGITS[int(digit)] + unit
    return out


def _integer_in_capitals(n: int) -> str:
    groups = []
    while n:
        n, low = divmod(n, 10000)
        groups.append(low)
    if len(groups) > len(GROUP_UNITS):
        raise ValueError("金额过大，无法转换为大写")
    out, zero_gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_gap = bool(out)
            continue
        if out and (zero_gap or group < 1000):
            out += "零"
        out += _group_in_capitals(group) + GROUP_UNITS[index]
        zero_gap = False
    return out


def money_in_capitals(amount: Decimal) -> str:
    """Amount in Chinese capitals as on bank documents (中文大写金额).

    Rules: rounded to the 分; 元 part with 万/亿 groups (10 → 壹拾元); a run of
    inner zeros reads as one 零 (1005 → 壹仟零伍元, 100005 → 壹拾万零伍元);
    零 before 分 when 角 is 0 and there is a 元 part (1005.07 → 壹仟零伍元零柒分);
    整 after 元 or 角 when there is no 分; amounts under 1 元 start at the 角 or
    分 (0.50 → 伍角整, 0.05 → 伍分); 0 → 零元整; negative amounts get 负.
    """
    try:
        value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"不是有效金额：{amount!r}") from exc
    if value < 0:
        return "负" + money_in_capitals(-value)
    cents = int(value * 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if cents == 0:
        return "零元整"
    out = _integer_in_capitals(yuan) + "元" if yuan else ""
    if jiao:
        out += DIGITS[jiao] + "角"
    elif fen and yuan:
        out += "零"
    if fen:
        out += DIGITS[fen] + "分"
    else:
        out += "整"
    return out


def _money(value: object, key: str, number: str) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ReferenceFormError(f"{number} 字段 {key} 不是有效金额：{value!r}") from exc


# --- rendering -------------------------------------------------------------

GRID = colors.HexColor("#6b7a8a")
SHADE = colors.HexColor("#eef3f8")


def _p(text: str, style: str = "cell") -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), styles()[style])


def _table_style(extra: list | None = None) -> TableStyle:
    return TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), register_cjk_font()),
        *(extra or []),
    ])


def _value_text(form: ReferenceForm, field: FormField, value: object) -> str:
    if field.kind in ("choice", "checkbox"):
        chosen: list[str]
        if value is None or value == "":
            chosen = []
        elif isinstance(value, str):
            chosen = [value]
        elif isinstance(value, list | tuple | set | frozenset):
            chosen = [str(v) for v in value]
        else:
            raise ReferenceFormError(f"{form.number} 字段 {field.key} 的值应为选项或选项列表")
        if field.kind == "choice" and len(chosen) > 1:
            raise ReferenceFormError(f"{form.number} 字段 {field.key}（{field.label}）只能选一项")
        for option in chosen:
            if option not in field.choices:
                raise ReferenceFormError(f"{form.number} 字段 {field.key}（{field.label}）没有选项 {option}")
        return "　".join(f"{TICKED if option in chosen else BOX}{option}" for option in field.choices)
    if value is None:
        return ""
    if field.kind == "money":
        amount = _money(value, field.key, form.number)
        return f"小写 ¥{amount:,.2f}　大写 {money_in_capitals(amount)}"
    if field.kind == "date" and isinstance(value, dt.date):
        return f"{value.year} 年 {value.month} 月 {value.day} 日"
    return str(value)


def _is_short(field: FormField, value_text: str) -> bool:
    return (field.kind in ("text", "date", "signature") and len(field.label) <= SHORT_LABEL
            and len(value_text) <= 18)


def _grid_table(form: ReferenceForm, fields: list[FormField],
                values: dict[str, object], width: float) -> Table:
    label_w = 32 * mm
    half_value = width / 2 - label_w
    rows: list[list] = []
    spans: list[tuple] = []
    shaded: list[tuple] = []
    pending: list[tuple[FormField, str]] = []

    def flush() -> None:
        if not pending:
            return
        row = len(rows)
        if len(pending) == 2:
            (a, va), (b, vb) = pending
            rows.append([_p(a.label), _p(va), _p(b.label), _p(vb)])
            shaded.extend([(0, row), (2, row)])
        else:
            (a, va), = pending
            rows.append([_p(a.label), _p(va), "", ""])
            spans.append(("SPAN", (1, row), (3, row)))
            shaded.append((0, row))
        pending.clear()

    for field in fields:
        text = _value_text(form, field, values.get(field.key))
        if _is_short(field, text):
            pending.append((field, text))
            if len(pending) == 2:
                flush()
            continue
        flush()
        row = len(rows)
        rows.append([_p(field.label), _p(text), "", ""])
        spans.append(("SPAN", (1, row), (3, row)))
        shaded.append((0, row))
    flush()
    table = Table(rows, colWidths=[label_w, half_value, label_w, half_value])
    extra = spans + [("BACKGROUND", cell, cell, SHADE) for cell in shaded]
    extra.append(("TOPPADDING", (0, 0), (-1, -1), 5))
    extra.append(("BOTTOMPADDING", (0, 0), (-1, -1), 5))
    table.setStyle(_table_style(extra))
    return table


def _data_table(form: ReferenceForm, field: FormField, value: object, width: float) -> Table:
    given: list[list] = []
    if value is not None:
        if not isinstance(value, list | tuple) or not all(isinstance(r, list | tuple) for r in value):
            raise ReferenceFormError(f"{form.number} 字段 {field.key} 的值应为行列表（每行一个列表）")
        for row in value:
            if len(row) > len(field.columns):
                raise ReferenceFormError(
                    f"{form.number} 字段 {field.key} 每行最多 {len(field.columns)} 列，收到 {len(row)} 列")
        given = [list(row) for row in value]
    numbered = field.columns[0] == "序号"
    body = []
    for index in range(max(field.rows, len(given))):
        row = given[index] if index < len(given) else []
        cells = ["" if v is None else str(v) for v in row]
        if numbered and not row:
            cells = [str(index + 1)]
        cells += [""] * (len(field.columns) - len(cells))
        body.append([_p(c) for c in cells])
    header = [_p(c) for c in field.columns]
    col_w = width / len(field.columns)
    table = Table([header, *body], colWidths=[col_w] * len(field.columns), repeatRows=1)
    table.setStyle(_table_style([
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("TOPPADDING", (0, 1), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 6),
    ]))
    return table


def _check_values(form: ReferenceForm, values: dict[str, object]) -> None:
    known = {field.key for field in form.fields()}
    for key in values:
        if key not in known:
            raise ReferenceFormError(f"{form.number} 没有字段 {key}")


def render_reference_form(number: str, *, values: dict[str, object] | None = None,
                          verification: tuple[str, str] | None = None) -> bytes:
    """Render 表N as an A4 PDF, blank or prefilled with ``values`` by field key.

    ``verification`` (code, URL) prints the block of an issued document (the 表8
    信息表 a transfer-out agency issues); application forms go without.
    """
    form = get_reference_form(number)
    values = dict(values or {})
    _check_values(form, values)
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm,
        topMargin=14 * mm, bottomMargin=14 * mm,
        initialFontName=register_cjk_font(),
        title=f"{form.number} {form.title}", author="长治市医疗保障经办", subject="参考样表",
    )
    story: list = [_p(f"{form.number}：{form.title}", "title")]
    if form.subtitle:
        story.append(_p(form.subtitle, "subtitle"))
    for section in form.sections:
        if section.title:
            story.append(_p(section.title, "heading"))
        for line in section.text:
            story.append(_p(line, "body"))
        if section.text:
            story.append(Spacer(1, 2 * mm))
        plain: list[FormField] = []
        for field in section.fields:
            if field.kind == "table":
                if plain:
                    story.append(_grid_table(form, plain, values, doc.width))
                    plain = []
                if field.label != section.title:
                    story.append(_p(field.label, "body"))
                story.append(_data_table(form, field, values.get(field.key), doc.width))
            else:
                plain.append(field)
        if plain:
            story.append(_grid_table(form, plain, values, doc.width))
        story.append(Spacer(1, 2 * mm))
    if form.footer:
        story.append(Spacer(1, 4 * mm))
        story += [_p(line, "body") for line in form.footer]
    if verification is not None:
        from yibao.documents.verification import verification_block

        story += [Spacer(1, 5 * mm), *verification_block(*verification, width=doc.width)]
    doc.build(story)
    return buffer.getvalue()
