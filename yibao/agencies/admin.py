from django.contrib import admin

from yibao.agencies.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "code"]
