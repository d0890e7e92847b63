from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def percent(value: Decimal | None) -> str:
    """Decimal("0.9500") → "95.00%"; None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value) * 100:.2f}%"
