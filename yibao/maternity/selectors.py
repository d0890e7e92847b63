"""Reads of maternity benefits: what a unit received and must pass on to its employees."""

from __future__ import annotations

from django.db.models import QuerySet

from yibao.maternity.models import MaternityBenefit


def passed_on_by_unit(uscc: str) -> QuerySet[MaternityBenefit]:
    """Benefits paid to the unit's account (Taiyuan: 生育津贴, 产前检查费) that it must pay its employees."""
    return (MaternityBenefit.objects.filter(paid_to_unit=True, unit__uscc=uscc)
            .select_related("person", "payment").order_by("-created_at"))
