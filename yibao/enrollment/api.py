"""Enrollment API: a person's record and contribution rows, for staff and for the person.

- ``GET /api/persons/{id_number}`` and ``…/contributions``: clerks (staff token),
  persons of their own region (统筹区) only;
- ``GET /api/me/enrollment`` and ``/api/me/contributions``: a logged-in person
  (person token), their own record only.

Thin endpoints over ``yibao.enrollment.selectors`` (one ``.values()`` query
each): this is the hot read path measured by ``yibao bench http``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from yibao.accounts.selectors import person_of
from yibao.api.auth import ErrorOut, ValidationErrorOut, field_error, token_auth
from yibao.ids import InvalidIdentifier, mask_resident_id, validate_resident_id
from yibao.validation import PlainInt

from . import selectors
from .id_documents import validate_id_document
from .models import AccountStatus, IdType, InsuranceStatus, InsuranceType, PersonCategory, Sex

STAFF_ONLY = "仅限经办人员"
PERSON_ONLY = "仅限参保个人账号"
ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

router = Router(auth=token_auth, tags=["参保信息"])


# --- schemas ------------------------------------------------------------------------------

class PeriodOut(Schema):
    insurance_type: str = Field(description="险种代码，如 310 职工基本医疗保险")
    insurance_type_name: str
    status: str = Field(description="参保状态代码：1 正常参保 / 2 暂停参保 / 4 终止参保")
    status_name: str
    category: str = Field(description="人员类别：employed 在职职工 / resident 城乡居民 …；空表示未登记")
    category_name: str
    unit_uscc: str | None = Field(None, description="参保单位统一社会信用代码")
    unit_name: str | None
    unit_code: str = Field(description="单位编号（无单位记录时，如灵活就业人员）")
    home_agency: str
    start_date: date
    end_date: date | None
    stop_reason: str


class AccountOut(Schema):
    balance: Decimal = Field(description="个人账户余额（元）")
    status: str
    status_name: str


class PersonOut(Schema):
    id_number: str
    id_type: str
    id_type_name: str
    name: str
    sex: str
    sex_name: str
    birth_date: date
    region: str
    home_agency: str
    deceased: bool
    periods: list[PeriodOut] = Field(description="参保期间（经办人员查询时仅列正常参保的期间）")
    account: AccountOut | None = Field(None, description="个人账户（职工医保）")


class ContributionOut(Schema):
    month: str = Field(description="费款所属期 YYYY-MM")
    insurance_type: str
    insurance_type_name: str
    base: Decimal = Field(description="缴费基数（元）")
    unit_part: Decimal = Field(description="单位缴费（元）")
    personal_part: Decimal = Field(description="个人缴费（元）")
    paid: bool = Field(description="是否已到账")


class ContributionsOut(Schema):
    id_number: str = Field(description="证件号码（已遮蔽）")
    name: str
    months: int
    rows: list[ContributionOut]


class MonthsQuery(Schema):
    months: PlainInt = Field(12, ge=1, le=120, description="最近多少条月度缴费记录（1–120，默认 12）")


class IdTypeQuery(Schema):
    id_type: IdType = Field(IdType.RESIDENT_ID, description="证件类型代码，默认 01 居民身份证")


# --- who is asking, and whom ---------------------------------------------------------------

def _staff_region(request) -> tuple[int, str]:
    region = selectors.staff_region(request.auth) if request.api_token.kind == "staff" else None
    if region is None:
        raise HttpError(403, STAFF_ONLY)
    return region


class _BadField(Exception):
    """Bad input in the path or query: answered 400 with the field named."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.body = field_error(field, message)


def _checked_number(id_type: str, id_number: str) -> str:
    """The normalised number, or a 400 naming the field (raised as ``_BadField``)."""
    try:
        if id_type == IdType.RESIDENT_ID:
            return validate_resident_id(id_number).number  # errors name it 公民身份号码
        return validate_id_document(id_type, id_number).number
    except InvalidIdentifier as exc:
        raise _BadField("id_number", exc.message) from exc


def _person_for_staff(request, id_number: str, id_type: str) -> dict:
    region_id, region_name = _staff_region(request)
    number = _checked_number(id_type, id_number)
    person = selectors.person_record(number)
    # A person of another region is "not found" here: a clerk learns nothing about other regions.
    if person is None or person["region_id"] != region_id:
        raise HttpError(404, f"{region_name}未找到证件号码为 {number} 的参保人员")
    return person


