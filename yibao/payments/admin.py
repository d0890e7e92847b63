from django.contrib import admin

from yibao.payments.models import DisbursementBatch, Payee, Payment, PaymentEvent


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "at", "note")


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    # Read-only: every change goes through yibao.payments.services (audited).
    list_display = ("reference", "fund", "amount", "status", "agency", "approved_on")
    list_filter = ("fund", "status", "agency")
    search_fields = ("reference", "source", "payee__name")
    inlines = [PaymentEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payee, DisbursementBatch)
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
