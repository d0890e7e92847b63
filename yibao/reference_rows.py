"""Reference rows kept in process: regions, agencies, windows and catalog items (with category).

Every read of one case shows which item, region and agencies it belongs to. Those rows change
rarely, and only through the admin or a catalog load, while cases are read on every action. So a
case is read alone and its reference rows come from here, by primary key, instead of five joins
compiled and instantiated on each read.

Each call hands out its own copy (``copy.copy`` of a model gives it its own state and relation
cache), so nothing a caller loads or changes on it reaches the shared row. An entry is read
again after ``REFERENCE_ROWS_SECONDS``; a save or delete of one of these models in this process
empties the cache at once. What another process changes is seen after that delay, as for the
identity cache of the API (``yibao.api.auth.cached_identity``).
"""

from __future__ import annotations

import copy
import threading
import time
from typing import TypeVar

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save

M = TypeVar("M", bound=models.Model)

_rows: dict[tuple[type, int], tuple[float, models.Model]] = {}
_lock = threading.Lock()
CACHE_SIZE = 5_000


def reference_row(model: type[M], pk: int, *, related: tuple[str, ...] = ()) -> M:
    """The row ``pk`` of ``model`` (``related`` rows loaded with it), a private copy; DoesNotExist if absent."""
    key = (model, pk)
    entry = _rows.get(key)
    now = time.monotonic()
    if entry is None or now - entry[0] >= settings.REFERENCE_ROWS_SECONDS:
        row = model._default_manager.select_related(*related).get(pk=pk)
        with _lock:
            if len(_rows) >= CACHE_SIZE:
                _rows.clear()
            _rows[key] = (now, row)
    else:
        row = entry[1]
    return _private(row)  # type: ignore[return-value]


def _private(row: models.Model) -> models.Model:
    clone = copy.copy(row)
    for name, related in list(clone._state.fields_cache.items()):
        if related is not None:
            clone._state.fields_cache[name] = _private(related)
    return clone


def forget_reference_rows(**_kwargs) -> None:
    """Empty the cache (a reference row was saved or deleted in this process)."""
    with _lock:
        _rows.clear()


def forget_on_changes() -> None:
    """Connect the signals that empty the cache (CasesConfig.ready)."""
    from yibao.agencies.models import Agency, Region, Window
    from yibao.catalog.models import CatalogVersion, Category, Item

    for model in (Region, Agency, Window, Item, Category, CatalogVersion):
        post_save.connect(forget_reference_rows, sender=model, dispatch_uid=f"reference-rows-save-{model.__name__}")
        post_delete.connect(forget_reference_rows, sender=model,
                            dispatch_uid=f"reference-rows-delete-{model.__name__}")
