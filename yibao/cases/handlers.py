"""The seam between the case engine and the business domains (handler contract v2).

Each catalog item is handled by the handler registered under its ``handler``
key, its national sub-item code or its own code, in that order. An item no
handler claims is **not offered**: it has no business effect, so the guide says
暂未开通网上办理 and every entry point refuses it (``NotOffered``) rather than
letting it reach 已拨付 with nothing paid.

A handler is generic in its fields model (``ItemHandler[MyFields]``), declares
the steps at which it acts and the kind of effect (``acts_at``), and gives the
engine and the delivery layers what they need without their importing the
domain: the case's home agency (``home_agency``), the application for display
(``describe``) and the values that prefill its forms (``prefill``).

A domain app registers its handlers from its ``handlers.py`` (imported by its
AppConfig.ready), e.g. ``yibao.enrollment.handlers``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from django.core import checks
from pydantic import BaseModel, ValidationError

from yibao.agencies.models import Agency
from yibao.cases import routing
from yibao.cases.lifecycle import item_steps
from yibao.errors import DomainError
from yibao.validation import chinese_message, field_label, field_name

NOT_OFFERED = "暂未开通网上办理"


class HandlerRefusal(DomainError):
    """A business precondition that is not met; the message says why, in Chinese."""

    kind = "refused"
    code = "handler_refused"


class RowsFileRefused(DomainError):
    """A rows workbook the form cannot take (too big, or given beside typed rows)."""

    kind = "bad_request"
    code = "rows_file_refused"


# Form inputs: the file input of a workbook of rows is named ``rowsfile_<field>``; its size cap.
ROWS_FILE_PREFIX = "rowsfile_"
MAX_ROWS_WORKBOOK = 5 * 1024 * 1024


def field_schema(prop: dict) -> dict:
    """A field's JSON schema without the ``null`` alternative of an optional one (``date | None`` → date),
    as the hall's and the window's forms draw it."""
    options = [option for option in prop.get("anyOf", ()) if option.get("type") != "null"]
    return {**prop, **options[0]} if len(options) == 1 else prop


class Effect(StrEnum):
    """The kind of business effect a handler has at a step."""

    PAYMENT = "payment"  # money leaves a fund or an account (拨付)
    ENTITLEMENT = "entitlement"  # a right or a status is granted or changed (参保, 备案, 待遇)
    RECORD = "record"  # a record or document is issued, nothing changes hands (查询, 凭证)


class NoFields(BaseModel):
    pass


F = TypeVar("F", bound=BaseModel)

# (label, value) pairs shown on the case pages and in the API case detail.
Described = list[tuple[str, str]]


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, BaseModel):
        titles = {name: info.title or name for name, info in type(value).model_fields.items()}
        return "，".join(f"{titles.get(k, k)}：{_shown(v)}" for k, v in value.model_dump().items()
                        if v not in (None, "", []))
    if isinstance(value, dict):
        return "，".join(f"{k}：{_shown(v)}" for k, v in value.items() if v not in (None, "", []))
    if isinstance(value, list | tuple | set):
        return "、".join(_shown(v) for v in value)
    return str(value)


class ItemHandler(Generic[F]):
    """Base of every handler. Used as is, it is nobody's handler: see ``handler_for``."""

    key: ClassVar[str] = "default"
    Fields: type[F] = NoFields  # type: ignore[assignment]
    # Step → kind of effect. ``on_step`` is called for these steps only; a system
    # check verifies every item the handler serves has them.
    acts_at: ClassVar[Mapping[str, Effect]] = {}
    # Steps ``extra_steps`` may add to a case (they count as the item's steps for the check).
    adds_steps: ClassVar[frozenset[str]] = frozenset()
    # Fields of rows (``x-widget: rows``) an applicant may also give as a workbook; the handler
    # reads it with ``rows_from_workbook`` (e.g. a claim's 费用明细清单).
    workbook_rows: ClassVar[frozenset[str]] = frozenset()

    def rows_from_workbook(self, *, field: str, content: bytes) -> list[dict]:
        """The rows of ``field`` read from an uploaded workbook; a DomainError names each bad row."""
        raise NotImplementedError(field)

    def rows_from_upload(self, *, field: str, label: str, upload, typed: str) -> list[dict]:
        """The rows of ``field`` from a form's uploaded workbook: refused beside typed rows (which
        would win is unclear) or above the size cap, else read by ``rows_from_workbook``."""
        if (typed or "").strip():
            raise RowsFileRefused(f"字段 {label}：请在文本框填写或上传 Excel，二者选一")
        if upload.size > MAX_ROWS_WORKBOOK:
            raise RowsFileRefused(f"字段 {label}：Excel 文件超过 {MAX_ROWS_WORKBOOK // 1024 // 1024} MB")
        return self.rows_from_workbook(field=field, content=upload.read())

    def parse_fields(self, data: dict) -> F:
        try:
            return self.Fields.model_validate(data or {})
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                loc = tuple(error["loc"])
                info = self.Fields.model_fields.get(str(loc[0])) if loc else None
                label = (info.title if info is not None and info.title
                         else field_label(field_name(loc)) or "申请信息")
                message = (error["msg"].removeprefix("Value error, ") if error["type"] == "value_error"
                           else chinese_message(dict(error)))
                problems.append(f"字段 {label}：{message}")
            raise HandlerRefusal("；".join(problems)) from exc

    def check(self, *, case, fields: F) -> None:
        """Raise HandlerRefusal if the application cannot go on (called at submit and accept).

        At submission the case has no number yet (it is taken last, see ``on_filed``)."""

    def on_filed(self, *, case, fields: F) -> None:
        """What filing the application sets off (a text to someone, say), inside the filing's
        transaction, once the case has its number and its materials."""

    def subject_person(self, *, case, fields: F) -> str | None:
        """The ID number of the person the case is about when someone else applies for them
        (a hospital's referral, a unit acting for one employee): the case then belongs to
        that person's home agency. None: the applicant's own home agency."""
        return None

    def home_agency(self, *, case, fields: F) -> Agency | None:
        """The case's 所属经办机构: the subject person's, else the applicant's (``routing.home_agency_for``)."""
        region = case.region
        home = routing.home_agency_for(region=region, applicant_kind=case.applicant_kind,
                                       id_number=case.applicant_id_number)
        subject = self.subject_person(case=case, fields=fields)
        if subject:
            return routing.home_agency_for(region=region, applicant_kind="person", id_number=subject) or home
        return home

    def extra_steps(self, *, case, fields: F) -> list[str]:
        """Steps this application needs beyond the item's catalog steps (e.g. ["审核"]); declare them in ``adds_steps``."""
        return []

    def on_step(self, *, case, step: str, fields: F, actor: str) -> None:
        """Apply the business effect of reaching ``step`` (one of ``acts_at``; inside the move's transaction)."""

    def describe(self, *, case, fields: F) -> Described:
        """The application as labelled values for the case pages (applicant and handling staff only).

        The default lists every filled field under its title; a handler adds computed
        amounts or reshapes rows by overriding it."""
        rows: Described = []
        for name, info in self.Fields.model_fields.items():
            value = getattr(fields, name, None)
            if value in (None, "", [], {}) or info.exclude:
                continue
            label = info.title or name
            if isinstance(value, list) and value and isinstance(value[0], BaseModel):
                rows += [(f"{label} 第{i}行", _shown(row)) for i, row in enumerate(value, start=1)]
                continue
            rows.append((label, _shown(value)))
        return rows

    def prefill(self, case, *, person_id_number: str = "") -> dict[str, dict[str, Any]]:
        """The records the case's reference forms are prefilled from, by scope:
        ``{"person": {...}, "unit": {...}, "account": {...}}`` (``yibao.documents.prefill``).
        ``person_id_number``: the person a form is about when it is not the applicant."""
        return {}


