"""Item handlers of the 职工 items: 新参, 续保, 停保, 在职转退休 (a unit's batch of rows, 表2)
and 灵活就业人员参保登记 (a person).

A unit acts only on itself and its own employees (``applicant_unit``): the rows
of 停保 and 在职转退休 must be insured at the applying unit; 新参 / 续保 of
someone still insured elsewhere is refused ("仍在「X」参保，请原单位先办理停保").

统筹区内转移 (a person moving between two units of one region): the old unit
stops the person first (停保, e.g. 调出); the new unit then enrolls them with the
row's last column 统筹区内转移 = 是, which requires that stopped period in this
region and a start date after its end. While the old period is active the new
unit is refused with the message above — there is no "pull" of an employee.

重复参保: a person holding active 城乡居民医保 (390) is refused at submission with
the duplicate-insurance message, unless the application chose
``duplicate_resolution`` = "保留职工医保，暂停居民医保": the 390 period then stops
the day before the employee period starts (Jincheng guide: 重复参保处理, 选取主账户).

Each handler checks at submission and at acceptance with the services'
read-only checks; the effect applies at 办结, where the services check again
under row locks. Field names follow form 表2 (``persons`` = its table 参保人员,
``mobile``, ``remark``) in ``yibao/documents/forms_data/changzhi_forms.yaml``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from yibao import clock
from yibao.cases.handlers import Effect, HandlerRefusal, register
from yibao.enrollment.handlers.base import EnrollmentHandler
from yibao.enrollment.handlers.units import applicant_unit
from yibao.enrollment.models import IdType
from yibao.enrollment.services.employees import (
    KEEP_EMPLOYEE,
    ROW_COLUMNS,
    ROWS_HELP,
    check_enrollment_rows,
    check_flexible,
    check_retirement,
    check_suspension,
    employee_rules,
    enroll_employees,
    enroll_flexible,
    parse_month,
    parse_rows_text,
    retire_employees,
    stop_reasons,
    stop_status,
    suspend_employees,
)
from yibao.enrollment.services.errors import EnrollmentError
from yibao.ids import InvalidIdentifier

# Literals built from data at import time: mypy sees them as str.
if TYPE_CHECKING:
    OptionalStopReason = str
    PaymentPeriod = str
    IdTypeCode = str
else:
    OptionalStopReason = Literal[("",) + stop_reasons()]
    PaymentPeriod = Literal[tuple(employee_rules()["flexible"]["payment_periods"])]
    IdTypeCode = Literal[tuple(IdType.values)]
DuplicateResolution = Literal["", KEEP_EMPLOYEE]  # type: ignore[valid-type]


def today() -> date:
    """Today's date (tests replace this function)."""
    return clock.today()


def _refusing(call, *args, **kwargs):
    """Run a service call; its domain error becomes the handler's refusal, message unchanged."""
    try:
        return call(*args, **kwargs)
    except (EnrollmentError, InvalidIdentifier, ValueError) as exc:
        raise HandlerRefusal(str(exc)) from exc


class PersonRow(BaseModel):
    """One row of 表2's 参保人员 table, as typed; checked by the services with its line number."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)

    # Titles label the row on the case pages (ItemHandler.describe).
    line: int = Field(0, title="行号")
    id_type: str = Field("", title="证件类型")
    id_number: str = Field("", title="证件号码")
    name: str = Field("", title="姓名")
    sex: str = Field("", title="性别")
    birth_date: str = Field("", title="出生日期")
    start_date: str = Field("", title="参保日期")
    base: str = Field("", title="缴费基数")
    category: str = Field("", title="人员类别")
    transfer: str = Field("", title="转移")
    error: SkipJsonSchema[str] = ""


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def coerce_rows(value):
    """Text (one person a line, tab- or comma-separated) or a list of dicts / lists → row dicts numbered."""
    if isinstance(value, str):
        return parse_rows_text(value)
    if isinstance(value, list):
        rows = []
        for number, row in enumerate(value, start=1):
            if isinstance(row, (list, tuple)):
                row = dict(zip(ROW_COLUMNS, row, strict=False))
            if isinstance(row, dict):
                row = {**row, "line": row.get("line") or number}
            rows.append(row)
        return rows
    return value


class RowsFields(_Form):
    """A unit's batch (表2): the rows, pasted text or a list."""

    persons: list[PersonRow] = Field(
        title="参保人员（每行一人）", json_schema_extra={"x-help": ROWS_HELP, "x-widget": "rows"})
    mobile: str = Field("", max_length=20, title="手机号码")
    remark: str = Field("", max_length=200, title="备注")

    @field_validator("persons", mode="before")
    @classmethod
    def _rows(cls, value):
        return coerce_rows(value)

    def rows(self) -> list[dict]:
        return [row.model_dump() for row in self.persons]


