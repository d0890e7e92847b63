"""Background work of the case engine (django-tasks; database backend by default)."""

from django_tasks import task

from yibao.cases.services import mark_overdue_cases


@task()
def sweep_overdue_cases() -> int:
    """Mark open cases past their due date; schedule it daily (e.g. cron → `yibao cases sweep`)."""
    return mark_overdue_cases()
