"""Item handlers (placeholder: registered so the catalog check passes; no business effect yet)."""

from yibao.cases.handlers import ItemHandler, register


@register("employee_new", "employee_resume", "employee_suspend", "employee_retire", "employee_enrollment", "flexible_enrollment")
class PendingHandler(ItemHandler):
    pass
