"""Compare two cities' catalogs item by item."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Brackets, punctuation and spaces differ between the seeds for the same words,
# and parenthesised remarks ("（加盖单位公章）", "(复印件)") do not change which
# document is meant.
_NOISE = re.compile(r"[\s《》〈〉<>【】\[\]“”\"'、，,。.:：;；\-—_/]+")
_REMARK = re.compile(r"[（(][^（）()]*[）)]")


def normalize(text: str) -> str:
    """Key for item names: punctuation-insensitive, qualifiers such as （新参） kept."""
    return _NOISE.sub("", text or "")


def normalize_material(text: str) -> str:
    """Key for materials: also ignores parenthesised remarks."""
    return normalize(_REMARK.sub("", text or ""))


@dataclass
class MaterialDiff:
    common: list[str] = field(default_factory=list)
    only_left: list[str] = field(default_factory=list)
    only_right: list[str] = field(default_factory=list)


@dataclass
class DiffRow:
    basis: str  # 编码 / 名称 / 国家子项 / 仅左侧 / 仅右侧
    left: list[dict]
    right: list[dict]
    same_time_limit: bool | None
    materials: MaterialDiff

    @property
    def differs(self) -> bool:
        return (
            not self.left
            or not self.right
            or self.same_time_limit is False
            or bool(self.materials.only_left or self.materials.only_right)
        )


def _limit_key(entry: dict) -> tuple | None:
    limit = entry.get("time_limit")
    return (limit["kind"], limit["days"]) if limit else None


def _materials(entries: list[dict]) -> dict[str, str]:
    names: dict[str, str] = {}
    for entry in entries:
        for material in entry["materials"]:
            names.setdefault(normalize_material(material["name"]), material["name"])
    return names


def _row(basis: str, left: list[dict], right: list[dict]) -> DiffRow:
    same = None
    if left and right:
        same = {_limit_key(e) for e in left} == {_limit_key(e) for e in right}
    lm, rm = _materials(left), _materials(right)
    materials = MaterialDiff(
        common=[lm[k] for k in lm if k in rm],
        only_left=[lm[k] for k in lm if k not in rm],
        only_right=[rm[k] for k in rm if k not in lm],
    )
    return DiffRow(basis, left, right, same, materials)


def diff_catalogs(left: list[dict], right: list[dict]) -> list[DiffRow]:
    """Match items by code, then by name, then by national sub-item code.

    Leaf items are compared (a group's content is in its sub-items). Several
    sub-items of one city may match one item of the other through the
    national sub-item code (e.g. Taiyuan's 职工参保登记 variants and Changzhi's
    single 职工参保登记).
    """
    left_leaves = [e for e in left if not e["is_group"]]
    right_leaves = [e for e in right if not e["is_group"]]
    rows: list[DiffRow] = []
    used_left: set[int] = set()
    used_right: set[int] = set()

    def match(key_of, basis: str) -> None:
        right_index: dict[str, list[int]] = {}
        for j, entry in enumerate(right_leaves):
            if j not in used_right and key_of(entry):
                right_index.setdefault(key_of(entry), []).append(j)
        left_index: dict[str, list[int]] = {}
        for i, entry in enumerate(left_leaves):
            if i not in used_left and key_of(entry) in right_index:
                left_index.setdefault(key_of(entry), []).append(i)
        for k, lefts in left_index.items():
            rights = right_index[k]
            used_left.update(lefts)
            used_right.update(rights)
            rows.append(_row(basis, [left_leaves[i] for i in lefts], [right_leaves[j] for j in rights]))

    match(lambda e: e.get("code"), "编码")
    match(lambda e: normalize(e["name"]), "名称")
    match(lambda e: e.get("national_item") or e.get("code"), "国家子项")
    for i, entry in enumerate(left_leaves):
        if i not in used_left:
            rows.append(_row("仅左侧", [entry], []))
    for j, entry in enumerate(right_leaves):
        if j not in used_right:
            rows.append(_row("仅右侧", [], [entry]))
    order = {id(e): n for n, e in enumerate(left_leaves + right_leaves)}
    rows.sort(key=lambda r: (
        (r.left or r.right)[0]["category_number"],
        order[id((r.left or r.right)[0])] + (0 if r.left else len(left_leaves)),
    ))
    return rows


def format_limit(entry: dict) -> str:
    limit = entry.get("time_limit")
    return limit["text"] if limit else "—"


def render_text(rows: list[DiffRow], left_name: str, right_name: str) -> str:
    """A plain-text report for the terminal; lines starting with ! differ."""
    lines = [f"事项比对：{left_name}（左） ↔ {right_name}（右）", ""]
    same = sum(1 for r in rows if not r.differs)
    for row in rows:
        mark = "!" if row.differs else " "
        left = "；".join(e["name"] for e in row.left) or "（无）"
        right = "；".join(e["name"] for e in row.right) or "（无）"
        lines.append(f"{mark} [{row.basis}] {left}  ↔  {right}")
        if row.left and row.right:
            lt = "；".join(format_limit(e) for e in row.left)
            rt = "；".join(format_limit(e) for e in row.right)
            flag = "相同" if row.same_time_limit else "不同"
            lines.append(f"    办理时限（{flag}）：{lt}  ↔  {rt}")
            for name in row.materials.only_left:
                lines.append(f"    材料仅左侧：{name}")
            for name in row.materials.only_right:
                lines.append(f"    材料仅右侧：{name}")
    matched = sum(1 for r in rows if r.left and r.right)
    lines += ["", f"共 {len(rows)} 行：匹配 {matched}，完全一致 {same}，"
              f"仅{left_name} {sum(1 for r in rows if not r.right)}，"
              f"仅{right_name} {sum(1 for r in rows if not r.left)}"]
    return "\n".join(lines)
