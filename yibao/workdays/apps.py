from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "yibao.workdays"
    label = "workdays"
    verbose_name = "工作日"

    def ready(self) -> None:
        # Connect the signals that drop the in-memory holiday table whenever a
        # HolidayOverride row is saved or deleted (see calendar.invalidate_overrides).
        from yibao.workdays import signals  # noqa: F401
