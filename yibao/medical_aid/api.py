"""The medical-aid API (mounted under /api/): a person's own aid; a programme's totals for staff."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ninja import Router, Schema
from ninja.errors import HttpError

from yibao.accounts.selectors import person_of
from yibao.api.auth import ErrorOut, token_auth
from yibao.api.callers import staff_caller
from yibao.enrollment.selectors import person_by_id_number
from yibao.medical_aid import selectors

router = Router(tags=["医疗救助"], auth=token_auth)
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class SubsidyOut(Schema):
    year: int
    region: str
    category: str
    valid_from: date
    valid_to: date | None
    subsidy: Decimal
    treatment: str
    status: str


class AidReimbursementOut(Schema):
    case_number: str
    year: int
    category: str
    settlement_number: str
    still_borne: Decimal
    amount: Decimal


class MyAidOut(Schema):
    subsidies: list[SubsidyOut]
    reimbursements: list[AidReimbursementOut]


class TotalOut(Schema):
    category: str
    agency: str
    persons: int
    subsidy: Decimal
    refunded: Decimal
    credited: Decimal
    refused: int


@router.get("/medical-aid/my", response={200: MyAidOut, **ERRORS}, summary="我的医疗救助（参保资助与零星报销）")
def my_aid(request):
    account = person_of(request.auth) if request.api_token.kind == "person" else None
    if account is None:
        raise HttpError(403, "仅限参保人员本人账号")
    person = person_by_id_number(account.id_number)
    return selectors.aid_of_person(person) if person else {"subsidies": [], "reimbursements": []}


@router.get("/staff/medical-aid/programmes/{pk}/totals", response={200: list[TotalOut], **ERRORS},
            summary="参保资助计划按类别和经办机构汇总（经办人员，仅本统筹区）")
def programme_totals(request, pk: int):
    staff = staff_caller(request)
    programme = selectors.programme_for_staff(staff, pk)
    if programme is None:
        raise HttpError(404, "未找到资助计划")
    return [{"category": t["category"], "agency": t["agency__name"], "persons": t["persons"], "subsidy": t["subsidy"],
             "refunded": t["refunded"], "credited": t["credited"], "refused": t["refused"]}
            for t in selectors.programme_totals(staff, programme)]
