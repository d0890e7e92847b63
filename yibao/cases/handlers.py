"""The seam between the case engine and the business domains.

Each catalog item is handled by the handler registered under its ``handler``
key, its national sub-item code or its own code, in that order; items nobody
has claimed yet get ``ItemHandler`` itself, which has no business effect.
A domain app registers its handlers from its ``handlers.py`` (imported by its
AppConfig.ready), e.g. ``yibao.enrollment.handlers``.
"""

from __future__ import annotations

from typing import ClassVar

from django.core import checks
from pydantic import BaseModel, ValidationError

from yibao.validation import chinese_message, field_label, field_name


class HandlerRefusal(Exception):
    """A business precondition that is not met; the message says why, in Chinese."""


class NoFields(BaseModel):
    pass


class ItemHandler:
    """Default handler: no fields, no preconditions, no effect."""

    key: ClassVar[str] = "default"
    Fields: ClassVar[type[BaseModel]] = NoFields

    def parse_fields(self, data: dict) -> BaseModel:
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
                           else chinese_message(error))
                problems.append(f"字段 {label}：{message}")
            raise HandlerRefusal("；".join(problems)) from exc

    def check(self, *, case, fields: BaseModel) -> None:
        """Raise HandlerRefusal if the application cannot go on (called at submit and accept)."""

    def subject_person(self, *, case, fields: BaseModel) -> str | None:
        """The ID number of the person the case is about when someone else applies for them
        (a hospital's referral, a unit acting for one employee): the case then belongs to
        that person's home agency. None: the applicant's own home agency."""
        return None

    def extra_steps(self, *, case, fields: BaseModel) -> list[str]:
        """Steps this application needs beyond the item's catalog steps (e.g. ["审核"])."""
        return []

    def on_step(self, *, case, step: str, fields: BaseModel, actor: str) -> None:
        """Apply the business effect of reaching ``step`` (inside the move's transaction)."""


_registry: dict[str, ItemHandler] = {}
DEFAULT = ItemHandler()


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


def handler_for(item) -> ItemHandler:
    data = item.data if hasattr(item, "data") else item
    for key in (data.get("handler"), data.get("national_item"), data.get("code")):
        if key and key in _registry:
            return _registry[key]
    return DEFAULT


@checks.register()
def check_catalog_handlers(app_configs=None, **kwargs):
    """Every handler a catalog data file names explicitly must be registered."""
    from yibao.catalog.files import CITIES, CatalogFileError, city_path, read_city_file

    errors = []
    for city in CITIES:
        try:
            catalog = read_city_file(city_path(city)).catalog
        except CatalogFileError as exc:
            errors.append(checks.Error(str(exc), id="cases.E001"))
            continue
        for item in catalog.items:
            if item.handler and item.handler not in _registry:
                errors.append(checks.Error(
                    f"{city}.yaml 事项「{item.name}」指定的处理器 {item.handler} 未注册", id="cases.E002"))
    return errors
