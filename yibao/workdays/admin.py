from django.contrib import admin

from yibao.audit.services import record_audit
from yibao.workdays.models import HolidayOverride
from yibao.workdays.services import set_holiday


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "is_working_day", "name", "source", "updated_at"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["name", "source"]
    ordering = ["date"]

    @admin.display(description="星期")
    def weekday(self, obj: HolidayOverride) -> str:
        return f"星期{'一二三四五六日'[obj.date.weekday()]}"

    def get_readonly_fields(self, request, obj=None):
        # A row is keyed by its date: to move an entry, delete it and add another,
        # so that the audit trail shows both days.
        return ["date"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # Through the service, so the change is audited like any other write.
        saved = set_holiday(
            day=obj.date,
            is_working_day=obj.is_working_day,
            name=obj.name,
            source=obj.source,
            actor=request.user.get_username(),
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        record_audit(actor=request.user.get_username(), action="workdays.holiday.delete",
                     object_type="HolidayOverride", object_id=obj.date.isoformat(),
                     before={"date": obj.date.isoformat(), "is_working_day": obj.is_working_day,
                             "name": obj.name, "source": obj.source})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