def _own_person(request) -> dict:
    account = person_of(request.auth) if request.api_token.kind == "person" else None
    if account is None:
        raise HttpError(403, PERSON_ONLY)
    person = selectors.person_record(account.id_number)
    if person is None:
        raise HttpError(404, "未找到您的参保记录：您尚未参保登记，或登记信息尚未同步")
    return person


# --- output ------------------------------------------------------------------------------

def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return ""


def _period(row: dict) -> dict:
    return {
        "insurance_type": row["insurance_type"],
        "insurance_type_name": _label(InsuranceType, row["insurance_type"]),
        "status": row["status"], "status_name": _label(InsuranceStatus, row["status"]),
        "category": row["category"], "category_name": _label(PersonCategory, row["category"]),
        "unit_uscc": row["unit__uscc"], "unit_name": row["unit__name"], "unit_code": row["unit_code"],
        "home_agency": row["home_agency__name"], "start_date": row["start_date"],
        "end_date": row["end_date"], "stop_reason": row["stop_reason"],
    }


def person_body(person: dict, periods: list[dict], account: dict | None) -> dict:
    """The PersonOut answer, field for field (yibao.api.hot renders it without revalidating)."""
    return {
        "id_number": person["id_number"], "id_type": person["id_type"],
        "id_type_name": _label(IdType, person["id_type"]), "name": person["name"],
        "sex": person["sex"], "sex_name": _label(Sex, person["sex"]), "birth_date": person["birth_date"],
        "region": person["region__name"], "home_agency": person["home_agency__name"],
        "deceased": person["death_date"] is not None,
        "periods": [_period(row) for row in periods],
        "account": account and {**account, "status_name": _label(AccountStatus, account["status"])},
    }


def _contributions(person: dict, months: int) -> dict:
    return contributions_body(person, months, selectors.contributions_of(person["id"], months=months))


def contributions_body(person: dict, months: int, rows: list[dict]) -> dict:
    """The ContributionsOut answer, field for field (yibao.api.hot renders it without revalidating)."""
    return {
        "id_number": mask_resident_id(person["id_number"]), "name": person["name"], "months": months,
        "rows": [{
            "month": f"{row['month']:%Y-%m}", "insurance_type": row["insurance_type"],
            "insurance_type_name": _label(InsuranceType, row["insurance_type"]),
            "base": row["base"], "unit_part": row["unit_part"], "personal_part": row["personal_part"],
            "paid": row["paid"],
        } for row in rows],
    }


# --- endpoints -----------------------------------------------------------------------------

@router.get("/persons/{id_number}", response={200: PersonOut, **ERRORS},
            summary="按证件号码查询参保人员及其正常参保的期间（经办人员，本统筹区）")
def person_for_staff(request, id_number: str, query: Query[IdTypeQuery]):
    try:
        person = _person_for_staff(request, id_number, query.id_type.value)
    except _BadField as exc:
        return Status(400, exc.body)
    return person_body(person, selectors.periods_of(person["id"]), None)


@router.get("/persons/{id_number}/contributions", response={200: ContributionsOut, **ERRORS},
            summary="参保人员最近的月度缴费记录（经办人员，本统筹区）")
def contributions_for_staff(request, id_number: str, query: Query[MonthsQuery], kind: Query[IdTypeQuery]):
    try:
        person = _person_for_staff(request, id_number, kind.id_type.value)
    except _BadField as exc:
        return Status(400, exc.body)
    return _contributions(person, query.months)


@router.get("/me/enrollment", response={200: PersonOut, **ERRORS},
            summary="本人参保信息：全部参保期间和个人账户（参保个人）")
def my_enrollment(request):
    person = _own_person(request)
    periods = selectors.periods_of(person["id"], active_only=False)
    return person_body(person, periods, selectors.account_of(person["id"]))


@router.get("/me/contributions", response={200: ContributionsOut, **ERRORS},
            summary="本人最近的月度缴费记录（参保个人）")
def my_contributions(request, query: Query[MonthsQuery]):
    return _contributions(_own_person(request), query.months)
