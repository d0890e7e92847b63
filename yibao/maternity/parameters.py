"""The maternity parameters and item settings (``data/items.yaml``).

The parameters are the rules app's dated parameters (``yibao/rules/data/<region>.yaml``, read
through ``current_rulebook``, so the console's values apply and system check rules.E002 covers
them): reading "as of" a day takes the latest value whose date is on or before that day.
``demo`` marks a 示例参数 (the official amount is not known here); ``to_confirm`` a value whose
source must be checked (Shanxi's extension of maternity leave).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data"
DEMO_NOTE = "示例参数，须按本地现行文件核定"
CONFIRM_NOTE = "待核实：须按现行《山西省人口和计划生育条例》确认"
KINDS = ("prenatal", "delivery", "family_planning", "allowance")


class ParameterMissing(LookupError):
    """A value asked for on a day none is in force (a data error, reported by the handler)."""


@dataclass(frozen=True)
class Value:
    label: str
    effective: date
    value: Decimal | str
    demo: bool
    to_confirm: bool
    reference: str

    @property
    def note(self) -> str:
        if self.demo:
            return DEMO_NOTE
        if self.to_confirm:
            return CONFIRM_NOTE
        return self.reference


@dataclass(frozen=True)
class ItemSetting:
    kind: str
    insurance: tuple[str, ...]
    fund: str
    arrears: bool = False


def value(name: str, day: date, *, region: str) -> Value:
    """The value of ``name`` in force on ``day`` in ``region``: the rules app's dated parameters
    (``yibao/rules/data/<region>.yaml``) with the console's values merged over them."""
    from yibao.rules.parameters import ParameterMissing as RulesParameterMissing
    from yibao.rules.selectors import current_rulebook

    try:
        book = current_rulebook(region)
    except RulesParameterMissing as exc:
        raise ParameterMissing(f"生育保险参数「{name}」未配置（{region}）") from exc
    parameter = book.parameters.get(name)
    if parameter is None:
        raise ParameterMissing(f"生育保险参数「{name}」未配置（{region}）")
    try:
        found = book.lookup(name, day)
    except RulesParameterMissing as exc:
        raise ParameterMissing(f"生育保险参数「{parameter.label}」在 {day:%Y-%m-%d} 没有取值") from exc
    reference = str(found.reference)
    if found.note:
        reference = f"{reference}；{found.note}" if reference else found.note
    return Value(label=parameter.label, effective=found.effective, value=found.value,  # type: ignore[arg-type]
                 demo=found.demo, to_confirm=found.to_confirm, reference=reference)


@lru_cache(maxsize=1)
def _items() -> dict:
    return yaml.safe_load((DATA / "items.yaml").read_text(encoding="utf-8"))


def item_setting(handler_key: str) -> ItemSetting:
    raw = _items().get(handler_key)
    if raw is None or handler_key == "unit_payee":
        raise ParameterMissing(f"事项处理器 {handler_key} 未在生育保险事项设置中登记")
    return ItemSetting(kind=raw["kind"], insurance=tuple(raw["insurance"]), fund=raw["fund"],
                       arrears=bool(raw.get("arrears")))


def handler_keys() -> list[str]:
    return [key for key in _items() if key != "unit_payee"]


def paid_to_unit(region: str, kind: str) -> bool:
    """Whether ``region`` pays this benefit to the employer (Taiyuan: 生育津贴 and 产前检查费)."""
    return kind in (_items().get("unit_payee") or {}).get(region, [])
