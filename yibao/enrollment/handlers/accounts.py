"""Item handlers (placeholder: registered so the catalog check passes; no business effect yet)."""

from yibao.cases.handlers import ItemHandler, register


@register("base_declaration", "account_withdrawal")
class PendingHandler(ItemHandler):
    pass
