"""The institutions API (django-ninja router, mounted under /api/).

- public (no token): the directory of designated institutions and the 公示 list,
  and raising an objection;
- an institution's token (kind ``institution``): its own record;
- a clerk's token: evaluation, objection answers, negotiation, and 信息变更/暂停/恢复/解除
  of the agency's institutions.

Applications themselves go through the case API (``POST /api/cases`` with an
institution token); every domain refusal maps to its status once (yibao/api/errors.py).
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from yibao.agencies.models import StaffMember
from yibao.api.auth import ErrorOut, ValidationErrorOut, token_auth
from yibao.api.callers import staff_caller
from yibao.cases.models import Case
from yibao.clock import today
from yibao.institutions import services
from yibao.institutions.models import Institution, Objection, Publicity
from yibao.institutions.selectors import directory, institution_of, publicities_open

router = Router(tags=["定点医药机构"], auth=token_auth)
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}
LIMIT = 500


class InstitutionOut(Schema):
    national_code: str | None = Field(description="国家医保定点机构编码（H/P + 11 位）")
    name: str
    kind: str = Field(description="hospital 医疗机构 / pharmacy 零售药店")
    level: str = Field(description="医院等级 3/2/1/0，药店为空")
    city: str
    county: str
    address: str
    services: list[str] = Field(description="可提供的医疗类别代码")
    status: str


def _out(i: Institution) -> dict:
    return {"national_code": i.national_code, "name": i.name, "kind": i.kind, "level": i.level,
            "city": i.region.slug, "county": i.county, "address": i.address, "services": i.services,
            "status": i.status}


class DirectoryQuery(Schema):
    city: str = Field("", max_length=40, description="统筹区标识，如 taiyuan")
    county: str = Field("", max_length=40)
    kind: Literal["", "hospital", "pharmacy"] = ""
    level: Literal["", "3", "2", "1", "0"] = ""
    service: str = Field("", max_length=6, description="医疗类别代码，如 21 普通住院")
    on: datetime.date | None = Field(None, description="在该日定点（默认今天）")


@router.get("/institutions/directory", auth=None, response={200: list[InstitutionOut], 422: ValidationErrorOut},
            summary="定点医药机构名录（公开）")
def directory_api(request, params: Query[DirectoryQuery]):
    if params.on is not None and abs((params.on - today()).days) > 366 * 30:
        raise HttpError(422, "字段 on：日期超出范围")
    qs = directory(region_slug=params.city, county=params.county, kind=params.kind, level=params.level,
                   service=params.service, day=params.on)
    return [_out(i) for i in qs[:LIMIT]]


class PublicityOut(Schema):
    id: int
    name: str
    kind: str
    city: str
    county: str
    start: datetime.date
    end: datetime.date


@router.get("/institutions/publicity", auth=None, response={200: list[PublicityOut]}, summary="定点公示（公开）")
def publicity_api(request, city: str = ""):
    return [{"id": p.pk, "name": p.institution.name, "kind": p.institution.kind, "city": p.institution.region.slug,
             "county": p.institution.county, "start": p.start, "end": p.end}
            for p in publicities_open(day=today(), region_slug=city[:40])]


class ObjectionIn(Schema):
    raised_by: str = Field(max_length=50, description="异议人姓名")
    contact: str = Field(max_length=40, description="联系方式")
    text: str = Field(max_length=2000, description="异议内容")


class ObjectionOut(Schema):
    id: int
    raised_by: str
    text: str
    answer: str
    upheld: bool | None


def _objection(o: Objection) -> dict:
    return {"id": o.pk, "raised_by": o.raised_by, "text": o.text, "answer": o.answer, "upheld": o.upheld}


@router.post("/institutions/publicity/{publicity_id}/objections", auth=None,
             response={201: ObjectionOut, **ERRORS}, summary="对公示对象提出异议（公开）")
def objection_api(request, publicity_id: int, body: ObjectionIn):
    publicity = Publicity.objects.filter(pk=publicity_id).first()
    if publicity is None:
        raise HttpError(404, "未找到该公示")
    objection = services.raise_objection(publicity=publicity, raised_by=body.raised_by, contact=body.contact,
                                         text=body.text)
    return Status(201, _objection(objection))


@router.get("/institutions/mine", response={200: InstitutionOut, **ERRORS}, summary="本机构信息（医药机构）")
def mine_api(request):
    institution = institution_of(request.auth) if request.api_token.kind == "inst" else None
    if institution is None:
        raise HttpError(403, "仅定点医药机构可以使用")
    return _out(institution)


# --- staff ----------------------------------------------------------------------------------------

def _staff(request) -> StaffMember:
    staff = staff_caller(request)
    return staff


def _case(number: str) -> Case:
    case = Case.objects.filter(number=number[:24], applicant_kind="institution").first()
    if case is None:
        raise HttpError(404, "未找到该办件")
    return case


class FindingIn(Schema):
    met: bool
    note: str = Field("", max_length=300)


class EvaluationIn(Schema):
    written_on: datetime.date = Field(description="书面评估日期")
    onsite_on: datetime.date = Field(description="现场评估日期")
    findings: dict[str, FindingIn] = Field(description="评估项代码 → 结论（data/criteria.yaml）")
    opinion: str = Field("", max_length=2000)


class EvaluationOut(Schema):
    round: int
    passed: bool
    scores: list[dict]


@router.post("/staff/institutions/cases/{number}/evaluations", response={201: EvaluationOut, **ERRORS},
             summary="记录一次评估（书面+现场）")
def evaluate_api(request, number: str, body: EvaluationIn):
    staff = _staff(request)
    if len(body.findings) > 50:
        raise HttpError(422, "字段 findings：评估项过多")
    evaluation = services.record_evaluation(
        case=_case(number), staff=staff, written_on=body.written_on, onsite_on=body.onsite_on, opinion=body.opinion,
        findings={k[:40]: services.Finding(met=v.met, note=v.note) for k, v in body.findings.items()})
    return Status(201, {"round": evaluation.round, "passed": evaluation.passed,
                 "scores": [{"criterion": s.criterion, "label": s.label, "met": s.met, "note": s.note}
                            for s in evaluation.scores.all()]})


class AnswerIn(Schema):
    answer: str = Field(max_length=2000)
    upheld: bool


@router.post("/staff/institutions/objections/{objection_id}/answer", response={200: ObjectionOut, **ERRORS},
             summary="答复公示异议")
def answer_api(request, objection_id: int, body: AnswerIn):
    staff = _staff(request)
    objection = Objection.objects.filter(pk=objection_id).first()
    if objection is None:
        raise HttpError(404, "未找到该异议")
    return _objection(services.answer_objection(objection=objection, staff=staff, answer=body.answer,
                                                upheld=body.upheld))


class NegotiationIn(Schema):
    terms: str = Field(max_length=2000, description="协商谈判结果及主要条款")


class AgreementOut(Schema):
    number: str
    negotiated_terms: str
    starts_on: datetime.date | None
    ends_on: datetime.date | None


@router.post("/staff/institutions/cases/{number}/negotiation", response={200: AgreementOut, **ERRORS},
             summary="记录协商谈判结果（之后在办件的「认定」环节签订协议）")
def negotiation_api(request, number: str, body: NegotiationIn):
    agreement = services.record_negotiation(case=_case(number), staff=_staff(request), terms=body.terms)
    return {"number": agreement.number, "negotiated_terms": agreement.negotiated_terms,
            "starts_on": agreement.starts_on, "ends_on": agreement.ends_on}


def _institution(staff: StaffMember, code: str) -> Institution:
    institution = Institution.objects.filter(national_code=code[:12], agency=staff.agency).first()
    if institution is None:
        raise HttpError(404, "未找到本经办机构管理的该定点医药机构")
    return institution


class ChangeIn(Schema):
    changes: dict[str, Any] = Field(description="name、address、legal_representative、level、beds、departments、services、phone")
    note: str = Field("", max_length=20)


class StatusIn(Schema):
    reason_code: str = Field("", max_length=20, description="原因代码（data/rules.yaml）")
    effective_on: datetime.date | None = None
    note: str = Field("", max_length=2000)


@router.post("/staff/institutions/{code}/changes", response={200: InstitutionOut, **ERRORS}, summary="信息变更")
def change_api(request, code: str, body: ChangeIn):
    staff = _staff(request)
    change = services.change_institution(institution=_institution(staff, code), staff=staff, changes=body.changes,
                                         note=body.note)
    return _out(Institution.objects.select_related("region").get(pk=change.institution_id))


@router.post("/staff/institutions/{code}/suspend", response={200: InstitutionOut, **ERRORS}, summary="暂停定点服务")
def suspend_api(request, code: str, body: StatusIn):
    staff = _staff(request)
    change = services.suspend_institution(institution=_institution(staff, code), staff=staff,
                                          reason_code=body.reason_code, effective_on=body.effective_on, note=body.note)
    return _out(Institution.objects.select_related("region").get(pk=change.institution_id))


@router.post("/staff/institutions/{code}/resume", response={200: InstitutionOut, **ERRORS}, summary="恢复定点服务")
def resume_api(request, code: str, body: StatusIn):
    staff = _staff(request)
    change = services.resume_institution(institution=_institution(staff, code), staff=staff,
                                         effective_on=body.effective_on, note=body.note)
    return _out(Institution.objects.select_related("region").get(pk=change.institution_id))


@router.post("/staff/institutions/{code}/terminate", response={200: InstitutionOut, **ERRORS}, summary="解除协议")
def terminate_api(request, code: str, body: StatusIn):
    staff = _staff(request)
    change = services.terminate_institution(institution=_institution(staff, code), staff=staff,
                                            reason_code=body.reason_code, effective_on=body.effective_on,
                                            note=body.note)
    return _out(Institution.objects.select_related("region").get(pk=change.institution_id))
