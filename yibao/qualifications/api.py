"""The qualifications API (django-ninja router, mounted under /api/): a person's own
qualifications, a clerk's search in their region, and the public special-drug directory.

New qualifications are granted through cases (``POST /api/cases`` with the item's ``form_data``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from yibao.accounts.selectors import person_of
from yibao.api.auth import ErrorOut, ValidationErrorOut, token_auth
from yibao.api.callers import staff_caller
from yibao.enrollment.selectors import person_by_id_number
from yibao.ids import mask_resident_id
from yibao.qualifications.models import Qualification
from yibao.qualifications.selectors import drug_directory, find_qualifications, qualifications_of

router = Router(tags=["待遇资格"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class QualificationOut(Schema):
    name: str
    id_number: str = Field(description="公民身份号码（经办人员查询时脱敏）")
    kind: str
    kind_label: str
    disease_code: str = Field(description="病种编码（门诊慢特病：M+5位国家编码）")
    disease_name: str
    insurance_type: str
    valid_from: date
    valid_to: date
    institution_code: str
    institution_name: str
    doctor_name: str
    status: str
    status_label: str
    ended_on: date | None
    end_reason: str
    case_number: str
    demo_validity: bool = Field(description="有效期为示例参数，须按本地现行文件核定")


def _out(q: Qualification, *, mask: bool) -> dict:
    return {"name": q.person.name, "id_number": mask_resident_id(q.person.id_number) if mask else q.person.id_number,
            "kind": q.kind, "kind_label": q.get_kind_display(), "disease_code": q.disease_code,
            "disease_name": q.disease_name, "insurance_type": q.insurance_type, "valid_from": q.valid_from,
            "valid_to": q.valid_to, "institution_code": q.institution_code, "institution_name": q.institution_name,
            "doctor_name": q.doctor_name, "status": q.status, "status_label": q.get_status_display(),
            "ended_on": q.ended_on, "end_reason": q.end_reason, "case_number": q.case_number,
            "demo_validity": q.demo_validity}


@router.get("/qualifications", response={200: list[QualificationOut], **ERRORS}, auth=token_auth,
            summary="我的待遇资格（含到期、终止）")
def my_qualifications(request):
    account = person_of(request.auth) if request.api_token.kind == "person" else None
    if account is None:
        raise HttpError(403, "仅限参保人员本人账号")
    person = person_by_id_number(account.id_number)
    if person is None:
        return []
    return [_out(q, mask=False) for q in qualifications_of(person).select_related("person")[:200]]


class StaffQuery(Schema):
    id_number: str = Field("", max_length=50, description="公民身份号码或姓名")
    disease: str = Field("", max_length=50, description="病种编码或名称")
    institution: str = Field("", max_length=50, description="定点医疗机构编码或名称")


@router.get("/staff/qualifications", response={200: list[QualificationOut], **ERRORS}, auth=token_auth,
            summary="待遇资格查询（经办人员，仅本统筹区）")
def staff_qualifications(request, params: Query[StaffQuery]):
    staff = staff_caller(request)
    if not (params.id_number or params.disease or params.institution):
        raise HttpError(422, "请至少提供一个查询条件")
    return [_out(q, mask=True) for q in find_qualifications(
        region=staff.agency.region, id_number=params.id_number.replace("\x00", ""),
        disease=params.disease.replace("\x00", ""), institution=params.institution.replace("\x00", ""))]


class DoctorOut(Schema):
    name: str
    department: str


class PlaceOut(Schema):
    institution_code: str
    institution_name: str
    doctors: list[DoctorOut]


class DrugOut(Schema):
    region: str
    name: str
    generic_name: str
    disease_code: str
    disease_name: str
    institutions: list[PlaceOut]


@router.get("/special-drugs", response={200: list[DrugOut], **ERRORS}, auth=None,
            summary="特药定点医疗机构和责任医师查询（公开）")
def special_drugs(request, q: str = Query("", max_length=50, description="特药名称")):
    return [{"region": d.region.slug, "name": d.name, "generic_name": d.generic_name,
             "disease_code": d.disease_code, "disease_name": d.disease_name,
             "institutions": [{"institution_code": p.institution_code, "institution_name": p.institution_name,
                               "doctors": [{"name": doc.name, "department": doc.department} for doc in p.doctors.all()]}
                              for p in d.institutions.all()]}
            for d in drug_directory(query=q.replace("\x00", ""), limit=50)]
