"""Item handlers of the unit items (单位参保登记 / 拆分、合并、分立 / 暂停 / 注销, 信息变更).

The applicant of a unit item is the unit itself (applicant_kind "unit",
applicant_id_number = its USCC): it acts only on its own record — a merge
names the successor, a split the new unit, but the employees moved are always
the applicant's. Every handler checks at submission and at acceptance with the
services' read-only checks, and applies the effect at 办结, where the service
checks again under the unit's row lock.

Field names follow Changzhi's reference forms 表1 (参保登记) and 表4 (信息变更,
``new_*``) in ``yibao/documents/forms_data/changzhi_forms.yaml`` where they mean
the same thing; the registration fields keep the names the prefill map uses.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yibao import clock
from yibao.accounts.identity import IdentityClaim
from yibao.accounts.models import CodePurpose
from yibao.cases.handlers import Effect, HandlerRefusal, register
from yibao.cases.models import Channel
from yibao.enrollment.handlers.base import EnrollmentHandler, use_new_phone_code
from yibao.enrollment.models import Unit
from yibao.enrollment.selectors import unit_row
from yibao.enrollment.services import UnitAlreadyRegistered, register_unit
from yibao.enrollment.services.errors import EnrollmentError
from yibao.enrollment.services.units import (
    cancel_unit,
    change_unit_info,
    check_merge_units,
    check_split_unit,
    check_unit_closing,
    merge_units,
    plan_unit_info_change,
    split_unit,
    suspend_unit,
    unit_change_needs_review,
)
from yibao.ids import InvalidIdentifier, validate_resident_id, validate_uscc

# 险种 chosen on form 表1 (Changzhi reference form 基本医疗保险单位参保信息登记表).
InsuranceType = Literal["职工基本医疗保险", "生育保险", "补充医疗保险", "公务员医疗补助", "大额医疗费用补助"]
UnitTypeChoice = Literal["", "机关", "事业", "企业", "社会团体", "民办非企业"]
YesNo = Literal["否", "是"]


def today() -> date:
    """Today's date (tests replace this function)."""
    return clock.today()


def _refusing(call, *args, **kwargs):
    """Run a service call; its domain error becomes the handler's refusal, message unchanged."""
    try:
        return call(*args, **kwargs)
    except (EnrollmentError, InvalidIdentifier) as exc:
        raise HandlerRefusal(str(exc)) from exc


def applicant_unit(case) -> Unit:
    """The unit that applies: a registered unit of the case's region, by the applicant's USCC."""
    if case.applicant_kind != "unit":
        raise HandlerRefusal("本事项须由参保单位申请（申请人类型：单位）")
    unit = unit_row(case.applicant_id_number)
    if unit is None or unit.region_id != case.region_id:
        raise HandlerRefusal(f"统一社会信用代码 {case.applicant_id_number} 未在{case.region.name}登记参保，"
                             "请先办理单位参保登记")
    return unit


def _situations(case) -> list[str]:
    return list(case.situation.get("situations", []))


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ClosingFields(_Form):
    """暂停 / 注销 (Jincheng guide: 选择注销日期和注销原因，同步暂停人员选择“是”)."""

    effective_date: date | None = Field(None, title="注销（暂停）日期（默认办结当日）")
    cancel_reason: str = Field("", max_length=50, title="注销（暂停）原因")
    suspend_persons: YesNo = Field("否", title="同步暂停人员")


