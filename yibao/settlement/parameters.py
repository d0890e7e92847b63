"""Dated settlement parameters (``data/parameters.yaml``); every value here is a labelled demo value."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEMO_NOTE = "示例参数，须按本地现行文件核定"
PATH = Path(__file__).parent / "data" / "parameters.yaml"


@dataclass(frozen=True)
class Value:
    value: Any
    effective: datetime.date
    demo: bool
    legal_reference: str


@cache
def _table() -> dict[str, list[Value]]:
    raw = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    table: dict[str, list[Value]] = {}
    for name, entries in raw.items():
        values = []
        for entry in entries:
            unknown = set(entry) - {"effective", "value", "demo", "legal_reference"}
            if unknown:
                raise ValueError(f"{PATH.name}：参数 {name} 含未知字段 {sorted(unknown)}")
            values.append(Value(value=entry.get("value"), effective=datetime.date.fromisoformat(entry["effective"]),
                                demo=bool(entry.get("demo")), legal_reference=entry.get("legal_reference") or ""))
        table[name] = sorted(values, key=lambda v: v.effective)
    return table


def as_of(name: str, day: datetime.date) -> Value:
    """The value of parameter ``name`` in force on ``day`` (the latest effective on or before it)."""
    found = [v for v in _table()[name] if v.effective <= day]
    if not found or found[-1].value is None:
        raise LookupError(f"结算参数 {name} 在 {day:%Y-%m-%d} 没有有效值")
    return found[-1]


def deposit_share(day: datetime.date) -> Value:
    value = as_of("deposit_share", day)
    return Value(Decimal(str(value.value)), value.effective, value.demo, value.legal_reference)


def fund_caps(day: datetime.date) -> tuple[dict[str, Decimal], bool]:
    value = as_of("fund_cap_per_settlement", day)
    return {k: Decimal(str(v)) for k, v in value.value.items()}, value.demo


def deposit_return_share(score: Decimal, day: datetime.date) -> tuple[Decimal, bool]:
    value = as_of("deposit_return_by_score", day)
    for band in sorted(value.value, key=lambda b: -b["min_score"]):
        if score >= Decimal(str(band["min_score"])):
            return Decimal(str(band["share"])), value.demo
    return Decimal("0"), value.demo
