"""Per-region enrollment rules (RegionPolicy), with defaults from data/policies.yaml."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from yibao.agencies.models import Region
from yibao.enrollment.models import RegionPolicy

POLICY_FILE = Path(__file__).parent / "data" / "policies.yaml"


@cache
def _file_defaults() -> dict:
    data = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))
    return data


def defaults_for(region_code: str) -> dict:
    data = _file_defaults()
    values = {**data["defaults"], **(data.get("regions", {}).get(region_code) or {})}
    for key in ("unit_rate", "personal_rate", "flexible_rate", "resident_yearly_fee"):
        values[key] = Decimal(str(values[key]))
    return values


def policy_for(region: Region) -> RegionPolicy:
    """The region's policy row, created from the data file's defaults on first use."""
    policy, _ = RegionPolicy.objects.get_or_create(region=region, defaults=defaults_for(region.code))
    return policy


def _month_day(text: str, year: int) -> date:
    month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def resident_window(region: Region, year: int) -> tuple[date, date]:
    """The resident enrollment window (集中参保期) of ``year`` in ``region``."""
    policy = policy_for(region)
    return _month_day(policy.resident_window_start, year), _month_day(policy.resident_window_end, year)


def in_resident_window(region: Region, day: date) -> bool:
    start, end = resident_window(region, day.year)
    return start <= day <= end
