"""Dated policy parameters (rules as code, after OpenFisca): loading, checking, "as of" lookup.

A region's file ``yibao/rules/data/<region>.yaml`` holds its parameters. Each parameter has
series, one per combination of the dimensions policy varies by (险种, 医疗类别, 医院等级,
人员类别, 救助类别), and each series a list of values keyed by their effective date (施行日期)
with their legal reference. Reading "as of" a day takes the latest value whose date ≤ that day;
a ``null`` value ends the parameter. Administrators add dated values in the console; those are
stored as an overlay (``rules.ParameterValue``) merged over the file values, never editing them.

The loader is strict because OpenFisca's users lose days to metadata that is silently ignored:
an unknown key, or a legal reference placed on the parameter instead of on a value, is refused
naming the file, the parameter and the key.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DATA_DIR = Path(__file__).parent / "data"

DEMO_NOTE = "示例参数，须按本地现行文件核定"

# The dimensions a parameter may be indexed by, with their Chinese names and allowed values.
# 医疗类别 is matched by its 2-digit national parent (provinces add child codes such as 140104).
DIMENSIONS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "insurance_type": ("险种", ("310", "390")),
    "med_type": ("医疗类别", ("11", "12", "13", "14", "16", "21", "22", "23", "24", "26", "28",
                              "41", "51", "52")),
    "hospital_level": ("医院等级", ("一级", "二级", "三级")),
    "person_category": ("人员类别", ("在职", "退休", "居民")),
    "aid_category": ("救助类别", ("特困人员", "低保对象", "低保边缘", "因病致贫")),
}

KINDS = {"money": "金额（元）", "rate": "比例", "points": "百分点", "scale": "分段累进",
         "days": "天数", "number": "数值", "choice": "选项"}


class RulesFileError(Exception):
    """A parameter file that cannot be trusted; the message names file, parameter and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReferenceIn(_Strict):
    number: str = ""  # 文号
    article: str = ""  # 条款
    title: str = ""  # 文件标题
    issued: date | None = None  # 成文日期


class BracketIn(_Strict):
    threshold: Decimal
    rate: Decimal


class ValueIn(_Strict):
    effective: date
    # A number first, then a scale, then a text (the option of a kind: choice parameter).
    value: Decimal | list[BracketIn] | str | None = Field(union_mode="left_to_right")
    demo: bool = False
    # A value whose source must still be confirmed (待核实): no 文号 yet, but not a demo value either.
    to_confirm: bool = False
    reference: ReferenceIn = ReferenceIn()
    note: str = ""


class SeriesIn(_Strict):
    key: dict[str, str | list[str]] = {}
    values: list[ValueIn]


class ParameterIn(_Strict):
    label: str
    kind: Literal["money", "rate", "points", "scale", "days", "number", "choice"]
    index: list[str] = []
    choices: list[str] = []  # the options of a kind: choice parameter
    description: str = ""
    maximum: Decimal | None = None  # a national ceiling the local value may not exceed
    series: list[SeriesIn]

    @field_validator("index")
    @classmethod
    def _known_dimensions(cls, index: list[str]) -> list[str]:
        for dim in index:
            if dim not in DIMENSIONS:
                raise ValueError(f"未知维度 {dim}（可用：{'、'.join(DIMENSIONS)}）")
        return index


class FileIn(_Strict):
    region: str
    parameters: dict[str, ParameterIn]


# Keys that belong on a value; found anywhere else they are "misplaced metadata".
VALUE_KEYS = {"effective", "value", "demo", "to_confirm", "reference", "note"}


@dataclass(frozen=True)
class Reference:
    number: str = ""
    article: str = ""
    title: str = ""
    issued: date | None = None

    def __str__(self) -> str:
        if not (self.number or self.title):
            return ""
        parts = [p for p in (self.title and f"《{self.title}》", self.number, self.article) if p]
        return " ".join(parts)


@dataclass(frozen=True)
class Bracket:
    threshold: Decimal
    rate: Decimal


@dataclass(frozen=True)
class Value:
    """One dated value of a parameter (``value`` None ends the parameter from ``effective``)."""

    effective: date
    value: Decimal | tuple[Bracket, ...] | str | None
    demo: bool = False
    reference: Reference = field(default_factory=Reference)
    note: str = ""
    source: str = "file"  # "file" or "console" (an administrator's dated value)
    to_confirm: bool = False


