"""Read-only admin views: ratings and follow-ups change only through yibao.evaluations.services."""

from django.contrib import admin

from yibao.cases.admin import ReadOnlyAdmin
from yibao.evaluations.models import Evaluation, FollowUp


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["case", "level", "channel", "agency", "created_at"]
    list_filter = ["level", "channel"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["evaluation", "status", "due_date"]
    list_filter = ["status"]
