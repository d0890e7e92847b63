from django.contrib import admin

from yibao.enrollment.models import RegionPolicy, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["uscc", "name", "unit_type", "home_agency", "status", "registered_on"]
    list_filter = ["unit_type", "status", "region"]
    search_fields = ["uscc", "name"]


@admin.register(RegionPolicy)
class RegionPolicyAdmin(admin.ModelAdmin):
    list_display = ["region", "effective_from", "effective_to", "resident_window_start", "resident_window_end",
                    "flexible_unit_code",
                    "unit_rate", "personal_rate"]
