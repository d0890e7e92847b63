"""Item handlers of contributions and personal accounts.

- ``base_declaration``: 职工医保缴费基数申报 (Taiyuan). Filed from the 报盘 page
  (``yibao.enrollment.views``) with the checked rows in ``form_data``; the
  bases are written in one transaction when the case reaches 办结.
- ``account_withdrawal``: 参保人员个人账户一次性支取 (Taiyuan, Changzhi). The
  fields are those of Changzhi's 表7 (so the form can be prefilled from the
  case); the payment is made at 拨付. Which situation means which reason is
  data (``yibao/enrollment/data/withdrawal.yaml``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from yibao import clock
from yibao.cases.handlers import Described, Effect, HandlerRefusal, register
from yibao.enrollment.handlers.base import EnrollmentHandler
from yibao.enrollment.models import InsurancePeriod, InsuranceType, Person, PersonalAccount, Unit
from yibao.enrollment.selectors import person_by_id_number, workbook_belongs_to
from yibao.enrollment.services.accounts import (
    AccountError,
    check_withdrawal,
    withdraw_account,
    withdrawal_rules,
)
from yibao.enrollment.services.contributions import (
    BaseRow,
    ContributionError,
    check_base_declarations,
    declare_bases,
)
from yibao.enrollment.services.deaths import missing_before_payment, notify_death_claim
from yibao.payments.models import Fund, PayeeKind
from yibao.payments.services import PayeeDetails, PaymentError, approve_payment

REASON_LABELS = tuple(r["label"] for r in withdrawal_rules()["reasons"].values())
# Literals built from data at import time: mypy sees them as str.
if TYPE_CHECKING:
    ReasonLabel = str
else:
    ReasonLabel = Literal[("",) + REASON_LABELS]
SHOWN_ERRORS = 20


def today() -> date:
    return clock.today()


# --- 职工医保缴费基数申报 ---------------------------------------------------------------------

class DeclarationRow(BaseModel):
    row: int
    id_number: str
    name: str
    year: str
    base: str


class BaseDeclarationFields(BaseModel):
    # Every field is filled by the 报盘 page, none is typed on the generic form.
    model_config = ConfigDict(extra="forbid")

    year: SkipJsonSchema[int] = Field(default=0, title="申报年度")
    rows: SkipJsonSchema[list[DeclarationRow]] = Field(default_factory=list, title="报盘数据")
    file_name: SkipJsonSchema[str] = Field(default="", title="报盘文件名")
    file_sha256: SkipJsonSchema[str] = Field(default="", title="报盘文件SHA-256")
    skipped_rows: SkipJsonSchema[list[int]] = Field(default_factory=list, title="未申报的行")


def base_rows(fields: BaseDeclarationFields) -> list[BaseRow]:
    return [BaseRow(r.row, r.id_number, r.name, r.year, r.base) for r in fields.rows]


def errors_text(errors: list[tuple[int, str]]) -> str:
    shown = "；".join(f"第 {n} 行：{reason}" for n, reason in errors[:SHOWN_ERRORS])
    more = f"（共 {len(errors)} 行，仅列出前 {SHOWN_ERRORS} 行）" if len(errors) > SHOWN_ERRORS else ""
    return f"报盘有 {len(errors)} 行不符合条件{more}：{shown}"


@register("base_declaration")
class BaseDeclarationHandler(EnrollmentHandler[BaseDeclarationFields]):
    key = "base_declaration"
    Fields = BaseDeclarationFields
    acts_at = {"办结": Effect.RECORD}

    @staticmethod
    def _unit(case) -> Unit:
        if case.applicant_kind != "unit":
            raise HandlerRefusal("缴费基数申报由参保单位办理，请以单位账号登录网上服务大厅申报")
        unit = Unit.objects.filter(uscc=case.applicant_id_number).first()
        if unit is None:
            raise HandlerRefusal(f"统一社会信用代码 {case.applicant_id_number} 尚未办理单位参保登记，不能申报缴费基数")
        return unit

    def check(self, *, case, fields: BaseDeclarationFields) -> None:
        unit = self._unit(case)
        if not fields.rows:
            raise HandlerRefusal("请在「职工医保缴费基数申报（报盘）」页面（/enrollment/baopan/）上传报盘文件后提交")
        if fields.file_sha256 and not workbook_belongs_to(sha256=fields.file_sha256, uscc=unit.uscc):
            raise HandlerRefusal("字段 报盘文件：所引用的报盘文件不是本单位上传的，不能引用；请在报盘页面上传本单位的文件")
        checked = check_base_declarations(unit=unit, year=fields.year, rows=base_rows(fields))
        if checked.errors:
            raise HandlerRefusal(errors_text(checked.errors))

    def on_step(self, *, case, step: str, fields: BaseDeclarationFields, actor: str) -> None:
        try:
            declare_bases(unit=self._unit(case), year=fields.year, rows=base_rows(fields), actor=actor,
                          case_number=case.number)
        except ContributionError as exc:
            raise HandlerRefusal(str(exc)) from exc


# --- 参保人员个人账户一次性支取 ----------------------------------------------------------------

class WithdrawalFields(BaseModel):
    """表7 职工基本医疗保险个人账户一次性支取申请表 (Changzhi reference form), plus the date of death."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    insured_name: str = Field(min_length=1, max_length=50, title="参保人姓名")
    insured_id_number: str = Field(min_length=1, max_length=18, title="参保人身份证件号码")
    withdrawal_reason: ReasonLabel = Field(default="", title="支取原因（未选择办理情形时填写，如出国(境)定居）")
    insured_employer: str = Field(default="", max_length=100, title="参保人工作单位")
    insured_bank: str = Field(default="", max_length=100, title="参保人开户银行")
    insured_account_number: str = Field(default="", max_length=40, title="参保人银行账号")
    death_date: date | None = Field(default=None, title="死亡日期（死亡人员支取时填写）")
    heir_name: str = Field(default="", max_length=50, title="继承人(代表人)姓名")
    heir_relationship: str = Field(default="", max_length=20, title="继承人与参保人关系")
    heir_id_number: str = Field(default="", max_length=18, title="继承人身份证件号码")
    heir_phone: str = Field(default="", max_length=20, title="继承人联系电话")
    heir_address: str = Field(default="", max_length=200, title="继承人常住地址")
    heir_employer: str = Field(default="", max_length=100, title="继承人工作单位")
    heir_bank: str = Field(default="", max_length=100, title="继承人开户银行")
    heir_account_number: str = Field(default="", max_length=40, title="继承人银行账号")
    remark: str = Field(default="", max_length=200, title="备注")

    @field_validator("insured_id_number", "heir_id_number")
    @classmethod
    def upper(cls, value: str) -> str:
        return value.upper()