_registry: dict[str, ItemHandler] = {}
DEFAULT: ItemHandler = ItemHandler()


class NotOffered(Exception):
    """The item has no handler yet: it is not offered for application."""

    def __init__(self, item_name: str) -> None:
        super().__init__(f"事项「{item_name}」{NOT_OFFERED}，请到经办窗口咨询")


def register(*keys: str):
    """Class decorator: register a handler instance under one or more keys."""

    def decorate(cls: type[ItemHandler]) -> type[ItemHandler]:
        instance = cls()
        for key in keys:
            if key in _registry and type(_registry[key]) is not cls:
                raise RuntimeError(f"事项处理器 {key} 重复注册")
            _registry[key] = instance
        return cls

    return decorate


def _data(item) -> dict:
    return item.data if hasattr(item, "data") else item


def registered_handler(item) -> ItemHandler | None:
    """The handler serving ``item`` (a catalog Item or its data dict), or None: not offered."""
    data = _data(item)
    for key in (data.get("handler"), data.get("national_item"), data.get("code")):
        if key and key in _registry:
            return _registry[key]
    return None


def handler_for(item) -> ItemHandler:
    """The item's handler; ``DEFAULT`` (no fields, no effect) for an item that is not offered."""
    return registered_handler(item) or DEFAULT


