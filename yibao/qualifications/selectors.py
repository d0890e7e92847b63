"""Reads of treatment qualifications and of the special-drug directory.

``holds_qualification`` is the seam the reimbursement calculator calls; keep its name and
signature stable.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from yibao.enrollment.models import Person
from yibao.enrollment.selectors import person_by_id_number
from yibao.qualifications.models import (
    DrugInstitution,
    Qualification,
    QualificationStatus,
    ResponsibleDoctor,
    SpecialDrug,
)


def qualification_on(person: Person | str, disease_code: str, on: date, *,
                     institution_code: str | None = None) -> Qualification | None:
    """The qualification of ``person`` (a Person or an ID number) for ``disease_code`` in force
    on ``on``, or None.

    In force: granted (有效, or 到期/终止 only after that day: ``ended_on``), ``valid_from`` ≤
    ``on`` ≤ ``valid_to``. With ``institution_code``, it must also be the designated institution
    (a qualification without one is valid anywhere in the region)."""
    if isinstance(person, str):
        found = person_by_id_number(person)
        if found is None:
            return None
        person = found
    code = (disease_code or "").strip().upper()
    if not code:
        return None
    rows = (Qualification.objects.filter(person=person, disease_code=code, valid_from__lte=on, valid_to__gte=on)
            .filter(Q(status=QualificationStatus.ACTIVE) | Q(ended_on__gt=on)))
    if institution_code:
        rows = rows.filter(Q(institution_code="") | Q(institution_code=institution_code.strip().upper()))
    return rows.order_by("-valid_from", "-id").first()


def holds_qualification(person: Person | str, disease_code: str, on: date, *,
                        institution_code: str | None = None) -> bool:
    """Does ``person`` hold a qualification for ``disease_code`` on day ``on`` (at
    ``institution_code``, when given)? The reimbursement calculator's check of 门诊慢特病 / 特药
    claims; ``qualification_on`` returns the qualification itself."""
    return qualification_on(person, disease_code, on, institution_code=institution_code) is not None


def active_qualification(*, person: Person, disease_code: str) -> Qualification | None:
    """The person's 有效 qualification for the disease (at most one: a database constraint)."""
    return (Qualification.objects.filter(person=person, disease_code=disease_code.strip().upper(),
                                         status=QualificationStatus.ACTIVE).first())


def qualifications_of(person: Person) -> QuerySet[Qualification]:
    """Every qualification of one person, newest first, with its history (for their own pages)."""
    return (Qualification.objects.filter(person=person).select_related("drug")
            .prefetch_related("events").order_by("-valid_from", "-id"))


def find_qualifications(*, region, id_number: str = "", disease: str = "", institution: str = "",
                        status: str = "", limit: int = 200) -> QuerySet[Qualification]:
    """A clerk's search in their region: by person (ID number or name), disease (code or name),
    institution (code or name) and status; at most ``limit`` rows."""
    rows = Qualification.objects.filter(region=region).select_related("person")
    if id_number:
        rows = rows.filter(Q(person__id_number=id_number.strip().upper()) | Q(person__name=id_number.strip()))
    if disease:
        rows = rows.filter(Q(disease_code=disease.strip().upper()) | Q(disease_name__contains=disease.strip()))
    if institution:
        rows = rows.filter(Q(institution_code=institution.strip().upper())
                           | Q(institution_name__contains=institution.strip()))
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-valid_from", "-id")[:limit]


def drug_directory(*, region=None, query: str = "", limit: int = 50) -> list[SpecialDrug]:
    """The special drugs whose name (or generic name) contains ``query``, with their designated
    institutions and responsible doctors, in one query per level (a phone page's worth)."""
    rows = SpecialDrug.objects.all()
    if region is not None:
        rows = rows.filter(region=region)
    query = query.strip()
    if query:
        rows = rows.filter(Q(name__contains=query) | Q(generic_name__contains=query))
    doctors = Prefetch("doctors", queryset=ResponsibleDoctor.objects.order_by("department", "name"))
    institutions = Prefetch("institutions", queryset=DrugInstitution.objects.order_by("institution_code")
                            .prefetch_related(doctors))
    return list(rows.select_related("region").prefetch_related(institutions).order_by("name")[:limit])


QUALIFICATION_HANDLERS = ("qualification_chronic", "qualification_chronic_at_completion", "qualification_two_diseases",
                          "qualification_minor_major", "qualification_special_drug",
                          "qualification_special_drug_at_completion")


def applications_filed_for(id_number: str):
    """The qualification cases a designated hospital filed for this person (newest first), so the
    patient sees them in the hall beside their own applications."""
    from yibao.cases.models import Case

    return (Case.objects.select_related("item").filter(
        applicant_kind="institution", item__data__handler__in=QUALIFICATION_HANDLERS,
        form_data__person_id_number=(id_number or "").upper())
        .order_by("-submitted_at", "-id")[:50])
