"""The case handlers of category 六 (零星报销) of the three cities and Jincheng's 意外伤害认定.

One handler serves every reimbursement item; what differs between items (险种, 门诊/住院,
payees, the seeds' own rules) is data (``data/items.yaml``), found by the item's ``handler``
key. Steps: 受理 records the claim, 审核 fixes the 核准 amounts (after the reviewer's
adjustments), an optional 复审 (a second person, above the configurable threshold), 拨付
settles and pays, 办结 issues the 结算单.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from yibao import clock
from yibao.cases.handlers import Described, Effect, HandlerRefusal, ItemHandler, register
from yibao.errors import DomainError
from yibao.reimbursement import eligibility, services
from yibao.reimbursement.fields import MED_TYPES, ClaimFields, ClaimLineIn
from yibao.reimbursement.item_rules import ItemRule, item_rules, rule_for
from yibao.reimbursement.lines_file import lines_from_workbook
from yibao.reimbursement.models import AccidentDetermination, Claim
from yibao.reimbursement.pdf import issue_settlement_statement
from yibao.validation import chinese_message

REIMBURSEMENT_KEYS = tuple(item_rules())
ACCIDENT_KEY = "accident_determination"


def _rule(case) -> ItemRule:
    key = case.item.data.get("handler", "")
    if key not in item_rules():
        raise HandlerRefusal(f"事项「{case.item.name}」没有零星报销规则（{key}）")
    return rule_for(key)


@register(*REIMBURSEMENT_KEYS)
class ReimbursementHandler(ItemHandler[ClaimFields]):
    key = "reimbursement"
    Fields = ClaimFields
    acts_at = {"受理": Effect.RECORD, "审核": Effect.RECORD, "拨付": Effect.PAYMENT, "办结": Effect.RECORD}
    adds_steps = frozenset({"复审"})
    workbook_rows = frozenset({"lines"})

    def rows_from_workbook(self, *, field: str, content: bytes) -> list[dict]:
        """The 费用明细清单 workbook (the 试算 template) as claim lines; LinesRefused names bad rows."""
        return lines_from_workbook(content)

    def subject_person(self, *, case, fields: ClaimFields) -> str | None:
        return fields.insured_id_number

    def parse_fields(self, data: dict) -> ClaimFields:
        """As the base does, but a bad 费用明细 value is named by its line (第 N 行) and column."""
        try:
            return ClaimFields.model_validate(data or {})
        except ValidationError as exc:
            line_errors = [e for e in exc.errors() if len(e["loc"]) >= 2 and e["loc"][0] == "lines"
                           and isinstance(e["loc"][1], int)]
            if not line_errors:
                return super().parse_fields(data)
            problems = []
            for error in line_errors[:20]:
                column = error["loc"][2] if len(error["loc"]) > 2 else ""
                info = ClaimLineIn.model_fields.get(str(column))
                label = info.title if info is not None and info.title else "该行"
                message = (error["msg"].removeprefix("Value error, ") if error["type"] == "value_error"
                           else chinese_message(dict(error)))
                problems.append(f"第 {int(error['loc'][1]) + 1} 行 {label}：{message}")
            raise HandlerRefusal("字段 费用明细：" + "；".join(problems)) from exc

    def extra_steps(self, *, case, fields: ClaimFields) -> list[str]:
        # A second person confirms large amounts: decided on the 申报 total, which review may only lower.
        return ["复审"] if fields.claimed_total > services.second_review_above() else []

    def _checked(self, case, fields: ClaimFields):
        rule = _rule(case)
        person = eligibility.insured_person(fields)
        eligibility.check_applicant(case, person, fields)
        eligibility.check_care_kind(rule, fields)
        eligibility.check_situations(rule, fields, case.situation.get("situations", []))
        period = eligibility.covering_period(person, rule, fields)
        if rule.minor_only:
            eligibility.check_minor(person, period, fields)
        if rule.arrears_paid_required:
            eligibility.check_arrears_paid(period, fields)
        if rule.qualification_required:
            eligibility.check_qualification(person, fields)
        if rule.accident_determination_required:
            eligibility.check_accident_determined(person, fields)
        eligibility.check_bills(fields, case_number=case.number)
        return rule, person, period

    def check(self, *, case, fields: ClaimFields) -> None:
        self._checked(case, fields)

    def on_step(self, *, case, step: str, fields: ClaimFields, actor: str) -> None:
        try:
            if step == "受理":
                _rule_, person, period = self._checked(case, fields)
                services.record_claim(case=case, fields=fields, person=person, period=period,
                                      handler_key=case.item.data["handler"], actor=actor)
            elif step == "审核":
                services.approve_lines(case=case, actor=actor)
            elif step == "拨付":
                services.pay_claim(case=case, fields=fields, actor=actor)
            elif step == "办结":
                services.settle_claim(case=case, actor=actor)
                issue_settlement_statement(case=case, actor=actor)
        except DomainError as exc:
            raise HandlerRefusal(str(exc)) from exc

    def describe(self, *, case, fields: ClaimFields) -> Described:
        """The episode, each line with its money stages, and the settlement once computed."""
        rows: Described = [
            ("参保人", f"{fields.insured_name}"),
            ("医疗类别", f"{fields.med_type} {MED_TYPES.get(fields.med_type[:2], '')}"),
            ("医疗机构", f"{fields.institution_name} {fields.institution_code}".strip()
             + ("（本市定点）" if fields.institution_local else "（异地）")),
            ("医院等级", fields.hospital_level),
            ("就医日期", f"{fields.admission_date:%Y-%m-%d} 至 {fields.discharge_date:%Y-%m-%d}"),
            ("疾病诊断", f"{fields.diagnosis_name} {fields.diagnosis_code}".strip()),
            ("转诊转院", fields.referral),
            ("意外伤害", "是" if fields.accident else "否"),
            ("收费票据号码", "、".join(fields.bill_numbers)),
            ("拨付对象", f"{fields.payee} {fields.account_name} {fields.bank_name} 尾号{fields.account_number[-4:]}"),
            ("申报金额（元）", f"{fields.claimed_total:.2f}"),
        ]
        if fields.disease_code:
            rows.append(("门诊慢特病病种", f"{fields.disease_code} {fields.chronic_kind}"))
        claim = Claim.objects.filter(case=case).first()
        if claim is None:
            rows += [(f"费用明细 第{line.row}行", f"{line.item_name} {line.grade}类 {line.unit_price}×{line.quantity}"
                                             f" = {line.amount:.2f}") for line in fields.lines]
            return rows
        for line in claim.lines.all():
            stages = f"申报 {line.claimed_amount:.2f}"
            if line.adjusted_amount is not None:
                stages += (f"，审核调整 {line.adjusted_amount:.2f}（{line.adjust_reason} {line.get_adjust_reason_display()}"
                           f"{('：' + line.adjust_note) if line.adjust_note else ''}）")
            if line.approved_amount is not None:
                stages += f"，核准 {line.approved_amount:.2f}"
            rows.append((f"费用明细 第{line.row}行", f"{line.item_name} {line.grade}类：{stages}"))
        if claim.approved_total is not None:
            rows.append(("核准金额（元）", f"{claim.approved_total:.2f}"))
        if claim.settlement:
            for label, amount in claim.settlement.get("fields", {}).items():
                rows.append((label, amount))
            if claim.settlement.get("demo"):
                rows.append(("提示", "本次计算使用了示例参数（示例参数，须按本地现行文件核定）"))
        return rows


# --- 参保人员意外伤害费用纳入医保支付范围认定 (Jincheng 七) ---------------------------------------



class AccidentFields(BaseModel):
    """What the applicant tells: who was hurt, when and where, how, and the proof (seed 000 item 7)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    insured_name: str = Field(min_length=1, max_length=50, title="参保人姓名")
    insured_id_number: str = Field(min_length=15, max_length=18, title="参保人身份证号码")
    accident_date: date = Field(title="受伤日期")
    accident_place: str = Field(min_length=1, max_length=100, title="受伤地点")
    description: str = Field(min_length=1, max_length=1000, title="受伤经过")
    evidence: Literal["交警事故认定书", "法院判决书", "调解协议书", "其他公检法部门证明材料",
                      "意外伤害符合医保支付政策承诺书"] = Field(title="证明材料")
    third_party: str = Field(default="", max_length=100, title="责任第三方（无或无法确定的填“无”）")
    institution_name: str = Field(min_length=1, max_length=100, title="就医医疗机构")

    @field_validator("insured_id_number")
    @classmethod
    def upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("insured_name", "accident_place", "description", "third_party", "institution_name")
    @classmethod
    def printable(cls, value: str) -> str:
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
            raise ValueError("含有不可见的控制字符")
        return value


