from decimal import Decimal

from django import template

from yibao.ids import mask_resident_id

register = template.Library()


@register.filter
def yuan(value) -> str:
    """¥1,234.56 — money on pages, to the fen."""
    if value is None or value == "":
        return "¥0.00"
    amount = Decimal(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


@register.filter
def masked_payee_id(payee) -> str:
    """A person's ID number is masked in lists; a unit's USCC and an institution's code are public."""
    return mask_resident_id(payee.identifier) if payee.kind == "person" else payee.identifier