@dataclass
class Series:
    key: dict[str, frozenset[str]]  # dimension → accepted values; an absent dimension is "any"
    values: list[Value]

    def matches(self, wanted: dict[str, str]) -> bool:
        return all(wanted.get(dim) in accepted for dim, accepted in self.key.items())

    def as_of(self, day: date) -> Value | None:
        dates = [v.effective for v in self.values]
        i = bisect.bisect_right(dates, day)
        return self.values[i - 1] if i else None

    def label(self) -> str:
        if not self.key:
            return "（全部）"
        return "，".join(f"{DIMENSIONS[d][0]}：{'/'.join(sorted(v))}" for d, v in self.key.items())


@dataclass
class Parameter:
    name: str
    label: str
    kind: str
    index: list[str]
    description: str
    maximum: Decimal | None
    series: list[Series]
    choices: tuple[str, ...] = ()  # the options of a kind: choice parameter

    def find_series(self, wanted: dict[str, str]) -> Series | None:
        # The most specific matching series wins (a series naming more dimensions).
        best = None
        for s in self.series:
            if s.matches(wanted) and (best is None or len(s.key) > len(best.key)):
                best = s
        return best


class ParameterMissing(Exception):
    """A rule asked for a parameter with no value on that day (a data error, not a user one)."""


@dataclass
class RuleBook:
    """All parameters of one region, file values plus the console's overlay."""

    region: str
    parameters: dict[str, Parameter]
    source: str = ""
    _cache: dict = field(default_factory=dict, repr=False)

    def lookup(self, name: str, day: date, **index: str | None) -> Value:
        """The value of ``name`` in force on ``day`` for ``index``; ParameterMissing if none."""
        key = (name, day, tuple(sorted((k, v) for k, v in index.items() if v is not None)))
        try:
            return self._cache[key]
        except KeyError:
            pass
        param = self.parameters.get(name)
        if param is None:
            raise ParameterMissing(f"{self.region}：没有参数 {name}")
        wanted = {k: v for k, v in index.items() if v is not None}
        if "med_type" in wanted:
            wanted["med_type"] = wanted["med_type"][:2]
        series = param.find_series(wanted)
        found = series.as_of(day) if series else None
        if found is None or found.value is None:
            raise ParameterMissing(f"{self.region}：参数「{param.label}」（{name}）在 {day} 没有取值（{wanted}）")
        self._cache[key] = found
        return found

    def with_overlay(self, rows: list[tuple[str, dict[str, list[str]], Value]]) -> RuleBook:
        """A copy with console values (parameter, series key, value) merged over the file."""
        params = {}
        for name, p in self.parameters.items():
            params[name] = Parameter(p.name, p.label, p.kind, list(p.index), p.description, p.maximum,
                                     [Series(dict(s.key), list(s.values)) for s in p.series], p.choices)
        for name, key, value in rows:
            target = params.get(name)
            if target is None:
                continue
            wanted = {d: frozenset(v) for d, v in key.items()}
            series = next((s for s in target.series if s.key == wanted), None)
            if series is None:
                series = Series(wanted, [])
                target.series.append(series)
            series.values = sorted([v for v in series.values if v.effective != value.effective] + [value],
                                   key=lambda v: v.effective)
        return RuleBook(self.region, params, self.source)


def _decimal(value: Any) -> Any:
    # YAML reads 0.7 as a float; money and rates must be exact, so go through str.
    if isinstance(value, float):
        return str(value)
    return value


