"""Background work of treatment qualifications (django-tasks; database backend by default)."""

from django_tasks import task

from yibao.qualifications.services import expire_qualifications, notify_expiring_qualifications


@task()
def sweep_qualifications() -> dict:
    """The daily sweep: text those whose qualification ends soon, then end those past validity.
    Schedule it daily (cron → `yibao qualifications sweep`)."""
    return {"notified": notify_expiring_qualifications(), "expired": expire_qualifications()}
