"""Item handlers (placeholder: registered so the catalog check passes; no business effect yet)."""

from yibao.cases.handlers import ItemHandler, register


@register("transfer_out", "transfer_in", "transfer")
class PendingHandler(ItemHandler):
    pass
