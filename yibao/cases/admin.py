"""Read-only admin views: every change of a case goes through yibao.cases.services."""

from django.contrib import admin

from yibao.cases.models import Case, CaseEvent, CaseNotice

EVENT_FIELDS = ("at", "action", "from_status", "to_status", "actor", "agency", "window", "channel", "opinion")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "item", "status", "home_agency", "accepting_agency", "channel", "due_date", "is_overdue"]
    list_filter = ["status", "channel", "is_cross_agency", "is_overdue", "region"]
    search_fields = ["number"]
    list_select_related = ["item", "home_agency", "accepting_agency"]
    inlines = [CaseEventInline]


@admin.register(CaseNotice)
class CaseNoticeAdmin(ReadOnlyAdmin):
    list_display = ["number", "case", "agency", "issued_at", "resolved_at"]
    search_fields = ["number"]
