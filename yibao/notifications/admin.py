from django.contrib import admin

from yibao.notifications.models import SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """短信发件箱: administrators read what was sent (the demo's verification codes are here)."""

    list_display = ("created_at", "phone", "purpose", "text", "status", "backend")
    list_filter = ("purpose", "status")
    search_fields = ("phone",)
    readonly_fields = [f.name for f in SmsMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
