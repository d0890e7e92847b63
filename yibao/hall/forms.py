"""Parsing the hall's forms: the applicant's situation, uploads and item fields.

Each parser returns plain values for a service or raises ``FormError`` with a
Chinese message naming the field; the services check everything again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from pydantic import BaseModel

from yibao.cases.checklist import Situation
from yibao.cases.handlers import ROWS_FILE_PREFIX, field_schema
from yibao.cases.services import Upload
from yibao.catalog.schema import SpecialGroup, UnitType

MATERIAL_PREFIX = "material_"
COMMIT_PREFIX = "commit_"
FIELD_PREFIX = "field_"
UNIT_TYPES = [t.value for t in UnitType]
SPECIAL_GROUPS = [g.value for g in SpecialGroup]

# Chinese labels of handler fields whose pydantic models carry English titles.
FIELD_LABELS = {
    "unit_name": "单位名称",
    "unit_type": "单位类型",
    "insurance_types": "参保险种",
    "address": "单位地址",
    "legal_representative": "法定代表人",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
}


class FormError(ValueError):
    """Bad input on a hall form; the message names the field, in Chinese."""


@dataclass
class SituationInput:
    """What the applicant ticked, as the form shows it back."""

    unit_type: str = ""
    special_groups: list[str] = field(default_factory=list)
    situations: list[str] = field(default_factory=list)
    proxy: bool = False
    agent_name: str = ""
    agent_id_number: str = ""

    def as_situation(self, applicant_kind: str) -> Situation:
        return Situation(
            applicant_kind=applicant_kind, unit_type=self.unit_type or None,
            special_groups=self.special_groups, situations=self.situations, proxy=self.proxy,
        )

    def as_service_dict(self) -> dict:
        data: dict = {"special_groups": self.special_groups, "situations": self.situations,
                      "proxy": self.proxy}
        if self.unit_type:
            data["unit_type"] = self.unit_type
        return data


def parse_situation(data: QueryDict, *, applicant_kind: str, item_situations: list[str]) -> SituationInput:
    """The situation inputs of the apply form (GET for the checklist partial, POST to submit)."""
    unit_type = data.get("unit_type", "").strip()
    if unit_type and applicant_kind != "unit":
        raise FormError("字段 单位类型：仅单位申请时填写")
    if unit_type and unit_type not in UNIT_TYPES:
        raise FormError(f"字段 单位类型：「{unit_type}」无效，可选：{'、'.join(UNIT_TYPES)}")
    groups = data.getlist("special_groups")
    bad = [g for g in groups if g not in SPECIAL_GROUPS]
    if bad:
        raise FormError(f"字段 特殊人群：「{'、'.join(bad)}」无效，可选：{'、'.join(SPECIAL_GROUPS)}")
    situations = data.getlist("situations")
    bad = [s for s in situations if s not in item_situations]
    if bad:
        raise FormError(f"字段 办理情形：本事项没有「{'、'.join(bad)}」这一情形")
    return SituationInput(
        unit_type=unit_type, special_groups=list(dict.fromkeys(groups)),
        situations=list(dict.fromkeys(situations)), proxy=data.get("proxy") in ("1", "on", "true"),
        agent_name=data.get("agent_name", "").strip(), agent_id_number=data.get("agent_id_number", "").strip(),
    )


def _position(key: str, prefix: str, label: str) -> int:
    raw = key.removeprefix(prefix)
    if not raw.isdigit():
        raise FormError(f"字段 {label}：「{key}」不是有效的材料序号")
    return int(raw)


def parse_uploads(files: MultiValueDict) -> dict[int, list[Upload]]:
    """``material_<position>`` file inputs → the service's uploads by catalog position."""
    uploads: dict[int, list[Upload]] = {}
    for key in files:
        if not key.startswith(MATERIAL_PREFIX):
            continue
        position = _position(key, MATERIAL_PREFIX, "上传材料")
        chosen = [Upload(f.name, f.read()) for f in files.getlist(key)]
        if chosen:
            uploads[position] = chosen
    return uploads


def parse_commitments(data: QueryDict) -> set[int]:
    """``commit_<position>`` checkboxes: the 承诺书 replaces that material."""
    return {_position(key, COMMIT_PREFIX, "以承诺书代替") for key in data
            if key.startswith(COMMIT_PREFIX) and data.get(key)}


