from django.contrib import admin
from django.forms.models import model_to_dict

from yibao.agencies.models import Agency, Region, StaffMember, StaffRole, Window
from yibao.audit.services import record_audit


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits are writes too: record each one (the admin view is one transaction)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_audit(actor=request.user.get_username(),
                     action=f"agencies.{obj._meta.model_name}.{'update' if change else 'create'}",
                     object_type=obj._meta.object_name, object_id=obj.pk, channel="admin",
                     after={k: str(v) for k, v in model_to_dict(obj).items()})

    def delete_model(self, request, obj):
        record_audit(actor=request.user.get_username(),
                     action=f"agencies.{obj._meta.model_name}.delete",
                     object_type=obj._meta.object_name, object_id=obj.pk, channel="admin",
                     before={k: str(v) for k, v in model_to_dict(obj).items()})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["name", "slug", "code"]


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ["name", "code", "region", "level", "district", "phone", "is_active"]
    list_filter = ["region", "level", "is_active"]
    search_fields = ["name", "code", "district"]
    inlines = [WindowInline]


@admin.register(Window)
class WindowAdmin(AuditedAdmin):
    list_display = ["agency", "number", "name", "is_active"]
    list_filter = ["agency__region", "is_active"]
    search_fields = ["agency__name", "number", "name"]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0


@admin.register(StaffMember)
class StaffMemberAdmin(AuditedAdmin):
    list_display = ["name", "user", "agency", "default_window", "role_list", "is_active"]
    list_filter = ["agency__region", "agency", "roles__role", "is_active"]
    search_fields = ["name", "user__username", "agency__name"]
    list_select_related = ["user", "agency", "default_window"]
    inlines = [StaffRoleInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    @admin.display(description="角色")
    def role_list(self, obj: StaffMember) -> str:
        return "、".join(r.get_role_display() for r in obj.roles.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        record_audit(actor=request.user.get_username(), action="agencies.staff.roles",
                     object_type="StaffMember", object_id=form.instance.pk, channel="admin",
                     after={"roles": sorted(form.instance.roles.values_list("role", flat=True))})