def withdrawal_reason(case, fields: WithdrawalFields) -> str:
    """The reason key (data/withdrawal.yaml) from the chosen situation, else from 表7's 支取原因."""
    rules = withdrawal_rules()
    by_label = {r["label"]: key for key, r in rules["reasons"].items()}
    chosen = {rules["situations"][s] for s in case.situation.get("situations", []) if s in rules["situations"]}
    if len(chosen) > 1:
        raise HandlerRefusal("字段 办理情形：一次只能选择一种支取情形")
    if chosen:
        reason = chosen.pop()
        if fields.withdrawal_reason and by_label[fields.withdrawal_reason] != reason:
            raise HandlerRefusal(f"字段 支取原因：「{fields.withdrawal_reason}」与所选办理情形不一致")
        return reason
    if not fields.withdrawal_reason:
        raise HandlerRefusal("字段 支取原因：请选择办理情形或填写支取原因")
    reason = by_label[fields.withdrawal_reason]
    # A reason the item has a situation for must come through that situation:
    # its materials (death certificate, heirs' proof …) depend on it.
    for situation in case.item.data.get("situations", []):
        if rules["situations"].get(situation) == reason:
            raise HandlerRefusal(f"字段 办理情形：支取原因为「{fields.withdrawal_reason}」时请选择办理情形「{situation}」")
    return reason


def withdrawal_payee(reason: str, fields: WithdrawalFields) -> PayeeDetails:
    """The bank account the withdrawal is paid to: the heir's for a death, else the insured's own."""
    if withdrawal_rules()["reasons"][reason].get("needs_heir"):
        return PayeeDetails(kind=PayeeKind.PERSON, identifier=fields.heir_id_number, name=fields.heir_name,
                            bank_name=fields.heir_bank, account_number=fields.heir_account_number)
    return PayeeDetails(kind=PayeeKind.PERSON, identifier=fields.insured_id_number, name=fields.insured_name,
                        bank_name=fields.insured_bank, account_number=fields.insured_account_number)


