"""Background work of off-site filings (django-tasks; database backend by default)."""

from django_tasks import task

from yibao.offsite.services import expire_filings


@task()
def sweep_expired_filings() -> int:
    """Mark temporary filings past their end date 已到期; schedule it daily (cron → `yibao offsite expire`)."""
    return expire_filings()
