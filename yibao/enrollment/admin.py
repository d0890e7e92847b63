from django.contrib import admin

from yibao.enrollment.models import Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["uscc", "name", "unit_type", "home_agency", "status", "registered_on"]
    list_filter = ["unit_type", "status", "region"]
    search_fields = ["uscc", "name"]
