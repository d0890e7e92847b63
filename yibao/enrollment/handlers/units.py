"""Item handlers of the enrollment domain (参保登记)."""

from __future__ import annotations

from typing import Literal

from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, field_validator

from yibao.cases.handlers import HandlerRefusal, ItemHandler, register
from yibao.enrollment.models import Unit
from yibao.enrollment.services import UnitAlreadyRegistered, register_unit
from yibao.ids import InvalidIdentifier, validate_uscc

# 险种 chosen on form 表1 (Changzhi reference form 基本医疗保险单位参保信息登记表).
InsuranceType = Literal["职工基本医疗保险", "生育保险", "补充医疗保险", "公务员医疗补助", "大额医疗费用补助"]


class UnitRegistrationFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    unit_name: str = Field(min_length=2, max_length=100, title="单位名称")
    unit_type: Literal["机关", "事业", "企业", "社会团体", "民办非企业"] = Field(title="单位类型")
    insurance_types: list[InsuranceType] = Field(min_length=1, title="参保险种")
    address: str = Field(default="", max_length=200, title="单位地址")
    legal_representative: str = Field(default="", max_length=50, title="法定代表人")
    contact_name: str = Field(default="", max_length=50, title="联系人")
    contact_phone: str = Field(default="", max_length=20, title="联系电话")

    @field_validator("insurance_types")
    @classmethod
    def distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("参保险种不能重复")
        return value


# 单位参保登记: the data files name this handler on the items that register a
# unit (Taiyuan and Changzhi 单位参保登记, Jincheng item 1 and its sub-item).
# It is not keyed on national sub-item 002036001001, which Jincheng's 单位注销
# shares.
@register("unit_registration")
class UnitRegistrationHandler(ItemHandler):
    key = "unit_registration"
    Fields = UnitRegistrationFields

    def _registers(self, case) -> bool:
        # The item also covers 拆分/合并/分立 and 注销 (a later issue); only a
        # plain registration creates the unit.
        chosen = set(case.situation.get("situations", []))
        return not chosen or "参保登记" in chosen

    def check(self, *, case, fields: UnitRegistrationFields) -> None:
        if not self._registers(case):
            return
        try:
            uscc = validate_uscc(case.applicant_id_number)
        except InvalidIdentifier as exc:
            raise HandlerRefusal(str(exc)) from exc
        existing = Unit.objects.filter(uscc=uscc).first()
        if existing is not None:
            raise HandlerRefusal(f"统一社会信用代码 {uscc} 已由「{existing.name}」登记参保，不能重复登记")

    def on_step(self, *, case, step: str, fields: UnitRegistrationFields, actor: str) -> None:
        if step != "办结" or not self._registers(case):
            return
        try:
            register_unit(
                uscc=case.applicant_id_number, name=fields.unit_name, unit_type=fields.unit_type,
                home_agency=case.home_agency, registered_on=timezone.localdate(), actor=actor,
                insurance_types=list(fields.insurance_types), address=fields.address,
                legal_representative=fields.legal_representative, contact_name=fields.contact_name,
                contact_phone=fields.contact_phone, case_number=case.number,
            )
        except UnitAlreadyRegistered as exc:
            raise HandlerRefusal(str(exc)) from exc


@register("unit_info_change", "unit_cancellation")
class PendingUnitHandler(ItemHandler):
    """Placeholder: registered so the catalog check passes; no business effect yet."""
