"""Item handlers (placeholder: registered so the catalog check passes; no business effect yet)."""

from yibao.cases.handlers import ItemHandler, register


@register("resident_enrollment", "resident_merge", "resident_suspend", "resident_backpay", "newborn_enrollment", "person_info_change")
class PendingHandler(ItemHandler):
    pass
