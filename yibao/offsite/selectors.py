"""Reads of off-site filings (异地就医备案); other domains ask these.

``filing_in_force`` is what the reimbursement rules ask of a claim (which
category, since when, until when); ``offsite_filing_start`` is what the
personal-account withdrawal asks ("异地备案满两年").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from yibao import clock
from yibao.agencies.models import StaffMember
from yibao.enrollment.models import Person
from yibao.ids import mask_resident_id
from yibao.offsite.models import FilingStatus, OffsiteFiling
from yibao.offsite.rules import long_term_categories


def _covering(person, on: date) -> QuerySet[OffsiteFiling]:
    """Filings of ``person`` whose dates cover ``on``, whatever their status now.

    A changed or cancelled filing was in force up to the day before ``ended_on``;
    an expired one up to its end date, so a claim for a past stay still finds it.
    """
    return (OffsiteFiling.objects.filter(person=person, start_date__lte=on)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on)))


def filing_in_force(person, on: date) -> OffsiteFiling | None:
    """The filing in force for ``person`` on ``on`` (category, destination, dates), or None."""
    return _covering(person, on).order_by("-start_date", "-id").first()


def offsite_filing_start(person, *, on: date | None = None) -> date | None:
    """Start date of the person's current, uninterrupted long-term off-site filing
    (异地安置 / 长期居住 / 常驻异地工作) in force on ``on`` (default today), or None.

    A change (变更) of a long-term filing into another long-term filing does not
    interrupt it: the start is that of the first filing of the chain.
    """
    on = on or clock.today()
    long_term = long_term_categories()
    filing = _covering(person, on).filter(category__in=long_term).select_related("supersedes").first()
    if filing is None:
        return None
    start = filing.start_date
    previous = filing.supersedes
    while previous is not None and previous.category in long_term and previous.ended_on == start:
        start = previous.start_date
        previous = previous.supersedes
    return start


def filings_of_person(person: Person) -> QuerySet[OffsiteFiling]:
    """A person's own filings, newest first (active ones and their history)."""
    return OffsiteFiling.objects.filter(person=person).order_by("-created_at", "-id")


def active_filings_of(person: Person, *, today: date | None = None) -> list[OffsiteFiling]:
    """The person's filings that are active and not past their end date."""
    today = today or clock.today()
    return [f for f in OffsiteFiling.objects.filter(person=person, status=FilingStatus.ACTIVE)
            .order_by("start_date", "id") if f.end_date is None or f.end_date >= today]


def filing_for_person(person: Person, number: str) -> OffsiteFiling | None:
    pk = parse_number(number)
    if pk is None:
        return None
    return OffsiteFiling.objects.filter(person=person, pk=pk).select_related("person", "region").first()


def parse_number(number: str) -> int | None:
    """The key of a 备案编号 "YD0000000123", or None if it is not one."""
    number = (number or "").strip().upper()
    if not (number.startswith("YD") and number[2:].isdigit() and len(number) == 12):
        return None
    return int(number[2:])


@dataclass(frozen=True)
class StaffQuery:
    id_number: str = ""
    destination: str = ""  # province or city code or name
    category: str = ""
    on: date | None = None  # in force on this day


def filings_for_staff(staff: StaffMember, query: StaffQuery) -> QuerySet[OffsiteFiling]:
    """Filings of the clerk's region (统筹区) matching the query; other regions' are never listed."""
    filings = OffsiteFiling.objects.filter(region_id=staff.agency.region_id).select_related("person")
    if query.id_number:
        filings = filings.filter(person__id_number=query.id_number.strip().upper())
    if query.destination:
        value = query.destination.strip()
        filings = filings.filter(Q(destination_city_code=value) | Q(destination_city_name=value)
                                 | Q(destination_province_code=value) | Q(destination_province_name=value))
    if query.category:
        filings = filings.filter(category=query.category)
    if query.on:
        on = query.on
        filings = (filings.filter(start_date__lte=on)
                   .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
                   .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on)))
    return filings.order_by("-start_date", "-id")


def filing_for_staff(staff: StaffMember, number: str) -> OffsiteFiling | None:
    pk = parse_number(number)
    if pk is None:
        return None
    return (OffsiteFiling.objects.filter(region_id=staff.agency.region_id, pk=pk)
            .select_related("person", "region").first())


def masked_id(filing: OffsiteFiling) -> str:
    return mask_resident_id(filing.person.id_number)
