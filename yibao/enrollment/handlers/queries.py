"""Query-and-print items (参保信息查询, 缴费记录查询及打印, 出具参保凭证).

Each one prints a document about the applicant's own record: a person's items
read the Person of the applicant's ID number, a unit's items the Unit of its
统一社会信用代码. ``check`` refuses (at submit and at acceptance) when there is
nothing to print; at 办结 the document is issued with its verification code and
kept with the case, whose page then offers it for download.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from yibao.cases.handlers import Effect, HandlerRefusal, register
from yibao.documents.certificates import (
    CertificateRefused,
    issue_insurance_certificate,
    issue_person_record,
    issue_unit_info,
    issue_unit_record,
    keep_case_document,
)
from yibao.documents.records import (
    RecordRefused,
    certificate_facts,
    parse_period,
    unit_by_uscc,
)
from yibao.enrollment.handlers.base import EnrollmentHandler
from yibao.enrollment.selectors import person_by_id_number
from yibao.ids import mask_resident_id

PERIOD_LABELS = (("起始年月", "start_month"), ("截止年月", "end_month"))
# Taiyuan 参保单位参保信息查询: this situation also asks for the 单位缴费证明.
UNIT_PAYMENT_PROOF = "办理出具单位缴费证明"


class PeriodFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    start_month: str = Field(default="", max_length=10, title="起始年月",
                             description="YYYY-MM；起止年月都不填则为最近12个月")
    end_month: str = Field(default="", max_length=10, title="截止年月",
                           description="YYYY-MM；不填则为本月")


class CertificateFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    contact: str = Field(default="", max_length=60, title="转出地经办机构联系人",
                         description="姓名及电话，打印在参保凭证上")


def _period(fields: PeriodFields):
    try:
        return parse_period(fields.start_month, fields.end_month, labels=PERIOD_LABELS)
    except RecordRefused as exc:
        raise HandlerRefusal(str(exc)) from exc


def _person(case):
    if case.applicant_kind != "person":
        raise HandlerRefusal("本事项只出具参保人员本人的信息，请以参保人员本人名义申请")
    person = person_by_id_number(case.applicant_id_number)
    if person is None:
        raise HandlerRefusal(f"证件号码 {mask_resident_id(case.applicant_id_number)} 没有参保记录，无可查询打印的信息")
    return person


def _unit(case):
    if case.applicant_kind != "unit":
        raise HandlerRefusal("本事项只出具参保单位本单位的信息，请以参保单位名义申请")
    unit = unit_by_uscc(case.applicant_id_number)
    if unit is None:
        raise HandlerRefusal(f"统一社会信用代码 {case.applicant_id_number} 没有参保登记记录，无可查询打印的信息")
    return unit


def _keep(issued) -> None:
    content, document = issued
    keep_case_document(document, content)


@register("person_info_query", "person_payment_record")
class PersonRecordHandler(EnrollmentHandler[PeriodFields]):
    """参保人员参保信息查询 / 缴费记录查询及打印: the person's 参保缴费记录 for a period."""

    key = "person_info_query"
    Fields = PeriodFields
    acts_at = {"办结": Effect.RECORD}

    def check(self, *, case, fields: PeriodFields) -> None:
        _person(case)
        _period(fields)

    def on_step(self, *, case, step: str, fields: PeriodFields, actor: str) -> None:
        start, end = _period(fields)
        _keep(issue_person_record(person=_person(case), start=start, end=end, actor=actor,
                                  case_number=case.number))


@register("insurance_certificate")
class InsuranceCertificateHandler(EnrollmentHandler[CertificateFields]):
    """出具《基本医疗保险参保凭证》: the certificate of the person's periods in the case's region."""

    key = "insurance_certificate"
    Fields = CertificateFields
    acts_at = {"办结": Effect.RECORD}

    def check(self, *, case, fields: CertificateFields) -> None:
        try:
            certificate_facts(person=_person(case), region=case.region)
        except RecordRefused as exc:
            raise HandlerRefusal(str(exc)) from exc

    def on_step(self, *, case, step: str, fields: CertificateFields, actor: str) -> None:
        try:
            _keep(issue_insurance_certificate(person=_person(case), region=case.region, actor=actor,
                                              case_number=case.number, contact=fields.contact))
        except CertificateRefused as exc:
            raise HandlerRefusal(str(exc)) from exc


@register("unit_info_query")
class UnitInfoHandler(EnrollmentHandler[PeriodFields]):
    """参保单位参保信息查询: the unit information; with Taiyuan's 单位缴费证明 also the contribution record."""

    key = "unit_info_query"
    Fields = PeriodFields
    acts_at = {"办结": Effect.RECORD}

    def _with_record(self, case) -> bool:
        return UNIT_PAYMENT_PROOF in case.situation.get("situations", [])

    def check(self, *, case, fields: PeriodFields) -> None:
        _unit(case)
        _period(fields)

    def on_step(self, *, case, step: str, fields: PeriodFields, actor: str) -> None:
        unit = _unit(case)
        _keep(issue_unit_info(unit=unit, actor=actor, case_number=case.number))
        if self._with_record(case):
            start, end = _period(fields)
            _keep(issue_unit_record(unit=unit, start=start, end=end, actor=actor, case_number=case.number))


@register("unit_payment_record")
class UnitPaymentRecordHandler(EnrollmentHandler[PeriodFields]):
    """参保单位医疗、生育保险缴费记录查询及打印: the unit's contribution record for a period."""

    key = "unit_payment_record"
    Fields = PeriodFields
    acts_at = {"办结": Effect.RECORD}

    def check(self, *, case, fields: PeriodFields) -> None:
        _unit(case)
        _period(fields)

    def on_step(self, *, case, step: str, fields: PeriodFields, actor: str) -> None:
        start, end = _period(fields)
        _keep(issue_unit_record(unit=_unit(case), start=start, end=end, actor=actor, case_number=case.number))
