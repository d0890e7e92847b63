"""参保资助 shares by category (``data/subsidy.yaml``, dated demo values) and the map to the rules' 救助类别."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

DEMO_NOTE = "示例参数，须按本地现行文件核定"


@lru_cache(maxsize=1)
def _file() -> dict:
    return yaml.safe_load((Path(__file__).parent / "data" / "subsidy.yaml").read_text(encoding="utf-8"))


def categories() -> list[str]:
    """The categories of the civil-affairs and rural-revitalisation lists, as the import accepts them."""
    return list(_file()["categories"])


def rules_category(category: str) -> str:
    """The 救助类别 the rules parameters (aid_ratio, aid_annual_cap) are indexed by."""
    return _file()["categories"][category]["rules_category"]


def subsidy_share(category: str, day: date) -> tuple[Decimal, bool]:
    """(share of the personal resident contribution the aid fund pays, demo?) in force on ``day``."""
    found = None
    for entry in sorted(_file()["categories"][category]["shares"], key=lambda e: e["effective"]):
        if entry["effective"] <= day:
            found = entry
    if found is None:
        return Decimal("0"), False
    return Decimal(str(found["value"])), bool(found.get("demo"))
