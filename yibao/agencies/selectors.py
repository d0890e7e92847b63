"""Reads of regions, agencies, windows and staff."""

from __future__ import annotations

from django.db.models import QuerySet

from yibao.agencies.models import Agency, AgencyLevel, Region, Role, StaffMember, Window


def staff_roles(staff: StaffMember) -> set[str]:
    """The role values a staff member holds (uses prefetched roles when present)."""
    return {r.role for r in staff.roles.all()}


def staff_can(staff: StaffMember | None, role: Role | str) -> bool:
    """Whether an active staff member holds a role; False for None or an inactive clerk."""
    if staff is None or not staff.is_active or not staff.user.is_active:
        return False
    return str(role) in staff_roles(staff)


def staff_of(user) -> StaffMember | None:
    """The staff profile of a logged-in user, with agency, window and roles loaded."""
    if user is None or not user.is_authenticated:
        return None
    return (
        StaffMember.objects.select_related("user", "agency__region", "default_window")
        .prefetch_related("roles")
        .filter(user=user)
        .first()
    )


def regions() -> QuerySet[Region]:
    return Region.objects.order_by("code")


def agencies_of(region: Region | str) -> QuerySet[Agency]:
    """The active agencies of a region (object or slug), the city agency first."""
    qs = Agency.objects.select_related("region").filter(is_active=True)
    qs = qs.filter(region=region) if isinstance(region, Region) else qs.filter(region__slug=region)
    return qs.order_by("level", "code")  # "city" sorts before "county"


def city_agency(region: Region | str) -> Agency | None:
    return agencies_of(region).filter(level=AgencyLevel.CITY).first()


def agency_by_code(code: str) -> Agency | None:
    return Agency.objects.select_related("region").filter(code=code).first()


def windows_of(agency: Agency) -> QuerySet[Window]:
    return agency.windows.filter(is_active=True).order_by("number")


def staff_with_role(agency: Agency, role: Role | str) -> QuerySet[StaffMember]:
    """Active clerks of an agency holding a role (e.g. who may review cases here)."""
    return (
        StaffMember.objects.select_related("user", "agency")
        .filter(agency=agency, is_active=True, user__is_active=True, roles__role=str(role))
        .order_by("user__username")
    )
