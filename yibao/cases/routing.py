"""Where a case belongs (所属经办机构) and who may act on it (通办)."""

from __future__ import annotations

from collections.abc import Callable

from yibao.agencies.models import Agency, Region, StaffMember

# An enrollment record names a person's or a unit's home agency; the enrollment
# domain registers its lookup here (the case engine does not import it).
HomeLookup = Callable[..., "Agency | None"]
_home_lookups: list[HomeLookup] = []


def register_home_lookup(lookup: HomeLookup) -> HomeLookup:
    """Register ``lookup(*, region, applicant_kind, id_number) -> Agency | None`` (a domain's AppConfig.ready)."""
    if lookup not in _home_lookups:
        _home_lookups.append(lookup)
    return lookup


# The name on the applicant's enrollment record, for the window entry's name check;
# registered by the enrollment domain like the home lookup.
NameLookup = Callable[..., "str | None"]
_name_lookups: list[NameLookup] = []


def register_name_lookup(lookup: NameLookup) -> NameLookup:
    """Register ``lookup(*, applicant_kind, id_number) -> str | None`` (a domain's AppConfig.ready)."""
    if lookup not in _name_lookups:
        _name_lookups.append(lookup)
    return lookup


def recorded_name(*, applicant_kind: str, id_number: str) -> str | None:
    """The name the records hold for this ID number or USCC, or None where there is no record."""
    for lookup in _name_lookups:
        found = lookup(applicant_kind=applicant_kind, id_number=id_number)
        if found is not None:
            return found
    return None


def home_agency_for(*, region: Region, applicant_kind: str, id_number: str) -> Agency | None:
    """The applicant's home agency in ``region``.

    A registered lookup (the applicant's enrollment record) names it; without
    one, the county of the identifier decides: a resident ID's first six
    digits, or characters 3–8 of a USCC (登记管理机关行政区划码).
    Applicants from elsewhere belong to the region's city agency.
    """
    for lookup in _home_lookups:
        found = lookup(region=region, applicant_kind=applicant_kind, id_number=id_number)
        if found is not None:
            return found
    county = id_number[:6] if applicant_kind == "person" else id_number[2:8]
    agencies = Agency.objects.filter(region=region, is_active=True)
    return (
        agencies.filter(code=county).first()
        or agencies.filter(level="city").first()
        or agencies.order_by("code").first()
    )


def may_accept(*, staff: StaffMember, case) -> bool:
    """Acceptance: the home agency, the region's city agency, or — for a 通办 item —
    any agency of the region."""
    if staff.agency.region_id != case.region_id:
        return False
    if staff.agency_id == case.home_agency_id or staff.agency.level == "city":
        return True
    return bool(case.item.tongban_scope)


def may_handle(*, staff: StaffMember, case) -> bool:
    """Review, second review, payment and completion stay with the home agency
    (通办: 异地受理, 属地审核拨付) — and the accepting agency completes an
    instant case it accepted itself."""
    if staff.agency_id == case.home_agency_id:
        return True
    return staff.agency_id == case.accepting_agency_id and case.item.time_limit_kind == "instant"