class UnitRegistrationFields(_Form):
    """表1 基本医疗保险单位参保信息登记表, and the 拆分、合并、分立 / 暂停 / 注销 situations of the same item."""

    registration_type: Literal["", "新参保登记", "暂停登记", "注销登记"] = Field(
        "", title="登记类型（默认按办理情形）")
    unit_name: str = Field("", max_length=100, title="单位名称（拆分、分立时为新单位名称）")
    unit_type: UnitTypeChoice = Field("", title="单位类型")
    insurance_types: list[InsuranceType] = Field(default_factory=list, title="参保险种")
    address: str = Field(default="", max_length=200, title="单位地址")
    legal_representative: str = Field(default="", max_length=50, title="法定代表人")
    contact_name: str = Field(default="", max_length=50, title="联系人")
    contact_phone: str = Field(default="", max_length=20, title="联系电话")
    affiliation: str = Field("", max_length=50, title="隶属关系")
    bank: str = Field("", max_length=100, title="开户银行")
    account_number: str = Field("", max_length=40, title="银行账号")
    restructure_type: Literal["", "合并", "拆分", "分立"] = Field("", title="拆分、合并、分立类型")
    successor_uscc: str = Field("", max_length=18, title="承继单位统一社会信用代码（合并时填写）")
    new_uscc: str = Field("", max_length=18, title="新单位统一社会信用代码（拆分、分立时填写）")
    moved_id_numbers: str = Field("", max_length=20000,
                                  title="转入新单位人员证件号码（拆分、分立时填写，以逗号、顿号或换行分隔）")
    # As ClosingFields (kept last so the form shows the registration fields first).
    effective_date: date | None = Field(None, title="注销（暂停、合并、拆分）日期（默认办结当日）")
    cancel_reason: str = Field("", max_length=50, title="注销（暂停）原因")
    suspend_persons: YesNo = Field("否", title="同步暂停人员")

    @field_validator("insurance_types")
    @classmethod
    def distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("参保险种不能重复")
        return value

    def moved(self) -> list[str]:
        return list(dict.fromkeys(n.upper() for n in re.split(r"[\s,，、;；]+", self.moved_id_numbers) if n))


def _closing_date(fields: ClosingFields | UnitRegistrationFields) -> date:
    return fields.effective_date or today()


# 单位参保登记: the data files name this handler on the items that register a
# unit (Taiyuan and Changzhi 单位参保登记 with situations 参保登记 / 拆分、合并、
# 分立 / 注销登记, Jincheng item 1 and its sub-item). The situation — or 表1's
# 登记类型 暂停登记 / 注销登记 — chooses the action.
@register("unit_registration")
class UnitRegistrationHandler(EnrollmentHandler[UnitRegistrationFields]):
    """One application, one action: 参保登记 (default), 拆分、合并、分立, 暂停登记 or 注销登记.

    - 合并: the applicant is the absorbed unit; its insured employees move to
      the successor (``successor_uscc``) and it is cancelled with ``successor`` set.
    - 拆分 / 分立: the applicant registers a new unit (``new_uscc``, ``unit_name``)
      and the listed employees (``moved_id_numbers``) move to it; the applicant stays.
    - 暂停登记 / 注销登记: refused in arrears; active employees need 同步暂停人员 = 是.
    """

    key = "unit_registration"
    Fields = UnitRegistrationFields
    acts_at = {"办结": Effect.ENTITLEMENT}

    def _action(self, case, fields: UnitRegistrationFields) -> str:
        chosen = _situations(case)
        if len(chosen) > 1:
            raise HandlerRefusal(f"字段 办理情形：一次只能办理一种情形，已选择「{'、'.join(chosen)}」")
        if "变更登记" in chosen:
            raise HandlerRefusal("字段 办理情形：单位信息变更请申请「单位参保信息变更登记」")
        if "注销登记" in chosen or fields.registration_type == "注销登记":
            return "cancel"
        if "拆分、合并、分立" in chosen:
            if not fields.restructure_type:
                raise HandlerRefusal("字段 拆分、合并、分立类型：必填")
            return "merge" if fields.restructure_type == "合并" else "split"
        if fields.registration_type == "暂停登记":
            return "suspend"
        return "register"

    def check(self, *, case, fields: UnitRegistrationFields) -> None:
        action = self._action(case, fields)
        if action == "register":
            self._check_registration(case, fields)
            return
        unit = applicant_unit(case)
        if action in ("cancel", "suspend"):
            _refusing(check_unit_closing, unit=unit, suspend_persons=fields.suspend_persons == "是",
                      doing="注销" if action == "cancel" else "暂停参保")
        elif action == "merge":
            _refusing(check_merge_units, absorbed=unit, successor=self._successor(fields))
        else:
            if not fields.unit_name:
                raise HandlerRefusal("字段 单位名称：拆分、分立时填写新单位名称")
            _refusing(check_split_unit, source=unit, new_uscc=fields.new_uscc, moved_id_numbers=fields.moved())

    @staticmethod
    def _check_registration(case, fields: UnitRegistrationFields) -> None:
        # Required for a registration only (the other situations of the item do not ask them).
        if not fields.unit_name:
            raise HandlerRefusal("字段 单位名称：必填")
        if not fields.unit_type:
            raise HandlerRefusal("字段 单位类型：必填")
        if not fields.insurance_types:
            raise HandlerRefusal("字段 参保险种：请至少选择一项（insurance_types）")
        try:
            uscc = validate_uscc(case.applicant_id_number)
        except InvalidIdentifier as exc:
            raise HandlerRefusal(str(exc)) from exc
        existing = Unit.objects.filter(uscc=uscc).first()
        if existing is not None:
            raise HandlerRefusal(f"统一社会信用代码 {uscc} 已由「{existing.name}」登记参保，不能重复登记")

    @staticmethod
    def _successor(fields: UnitRegistrationFields) -> Unit:
        if not fields.successor_uscc:
            raise HandlerRefusal("字段 承继单位统一社会信用代码：合并时必填")
        uscc = _refusing(validate_uscc, fields.successor_uscc, field_name="承继单位统一社会信用代码")
        successor = Unit.objects.filter(uscc=uscc).first()
        if successor is None:
            raise HandlerRefusal(f"字段 承继单位统一社会信用代码：{uscc} 未登记参保")
        return successor

    def on_step(self, *, case, step: str, fields: UnitRegistrationFields, actor: str) -> None:
        action = self._action(case, fields)
        if action == "register":
            try:
                register_unit(
                    uscc=case.applicant_id_number, name=fields.unit_name, unit_type=fields.unit_type,
                    home_agency=case.home_agency, registered_on=today(), actor=actor,
                    insurance_types=list(fields.insurance_types), address=fields.address,
                    legal_representative=fields.legal_representative, contact_name=fields.contact_name,
                    contact_phone=fields.contact_phone, case_number=case.number, affiliation=fields.affiliation,
                    bank_name=fields.bank, bank_account=fields.account_number,
                )
            except UnitAlreadyRegistered as exc:
                raise HandlerRefusal(str(exc)) from exc
            return
        unit = applicant_unit(case)
        reason = fields.cancel_reason or ("单位注销" if action == "cancel" else "单位暂停参保")
        if action == "cancel":
            _refusing(cancel_unit, unit=unit, on=_closing_date(fields), actor=actor, reason=reason,
                      suspend_persons=fields.suspend_persons == "是", case_number=case.number)
        elif action == "suspend":
            _refusing(suspend_unit, unit=unit, on=_closing_date(fields), actor=actor, reason=reason,
                      suspend_persons=fields.suspend_persons == "是", case_number=case.number)
        elif action == "merge":
            _refusing(merge_units, absorbed=unit, successor=self._successor(fields), on=_closing_date(fields),
                      actor=actor, case_number=case.number)
        else:
            _refusing(split_unit, source=unit, new_uscc=fields.new_uscc, new_name=fields.unit_name,
                      unit_type=fields.unit_type, on=_closing_date(fields), actor=actor,
                      moved_id_numbers=fields.moved(), case_number=case.number)