@register(ACCIDENT_KEY)
class AccidentDeterminationHandler(ItemHandler[AccidentFields]):
    """申请—调查—认定 within 20 working days (the catalog's time limit). The outcome is
    recorded by ``services.determine_accident`` (符合: the fund pays; 不符合: the person bears it)."""

    key = ACCIDENT_KEY
    Fields = AccidentFields
    acts_at = {"受理": Effect.RECORD, "调查": Effect.RECORD, "认定": Effect.ENTITLEMENT}

    def subject_person(self, *, case, fields: AccidentFields) -> str | None:
        return fields.insured_id_number

    def _person(self, case, fields: AccidentFields):
        person = eligibility.insured_person(fields)  # type: ignore[arg-type]
        if case.applicant_kind == "person" and case.applicant_id_number != person.id_number \
                and not case.situation.get("proxy"):
            raise HandlerRefusal("个人只能申请本人的意外伤害认定；代他人办理请选择委托代办")
        if fields.accident_date > clock.today():
            raise HandlerRefusal(f"字段 受伤日期：{fields.accident_date:%Y-%m-%d} 晚于今天")
        if person.death_date is not None and fields.accident_date > person.death_date:
            raise HandlerRefusal(f"字段 受伤日期：{fields.accident_date:%Y-%m-%d} 晚于参保人的死亡日期 "
                                 f"{person.death_date:%Y-%m-%d}")
        return person

    def check(self, *, case, fields: AccidentFields) -> None:
        self._person(case, fields)

    def on_step(self, *, case, step: str, fields: AccidentFields, actor: str) -> None:
        try:
            if step == "受理":
                services.open_determination(case=case, person=self._person(case, fields),
                                            accident_date=fields.accident_date, actor=actor)
            elif step == "调查":
                determination = AccidentDetermination.objects.filter(case=case).first()
                if determination is None or not determination.investigation_notes:
                    raise HandlerRefusal("请先记录调查情况（受伤经过、有无责任第三方）再完成调查")
            elif step == "认定":
                services.confirm_eligible(case=case, actor=actor)
        except DomainError as exc:
            raise HandlerRefusal(str(exc)) from exc

    def describe(self, *, case, fields: AccidentFields) -> Described:
        rows = super().describe(case=case, fields=fields)
        determination = AccidentDetermination.objects.filter(case=case).first()
        if determination is not None:
            if determination.investigation_notes:
                rows.append(("调查记录", determination.investigation_notes))
                rows.append(("调查人员", determination.investigator or determination.investigated_by))
                rows.append(("有无责任第三方", "有：" + determination.third_party if determination.third_party_liable
                             else "无" if determination.third_party_liable is False else "无法确定"))
            if determination.outcome:
                rows.append(("认定结论", determination.get_outcome_display()))
                rows.append(("认定理由", determination.reason or "—"))
        return rows
