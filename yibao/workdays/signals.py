"""Keep calendar's in-memory copy of the holiday table in step with the database."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from yibao.workdays.calendar import invalidate_overrides
from yibao.workdays.models import HolidayOverride


@receiver(post_save, sender=HolidayOverride, dispatch_uid="workdays_override_saved")
@receiver(post_delete, sender=HolidayOverride, dispatch_uid="workdays_override_deleted")
def _drop_cached_overrides(**kwargs) -> None:
    # Drop now, so this connection sees its own write at once, and again on
    # commit, so a copy another thread loaded before the commit is not kept.
    invalidate_overrides()
    transaction.on_commit(invalidate_overrides)