# --- 单位注销 (Jincheng 附件2 一（二）) -----------------------------------------------------------

@register("unit_cancellation")
class UnitCancellationHandler(EnrollmentHandler[ClosingFields]):
    """单位注销: refused in arrears ("单位存在欠费 ¥X，补齐后方可注销") and, unless
    同步暂停人员 = 是, while employees are insured (their number is named)."""

    key = "unit_cancellation"
    Fields = ClosingFields
    acts_at = {"办结": Effect.ENTITLEMENT}

    def check(self, *, case, fields: ClosingFields) -> None:
        _refusing(check_unit_closing, unit=applicant_unit(case), suspend_persons=fields.suspend_persons == "是")

    def on_step(self, *, case, step: str, fields: ClosingFields, actor: str) -> None:
        _refusing(cancel_unit, unit=applicant_unit(case), on=_closing_date(fields), actor=actor,
                  reason=fields.cancel_reason or "单位注销", suspend_persons=fields.suspend_persons == "是",
                  case_number=case.number)


# --- 单位参保信息变更登记 (表4) -----------------------------------------------------------------

class UnitInfoChangeFields(_Form):
    """表4 基本医疗保险参保单位信息变更登记表, column 变更事项 (empty: unchanged)."""

    new_uscc: str = Field("", max_length=18, title="变更后统一社会信用代码")
    new_unit_name: str = Field("", max_length=100, title="变更后单位名称")
    new_address: str = Field("", max_length=200, title="变更后住所(地址)")
    new_unit_type: UnitTypeChoice = Field("", title="变更后单位类型")
    new_affiliation: str = Field("", max_length=50, title="变更后隶属关系")
    new_legal_rep_name: str = Field("", max_length=50, title="变更后法定代表人（负责人）姓名")
    new_legal_rep_id_number: str = Field("", max_length=18, title="变更后法定代表人（负责人）身份证件号码")
    new_legal_rep_phone: str = Field("", max_length=20, title="变更后法定代表人（负责人）联系电话")
    new_handler_name: str = Field("", max_length=50, title="变更后单位经办人姓名")
    new_handler_phone: str = Field("", max_length=20, title="变更后单位经办人联系电话")
    new_handler_phone_code: str = Field("", max_length=8,
                                        title="变更后经办人联系电话收到的短信验证码（网上办理时必填）")
    new_bank: str = Field("", max_length=100, title="变更后开户银行")
    new_account_number: str = Field("", max_length=40, title="变更后银行账号")
    other: str = Field("", max_length=200, title="其他")
    remark: str = Field("", max_length=200, title="备注")

    def wanted(self) -> dict:
        return {"uscc": self.new_uscc.upper(), "name": self.new_unit_name, "address": self.new_address,
                "unit_type": self.new_unit_type, "affiliation": self.new_affiliation,
                "legal_representative": self.new_legal_rep_name, "contact_name": self.new_handler_name,
                "contact_phone": self.new_handler_phone, "bank_name": self.new_bank,
                "bank_account": self.new_account_number}


