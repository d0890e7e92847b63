"""Item handlers (placeholder: registered so the catalog check passes; no business effect yet)."""

from yibao.cases.handlers import ItemHandler, register


@register("offsite_filing")
class PendingHandler(ItemHandler):
    pass
