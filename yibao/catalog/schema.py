"""The catalog data-file format, as pydantic models.

One YAML file per city (``data/<city>.yaml``) plus ``data/national.yaml`` with the
ten categories. Every model forbids unknown keys so that a typo in a data file is
refused instead of silently ignored. The README documents the format.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class TimeLimitKind(StrEnum):
    INSTANT = "instant"
    WORKING_DAYS = "working_days"
    NATURAL_DAYS = "natural_days"


class UnitType(StrEnum):
    GOVERNMENT = "机关"
    INSTITUTION = "事业"
    ENTERPRISE = "企业"
    SOCIAL_ORGANIZATION = "社会团体"
    PRIVATE_NON_ENTERPRISE = "民办非企业"


class SpecialGroup(StrEnum):
    HK_MACAO_TAIWAN = "港澳台"
    FOREIGNER = "外国人"
    EMIGRATED = "出国定居"
    VETERAN = "复员转业军人"


class ApplicantKind(StrEnum):
    PERSON = "person"
    UNIT = "unit"
    INSTITUTION = "institution"  # 定点医药机构 (hospital / pharmacy)


class ChannelKind(StrEnum):
    WINDOW = "window"
    ONLINE_HALL = "online_hall"
    WECHAT = "wechat"
    APP = "app"
    HOSPITAL = "hospital"  # 定点医院医保科
    POST_STATION = "post_station"  # 驿站
    MAIL = "mail"
    PHONE = "phone"


STEP_NAMES = ("申请", "受理", "调查", "审核", "复审", "认定", "拨付", "办结")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# 2-digit area + 2036 + 3-digit main item + 3-digit sub-item ("00Y" marks a main item).
ITEM_CODE = re.compile(r"^\d{2}2036\d{3}(\d{3}|\d{2}Y)$")


class TimeLimit(Strict):
    kind: TimeLimitKind
    days: int | None = Field(default=None, ge=1, le=365)
    text: str = Field(min_length=1)

    @model_validator(mode="after")
    def days_match_kind(self) -> TimeLimit:
        if self.kind is TimeLimitKind.INSTANT and self.days is not None:
            raise ValueError("即时办结的事项不应填写 days")
        if self.kind is not TimeLimitKind.INSTANT and self.days is None:
            raise ValueError("按工作日或自然日计算的时限必须填写 days")
        return self


class MaterialConditions(Strict):
    """When a material is required. Empty lists mean "in every case".

    A material applies when every non-empty condition matches the applicant's
    situation (lists are alternatives: any member matches).
    """

    applicant_kinds: list[ApplicantKind] = []
    unit_types: list[UnitType] = []
    special_groups: list[SpecialGroup] = []
    situations: list[str] = []
    proxy: bool | None = None  # True: only when an agent applies (委托办理)


class Material(Strict):
    name: str = Field(min_length=1)
    conditions: MaterialConditions = MaterialConditions()
    form: str | None = None  # reference form, e.g. "表1"
    copies: str | None = None  # e.g. "2份", "原件及复印件"
    optional: bool = False
    commitment_alternative: str | None = None  # 承诺书 accepted in place of this proof
    note: str | None = None


class Channel(Strict):
    kind: ChannelKind
    text: str = Field(min_length=1)


class Query(Strict):
    windows: list[str] = []
    phones: list[str] = []
    online: list[str] = []


class Tongban(Strict):
    """同城通办: any agency in ``scope`` accepts the item."""

    scope: str = Field(min_length=1)
    completion: str | None = None  # 完成时限 of the plan, e.g. "2023年4月"
    retention: str | None = None  # where the paper materials stay


class OperationGuide(Strict):
    applicant: str | None = None  # 办理人员
    menu_path: list[str] = []
    fields: list[str] = []
    codes: dict[str, str] = {}
    text: str | None = None
    time_limit_text: str | None = None


class Item(Strict):
    key: str
    code: str | None = None
    national_item: str | None = None
    name: str = Field(min_length=1)
    parent: str | None = None
    category: int = Field(ge=1, le=10)
    handler: str | None = None
    target: str | None = None
    channels: list[Channel] = []
    process: list[str] = []
    situations: list[str] = []
    materials: list[Material] = []
    # A main item whose content lives entirely in its sub-items (a "group") may
    # leave these out; every item without sub-items must have both.
    time_limit: TimeLimit | None = None
    steps: list[str] = []
    notes: list[str] = []
    legal_basis: list[str] = []
    tongban: Tongban | None = None
    query: Query | None = None
    supervision_phones: list[str] = []
    evaluation: list[str] = []
    operation_guide: OperationGuide | None = None
    forms: list[str] = []
    source: str | None = None  # where in the seed this item is (page, table row)

    @field_validator("key")
    @classmethod
    def key_is_slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"key 只能由小写字母、数字和连字符组成，实际为 {value!r}")
        return value

    @field_validator("code", "national_item")
    @classmethod
    def code_shape(cls, value: str | None) -> str | None:
        if value is not None and not ITEM_CODE.match(value):
            raise ValueError(f"事项编码应为 2位区划+2036+3位主项+3位子项，实际为 {value!r}")
        return value

    @field_validator("steps")
    @classmethod
    def steps_known(cls, value: list[str]) -> list[str]:
        if not value:
            return value
        unknown = [s for s in value if s not in STEP_NAMES]
        if unknown:
            raise ValueError(f"未知的办理环节 {unknown}，可用：{'、'.join(STEP_NAMES)}")
        if value[0] != "申请" or value[-1] != "办结":
            raise ValueError("办理环节应以“申请”开始、以“办结”结束")
        if len(set(value)) != len(value):
            raise ValueError("办理环节不能重复")
        return value

    @model_validator(mode="after")
    def material_situations_declared(self) -> Item:
        declared = set(self.situations)
        for index, material in enumerate(self.materials):
            missing = [s for s in material.conditions.situations if s not in declared]
            if missing:
                raise ValueError(
                    f"materials[{index}]「{material.name}」引用了未在 situations 中声明的情形 {missing}"
                )
        return self


class Source(Strict):
    title: str
    doc_no: str | None = None
    issued: str | None = None
    seed_file: str


class CityCatalog(Strict):
    city: str
    name: str
    region_code: str = Field(pattern=r"^\d{6}$")
    source: Source
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def references_resolve(self) -> CityCatalog:
        problems: list[str] = []
        all_keys = {item.key for item in self.items}
        keys: dict[str, Item] = {}
        codes: set[str] = set()
        for item in self.items:
            if item.key in keys:
                problems.append(f"事项 key「{item.key}」重复")
            if item.parent is not None and item.parent not in keys and item.parent in all_keys:
                problems.append(f"事项「{item.name}」应排在其 parent「{item.parent}」之后")
            keys[item.key] = item
            if item.code is not None:
                if item.code in codes:
                    problems.append(f"事项编码 {item.code} 重复（{item.name}）")
                codes.add(item.code)
        parents = {item.parent for item in self.items if item.parent is not None}
        for item in self.items:
            if item.key not in parents and (item.time_limit is None or not item.steps):
                problems.append(f"事项「{item.name}」没有子项，必须填写 time_limit 和 steps")
            if item.parent is None:
                continue
            parent = keys.get(item.parent)
            if parent is None:
                problems.append(f"事项「{item.name}」的 parent「{item.parent}」不存在")
            elif parent.parent is not None:
                problems.append(f"事项「{item.name}」的 parent「{item.parent}」本身是子项")
        if problems:
            raise ValueError("\n".join(problems))
        return self


class Category(Strict):
    number: int = Field(ge=1, le=10)
    name: str
    code: str | None = None


class NationalCatalog(Strict):
    categories: list[Category] = Field(min_length=10, max_length=10)
    items: list[dict[str, str]] = []

    @field_validator("categories")
    @classmethod
    def numbered_one_to_ten(cls, value: list[Category]) -> list[Category]:
        if [c.number for c in value] != list(range(1, 11)):
            raise ValueError("类别应按 1 到 10 依次编号")
        return value
