"""The designation procedure's data: per-region rules and the evaluation criteria (``data/*.yaml``).

Both files are validated by pydantic models that refuse unknown keys, so a typo in
the data fails at start-up naming the key, not silently in a case.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

DATA = Path(__file__).parent / "data"
DEMO_LABEL = "示例参数，须按本地现行文件核定"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Publicity(_Strict):
    days: int = Field(ge=1, le=60)
    kind: Literal["working_days", "natural_days"]
    legal_reference: str = ""


class Parameter(_Strict):
    value: int = Field(ge=1)
    legal_reference: str = ""

    @property
    def is_demo(self) -> bool:
        return not self.legal_reference


class RegionRules(_Strict):
    publicity: Publicity
    evaluation_rounds: Parameter
    agreement_years: Parameter
    separate_opening: bool = False

    def demo_notes(self) -> list[str]:
        """The parameters used without a legal reference, as the screen and the agreement print them."""
        notes = []
        if not self.publicity.legal_reference:
            notes.append(f"公示期 {self.publicity.days} 日：{DEMO_LABEL}")
        if self.agreement_years.is_demo:
            notes.append(f"协议期限 {self.agreement_years.value} 年：{DEMO_LABEL}")
        if self.evaluation_rounds.is_demo:
            notes.append(f"评估次数上限 {self.evaluation_rounds.value} 次：{DEMO_LABEL}")
        return notes


class RulesFile(_Strict):
    regions: dict[str, RegionRules]
    default: RegionRules
    suspend_reasons: dict[str, str]
    termination_reasons: dict[str, str]


class Computed(_Strict):
    operated_months: int | None = None
    beds_above: int | None = None


class Criterion(_Strict):
    code: str
    label: str
    computed: Computed | None = None


class CriteriaFile(_Strict):
    hospital: list[Criterion]
    pharmacy: list[Criterion]


@cache
def rules_file() -> RulesFile:
    return RulesFile.model_validate(yaml.safe_load((DATA / "rules.yaml").read_text(encoding="utf-8")))


@cache
def criteria_file() -> CriteriaFile:
    return CriteriaFile.model_validate(yaml.safe_load((DATA / "criteria.yaml").read_text(encoding="utf-8")))


def region_rules(region_slug: str) -> RegionRules:
    """The designation rules of a region (``default`` where the region has none)."""
    data = rules_file()
    return data.regions.get(region_slug, data.default)


def criteria_for(kind: str) -> list[Criterion]:
    """The evaluation criteria of an institution kind ("hospital" / "pharmacy")."""
    return list(getattr(criteria_file(), kind))
