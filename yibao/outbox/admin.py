"""The outbox for staff administrators: every message with its status, and a way to resend a failed one."""

from django.contrib import admin, messages

from yibao.outbox.models import OutboxMessage, OutboxStatus
from yibao.outbox.services import OutboxError, retry_message


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "destination", "key", "status", "attempts", "next_attempt_at",
                    "delivered_at", "short_error"]
    list_filter = ["status", "kind", "destination"]
    search_fields = ["key"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    @admin.display(description="最近一次错误")
    def short_error(self, obj):
        return obj.last_error[:80]

    def has_add_permission(self, request):
        return False  # messages are written by the business actions only

    def has_delete_permission(self, request, obj=None):
        return False  # the outbox is the record of what was (to be) sent

    @admin.action(description="重新发送所选的发送失败消息")
    def resend(self, request, queryset):
        done = 0
        for message in queryset.filter(status=OutboxStatus.FAILED):
            try:
                retry_message(message=message, actor=request.user.username)
                done += 1
            except OutboxError as exc:
                self.message_user(request, str(exc), level=messages.WARNING)
        self.message_user(request, f"已重新放入发送队列 {done} 条")
