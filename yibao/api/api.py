"""The REST API (django-ninja); OpenAPI document at /api/docs."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from ninja import NinjaAPI, Query, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError, ValidationError
from ninja.renderers import JSONRenderer
from pydantic import Field

from yibao.accounts.api import router as accounts_router
from yibao.api.auth import ErrorOut, ValidationErrorOut
from yibao.api.auth import router as auth_router
from yibao.api.errors import install_error_handlers
from yibao.cases.api import install_case_error_handlers
from yibao.cases.api import router as cases_router
from yibao.catalog import selectors
from yibao.catalog.cache import cached_by_catalog_version
from yibao.catalog.export import export_version
from yibao.catalog.presentation import export_entry
from yibao.enrollment.api import router as enrollment_router
from yibao.evaluations.api import router as evaluations_router
from yibao.institutions.api import router as institutions_router
from yibao.medical_aid.api import router as medical_aid_router
from yibao.offsite.api import router as offsite_router
from yibao.qualifications.api import router as qualifications_router
from yibao.reimbursement.api import router as reimbursement_router
from yibao.rules.api import router as rules_router
from yibao.settlement.api import router as settlement_router
from yibao.transfers.api import router as transfers_router
from yibao.validation import IsoDate, PlainInt
from yibao.workdays import calendar as workdays


class ChineseJSONRenderer(JSONRenderer):
    # Readable Chinese in responses instead of \uXXXX escapes (still valid JSON).
    json_dumps_params = {"ensure_ascii": False}


# Answers every operation may give before its view runs (yibao.middleware), or that
# django-ninja gives itself; documented on every operation so clients (and
# schemathesis) find no undocumented status.
COMMON_RESPONSES = {
    "400": "请求无效：含空字符（%00），或 JSON 无法解析",
    "413": "请求内容超过上限",
}
BODY_RESPONSES = {"422": "请求体不是 JSON 对象，或字段无效"}
PARAMETER_RESPONSES = {"422": "参数无效（字段见 errors[].field）"}
AUTH_RESPONSES = {"401": "未登录或令牌无效"}
PATH_RESPONSES = {"404": "路径中的对象不存在"}
ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}


class YibaoAPI(NinjaAPI):
    """The API whose OpenAPI document lists the statuses the middleware and ninja add."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
            "ErrorOut", ErrorOut.model_json_schema())
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                extra = dict(COMMON_RESPONSES)
                if operation.get("requestBody"):
                    extra.update(BODY_RESPONSES)
                if operation.get("parameters"):
                    extra.update(PARAMETER_RESPONSES)
                if operation.get("security"):
                    extra.update(AUTH_RESPONSES)
                if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                    extra.update(PATH_RESPONSES)
                # ninja keys its own statuses by int: one key per status, or the JSON has duplicates.
                operation["responses"] = {str(status): body for status, body in operation["responses"].items()}
                for status, description in extra.items():
                    operation["responses"].setdefault(status, {"description": description, "content": ERROR_BODY})
        return schema


api = YibaoAPI(
    renderer=ChineseJSONRenderer(),
    title="yibao 医保经办服务平台 API",
    version="1.0",
    description="事项清单、办事指南、工作日计算等公开接口。错误以中文说明，字段名见 errors[].field。",
    urls_namespace="api",
)
install_error_handlers(api)
install_case_error_handlers(api)
api.add_router("/", auth_router)
api.add_router("/", accounts_router)
api.add_router("/", cases_router)
api.add_router("/", evaluations_router)
api.add_router("/", enrollment_router)
api.add_router("/", transfers_router)
api.add_router("/", offsite_router)
api.add_router("/", medical_aid_router)
api.add_router("/", reimbursement_router)
api.add_router("/", qualifications_router)
api.add_router("/", rules_router)
api.add_router("/", settlement_router)
api.add_router("/", institutions_router)


class RegionOut(Schema):
    slug: str
    name: str
    code: str
    catalog_version: int | None


class TimeLimitOut(Schema):
    kind: str
    days: int | None
    text: str


class ItemSummary(Schema):
    city: str
    key: str
    code: str | None
    name: str
    parent: str | None
    category: int
    category_name: str
    time_limit: TimeLimitOut | None
    tongban_scope: str | None
    steps: list[str]


class LimitKind(StrEnum):
    instant = "instant"
    working_days = "working_days"
    natural_days = "natural_days"


class ItemFilter(Schema):
    city: str | None = Field(None, description="城市标识，如 taiyuan、changzhi、jincheng")
    category: PlainInt | None = Field(None, ge=1, le=10, description="类别序号 1–10")
    q: str | None = Field(None, max_length=50, description="中文关键词，如 异地、报销")


# Dates the calendar answers for: wide enough for any case, narrow enough that the
# arithmetic never leaves Python's date range (9999-12-31 + 5 days would be a 500).
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
# The longest range /workdays/count accepts (10 years of days).
MAX_COUNT_DAYS = 3660