class EnrollFields(RowsFields):
    duplicate_resolution: DuplicateResolution = Field("", title="重复参保处理（已参加居民医保时选择）")


class SuspendFields(RowsFields):
    stop_reason: OptionalStopReason = Field("", title="停保原因（默认按办理情形）")
    stop_date: date | None = Field(None, title="停保日期（死亡停保为死亡日期；默认办结当日）")


class RetireFields(RowsFields):
    retire_date: date | None = Field(None, title="退休日期（默认办结当日）")


# --- 新参 / 续保 -----------------------------------------------------------------------------------

class _EnrollHandler(EnrollmentHandler[EnrollFields]):
    Fields = EnrollFields
    acts_at = {"办结": Effect.ENTITLEMENT}
    resume = False

    def check(self, *, case, fields: EnrollFields) -> None:
        _refusing(check_enrollment_rows, unit=applicant_unit(case), rows=fields.rows(), resume=self.resume,
                  duplicate_resolution=fields.duplicate_resolution)

    def on_step(self, *, case, step: str, fields: EnrollFields, actor: str) -> None:
        _refusing(enroll_employees, unit=applicant_unit(case), rows=fields.rows(), actor=actor,
                  resume=self.resume, duplicate_resolution=fields.duplicate_resolution,
                  case_number=case.number)


@register("employee_new")
class EmployeeNewHandler(_EnrollHandler):
    """职工参保登记(新参): the unit's rows enroll in 310 (and 510 where the unit insures it)."""

    key = "employee_new"


@register("employee_resume")
class EmployeeResumeHandler(_EnrollHandler):
    """职工参保登记(续保): as 新参, for persons who had a 职工 period before."""

    key = "employee_resume"
    resume = True


# --- 停保 ----------------------------------------------------------------------------------------

def _stop_reason(case, fields: SuspendFields) -> str:
    """The reason is the chosen situation (Taiyuan 2.(3)) or the field; both must agree."""
    chosen = [s for s in case.situation.get("situations", []) if s in stop_reasons()]
    if len(chosen) > 1:
        raise HandlerRefusal(f"字段 办理情形：一次只能选择一种停保原因，已选择「{'、'.join(chosen)}」")
    if chosen and fields.stop_reason and fields.stop_reason != chosen[0]:
        raise HandlerRefusal(f"字段 停保原因：「{fields.stop_reason}」与办理情形「{chosen[0]}」不一致")
    reason = fields.stop_reason or (chosen[0] if chosen else "")
    if not reason:
        raise HandlerRefusal(f"字段 停保原因：必填，可选：{'、'.join(stop_reasons())}")
    return reason


@register("employee_suspend")
class EmployeeSuspendHandler(EnrollmentHandler[SuspendFields]):
    """职工参保登记(停保): the situation's reason (each with its proof as the catalog's materials)."""

    key = "employee_suspend"
    Fields = SuspendFields
    acts_at = {"办结": Effect.ENTITLEMENT}

    def check(self, *, case, fields: SuspendFields) -> None:
        _refusing(check_suspension, unit=applicant_unit(case), rows=fields.rows(),
                  reason=_stop_reason(case, fields), on=fields.stop_date or today())

    def on_step(self, *, case, step: str, fields: SuspendFields, actor: str) -> None:
        _refusing(suspend_employees, unit=applicant_unit(case), rows=fields.rows(),
                  reason=_stop_reason(case, fields), on=fields.stop_date or today(), actor=actor,
                  case_number=case.number)


# --- 在职转退休 ------------------------------------------------------------------------------------

@register("employee_retire")
class EmployeeRetireHandler(EnrollmentHandler[RetireFields]):
    """职工参保登记(在职转退休): 5 working days, reviewed by a second person (catalog steps)."""

    key = "employee_retire"
    Fields = RetireFields
    acts_at = {"办结": Effect.ENTITLEMENT}

    def check(self, *, case, fields: RetireFields) -> None:
        _refusing(check_retirement, unit=applicant_unit(case), rows=fields.rows(), on=fields.retire_date or today())

    def on_step(self, *, case, step: str, fields: RetireFields, actor: str) -> None:
        _refusing(retire_employees, unit=applicant_unit(case), rows=fields.rows(),
                  on=fields.retire_date or today(), actor=actor, case_number=case.number)


