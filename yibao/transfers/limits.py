"""Leg time limits per region, from data/leg_limits.yaml (national 43号 figures as default)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

DATA_FILE = Path(__file__).parent / "data" / "leg_limits.yaml"


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    basis: str
    letter: int = Field(ge=0)
    transfer_out: int = Field(ge=0)
    transfer_in: int = Field(ge=0)


class LimitsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: Limits
    regions: dict[str, Limits] = {}


@cache
def load_limits() -> LimitsFile:
    return LimitsFile.model_validate(yaml.safe_load(DATA_FILE.read_text(encoding="utf-8")))


def limits_for(region_code: str) -> Limits:
    """The leg limits (working days) of a region: its own entry, else the national default."""
    data = load_limits()
    return data.regions.get(region_code, data.default)


def leg_limit(region_code: str, leg_kind: str) -> int:
    return getattr(limits_for(region_code), leg_kind)
