"""{{ case.due_date|provisional_due:case.accepted_at }} → "（暂定：2027 年节假日未录入）" or ""."""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from yibao.workdays.calendar import provisional_note

register = template.Library()


def _as_date(value) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, datetime.date):
        return value
    return None


@register.filter
def provisional_due(due, start=None) -> str:
    """A marked note when the due date was counted over a year whose holidays are not entered."""
    note = provisional_note(_as_date(start), _as_date(due))
    if not note:
        return ""
    return format_html('<span class="tag provisional" title="{}">{}</span>',
                       "该年法定节假日录入后，期限可能顺延", note)