class AddIn(Schema):
    start: IsoDate = Field(ge=EARLIEST, le=LATEST, description="起算日（当日不计入），YYYY-MM-DD")
    days: PlainInt = Field(ge=0, le=3650, description="天数")
    kind: LimitKind = Field(LimitKind.working_days, description="working_days 工作日 / natural_days 自然日 / instant 即时")


class AddOut(Schema):
    start: date
    days: int
    kind: str
    result: date
    rule: str
    provisional: str = Field("", description="结果所跨年度的节假日未录入时为暂定说明，如“（暂定：2027 年节假日未录入）”；否则为空")


class CountIn(Schema):
    start: IsoDate = Field(ge=EARLIEST, le=LATEST, description="起始日（不计入），YYYY-MM-DD")
    end: IsoDate = Field(ge=EARLIEST, le=LATEST, description=f"结束日（计入），与起始日相隔不超过 {MAX_COUNT_DAYS} 天")


class CountOut(Schema):
    start: date
    end: date
    working_days: int


def _version(city: str):
    try:
        return selectors.current_version(city)
    except selectors.CatalogNotLoaded as exc:
        raise HttpError(404, f"城市「{city}」不存在或尚未载入事项清单") from exc


def _summary(city: str, item) -> dict:
    limit = None
    if item.time_limit_kind:
        limit = {"kind": item.time_limit_kind, "days": item.time_limit_days, "text": item.time_limit_text}
    return {
        "city": city, "key": item.key, "code": item.code or None, "name": item.name,
        "parent": item.parent.name if item.parent else None, "category": item.category.number,
        "category_name": item.category.name, "time_limit": limit,
        "tongban_scope": item.tongban_scope or None, "steps": item.steps,
    }


@api.get("/regions", response=list[RegionOut], tags=["事项清单"], summary="统筹区（城市）列表")
def list_regions(request):
    from yibao.agencies.models import Region

    regions = Region.objects.order_by("code")
    current = {
        v.region_id: v.number
        for v in selectors.CatalogVersion.objects.filter(is_current=True)
    }
    return [
        {"slug": r.slug, "name": r.name, "code": r.code, "catalog_version": current.get(r.pk)}
        for r in regions
    ]


@decorate_view(cached_by_catalog_version)  # answered from memory per catalog version, with ETag
@api.get("/items", response={200: list[ItemSummary], 404: ErrorOut, 422: ValidationErrorOut}, tags=["事项清单"], summary="事项列表（按城市、类别、关键词筛选）")
def list_items(request, filters: Query[ItemFilter]):
    cities = [filters.city] if filters.city else [r.slug for r in selectors.regions_with_catalog()]
    result = []
    for city in cities:
        version = _version(city)
        items = selectors.search_items(version, text=filters.q or "", category=filters.category)
        result += [_summary(city, item) for item in items]
    return result


@decorate_view(cached_by_catalog_version)  # answered from memory per catalog version, with ETag
@api.get("/items/{city}/{key}", tags=["事项清单"], summary="单个事项的完整办事指南数据")
def get_item(request, city: str, key: str):
    version = _version(city)
    item = selectors.get_item(version, key)
    if item is None:
        raise HttpError(404, f"{version.region.name}没有标识为「{key}」的事项")
    limit = None
    if item.time_limit_kind:
        limit = {"kind": item.time_limit_kind, "days": item.time_limit_days, "text": item.time_limit_text}
    entry = export_entry(item.data, parent_name=item.parent.name if item.parent else None,
                         category_name=item.category.name, limit=limit, steps=item.steps)
    return {"city": city, "catalog_version": version.number, **entry}


@decorate_view(cached_by_catalog_version)  # answered from memory per catalog version, with ETag
@api.get("/items/{city}", tags=["事项清单"], summary="某市全部事项（与 yibao catalog export 相同）")
def export_items(request, city: str):
    return export_version(_version(city))


@api.get("/workdays/add", response={200: AddOut, 422: ValidationErrorOut}, tags=["工作日"], summary="起算日加 N 个工作日或自然日")
def workdays_add(request, params: Query[AddIn]):
    days = 0 if params.kind is LimitKind.instant else params.days
    result = workdays.compute_due_date(params.start, params.kind.value, days)
    rule = "起算日当日不计入（民法典第二百零一条）"
    if params.kind is LimitKind.natural_days:
        rule += "；期间最后一日为法定休假日的，顺延至休假日结束的次日（民法典第二百零三条）"
    return {"start": params.start, "days": days, "kind": params.kind.value, "result": result, "rule": rule,
            "provisional": workdays.provisional_note(params.start, result)}


@api.get("/workdays/count", response={200: CountOut, 422: ValidationErrorOut}, tags=["工作日"], summary="两日期之间的工作日数（不含起始日，含结束日）")
def workdays_count(request, params: Query[CountIn]):
    if abs((params.end - params.start).days) > MAX_COUNT_DAYS:
        raise ValidationError([{"loc": ("query", "end"), "type": "date_range",
                                "msg": f"与开始日期相隔不能超过 {MAX_COUNT_DAYS} 天（10 年），请分段计算"}])
    return {"start": params.start, "end": params.end,
            "working_days": workdays.count_working_days(params.start, params.end)}