def is_offered(item) -> bool:
    """Offered for application: some handler gives the item its business effect."""
    return registered_handler(item) is not None


def offered_handler(item) -> ItemHandler:
    """The item's handler; raise NotOffered for an item nobody handles yet."""
    handler = registered_handler(item)
    if handler is None:
        raise NotOffered(_data(item).get("name", ""))
    return handler


# --- system checks ---------------------------------------------------------------------------

def catalog_problems(catalogs: Mapping[str, Any]) -> list[checks.CheckMessage]:
    """Check city catalogs (city → CityCatalog) against the registered handlers.

    - a handler named explicitly must be registered (cases.E002);
    - an offered item with a 拨付 step needs a handler declaring a payment at 拨付 (cases.E003);
    - every step a handler declares in ``acts_at`` is one of the item's steps (cases.E004).
    """
    errors: list[checks.CheckMessage] = []
    for city, catalog in catalogs.items():
        parents = {item.parent for item in catalog.items if item.parent}
        for item in catalog.items:
            if item.handler and item.handler not in _registry:
                errors.append(checks.Error(
                    f"{city}.yaml 事项「{item.name}」指定的处理器 {item.handler} 未注册", id="cases.E002"))
                continue
            if item.key in parents:
                continue  # a 主项 is not applied for
            handler = registered_handler(item.model_dump())
            if handler is None:
                continue  # not offered
            steps = set(item_steps(list(item.steps))) | set(handler.adds_steps)
            if "拨付" in item.steps and handler.acts_at.get("拨付") != Effect.PAYMENT:
                errors.append(checks.Error(
                    f"{city}.yaml 事项「{item.name}」有拨付环节，但其处理器 {type(handler).__name__} "
                    f"未声明拨付时的支付效果（acts_at = {{\"拨付\": Effect.PAYMENT}}）", id="cases.E003"))
            missing = [step for step in handler.acts_at if step not in steps]
            if missing:
                errors.append(checks.Error(
                    f"{city}.yaml 事项「{item.name}」没有处理器 {type(handler).__name__} "
                    f"办理所需的环节：{'、'.join(missing)}", id="cases.E004"))
    return errors


@checks.register()
def check_catalog_handlers(app_configs=None, **kwargs):
    """The shipped catalog data files agree with the registered handlers (see ``catalog_problems``)."""
    from yibao.catalog.files import CITIES, CatalogFileError, city_path, read_city_file

    errors: list[checks.CheckMessage] = []
    catalogs = {}
    for city in CITIES:
        try:
            catalogs[city] = read_city_file(city_path(city)).catalog
        except CatalogFileError as exc:
            errors.append(checks.Error(str(exc), id="cases.E001"))
    return errors + catalog_problems(catalogs)