def _normalise(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {k: _normalise(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_normalise(v) for v in raw]
    return _decimal(raw)


def _explain(path: Path, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        param = ""
        if len(loc) >= 2 and loc[0] == "parameters":
            param = str(loc[1])
        key = str(loc[-1]) if loc else ""
        where = f"{path.name}"
        if param:
            where += f"，参数 {param}"
        if err["type"] == "extra_forbidden":
            hint = "（法规依据、demo 等须写在每个取值 values 下）" if key in VALUE_KEYS else ""
            lines.append(f"{where}：未知字段 {key}{hint}（位置 {'.'.join(map(str, loc))}）")
        else:
            lines.append(f"{where}：字段 {key} {err['msg']}（位置 {'.'.join(map(str, loc))}）")
    return "；".join(lines)


def parse_file(path: Path) -> RuleBook:
    """Load and check one region file; RulesFileError names file, parameter and key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RulesFileError(f"{path.name}：YAML 格式错误：{exc}") from exc
    try:
        data = FileIn.model_validate(_normalise(raw))
    except ValidationError as exc:
        raise RulesFileError(_explain(path, exc)) from exc
    if data.region != path.stem:
        raise RulesFileError(f"{path.name}：region {data.region} 与文件名不一致")
    params = {}
    for name, p in data.parameters.items():
        series = []
        for i, s in enumerate(p.series):
            for dim in s.key:
                if dim not in p.index:
                    raise RulesFileError(f"{path.name}，参数 {name}：series[{i}] 的维度 {dim} 未在 index 中声明")
            key = {}
            for dim, accepted in s.key.items():
                accepted_list = [accepted] if isinstance(accepted, str) else accepted
                allowed = DIMENSIONS[dim][1]
                for a in accepted_list:
                    if allowed is not None and a not in allowed:
                        raise RulesFileError(f"{path.name}，参数 {name}：维度 {dim} 的取值 {a} 不认识")
                key[dim] = frozenset(accepted_list)
            values = []
            previous = None
            for v in s.values:
                where = f"{path.name}，参数 {name}，{v.effective}"
                if previous is not None and v.effective <= previous:
                    raise RulesFileError(f"{where}：施行日期须按时间先后排列且不重复")
                previous = v.effective
                ref = Reference(**v.reference.model_dump())
                if v.demo and (ref.number or ref.title):
                    raise RulesFileError(f"{where}：示例参数（demo: true）不得填写法规依据")
                if not v.demo and not v.to_confirm and v.value is not None and not ref.number:
                    raise RulesFileError(f"{where}：正式参数须写明 reference.number（文号），否则标 demo: true"
                                         "（或来源待核实的 to_confirm: true）")
                value: Any = v.value
                if p.kind == "choice":
                    if value is not None and (not isinstance(value, str) or value not in p.choices):
                        raise RulesFileError(f"{where}：取值须为 {'、'.join(p.choices) or '（未声明 choices）'} 之一")
                elif isinstance(value, str):
                    raise RulesFileError(f"{where}：取值「{value[:20]}」须为数字")
                elif isinstance(value, list):
                    if p.kind != "scale":
                        raise RulesFileError(f"{where}：只有 kind: scale 的参数可以写分段")
                    value = tuple(Bracket(b.threshold, b.rate) for b in value)
                    if [b.threshold for b in value] != sorted({b.threshold for b in value}):
                        raise RulesFileError(f"{where}：分段起点须递增")
                elif value is not None and p.kind == "scale":
                    raise RulesFileError(f"{where}：kind: scale 的参数须写分段列表")
                elif value is not None and p.kind != "choice":
                    _check_scalar(where, p.kind, value, p.maximum)
                values.append(Value(v.effective, value, v.demo, ref, v.note, to_confirm=v.to_confirm))
            series.append(Series(key, values))
        params[name] = Parameter(name, p.label, p.kind, list(p.index), p.description, p.maximum, series,
                                 tuple(p.choices))
    return RuleBook(data.region, params, str(path))


def _check_scalar(where: str, kind: str, value: Decimal, maximum: Decimal | None) -> None:
    if value < 0:
        raise RulesFileError(f"{where}：取值不能为负")
    if kind == "rate" and value > 1:
        raise RulesFileError(f"{where}：比例须在 0 到 1 之间")
    if maximum is not None and value > maximum:
        raise RulesFileError(f"{where}：取值 {value} 超过国家规定上限 {maximum}")


def check_scalar(kind: str, value: Decimal, maximum: Decimal | None) -> None:
    """Validate a console-entered value like a file value (raises RulesFileError)."""
    _check_scalar("取值", kind, value, maximum)


def parse_decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise RulesFileError("取值须为数字") from exc


def regions() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("*.yaml"))


@cache
def file_rulebook(region: str) -> RuleBook:
    """The file values of ``region`` (cached per process; files change only with a deploy)."""
    path = DATA_DIR / f"{region}.yaml"
    if region not in regions():
        raise ParameterMissing(f"没有统筹区 {region} 的参数文件")
    return parse_file(path)
