"""Reads of persons and contributions: lean (``.values()``), one query each."""

from decimal import Decimal

from django.db.models import F, Sum

from yibao.agencies.models import Agency, Region, StaffMember
from yibao.queries import CompiledRows
from yibao.reference_rows import reference_row

from .models import (
    BaopanUpload,
    Contribution,
    InsurancePeriod,
    InsuranceStatus,
    Person,
    PersonalAccount,
    Unit,
)

PERSON_FIELDS = ("id", "id_type", "id_number", "name", "sex", "birth_date", "phone",
                 "region_id", "home_agency_id")
CONTRIBUTION_FIELDS = ("month", "insurance_type", "base", "unit_part", "personal_part", "paid",
                       "unit_id")


# The record under an ID number or a USCC, read by every enrollment action: compiled once
# (yibao.queries.CompiledRows), the region and agency it points at from the reference rows.
_PERSON_ROW = CompiledRows(lambda number: Person.objects.filter(id_number=number).order_by()[:1], "\x00id-number")
_UNIT_ROW = CompiledRows(lambda uscc: Unit.objects.filter(uscc=uscc).order_by()[:1], "\x00uscc")


def person_row(id_number: str) -> Person | None:
    """The record under this very ID number, a merged-away one included (``person_by_id_number``
    follows a merge; imports and checks that refuse a merged record read this one)."""
    found = _PERSON_ROW.instances(id_number)
    return found[0] if found else None


def unit_row(uscc: str) -> Unit | None:
    """The unit registered under this USCC, its region and home agency loaded, or None."""
    found = _UNIT_ROW.instances(uscc)
    if not found:
        return None
    unit = found[0]
    unit.region = reference_row(Region, unit.region_id)
    unit.home_agency = reference_row(Agency, unit.home_agency_id)
    return unit


def enrolled_home_agency(*, region: Region, applicant_kind: str, id_number: str) -> Agency | None:
    """The active home agency the applicant's enrollment record in ``region`` names, if any
    (registered with the case engine's routing by EnrollmentConfig.ready)."""
    record = person_row(id_number) if applicant_kind == "person" else unit_row(id_number)
    if record is None or record.region_id != region.pk:
        return None
    home = reference_row(Agency, record.home_agency_id)
    return home if home.is_active else None


def enrolled_name(*, applicant_kind: str, id_number: str) -> str | None:
    """The name on the person's (kept, if merged) or the unit's record, or None without a record
    (registered with the case engine for the window entry's name check)."""
    if applicant_kind == "person":
        person = person_by_id_number(id_number)
        return person.name if person is not None else None
    return Unit.objects.filter(uscc=id_number).values_list("name", flat=True).first()


def person_by_id_number(id_number: str) -> Person | None:
    """The person someone means by this ID number: the kept record when it was merged (多号合并).

    The one lookup of a person by a typed or logged-in ID number. Code that needs
    the raw row under the number (imports that refuse a merged record, the merge
    itself, uniqueness checks) queries ``Person`` directly and says why.
    """
    person = Person.objects.select_related("region", "home_agency").filter(id_number=id_number).first()
    if person is not None and person.merged_into_id:
        person = Person.objects.select_related("region", "home_agency").get(pk=person.merged_into_id)
    return person


def person_row_by_id_number(id_number: str) -> dict | None:
    """The raw row under the ID number as a dict of PERSON_FIELDS (the indexed lookup ``yibao bench`` times)."""
    rows = list(Person.objects.filter(id_number=id_number).order_by().values(*PERSON_FIELDS)[:1])
    return rows[0] if rows else None


def contributions_query(person_id: int, *, months: int = 12):
    """The queryset of contributions_of (yibao bench sql runs its SQL with pgbench)."""
    return (Contribution.objects.filter(person_id=person_id)
            .order_by("-month", "insurance_type")
            .values(*CONTRIBUTION_FIELDS)[:months])


def contributions_of(person_id: int, *, months: int = 12) -> list[dict]:
    """Return the person's latest ``months`` contribution rows, newest month first.

    One row per month and insurance type, so a person with several insurance
    types gets fewer distinct months; served by the (person, month) index.
    """
    return list(contributions_query(person_id, months=months))


def unit_arrears(unit) -> Decimal:
    """What the unit owes: unit and personal parts of its contribution rows not yet paid (欠费)."""
    total = Contribution.objects.filter(unit=unit, paid=False).aggregate(
        owed=Sum(F("unit_part") + F("personal_part")))["owed"]
    return (total or Decimal("0")).quantize(Decimal("0.01"))


# --- the enrollment API's reads (yibao.enrollment.api) ---------------------------------------

PERSON_RECORD_FIELDS = ("id", "id_type", "id_number", "name", "sex", "birth_date", "region_id",
                        "region__name", "home_agency__name", "death_date", "merged_into_id")
PERIOD_FIELDS = ("insurance_type", "status", "category", "unit__uscc", "unit__name", "unit_code",
                 "home_agency__name", "start_date", "end_date", "stop_reason")


def person_record_query(id_number: str):
    """The queryset of person_record (yibao bench sql runs its SQL with pgbench)."""
    return Person.objects.filter(id_number=id_number).order_by().values(*PERSON_RECORD_FIELDS)[:1]


def person_record(id_number: str) -> dict | None:
    """The person with this ID number, with region and home agency names (one query), or None."""
    rows = list(person_record_query(id_number))
    return rows[0] if rows else None


def periods_query(person_id: int, *, active_only: bool = True):
    """The queryset of periods_of (yibao bench sql runs its SQL with pgbench)."""
    periods = InsurancePeriod.objects.filter(person_id=person_id)
    if active_only:
        periods = periods.filter(status=InsuranceStatus.INSURED)
    return periods.order_by("insurance_type", "start_date").values(*PERIOD_FIELDS)


def periods_of(person_id: int, *, active_only: bool = True) -> list[dict]:
    """The person's insurance periods (only those in status 1 参保 by default), oldest type first."""
    return list(periods_query(person_id, active_only=active_only))


def account_of(person_id: int) -> dict | None:
    """The person's personal account (balance, status), or None."""
    return PersonalAccount.objects.filter(person_id=person_id).values("balance", "status").first()


def staff_region_query(user_id: int):
    """The queryset of staff_region (yibao bench sql runs its SQL with pgbench)."""
    return (StaffMember.objects.filter(user_id=user_id, is_active=True, user__is_active=True)
            .values_list("agency__region_id", "agency__region__name").order_by("pk")[:1])


def staff_region(user) -> tuple[int, str] | None:
    """(region id, region name) of an active clerk's agency, or None if the user is not one."""
    rows = list(staff_region_query(user.pk))
    return rows[0] if rows else None


def workbook_belongs_to(*, sha256: str, uscc: str) -> bool:
    """Whether the unit ``uscc`` uploaded the stored 报盘 workbook with this digest."""
    return BaopanUpload.objects.filter(sha256=sha256, uscc=uscc).exists()


def base_declaration_item(unit: Unit):
    """The catalog item through which ``unit`` files its 缴费基数申报 (报盘), or None.

    Only a city whose item list has such an item (Taiyuan's) takes declarations online.
    """
    from yibao.catalog.models import Item

    return (Item.objects.select_related("version__region")
            .filter(version__region=unit.region, version__is_current=True, data__handler="base_declaration")
            .order_by("position").first())


def unit_may_declare_bases(uscc: str) -> bool:
    """Whether the unit with this USCC is enrolled in a city that takes 报盘 online."""
    unit = Unit.objects.select_related("region").filter(uscc=uscc).first()
    return unit is not None and base_declaration_item(unit) is not None
