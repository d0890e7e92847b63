from django.contrib import admin

from yibao.accounts.models import LoginAddressThrottle, LoginThrottle, PersonAccount, UnitAccount


@admin.register(PersonAccount)
class PersonAccountAdmin(admin.ModelAdmin):
    # Accounts are opened through services.register_person; the admin only reads them.
    list_display = ["name", "id_number", "phone", "created_at"]
    search_fields = ["name", "id_number", "phone"]
    readonly_fields = ["user", "id_number", "name", "phone", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(UnitAccount)
class UnitAccountAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "created_at"]
    search_fields = ["name", "uscc"]
    readonly_fields = ["user", "uscc", "name", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ["username", "locked_until", "updated_at"]
    search_fields = ["username"]
    readonly_fields = ["username", "recent_failures", "updated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(LoginAddressThrottle)
class LoginAddressThrottleAdmin(admin.ModelAdmin):
    # An administrator may lift a block early by clearing 封禁至.
    list_display = ["address", "locked_until", "blocked_attempts", "last_failure_at"]
    search_fields = ["address"]
    readonly_fields = ["address", "recent_failures", "last_failure_at"]

    def has_add_permission(self, request):
        return False