# --- 灵活就业人员参保登记 ---------------------------------------------------------------------------

class FlexibleFields(_Form):
    """The applicant enrolls themself (表2 注: 灵活就业人员无需单位盖章和填写单位编码)."""

    id_type: IdTypeCode = Field(IdType.RESIDENT_ID.value, title="身份证件类型")
    sex: Literal["", "男", "女"] = Field("", title="性别（证件号码不含性别时必填）")
    birth_date: str = Field("", max_length=10, title="出生日期（证件号码不含出生日期时必填）")
    payment_period: PaymentPeriod = Field("按月", title="申报方式（按月、按季、按年）")
    base: str = Field(max_length=12, title="月缴费基数（元）")
    start_month: str = Field("", max_length=7, title="申报起始月份（如 2026-03，默认本月）")
    backpay_from: str = Field("", max_length=7, title="补缴起始月份（选择补缴时填写，如 2025-01）")
    duplicate_resolution: DuplicateResolution = Field("", title="重复参保处理（已参加居民医保时选择）")
    mobile: str = Field("", max_length=20, title="手机号码")
    remark: str = Field("", max_length=200, title="备注")


def _flexible_args(case, fields) -> dict:
    if case.applicant_kind != "person":
        raise HandlerRefusal("灵活就业人员参保登记须由本人申请（申请人类型：个人）")
    start = today().replace(day=1)
    backpay = None
    try:
        if fields.start_month:
            start = parse_month(fields.start_month, "申报起始月份")
        if fields.backpay_from:
            backpay = parse_month(fields.backpay_from, "补缴起始月份")
    except ValueError as exc:
        raise HandlerRefusal(str(exc)) from exc
    row = {"line": 1, "id_type": fields.id_type, "id_number": case.applicant_id_number,
           "name": case.applicant_name, "sex": fields.sex, "birth_date": fields.birth_date,
           "phone": fields.mobile or case.applicant_phone}
    return {"region": case.region, "person_row": row, "payment_period": fields.payment_period, "base": fields.base,
            "start_month": start, "backpay_from": backpay, "duplicate_resolution": fields.duplicate_resolution,
            "today": today()}


@register("flexible_enrollment")
class FlexibleEnrollmentHandler(EnrollmentHandler[FlexibleFields]):
    """灵活就业人员参保登记 + 主动申报 (Taiyuan 2.(4), Jincheng 二（一）, unit code 46065).

    The period has no unit (``unit_code`` = the region's flexible code) and one
    unpaid contribution row is owed per declared month (按月 1 / 按季 3 / 按年 12)
    and per 补缴 month; the rules are ``services.employees.check_flexible``'s.
    """

    key = "flexible_enrollment"
    Fields = FlexibleFields
    acts_at = {"办结": Effect.ENTITLEMENT}

    def check(self, *, case, fields: FlexibleFields) -> None:
        _refusing(check_flexible, **_flexible_args(case, fields))

    def on_step(self, *, case, step: str, fields: FlexibleFields, actor: str) -> None:
        _refusing(enroll_flexible, home_agency=case.home_agency, actor=actor, case_number=case.number,
                  **_flexible_args(case, fields))


# --- 长治 职工参保登记 (表2: 新增 / 暂停 / 终止 / 恢复 / 在职转退休) ---------------------------------

class EmployeeEnrollmentFields(_Form):
    """表2 职工基本医疗保险参保登记表; the situation (业务类型) says which columns matter.

    A person applicant (灵活就业人员, situation 新增) fills the 灵活就业 fields and no rows.
    """

    persons: list[PersonRow] = Field(
        default_factory=list, title="参保人员（单位申请时填写，每行一人）",
        json_schema_extra={"x-help": ROWS_HELP, "x-widget": "rows"})
    duplicate_resolution: DuplicateResolution = Field("", title="重复参保处理（已参加居民医保时选择）")
    stop_reason: OptionalStopReason = Field("", title="停保原因（暂停、终止时必填）")
    stop_date: date | None = Field(None, title="停保日期（暂停、终止；默认办结当日）")
    retire_date: date | None = Field(None, title="退休日期（在职转退休；默认办结当日）")
    id_type: IdTypeCode = Field(IdType.RESIDENT_ID.value, title="身份证件类型（灵活就业人员）")
    sex: Literal["", "男", "女"] = Field("", title="性别（灵活就业人员，证件号码不含性别时必填）")
    birth_date: str = Field("", max_length=10, title="出生日期（灵活就业人员，证件号码不含出生日期时必填）")
    payment_period: PaymentPeriod = Field("按月", title="申报方式（灵活就业人员：按月、按季、按年）")
    base: str = Field("", max_length=12, title="月缴费基数（灵活就业人员，元）")
    start_month: str = Field("", max_length=7, title="申报起始月份（灵活就业人员，默认本月）")
    backpay_from: str = Field("", max_length=7, title="补缴起始月份（灵活就业人员选择补缴时填写）")
    mobile: str = Field("", max_length=20, title="手机号码")
    remark: str = Field("", max_length=200, title="备注")

    @field_validator("persons", mode="before")
    @classmethod
    def _rows(cls, value):
        return coerce_rows(value)

    def rows(self) -> list[dict]:
        return [row.model_dump() for row in self.persons]


