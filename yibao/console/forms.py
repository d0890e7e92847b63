"""Parsing of the console's forms.

The forms of the console depend on the case (its checklist) or the item (its
situations and the handler's fields), so they are parsed by small functions
rather than fixed Django forms. Each returns clean values or raises
``FormError`` with a Chinese message naming the field; nothing is written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.http import QueryDict

from yibao.cases.checklist import ChecklistLine, Situation, compute_checklist
from yibao.cases.handlers import ROWS_FILE_PREFIX, field_schema, handler_for
from yibao.cases.models import CaseMaterial, CaseStatus
from yibao.cases.services import Upload
from yibao.catalog.models import Item
from yibao.catalog.schema import SpecialGroup, UnitType

CHECK_CHOICES = [
    (CaseMaterial.State.OK, "齐全"),
    (CaseMaterial.State.MISSING, "缺少"),
    (CaseMaterial.State.DEFECTIVE, "不符合要求"),
]
FLAGS = ("临期", "超期")
KINDS = [("person", "个人"), ("unit", "单位")]
# Chinese labels of handler fields (the pydantic models carry English titles).
FIELD_LABELS = {
    "unit_name": "单位名称", "unit_type": "单位类型", "insurance_types": "参保险种",
    "address": "地址", "legal_representative": "法定代表人", "contact_name": "联系人",
    "contact_phone": "联系电话",
}


class FormError(ValueError):
    """Wrong input in a console form; the message names the field."""


# --- lists -----------------------------------------------------------------------------

@dataclass
class TodoFilters:
    item_key: str = ""
    status: str = ""
    flag: str = ""


def parse_todo_filters(params: QueryDict, item_keys: set[str]) -> TodoFilters:
    filters = TodoFilters(
        item_key=params.get("item", "").strip(),
        status=params.get("status", "").strip(),
        flag=params.get("flag", "").strip(),
    )
    if filters.item_key and filters.item_key not in item_keys:
        raise FormError(f"筛选条件 事项：「{filters.item_key}」不是本统筹区现行事项")
    if filters.status and filters.status not in CaseStatus.values:
        raise FormError(f"筛选条件 状态：「{filters.status}」无效")
    if filters.flag and filters.flag not in FLAGS:
        raise FormError(f"筛选条件 时限：「{filters.flag}」无效，可选 临期、超期")
    return filters


def parse_case_list_filters(params: QueryDict) -> tuple[str, str]:
    status = params.get("status", "").strip()
    tongban = params.get("tongban", "").strip()
    if status and status not in CaseStatus.values:
        raise FormError(f"筛选条件 状态：「{status}」无效")
    if tongban not in ("", "1", "0"):
        raise FormError(f"筛选条件 通办：「{tongban}」无效，可选 1（通办）或 0（本机构受理）")
    return status, tongban


# --- windows ---------------------------------------------------------------------------

def parse_window(raw: str, windows):
    """The chosen window among the agency's windows; None when none is chosen."""
    raw = (raw or "").strip()
    if not raw:
        return None
    for window in windows:
        if str(window.pk) == raw:
            return window
    raise FormError(f"字段 窗口：「{raw}」不是本机构的在用窗口")


# --- acceptance check --------------------------------------------------------------------

@dataclass
class AcceptanceCheck:
    all_required_ok: bool
    problems: dict[int, str] = field(default_factory=dict)
    defective: set[int] = field(default_factory=set)


def parse_acceptance_check(post: QueryDict, materials: list[CaseMaterial]) -> AcceptanceCheck:
    """Every line needs a result; every non-齐全 line goes on the notice with its reason.

    Reasons are not checked here: ``issue_notice`` refuses blank ones, naming them.
    """
    valid = {value for value, _ in CHECK_CHOICES}
    unanswered = [m.name for m in materials if post.get(f"state_{m.position}", "") not in valid]
    if unanswered:
        raise FormError(f"请为每项材料选择核验结果（齐全/缺少/不符合要求）：{'、'.join(unanswered)}")
    check = AcceptanceCheck(all_required_ok=True)
    for material in materials:
        state = post[f"state_{material.position}"]
        if state == CaseMaterial.State.OK:
            continue
        if material.required:
            check.all_required_ok = False
        check.problems[material.position] = post.get(f"reason_{material.position}", "").strip()
        if state == CaseMaterial.State.DEFECTIVE:
            check.defective.add(material.position)
    return check


# --- uploads ---------------------------------------------------------------------------

def uploads_from(files, positions) -> dict[int, list[Upload]]:
    """Files posted as ``file_<position>`` (several per line allowed)."""
    uploads: dict[int, list[Upload]] = {}
    for position in positions:
        posted = files.getlist(f"file_{position}")
        if posted:
            uploads[position] = [Upload(f.name, f.read()) for f in posted]
    return uploads


def commitments_from(post: QueryDict, positions) -> set[int]:
    return {p for p in positions if post.get(f"commit_{p}")}


