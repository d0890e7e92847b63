"""Reads of persons and contributions: lean (``.values()``), one query each."""

from decimal import Decimal

from django.db.models import F, Sum

from .models import Contribution, Person

PERSON_FIELDS = ("id", "id_type", "id_number", "name", "sex", "birth_date", "phone",
                 "region_id", "home_agency_id")
CONTRIBUTION_FIELDS = ("month", "insurance_type", "base", "unit_part", "personal_part", "paid",
                       "unit_id")


def person_by_id_number(id_number: str) -> dict | None:
    """Return the person with this ID number as a dict of PERSON_FIELDS, or None."""
    rows = list(Person.objects.filter(id_number=id_number).order_by().values(*PERSON_FIELDS)[:1])
    return rows[0] if rows else None


def contributions_of(person_id: int, *, months: int = 12) -> list[dict]:
    """Return the person's latest ``months`` contribution rows, newest month first.

    One row per month and insurance type, so a person with several insurance
    types gets fewer distinct months; served by the (person, month) index.
    """
    return list(
        Contribution.objects.filter(person_id=person_id)
        .order_by("-month", "insurance_type")
        .values(*CONTRIBUTION_FIELDS)[:months]
    )


def unit_arrears(unit) -> Decimal:
    """What the unit owes: unit and personal parts of its contribution rows not yet paid (欠费)."""
    total = Contribution.objects.filter(unit=unit, paid=False).aggregate(
        owed=Sum(F("unit_part") + F("personal_part")))["owed"]
    return (total or Decimal("0")).quantize(Decimal("0.01"))
