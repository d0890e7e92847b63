"""The per-item rules of the 零星报销 handlers (``data/items.yaml``), validated on load.

A misspelt key is refused naming file, entry and key, so a rule cannot be silently ignored.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

ITEMS_FILE = Path(__file__).parent / "data" / "items.yaml"
Fact = Literal["died", "referred", "offsite", "accident", "inpatient", "outpatient", "agent_account",
               "long_term_offsite", "chronic", "special_drug"]


class ItemRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    source: str
    care: Literal["outpatient", "inpatient", "any"]
    insurance_types: list[Literal["310", "390"]] = Field(min_length=1)
    payees: list[Literal["本人", "代办人", "单位"]] = Field(min_length=1)
    situations: dict[Fact, str] = Field(default_factory=dict)
    accident_only: bool = False
    minor_only: bool = False
    arrears_paid_required: bool = False
    referral_deduction: bool = False
    qualification_required: bool = False
    # Jincheng 七: accident costs are paid only after a 符合 意外伤害认定.
    accident_determination_required: bool = False


class ItemRulesError(ValueError):
    pass


@cache
def item_rules() -> dict[str, ItemRule]:
    """Handler key → its rule."""
    raw = yaml.safe_load(ITEMS_FILE.read_text(encoding="utf-8")) or {}
    rules = {}
    for key, entry in raw.items():
        try:
            rules[key] = ItemRule.model_validate(entry)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise ItemRulesError(f"{ITEMS_FILE.name} 条目 {key} 的 {where}：{error['msg']}") from exc
    return rules


def rule_for(key: str) -> ItemRule:
    return item_rules()[key]