# --- window entry ------------------------------------------------------------------------

@dataclass
class FieldInput:
    name: str
    label: str
    widget: str  # text / number / date / select / checkboxes / checkbox / rows
    required: bool
    choices: list[str] = field(default_factory=list)
    value: object = ""
    help: str = ""
    suggestions: tuple[tuple[str, str], ...] = ()  # typical values offered while typing
    workbook: bool = False  # rows that may also be given as the handler's workbook (rowsfile_<name>)


def situation_from(params: QueryDict, item: Item | None, *, strict: bool) -> Situation:
    """The applicant's situation from the form; ``strict`` refuses bad values, else drops them."""
    kind = params.get("applicant_kind", "person")
    if kind not in dict(KINDS):
        if strict:
            raise FormError(f"字段 申请人类型：「{kind}」无效，可选 个人、单位")
        kind = "person"
    unit_type = params.get("unit_type", "").strip() or None
    if unit_type and unit_type not in UnitType._value2member_map_:
        if strict:
            raise FormError(f"字段 单位类型：「{unit_type}」无效")
        unit_type = None
    groups = params.getlist("special_groups")
    bad_groups = [g for g in groups if g not in SpecialGroup._value2member_map_]
    if bad_groups and strict:
        raise FormError(f"字段 特殊人群：「{'、'.join(bad_groups)}」无效")
    groups = [g for g in groups if g not in bad_groups]
    situations = params.getlist("situations")
    if not strict and item is not None:
        declared = set(item.data.get("situations", []))
        situations = [s for s in situations if s in declared]
    return Situation(applicant_kind=kind, unit_type=unit_type, special_groups=groups,
                     situations=situations, proxy=bool(params.get("proxy")))


def checklist_for(item: Item | None, situation: Situation) -> list[ChecklistLine]:
    return compute_checklist(item.data, situation) if item is not None else []


def field_inputs(item: Item | None, params: QueryDict | None = None) -> list[FieldInput]:
    """Inputs for the item handler's fields, from the pydantic model's JSON schema."""
    if item is None:
        return []
    handler = handler_for(item)
    schema = handler.Fields.model_json_schema()
    required = set(schema.get("required", []))
    inputs = []
    for name, raw in schema.get("properties", {}).items():
        spec = field_schema(raw)
        label = FIELD_LABELS.get(name) or spec.get("description") or spec.get("title") or name
        if spec.get("x-widget") == "rows":  # a batch of rows (表2 参保人员): one per line
            widget, choices = "rows", []
        elif "enum" in spec:
            widget, choices = "select", [str(c) for c in spec["enum"]]
        elif spec.get("type") == "array" and "enum" in spec.get("items", {}):
            widget, choices = "checkboxes", [str(c) for c in spec["items"]["enum"]]
        elif spec.get("type") == "boolean":
            widget, choices = "checkbox", []
        elif spec.get("type") in ("integer", "number"):
            widget, choices = "number", []
        elif spec.get("format") == "date":
            widget, choices = "date", []
        else:
            widget, choices = "text", []
        key = f"field_{name}"
        if params is None:
            value: object = [] if widget == "checkboxes" else ""
        elif widget == "checkboxes":
            value = params.getlist(key)
        else:
            value = params.get(key, "")
        suggestions = tuple((str(k), str(v)) for k, v in (spec.get("x-suggestions") or {}).items())
        inputs.append(FieldInput(name, label, widget, name in required, choices, value, spec.get("x-help", ""),
                                 suggestions, workbook=name in handler.workbook_rows))
    return inputs


def form_data_from(inputs: list[FieldInput], files=None, item: Item | None = None) -> dict:
    """The handler's form data; a required field left empty is refused by its Chinese label.

    Rows may come as the handler's workbook (``rowsfile_<name>``, e.g. the 费用明细清单 Excel)
    instead of typed; the handler's reader names every bad row.
    """
    data: dict = {}
    for spec in inputs:
        upload = files.get(ROWS_FILE_PREFIX + spec.name) if (files is not None and spec.workbook) else None
        if upload is not None and item is not None:
            data[spec.name] = handler_for(item).rows_from_upload(
                field=spec.name, label=spec.label, upload=upload,
                typed=spec.value if isinstance(spec.value, str) else "")
            continue
        value = spec.value
        if spec.widget == "checkbox":
            data[spec.name] = bool(value)
            continue
        if isinstance(value, str):
            value = value.strip()
        if value in ("", []):
            if spec.required:
                raise FormError(f"字段 {spec.label}：必填")
            continue
        data[spec.name] = value
    return data


def parse_money(raw: str, label: str) -> Decimal:
    """A money amount typed by a clerk: yuan with at most two decimals, never negative."""
    try:
        amount = Decimal(raw.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise FormError(f"字段 {label}：「{raw}」不是有效金额") from None
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:
        raise FormError(f"字段 {label}：金额须为非负数，最多两位小数")
    return amount
