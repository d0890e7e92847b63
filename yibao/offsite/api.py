"""The offsite API (django-ninja router, mounted under /api/): a person's own filings, staff query.

New filings, changes and cancellations through a case go through the case API
(``POST /api/cases`` with the item's ``form_data``); a person may also cancel
their own filing here directly.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from yibao.api.auth import ErrorOut, ValidationErrorOut, field_error, token_auth
from yibao.api.callers import person_caller, staff_caller
from yibao.enrollment.models import Person
from yibao.enrollment.selectors import person_by_id_number
from yibao.ids import mask_resident_id
from yibao.offsite.models import FilingCategory, OffsiteFiling
from yibao.offsite.selectors import (
    StaffQuery,
    filing_for_person,
    filings_for_staff,
    filings_of_person,
)
from yibao.offsite.services import cancel_filing
from yibao.validation import IsoDate

router = Router(tags=["异地就医备案"], auth=token_auth)
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}
LIMIT = 200


class FilingOut(Schema):
    number: str = Field(description="备案编号")
    name: str
    id_number: str = Field(description="公民身份号码（经办人员查询时脱敏）")
    insurance_type: str = Field(description="险种 310 职工 / 390 城乡居民")
    category: str
    category_label: str
    destination_province_code: str
    destination_province_name: str
    destination_city_code: str
    destination_city_name: str
    hospital: str
    start_date: date
    end_date: date | None = Field(description="结束日期；null 表示长期")
    last_day: date | None = Field(description="实际有效的最后一日（变更、取消后）；null 表示长期")
    status: str
    status_label: str
    filed_by: str
    by_commitment: bool
    case_number: str
    supersedes: str | None


class StaffFilingQuery(Schema):
    id_number: str = Field("", max_length=18, description="公民身份号码")
    destination: str = Field("", max_length=30, description="转往地：省或地级市的名称或代码")
    category: FilingCategory | None = Field(None, description="人员类别")
    on: IsoDate | None = Field(None, description="在该日有效的备案（YYYY-MM-DD）")


class CancelIn(Schema):
    reason: str = Field("", max_length=100, description="取消原因")


def _out(filing: OffsiteFiling, *, mask: bool) -> dict:
    return {
        "number": filing.number, "name": filing.person.name,
        "id_number": mask_resident_id(filing.person.id_number) if mask else filing.person.id_number,
        "insurance_type": filing.insurance_type, "category": filing.category,
        "category_label": filing.get_category_display(),
        "destination_province_code": filing.destination_province_code,
        "destination_province_name": filing.destination_province_name,
        "destination_city_code": filing.destination_city_code,
        "destination_city_name": filing.destination_city_name, "hospital": filing.hospital,
        "start_date": filing.start_date, "end_date": filing.end_date, "last_day": filing.last_day,
        "status": filing.status, "status_label": filing.get_status_display(), "filed_by": filing.filed_by,
        "by_commitment": filing.by_commitment, "case_number": filing.case_number,
        "supersedes": f"YD{filing.supersedes_id:010d}" if filing.supersedes_id else None,
    }


def _person(request) -> Person | None:
    return person_by_id_number(person_caller(request).id_number)


@router.get("/offsite/filings", response={200: list[FilingOut], **ERRORS}, summary="我的异地就医备案（含历史）")
def my_filings(request):
    person = _person(request)
    if person is None:
        return []
    return [_out(f, mask=False) for f in filings_of_person(person).select_related("person")[:LIMIT]]


@router.post("/offsite/filings/{number}/cancel", response={200: FilingOut, **ERRORS}, summary="取消本人的备案")
def cancel(request, number: str, body: CancelIn):
    person = _person(request)
    filing = filing_for_person(person, number) if person else None
    if filing is None:
        raise HttpError(404, f"未找到备案 {number}")
    filing = cancel_filing(filing=filing, actor=request.auth.get_username(), person=person,
                           reason=body.reason or "本人通过接口取消")
    return _out(filing, mask=False)


@router.get("/staff/offsite/filings", response={200: list[FilingOut], **ERRORS},
            summary="异地就医备案查询（经办人员，仅本统筹区）")
def staff_filings(request, params: Query[StaffFilingQuery]):
    staff = staff_caller(request)
    if not (params.id_number or params.destination or params.category or params.on):
        return Status(422, field_error("id_number", "请至少提供一个查询条件"))
    query = StaffQuery(id_number=params.id_number, destination=params.destination,
                       category=params.category.value if params.category else "", on=params.on)
    return [_out(f, mask=True) for f in filings_for_staff(staff, query)[:LIMIT]]
