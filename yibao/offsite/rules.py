"""Which filing categories a catalog item covers, and what each category requires.

Read from ``data/filing_items.yaml`` (validated by pydantic); see that file for
the policy sources.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

DATA_FILE = Path(__file__).parent / "data" / "filing_items.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryRule(_Strict):
    label: str
    form_category: str
    long_term: bool
    needs_hospital: bool = False
    hospital_files: bool = False
    may_backdate: bool = False


class ItemRule(_Strict):
    categories: tuple[str, ...] = Field(min_length=1)
    insurance_types: tuple[str, ...] = ("310", "390")
    person_categories: tuple[str, ...] = ()
    batch_situation: str = ""  # the situation under which a unit files a 花名表
    roster_material: str = ""  # the catalog material the 花名表 file is uploaded as
    cross_province: bool = False


class FilingRules(_Strict):
    categories: dict[str, CategoryRule]
    commitment_text: str
    temporary_min_months: int = Field(ge=1)
    items: dict[str, dict[str, ItemRule]]

    @model_validator(mode="after")
    def _known_categories(self) -> FilingRules:
        for city, items in self.items.items():
            for key, rule in items.items():
                unknown = [c for c in rule.categories if c not in self.categories]
                if unknown:
                    raise ValueError(f"{city}/{key}：未知的备案类别 {unknown}")
        return self


@cache
def filing_rules() -> FilingRules:
    return FilingRules.model_validate(yaml.safe_load(DATA_FILE.read_text(encoding="utf-8")))


def category_rule(category: str) -> CategoryRule:
    return filing_rules().categories[category]


def category_label(category: str) -> str:
    rule = filing_rules().categories.get(category)
    return rule.label if rule else category


def category_by_label(label: str) -> str | None:
    for key, rule in filing_rules().categories.items():
        if rule.label == label:
            return key
    return None


def long_term_categories() -> list[str]:
    return [key for key, rule in filing_rules().categories.items() if rule.long_term]


def item_rule(item) -> ItemRule | None:
    """The rule of a catalog item (``yibao.catalog.models.Item``), or None if it files nothing."""
    city = item.version.region.slug
    return filing_rules().items.get(city, {}).get(item.key)
