"""Reference forms 表1–表7 prefilled from a case.

Which value goes into which box is data (``forms_data/prefill.yaml``): for each
form, a default mapping from the applicant and the enrollment records, and per
handler key the mapping of that handler's ``form_data``. A source is one of

- ``applicant.<name|id_number|phone|agent_name|agent_id_number>``, ``case.number``, ``today``;
- ``form.<key>`` (the case's form_data; ``form.a.b`` goes into a nested dict);
- ``person.<…>`` / ``unit.<…>`` / ``account.balance``: the records the item's
  handler gives (``ItemHandler.prefill``; the enrollment handlers read the Person
  of the applicant's ID number — or of the form field the mapping names in
  ``person_from`` — the Unit of the applicant's USCC or the person's current
  unit, and the personal account);
- ``record.<…>``: other values the handler gives about its domain's record (the qualification
  handlers: 险种 as the form's option, age, disease name, 审批意见);
- ``"=text"``, a constant; a list of sources takes the first that is not empty;
- ``source|id_type`` (or ``|sex``, ``|insurance_type``, ``|unit_type``, or a list the file
  defines under ``labels``): a code printed as its label;
- ``situations`` (the case's chosen situations) and ``ticked.<situation>`` ("√" when chosen).

A table field is ``{rows: [[source, …], …]}`` (fixed rows) or
``{each: form.<list>, row: [source, …]}`` where ``item.<key>`` reads the list
element and ``seq`` numbers the rows.
"""

from __future__ import annotations

import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from yibao import clock
from yibao.cases.handlers import handler_for
from yibao.documents.reference_forms import FormField, get_reference_form, render_reference_form
from yibao.enrollment.models import IdType, InsuranceType, Sex, UnitType

PREFILL_PATH = Path(__file__).parent / "forms_data" / "prefill.yaml"
# ``source|list``: a code stored in form_data printed as its label (证件类型 "01" → 居民身份证（户口簿）).
CODE_LISTS = {
    "id_type": dict(IdType.choices),
    "sex": dict(Sex.choices),
    "insurance_type": dict(InsuranceType.choices),
    "unit_type": dict(UnitType.choices),
}
OTHER_OPTION_PREFIX = "其他"

Source = str | list[str]


class TableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[list[Source]] = []
    each: str = ""
    row: list[Source] = []


class FormMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_from: Source = ""
    fields: dict[str, Source | TableSpec] = {}


class PrefillFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    forms: list[str] = Field(min_length=1)
    # Extra code lists for ``source|name``, e.g. a situation's label → the form's option.
    labels: dict[str, dict[str, str]] = {}
    defaults: dict[str, FormMapping] = {}
    handlers: dict[str, dict[str, FormMapping]] = {}


class PrefillError(ValueError):
    """The prefill data file is wrong, or a form cannot be printed for this case."""


SCOPES = ("applicant", "form", "person", "unit", "account", "record", "item", "ticked")
SPECIAL = ("today", "case.number", "seq", "situations")


def _check_source(spec: Source, where: str, labels: dict[str, dict[str, str]]) -> None:
    for one in spec if isinstance(spec, list) else [spec]:
        if one.startswith("="):
            continue
        path, _, code_list = one.partition("|")
        if code_list and code_list not in CODE_LISTS and code_list not in labels:
            known = "、".join([*CODE_LISTS, *labels])
            raise PrefillError(f"{where}：没有代码表 {code_list}（可用：{known}）")
        if path in SPECIAL:
            continue
        head, dot, rest = path.partition(".")
        if head not in SCOPES or not dot or not rest:
            raise PrefillError(f"{where}：来源「{one}」无效，应为 {'、'.join(SCOPES)}.<字段>、today、case.number、seq 或 =常量")


def parse_prefill(text: str, *, source: str = "预填映射文件") -> PrefillFile:
    """Parse and check the mapping: known forms, known field keys, table specs on table fields only."""
    try:
        data = PrefillFile.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise PrefillError(f"{source} 格式错误：{exc}") from exc
    mappings = [("defaults", data.defaults)] + [(f"handlers.{key}", forms) for key, forms in data.handlers.items()]
    for where, forms in mappings:
        for number, mapping in forms.items():
            if number not in data.forms:
                raise PrefillError(f"{source} {where}：{number} 不在可预填的表单 {data.forms} 中")
            form = get_reference_form(number)
            known = {f.key: f for f in form.fields()}
            if mapping.person_from:
                _check_source(mapping.person_from, f"{source} {where}.{number}.person_from", data.labels)
            for key, spec in mapping.fields.items():
                if key not in known:
                    raise PrefillError(f"{source} {where}.{number}：{number}没有字段 {key}")
                if isinstance(spec, TableSpec) != (known[key].kind == "table"):
                    raise PrefillError(f"{source} {where}.{number}.{key}：表格字段用 rows/each，其他字段用来源")
                label = f"{source} {where}.{number}.{key}"
                if isinstance(spec, TableSpec):
                    for cell in [*(c for row in spec.rows for c in row), *spec.row]:
                        _check_source(cell, label, data.labels)
                    if spec.each:
                        _check_source(spec.each, label, data.labels)
                else:
                    _check_source(spec, label, data.labels)
    return data


@cache
def load_prefill() -> PrefillFile:
    return parse_prefill(PREFILL_PATH.read_text(encoding="utf-8"), source=PREFILL_PATH.name)


# --- the case's values -----------------------------------------------------------------------

