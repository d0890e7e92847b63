from django.contrib import admin, messages

from yibao.api.auth import revoke_token
from yibao.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued only through POST /api/auth/token (shown once); here they can be revoked."""

    list_display = ["prefix", "user", "kind", "channel", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["channel", "kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "user__username", "name"]
    readonly_fields = ["user", "prefix", "kind", "channel", "name", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="注销所选令牌", permissions=["view"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_token(token=token, actor=request.user.get_username())
            count += 1
        self.message_user(request, f"已注销 {count} 个令牌", messages.SUCCESS)