@register("unit_info_change")
class UnitInfoChangeHandler(EnrollmentHandler[UnitInfoChangeFields]):
    """单位参保信息变更登记: the record changes at 办结.

    A change of a key field (统一社会信用代码, 单位名称, 法定代表人) adds the step
    审核 through ``extra_steps``, which also makes it a two-person case on the
    instant items: the clerk who accepted cannot review it.
    """

    key = "unit_info_change"
    Fields = UnitInfoChangeFields
    acts_at = {"办结": Effect.ENTITLEMENT}
    adds_steps = frozenset({"审核"})

    @staticmethod
    def _check_new_handler_phone(case, unit, fields: UnitInfoChangeFields) -> None:
        """Online, a new 经办人 phone (where the unit's codes go) is proven by the code texted to it."""
        if not fields.new_handler_phone or fields.new_handler_phone == unit.contact_phone \
                or case.channel == Channel.WINDOW:
            return
        claim = IdentityClaim(kind="unit", identifier=unit.uscc, name=unit.name,
                              purpose=CodePurpose.CHANGE_PHONE, phone=fields.new_handler_phone)
        use_new_phone_code(case, claim, fields.new_handler_phone_code, field="变更后经办人联系电话收到的短信验证码",
                           missing="网上变更经办人联系电话须先在「我的账号 › 更换手机号码」向新号码获取验证码并填写；"
                                   "无法接收短信的，请携带统一社会信用代码证书到经办窗口办理")

    def on_filed(self, *, case, fields: UnitInfoChangeFields) -> None:
        # The code is used up by this case's number, which the case has only now.
        self._check_new_handler_phone(case, applicant_unit(case), fields)

    def check(self, *, case, fields: UnitInfoChangeFields) -> None:
        unit = applicant_unit(case)
        if fields.new_legal_rep_id_number:
            _refusing(validate_resident_id, fields.new_legal_rep_id_number,
                      field_name="变更后法定代表人（负责人）身份证件号码")
        if fields.new_legal_rep_id_number and not fields.new_legal_rep_name:
            raise HandlerRefusal("字段 变更后法定代表人（负责人）姓名：填写了身份证件号码时必填")
        _refusing(plan_unit_info_change, unit=unit, wanted=fields.wanted())

    def extra_steps(self, *, case, fields: UnitInfoChangeFields) -> list[str]:
        unit = applicant_unit(case)
        changes = _refusing(plan_unit_info_change, unit=unit, wanted=fields.wanted())
        return ["审核"] if unit_change_needs_review(changes) else []

    def on_step(self, *, case, step: str, fields: UnitInfoChangeFields, actor: str) -> None:
        _refusing(change_unit_info, unit=applicant_unit(case), wanted=fields.wanted(), actor=actor,
                  case_number=case.number)