def _dig(data: Any, path: list[str]) -> Any:
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


class CaseValues:
    """The values a mapping can read, built once per case (a few queries)."""

    def __init__(self, case, *, person_from: Source = "", labels: dict[str, dict[str, str]] | None = None):
        self.case = case
        self.labels = labels or {}
        self.situations = list((case.situation or {}).get("situations", []))
        self.form = case.form_data or {}
        self.applicant = {"name": case.applicant_name, "id_number": case.applicant_id_number,
                          "phone": case.applicant_phone, "agent_name": case.agent_name,
                          "agent_id_number": case.agent_id_number}
        person_id = str(self.resolve(person_from) or "") if person_from else ""
        # The handler knows its domain's records (the enrollment handlers: person, unit, account).
        records = handler_for(case.item).prefill(case, person_id_number=person_id)
        self.person = records.get("person", {})
        self.unit = records.get("unit", {})
        self.account = records.get("account", {})
        self.record = records.get("record", {})

    def resolve(self, source: Source, item: dict | None = None, seq: int = 0) -> Any:
        if isinstance(source, list):
            for option in source:
                value = self.resolve(option, item, seq)
                if value not in (None, "", []):
                    return value
            return None
        if source.startswith("="):
            return source[1:]
        if source == "today":
            return clock.today()
        if source == "case.number":
            return self.case.number
        if source == "seq":
            return seq
        source, _, code_list = source.partition("|")
        if code_list:
            table = self.labels.get(code_list) or CODE_LISTS.get(code_list)
            if table is None:
                raise PrefillError(f"预填来源「{source}|{code_list}」：没有代码表 {code_list}")
            value = self.resolve(source, item, seq)
            if isinstance(value, list):
                return [table.get(str(v), v) for v in value]
            return table.get(str(value), value) if value not in (None, "") else value
        if source == "situations":
            return list(self.situations)
        if source.startswith("ticked."):
            # A 表 column ticked per row when the case's situation (业务类型) is that column.
            return "√" if source.removeprefix("ticked.") in self.situations else ""
        head, _, rest = source.partition(".")
        path = rest.split(".") if rest else []
        scopes = {"applicant": self.applicant, "form": self.form, "person": getattr(self, "person", {}),
                  "unit": getattr(self, "unit", {}), "account": getattr(self, "account", {}), "record": getattr(self, "record", {}),
                  "item": item or {}}
        if head not in scopes:
            raise PrefillError(f"预填来源「{source}」无效")
        return _dig(scopes[head], path)


def _fit(field: FormField, value: Any) -> Any:
    """Make a value fit its box: choices keep known options (others tick 其他), dates parse, text is str."""
    if value in (None, ""):
        return None
    if field.kind in ("choice", "checkbox"):
        options = value if isinstance(value, list | tuple) else [value]
        other = next((c for c in field.choices if c.startswith(OTHER_OPTION_PREFIX)), None)
        chosen = []
        for option in map(str, options):
            pick = option if option in field.choices else other
            if pick and pick not in chosen:
                chosen.append(pick)
        if not chosen:
            return None
        return chosen[0] if field.kind == "choice" else chosen
    if field.kind == "date":
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    if field.kind == "money":
        return value
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def _cell(value: Any) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    return str(value)


def _handler_key(case) -> str:
    return case.item.data.get("handler") or handler_for(case.item).key


def forms_for_case(case) -> list[str]:
    """表N the case page offers: the item's own forms among 表1–表7; for an item
    without a forms list (Taiyuan, Jincheng), the forms its handler is mapped to."""
    data = load_prefill()
    own = case.item.data.get("forms", [])
    if own:
        return [number for number in own if number in data.forms]
    return list(data.handlers.get(_handler_key(case), {}))


def _table(values_of: CaseValues, field: FormField, spec: TableSpec) -> list[list[str]]:
    rows = [[_cell(values_of.resolve(s, seq=i + 1)) for s in row] for i, row in enumerate(spec.rows)]
    if spec.each:
        items = values_of.resolve(spec.each) or []
        for item in items if isinstance(items, list) else []:
            element = item if isinstance(item, dict) else {"value": item}
            rows.append([_cell(values_of.resolve(s, element, len(rows) + 1)) for s in spec.row])
    # A row with only its number is no row.
    return [row[:len(field.columns)] for row in rows if any(row[1:])]


def prefill_values(case, number: str) -> dict[str, Any]:
    """The values of 表N for this case: the handler's mapping first, the default mapping where it gives nothing."""
    data = load_prefill()
    if number not in forms_for_case(case):
        raise PrefillError(f"办件 {case.number} 的事项不使用{number}")
    form = get_reference_form(number)
    default = data.defaults.get(number, FormMapping())
    specific = data.handlers.get(_handler_key(case), {}).get(number, FormMapping())
    values_of = CaseValues(case, person_from=specific.person_from or default.person_from, labels=data.labels)
    values: dict[str, Any] = {}
    for key in {**default.fields, **specific.fields}:
        field = form.field(key)
        for mapping in (specific, default):
            spec = mapping.fields.get(key)
            if spec is None:
                continue
            value = (_table(values_of, field, spec) if isinstance(spec, TableSpec)
                     else _fit(field, values_of.resolve(spec)))
            if value not in (None, [], ""):
                values[key] = value
                break
    return values


def render_case_form(case, number: str) -> bytes:
    """表N as a PDF prefilled from the case."""
    return render_reference_form(number, values=prefill_values(case, number))
