"""Reads of institutions. Stable names: the settlement (``yibao.settlement``), the 特药
query and the reimbursement calculator call ``institution_by_code``, ``designated_on``,
``designated_days`` and ``directory``."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from yibao.institutions.models import (
    DesignationPeriod,
    Institution,
    InstitutionAccount,
    InstitutionStatus,
    Publicity,
)


def institution_by_code(code: str) -> Institution | None:
    """The institution with this national code (H/P + 11 digits), or None."""
    if not code:
        return None
    return Institution.objects.select_related("region", "agency").filter(national_code=code.strip()).first()


def institution_by_uscc(uscc: str) -> Institution | None:
    """The institution whose own 统一社会信用代码 is ``uscc`` (its login and applicant number)."""
    return Institution.objects.select_related("region", "agency").filter(uscc=(uscc or "").strip()).first()


def institution_of(user) -> Institution | None:
    """The institution a login belongs to, or None for any other login."""
    if user is None or not user.is_authenticated:
        return None
    account = InstitutionAccount.objects.select_related("institution").filter(user=user).first()
    return account.institution if account else None


def designated_on(*, code: str, day: datetime.date) -> bool:
    """Was the institution with national ``code`` designated on ``day`` (a period covering it)?

    Read from the designation periods, so a suspension or termination counts from its
    effective day and a later reinstatement does not cover the gap."""
    return DesignationPeriod.objects.filter(
        institution__national_code=code, start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day)).exists()


def designation_periods(*, code: str) -> list[tuple[datetime.date, datetime.date | None]]:
    """The (start, end) spans of designation of the institution, oldest first; end None while open.

    For set-based checks: the settlement joins its records against these spans."""
    return list(DesignationPeriod.objects.filter(institution__national_code=code)
                .order_by("start").values_list("start", "end"))


def designated_periods_queryset() -> QuerySet[DesignationPeriod]:
    """Every designation period with its institution's code (``institution__national_code``)."""
    return DesignationPeriod.objects.select_related("institution")


def directory(*, region_slug: str = "", county: str = "", kind: str = "", level: str = "",
              service: str = "", day: datetime.date | None = None) -> QuerySet[Institution]:
    """The public directory: institutions designated (open period) today or on ``day``, filtered."""
    from yibao.clock import today

    day = day or today()
    periods = DesignationPeriod.objects.filter(start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day))
    qs = (Institution.objects.select_related("region").filter(id__in=periods.values("institution_id"),
                                                              national_code__isnull=False)
          .order_by("region__code", "kind", "county", "name"))
    if region_slug:
        qs = qs.filter(region__slug=region_slug)
    if county:
        qs = qs.filter(county=county)
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(level=level)
    if service:
        qs = qs.filter(services__contains=[service]) if _json_contains_supported() else \
            qs.filter(id__in=[i.id for i in qs if service in (i.services or [])])
    return qs


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.features.supports_json_field_contains


def publicities_open(*, day: datetime.date, region_slug: str = "") -> QuerySet[Publicity]:
    """Institutions under publicity on ``day`` (the public 公示 page)."""
    qs = (Publicity.objects.select_related("institution", "institution__region", "case")
          .filter(start__lte=day, end__gte=day, closed_at__isnull=True))
    if region_slug:
        qs = qs.filter(institution__region__slug=region_slug)
    return qs


def institutions_for_staff(staff) -> QuerySet[Institution]:
    """Institutions managed by the clerk's agency."""
    return Institution.objects.filter(agency=staff.agency)


def is_designated_now(institution: Institution) -> bool:
    return institution.status == InstitutionStatus.DESIGNATED
