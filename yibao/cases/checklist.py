"""The material checklist of an item for one applicant's situation."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from yibao.catalog.editorial import public_text
from yibao.catalog.schema import SpecialGroup, UnitType


class Situation(BaseModel):
    """What the applicant tells us before the checklist is computed."""

    model_config = ConfigDict(extra="forbid")

    applicant_kind: str = Field(pattern="^(person|unit|institution)$")
    unit_type: UnitType | None = None
    special_groups: list[SpecialGroup] = []
    situations: list[str] = []
    proxy: bool = False


@dataclass(frozen=True)
class ChecklistLine:
    position: int
    name: str
    required: bool
    commitment_alternative: str
    note: str


def _applies(conditions: dict, situation: Situation) -> bool:
    kinds = conditions.get("applicant_kinds") or []
    if kinds and situation.applicant_kind not in kinds:
        return False
    unit_types = conditions.get("unit_types") or []
    if unit_types and (situation.unit_type is None or situation.unit_type.value not in unit_types):
        return False
    groups = conditions.get("special_groups") or []
    if groups and not {g.value for g in situation.special_groups} & set(groups):
        return False
    situations = conditions.get("situations") or []
    if situations and not set(situation.situations) & set(situations):
        return False
    if conditions.get("proxy") and not situation.proxy:
        return False
    return True


def _display_name(material: dict) -> str:
    copies = material.get("copies")
    if copies and copies not in material["name"]:
        return f"{material['name']}（{copies}）"
    return material["name"]


def compute_checklist(item_data: dict, situation: Situation) -> list[ChecklistLine]:
    """Every material of the item that applies to this situation, in catalog order.

    ``position`` is the material's index in the catalog entry, so a line can be
    traced back to the published item whatever else the checklist omits.
    """
    lines = []
    for index, material in enumerate(item_data.get("materials", [])):
        if not _applies(material.get("conditions", {}), situation):
            continue
        lines.append(ChecklistLine(
            position=index,
            name=_display_name(material),
            required=not material.get("optional", False),
            commitment_alternative=material.get("commitment_alternative") or "",
            note=public_text(material.get("note")),
        ))
    return lines


def unknown_situations(item_data: dict, situation: Situation) -> list[str]:
    declared = set(item_data.get("situations", []))
    return [s for s in situation.situations if s not in declared]