@dataclass(frozen=True)
class FieldSpec:
    """One input of an item's own fields, derived from its pydantic JSON schema."""

    name: str
    label: str
    kind: str  # "text" | "date" | "number" | "yesno" | "select" | "checkboxes" | "rows"
    required: bool
    choices: tuple[str, ...] = ()
    help: str = ""
    # Typical values offered while typing (``x-suggestions``: value → label), e.g. 医疗类别 codes.
    suggestions: tuple[tuple[str, str], ...] = ()
    workbook: bool = False  # rows that may also be uploaded as a workbook

    @property
    def workbook_input_name(self) -> str:
        return ROWS_FILE_PREFIX + self.name

    @property
    def input_name(self) -> str:
        return FIELD_PREFIX + self.name


def _label(name: str, schema: dict) -> str:
    title = schema.get("description") or schema.get("title") or ""
    if title and not title.isascii():
        return title
    return FIELD_LABELS.get(name, title or name)


YES_NO_CHOICES = ("是", "否")


def field_specs(model: type[BaseModel], *, workbook_rows: frozenset[str] = frozenset()) -> list[FieldSpec]:
    """Simple inputs for a handler's fields: string → text, date → a date picker, integer → a
    number, boolean → 是/否, enum → select, list of enum → checkboxes, list of rows
    (``x-widget: rows``, e.g. 表2's 参保人员) → a textarea, one row a line.

    The empty choice of an optional enum is the select's own "（请选择）".
    """
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    specs = []
    for name, raw in schema.get("properties", {}).items():
        prop = field_schema(raw)
        label = _label(name, prop)
        if prop.get("x-widget") == "rows":
            specs.append(FieldSpec(name, label, "rows", name in required, help=prop.get("x-help", ""),
                                   workbook=name in workbook_rows))
        elif prop.get("type") == "array" and "enum" in prop.get("items", {}):
            specs.append(FieldSpec(name, label, "checkboxes", name in required, tuple(prop["items"]["enum"])))
        elif "enum" in prop:
            specs.append(FieldSpec(name, label, "select", name in required,
                                   tuple(c for c in prop["enum"] if c != "")))
        elif prop.get("type") == "boolean":
            specs.append(FieldSpec(name, label, "yesno", name in required, YES_NO_CHOICES))
        elif prop.get("format") == "date":
            specs.append(FieldSpec(name, label, "date", name in required))
        elif prop.get("type") == "integer":
            specs.append(FieldSpec(name, label, "number", name in required))
        else:
            suggestions = tuple((str(k), str(v)) for k, v in (prop.get("x-suggestions") or {}).items())
            specs.append(FieldSpec(name, label, "text", name in required, suggestions=suggestions))
    return specs


def parse_item_fields(specs: list[FieldSpec], data: QueryDict, files: MultiValueDict | None = None,
                      handler=None) -> dict:
    """The item's own fields as ``form_data``; required and choice checks name the field in Chinese.

    Rows given as a workbook (``rowsfile_<name>``) are read by the item's handler
    (``rows_from_upload``), which refuses them beside typed rows.
    """
    values: dict = {}
    for spec in specs:
        upload = files.get(spec.workbook_input_name) if (files is not None and spec.workbook) else None
        if upload is not None and handler is not None:
            values[spec.name] = handler.rows_from_upload(field=spec.name, label=spec.label, upload=upload,
                                                         typed=data.get(spec.input_name, ""))
            continue
        if spec.kind == "checkboxes":
            chosen = list(dict.fromkeys(data.getlist(spec.input_name)))
            bad = [c for c in chosen if c not in spec.choices]
            if bad:
                raise FormError(f"字段 {spec.label}：「{'、'.join(bad)}」无效，可选：{'、'.join(spec.choices)}")
            if spec.required and not chosen:
                raise FormError(f"字段 {spec.label}：请至少选择一项")
            values[spec.name] = chosen
            continue
        if spec.kind == "rows":
            # The text goes to the handler as typed: its fields parse it line by line and the
            # services name each bad line ("第 3 行 证件号码：…").
            text = data.get(spec.input_name, "")
            if not text.strip():
                if spec.required:
                    raise FormError(f"字段 {spec.label}：必填，每行一人")
                continue
            values[spec.name] = text
            continue
        value = data.get(spec.input_name, "").strip()
        if not value:
            if spec.required:
                raise FormError(f"字段 {spec.label}：必填")
            continue
        if spec.kind in ("select", "yesno") and value not in spec.choices:
            raise FormError(f"字段 {spec.label}：「{value}」无效，可选：{'、'.join(spec.choices)}")
        # 是/否 reaches the handler as a boolean; dates and numbers as typed, for its own checks.
        values[spec.name] = (value == "是") if spec.kind == "yesno" else value
    return values
