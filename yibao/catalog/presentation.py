"""Shape catalog entries for output (JSON export, API, guides).

Group items (a main item whose content lives in its sub-items) have no time
limit of their own in the seeds; for lists and exports we show the sub-items'
limit when they agree and the longest one otherwise, saying so in the text.
"""

from __future__ import annotations

from yibao.catalog.editorial import public_notes, public_text
from yibao.catalog.schema import CityCatalog, Item, TimeLimit, TimeLimitKind

KIND_LABELS = {
    TimeLimitKind.INSTANT: "即时办结",
    TimeLimitKind.WORKING_DAYS: "个工作日",
    TimeLimitKind.NATURAL_DAYS: "个自然日",
}


def describe_time_limit(limit: TimeLimit) -> str:
    if limit.kind is TimeLimitKind.INSTANT:
        return "即时办结"
    return f"{limit.days}{KIND_LABELS[limit.kind]}"


def _limit_rank(limit: TimeLimit) -> tuple[int, int]:
    # Natural days are shorter than the same number of working days; this rough
    # weight (7 natural ≈ 5 working) only decides which sub-item limit is longest.
    if limit.kind is TimeLimitKind.INSTANT:
        return (0, 0)
    weight = 5 if limit.kind is TimeLimitKind.NATURAL_DAYS else 7
    return (1, (limit.days or 0) * weight)


def group_time_limit(children: list[Item]) -> TimeLimit | None:
    limits = [c.time_limit for c in children if c.time_limit is not None]
    if not limits:
        return None
    distinct = {(lim.kind, lim.days) for lim in limits}
    longest = max(limits, key=_limit_rank)
    if len(distinct) == 1:
        text = f"按子项办理，各子项均为{describe_time_limit(longest)}"
    else:
        text = f"按子项办理，各子项时限不同，最长{describe_time_limit(longest)}"
    return TimeLimit(kind=longest.kind, days=longest.days, text=text)


def group_steps(children: list[Item]) -> list[str]:
    chains = [c.steps for c in children if c.steps]
    return max(chains, key=len) if chains else []


def effective_items(catalog: CityCatalog) -> list[tuple[Item, TimeLimit | None, list[str]]]:
    """Every item with the time limit and steps to show for it."""
    children: dict[str, list[Item]] = {}
    for item in catalog.items:
        if item.parent:
            children.setdefault(item.parent, []).append(item)
    result = []
    for item in catalog.items:
        limit = item.time_limit or group_time_limit(children.get(item.key, []))
        steps = item.steps or group_steps(children.get(item.key, []))
        result.append((item, limit, steps))
    return result


def _export_material(m: dict) -> dict:
    entry = {"name": m["name"], "conditions": m.get("conditions", {})}
    entry.update({k: m[k] for k in ("form", "copies", "optional", "commitment_alternative")
                  if m.get(k) not in (None, False)})
    if note := public_text(m.get("note")):
        entry["note"] = note
    return entry


def export_entry(data: dict, *, parent_name: str | None, category_name: str,
                 limit: dict | None, steps: list[str]) -> dict:
    """One item in the public JSON export format documented in the README."""
    return {
        "key": data["key"],
        "code": data.get("code"),
        "national_item": data.get("national_item"),
        "name": data["name"],
        "parent": parent_name,
        "category": category_name,
        "category_number": data["category"],
        "target": data.get("target"),
        "channels": data.get("channels", []),
        "process": data.get("process", []),
        "situations": data.get("situations", []),
        "time_limit": limit,
        "steps": steps,
        "materials": [_export_material(m) for m in data.get("materials", [])],
        # The transcribers' notes about the seed text stay in the data files only.
        "notes": public_notes(data.get("notes")),
        "legal_basis": data.get("legal_basis", []),
        "tongban": data.get("tongban"),
        "query": data.get("query"),
        "supervision_phones": data.get("supervision_phones", []),
        "evaluation": data.get("evaluation", []),
        "operation_guide": data.get("operation_guide"),
        "forms": data.get("forms", []),
        "is_group": data.get("time_limit") is None,
    }
