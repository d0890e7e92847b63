"""Item handlers (placeholder: registered so the catalog check passes; no business effect yet)."""

from yibao.cases.handlers import ItemHandler, register


@register("unit_info_query", "person_info_query", "insurance_certificate", "unit_payment_record", "person_payment_record")
class PendingHandler(ItemHandler):
    pass