@register("account_withdrawal")
class AccountWithdrawalHandler(EnrollmentHandler[WithdrawalFields]):
    key = "account_withdrawal"
    Fields = WithdrawalFields
    acts_at = {"拨付": Effect.PAYMENT}

    @staticmethod
    def _insured(fields: WithdrawalFields) -> Person:
        person = person_by_id_number(fields.insured_id_number)
        if person is None:
            raise HandlerRefusal(f"字段 参保人身份证件号码：{fields.insured_id_number} 没有参保登记记录")
        if person.name != fields.insured_name:
            raise HandlerRefusal("字段 参保人姓名：与参保登记的姓名不符")
        return person

    @staticmethod
    def _payee(reason_rule: dict, fields: WithdrawalFields) -> str:
        if reason_rule.get("needs_heir"):
            missing = [label for label, value in (("继承人(代表人)姓名", fields.heir_name),
                                                  ("继承人身份证件号码", fields.heir_id_number),
                                                  ("继承人与参保人关系", fields.heir_relationship),
                                                  ("继承人联系电话", fields.heir_phone),
                                                  # 表12 (个人承诺书, no death certificate) asks for it too.
                                                  ("继承人常住地址", fields.heir_address),
                                                  ("继承人开户银行", fields.heir_bank),
                                                  ("继承人银行账号", fields.heir_account_number)) if not value]
            if missing:
                raise HandlerRefusal(f"字段 {'、'.join(missing)}：死亡人员账户支付至继承人(代表人)账户，必填")
            return f"继承人 {fields.heir_name} {fields.heir_bank} 尾号{fields.heir_account_number[-4:]}"
        missing = [label for label, value in (("参保人开户银行", fields.insured_bank),
                                              ("参保人银行账号", fields.insured_account_number)) if not value]
        if missing:
            raise HandlerRefusal(f"字段 {'、'.join(missing)}：支取款项退付至参保人本人银行账户，必填")
        return f"参保人 {fields.insured_name} {fields.insured_bank} 尾号{fields.insured_account_number[-4:]}"

    @staticmethod
    def _applicant_may_apply(case, person: Person, reason_rule: dict, fields: WithdrawalFields) -> None:
        if case.applicant_kind == "unit":
            # 单位承办人: only for the unit's own (former) employee.
            latest = (InsurancePeriod.objects.filter(person=person, insurance_type=InsuranceType.EMPLOYEE_BASIC)
                      .select_related("unit").order_by("-start_date", "-id").first())
            if latest is None or latest.unit is None or latest.unit.uscc != case.applicant_id_number:
                raise HandlerRefusal(f"{person.name} 不是本单位参保职工，单位不能代为申请支取")
            return
        if reason_rule.get("needs_heir"):
            if person.id_number == case.applicant_id_number:
                raise HandlerRefusal("死亡人员账户支付由继承人申请，申请人不能是参保人本人")
            if fields.heir_id_number and fields.heir_id_number != case.applicant_id_number:
                raise HandlerRefusal("字段 继承人身份证件号码：须为申请人本人的证件号码")
            return
        if person.id_number != case.applicant_id_number:
            raise HandlerRefusal("个人只能申请支取本人的个人账户")

    def _checked(self, case, fields: WithdrawalFields) -> tuple[Person, str, str]:
        reason = withdrawal_reason(case, fields)
        rule = withdrawal_rules()["reasons"][reason]
        person = self._insured(fields)
        self._applicant_may_apply(case, person, rule, fields)
        payee = self._payee(rule, fields)
        try:
            check_withdrawal(person=person, reason=reason, today=today(), death_date=fields.death_date)
        except AccountError as exc:
            raise HandlerRefusal(str(exc)) from exc
        return person, reason, payee

    def check(self, *, case, fields: WithdrawalFields) -> None:
        self._checked(case, fields)

    def on_filed(self, *, case, fields: WithdrawalFields) -> None:
        """Text the dead person's registered phones that a claim on the account was filed (once
        per case), inside the filing's transaction."""
        person, reason, _payee = self._checked(case, fields)
        if withdrawal_rules()["reasons"][reason].get("needs_heir"):
            notify_death_claim(case_number=case.number, person=person, death_date=person.death_date or fields.death_date,
                               actor=case.applicant_id_number)

    def describe(self, *, case, fields: WithdrawalFields) -> Described:
        """表7 as filed, plus what 拨付 would pay today: the account balance (paid in full)."""
        rows = super().describe(case=case, fields=fields)
        balance = (PersonalAccount.objects.filter(person__id_number=fields.insured_id_number)
                   .values_list("balance", flat=True).first())
        rows.append(("个人账户余额（拨付时全额支取，元）", f"{balance:.2f}" if balance is not None else "未查询到个人账户"))
        return rows

    def on_step(self, *, case, step: str, fields: WithdrawalFields, actor: str) -> None:
        person, reason, payee = self._checked(case, fields)
        if withdrawal_rules()["reasons"][reason].get("needs_heir"):
            missing = missing_before_payment(case_number=case.number, person=person,
                                             death_date=person.death_date or fields.death_date)
            if missing:
                raise HandlerRefusal("死亡人员账户支付前须核实，以下情况不能拨付：" + "；".join(missing))
        try:
            withdrawal = withdraw_account(person=person, reason=reason, case_number=case.number, actor=actor,
                                          today=today(), payee=payee, death_date=fields.death_date)
            # The ledger's payment of the movement: same reference, so a retried 拨付 pays once.
            approve_payment(actor=actor, fund=Fund.EMPLOYEE_ACCOUNT, payee=withdrawal_payee(reason, fields),
                            amount=withdrawal.amount, reference=withdrawal.movement.reference,
                            agency=case.home_agency, case=case, note=withdrawal.movement.note)
        except (AccountError, PaymentError) as exc:
            raise HandlerRefusal(str(exc)) from exc
