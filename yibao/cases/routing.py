"""Where a case belongs (所属经办机构) and who may act on it (通办)."""

from __future__ import annotations

from yibao.agencies.models import Agency, Region, StaffMember


def home_agency_for(*, region: Region, applicant_kind: str, id_number: str) -> Agency:
    """The applicant's home agency in ``region``.

    The applicant's enrollment record (person or unit) in the region names it;
    without one, the county of the identifier decides: a resident ID's first
    six digits, or characters 3–8 of a USCC (登记管理机关行政区划码).
    Applicants from elsewhere belong to the region's city agency.
    """
    from yibao.enrollment.models import Person, Unit

    # An enrollment record of this region names the home agency; otherwise the
    # identifier's county decides.
    record = (Person if applicant_kind == "person" else Unit).objects.filter(
        region=region, home_agency__is_active=True,
        **({"id_number": id_number} if applicant_kind == "person" else {"uscc": id_number}),
    ).select_related("home_agency").first()
    if record is not None:
        return record.home_agency
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
