"""Reads of the rules domain: the region's rule book (file + console overlay), parameter
timelines for the console, a person's year so far."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Max

from yibao.rules.calculator import ZERO, Usage
from yibao.rules.models import ParameterValue, YearUsage
from yibao.rules.parameters import (
    DIMENSIONS,
    KINDS,
    Bracket,
    Reference,
    RuleBook,
    Series,
    Value,
    file_rulebook,
    regions,
)

_lock = threading.Lock()
_books: dict[str, tuple[int, RuleBook]] = {}


def series_key_text(key: dict[str, list[str]] | dict[str, frozenset[str]]) -> str:
    """The canonical text of a series key (sorted dimensions, sorted values)."""
    return json.dumps({d: sorted(v) for d, v in sorted(key.items())}, ensure_ascii=False)


def _as_value(row: ParameterValue) -> Value:
    value: Decimal | tuple[Bracket, ...] | None
    if row.brackets is not None:
        value = tuple(Bracket(Decimal(t), Decimal(r)) for t, r in row.brackets)
    else:
        value = row.value
    return Value(
        effective=row.effective, value=value, demo=False,
        reference=Reference(row.reference_number, row.reference_article, row.reference_title,
                            row.reference_issued),
        note=row.note, source="console",
    )


def current_rulebook(region: str) -> RuleBook:
    """The region's parameters: file values with the console's dated values merged over them.

    Console rows are never edited or deleted, so the highest row id tells whether the cached
    book is current: one small query per call, the merge only when something was added.
    """
    base = file_rulebook(region)
    marker = ParameterValue.objects.filter(region=region).aggregate(m=Max("id"))["m"] or 0
    with _lock:
        cached = _books.get(region)
        if cached and cached[0] == marker:
            return cached[1]
    rows = [(r.parameter, r.key, _as_value(r)) for r in ParameterValue.objects.filter(region=region)]
    book = base.with_overlay(rows) if rows else base
    with _lock:
        _books[region] = (marker, book)
    return book


@dataclass(frozen=True)
class TimelineRow:
    series_index: int
    series_label: str
    series_key: str
    values: list[Value]
    in_force: Value | None


@dataclass(frozen=True)
class Timeline:
    name: str
    label: str
    kind: str
    kind_label: str
    description: str
    maximum: Decimal | None
    rows: list[TimelineRow]

    @property
    def uses_demo(self) -> bool:
        return any(r.in_force is not None and r.in_force.demo for r in self.rows)


def parameter_timelines(region: str, *, on: date) -> list[Timeline]:
    """Every parameter of ``region`` with each series' dated values and the one in force ``on``."""
    book = current_rulebook(region)
    out = []
    for name, p in book.parameters.items():
        rows = []
        for i, s in enumerate(p.series):
            rows.append(TimelineRow(i, s.label(), series_key_text(s.key), list(s.values), s.as_of(on)))
        out.append(Timeline(name, p.label, p.kind, KINDS[p.kind], p.description, p.maximum, rows))
    return out


def series_of(region: str, parameter: str, series_index: int) -> Series | None:
    book = current_rulebook(region)
    p = book.parameters.get(parameter)
    if p is None or not (0 <= series_index < len(p.series)):
        return None
    return p.series[series_index]


def usage_snapshot(row: YearUsage | None) -> Usage:
    """The calculator's ``Usage`` from a ledger row (all zero when there is none yet)."""
    if row is None:
        return Usage()
    return Usage(row.deductible_used, row.fund_paid, row.serious_illness_accumulated,
                 row.serious_illness_paid, row.aid_paid)


def usage_of(person, *, year: int, insurance_type: str) -> Usage:
    """A person's year so far (unlocked read: for display and 试算, never for paying)."""
    row = YearUsage.objects.filter(person=person, year=year, insurance_type=insurance_type).first()
    return usage_snapshot(row)


__all__ = ["ZERO", "DIMENSIONS", "current_rulebook", "parameter_timelines", "regions", "series_of",
           "usage_of", "usage_snapshot", "series_key_text"]
