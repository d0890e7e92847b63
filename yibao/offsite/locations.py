"""Destinations of an off-site filing: provinces and prefecture-level cities.

Read from python-stdnum's ``cn/loc`` division-code table (the same table
``yibao.ids.county_name`` reads). 表9 files to a prefecture (就医地市) or a
municipality (直辖市); Hainan and Tibet, which pool at province level, may be
filed to the province itself (表9 温馨提示).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from stdnum import numdb

MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
# 表9: "到海南、西藏等省级统筹的省份…可备案到就医省份".
PROVINCE_POOLED = frozenset({"46", "54"})
# Taiwan, Hong Kong and Macao are outside the national off-site settlement.
OUTSIDE = frozenset({"71", "81", "82"})
# Grouping rows of the table (市辖区, 县, 省直辖县级行政单位 …) are not places one files to.
GROUPING_NAMES = frozenset({"市辖区", "县"})


class UnknownDestination(ValueError):
    pass


@dataclass(frozen=True)
class Place:
    code: str  # 6 digits
    name: str


def _current_name(raw: str) -> str:
    """The name in force today, or "" if the division was abolished.

    Entries look like "[1985-]晋城市", "[-2010]崇文区" or "[1997-1997]万县区,[1998-]万州区".
    """
    last = raw.split(",")[-1]
    if last.startswith("["):
        years, _, name = last[1:].partition("]")
        if not years.endswith("-"):
            return ""
        return name
    return last


@cache
def _table() -> tuple[tuple[Place, tuple[Place, ...]], ...]:
    provinces = []
    for _length, low, _high, props, children in numdb.get("cn/loc").prefixes:
        if low in OUTSIDE or "province" not in props:
            continue
        province = Place(f"{low}0000", props["province"])
        if low in MUNICIPALITIES:
            cities: tuple[Place, ...] = (province,)
        else:
            found = []
            for _l, sub, _h, sub_props, _c in children:
                if not (sub.endswith("00") and sub != "0000"):
                    continue
                name = _current_name(sub_props.get("county", ""))
                if name and name not in GROUPING_NAMES and "直辖" not in name:
                    found.append(Place(f"{low}{sub}", name))
            cities = tuple(found)
        provinces.append((province, cities))
    return tuple(provinces)


def provinces() -> list[Place]:
    return [province for province, _ in _table()]


def cities_of(province_code: str) -> list[Place]:
    for province, cities in _table():
        if province.code == province_code:
            return list(cities)
    return []


def _find_province(value: str) -> tuple[Place, tuple[Place, ...]]:
    value = value.strip()
    for province, cities in _table():
        if value in (province.code, province.code[:2], province.name):
            return province, cities
    raise UnknownDestination(f"字段 转往省(市、区)：「{value}」不是有效的省级行政区")


def resolve_destination(province: str, city: str) -> tuple[Place, Place]:
    """The (province, city) places for names or codes a form gives; raise ``UnknownDestination``.

    For a municipality the city is the municipality itself; Hainan and Tibet
    may be filed to the province (city left empty).
    """
    place, cities = _find_province(province)
    city = (city or "").strip()
    prefix = place.code[:2]
    if not city or city == place.name or city == place.code:
        if prefix in MUNICIPALITIES or prefix in PROVINCE_POOLED:
            return place, place
        raise UnknownDestination(f"字段 转往地区(市、州)：请填写{place.name}的地级市（州）")
    for candidate in cities:
        if city in (candidate.code, candidate.name):
            return place, candidate
    raise UnknownDestination(f"字段 转往地区(市、州)：「{city}」不是{place.name}的地级市（州）")
