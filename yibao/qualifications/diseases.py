"""The disease catalogs of the treatment qualifications, read from ``data/diseases.yaml``.

Kept as data (one province-wide Shanxi list, a region may replace a list): which diseases
a qualification may name, their entry criteria (as ticked on 表10), and the demo validity.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from yibao.errors import Invalid

DATA = Path(__file__).with_name("data") / "diseases.yaml"


class Disease(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name: str
    criteria: tuple[str, ...]


class DiseaseList(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    residents_only: bool = False
    minors_only: bool = False
    source: str = ""
    diseases: tuple[Disease, ...]


class DiseaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    demo_label: str
    validity_months: dict[str, int]
    notice_days: int
    lists: dict[str, DiseaseList]
    regions: dict[str, dict[str, DiseaseList]] = {}


class UnknownDisease(Invalid):
    code = "unknown_disease"


@cache
def disease_file() -> DiseaseFile:
    return DiseaseFile.model_validate(yaml.safe_load(DATA.read_text(encoding="utf-8")))


def disease_list(kind: str, region_slug: str = "") -> DiseaseList:
    """The list of ``kind`` (chronic, two_diseases, minor_major) in force in the region."""
    data = disease_file()
    return data.regions.get(region_slug, {}).get(kind) or data.lists[kind]


def find_disease(kind: str, code: str, region_slug: str = "") -> Disease:
    """The disease with ``code`` in the region's list of ``kind``, or a refusal naming the list."""
    catalog = disease_list(kind, region_slug)
    for disease in catalog.diseases:
        if disease.code == code.strip().upper():
            return disease
    raise UnknownDisease(f"字段 病种编码：「{code[:20]}」不在{catalog.label}病种目录中", field="disease_code")


def validity_months(kind: str) -> int:
    return disease_file().validity_months[kind]