@register("employee_enrollment")
class EmployeeEnrollmentHandler(EnrollmentHandler[EmployeeEnrollmentFields]):
    """长治 职工参保登记: one handler, the chosen situation picks the action (``situation_actions`` of
    ``data/employee_rules.yaml``): 新增 → 新参 (a person applicant: 灵活就业), 恢复 → 续保,
    暂停 / 终止 → 停保 with a reason of the matching status, 在职转退休."""

    key = "employee_enrollment"
    Fields = EmployeeEnrollmentFields
    acts_at = {"办结": Effect.ENTITLEMENT}

    @staticmethod
    def _situation(case) -> str:
        chosen = list(case.situation.get("situations", []))
        if len(chosen) != 1:
            options = "、".join(employee_rules()["situation_actions"])
            raise HandlerRefusal(f"字段 办理情形：请选择一种业务类型（{options}）")
        return chosen[0]

    def _action(self, case, fields: EmployeeEnrollmentFields) -> tuple[str, str]:
        situation = self._situation(case)
        action = employee_rules()["situation_actions"].get(situation)
        if action is None:
            raise HandlerRefusal(f"字段 办理情形：「{situation}」无对应业务")
        if case.applicant_kind == "person":
            if action != "enroll":
                raise HandlerRefusal(f"字段 办理情形：个人申请只办理灵活就业人员新增，「{situation}」请由参保单位申请")
            return "flexible", situation
        return action, situation

    def _reason(self, situation: str, fields: EmployeeEnrollmentFields) -> str:
        if not fields.stop_reason:
            raise HandlerRefusal(f"字段 停保原因：{situation}时必填，可选：{'、'.join(stop_reasons())}")
        wanted = employee_rules()["situation_status"].get(situation)
        if wanted and stop_status(fields.stop_reason) != wanted:
            fitting = [r for r in stop_reasons() if stop_status(r) == wanted]
            raise HandlerRefusal(f"字段 停保原因：「{fields.stop_reason}」不属于{situation}，可选：{'、'.join(fitting)}")
        return fields.stop_reason

    def check(self, *, case, fields: EmployeeEnrollmentFields) -> None:
        action, situation = self._action(case, fields)
        if action == "flexible":
            if not fields.base:
                raise HandlerRefusal("字段 月缴费基数：必填")
            _refusing(check_flexible, **_flexible_args(case, fields))
            return
        unit = applicant_unit(case)
        if action in ("enroll", "resume"):
            _refusing(check_enrollment_rows, unit=unit, rows=fields.rows(), resume=action == "resume",
                      duplicate_resolution=fields.duplicate_resolution)
        elif action == "suspend":
            _refusing(check_suspension, unit=unit, rows=fields.rows(), reason=self._reason(situation, fields),
                      on=fields.stop_date or today())
        else:
            _refusing(check_retirement, unit=unit, rows=fields.rows(), on=fields.retire_date or today())

    def on_step(self, *, case, step: str, fields: EmployeeEnrollmentFields, actor: str) -> None:
        action, situation = self._action(case, fields)
        if action == "flexible":
            _refusing(enroll_flexible, home_agency=case.home_agency, actor=actor, case_number=case.number,
                      **_flexible_args(case, fields))
            return
        unit = applicant_unit(case)
        if action in ("enroll", "resume"):
            _refusing(enroll_employees, unit=unit, rows=fields.rows(), actor=actor, resume=action == "resume",
                      duplicate_resolution=fields.duplicate_resolution, case_number=case.number)
        elif action == "suspend":
            _refusing(suspend_employees, unit=unit, rows=fields.rows(), reason=self._reason(situation, fields),
                      on=fields.stop_date or today(), actor=actor, case_number=case.number)
        else:
            _refusing(retire_employees, unit=unit, rows=fields.rows(), on=fields.retire_date or today(),
                      actor=actor, case_number=case.number)
