"""Reads of medical aid: a person's own aid, a programme's totals by category and agency, its export."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from django.db.models import Count, Q, QuerySet, Sum
from openpyxl import Workbook

from yibao.agencies.models import StaffMember
from yibao.enrollment.models import Person
from yibao.medical_aid.models import AidProgramme, AidRecipient, AidReimbursement, Treatment


def aid_of_person(person: Person) -> dict:
    """The person's own aid: each year's subsidy (category, amount, how) and each aid reimbursement."""
    subsidies = (AidRecipient.objects.filter(id_number=person.id_number).select_related("programme__region")
                 .order_by("-programme__year"))
    reimbursements = AidReimbursement.objects.filter(person=person).order_by("-created_at")
    return {
        "subsidies": [{"year": r.programme.year, "region": r.programme.region.name, "category": r.category,
                       "valid_from": r.valid_from, "valid_to": r.valid_to, "subsidy": r.subsidy,
                       "treatment": r.get_treatment_display() if r.treatment else "待审批支付",
                       "status": r.programme.get_status_display()} for r in subsidies],
        "reimbursements": [{"case_number": r.case_number, "year": r.year, "category": r.category,
                            "settlement_number": r.settlement_number, "still_borne": r.still_borne,
                            "amount": r.amount} for r in reimbursements],
    }


def programmes_for_staff(staff: StaffMember) -> QuerySet[AidProgramme]:
    """The programmes of the clerk's region."""
    return AidProgramme.objects.filter(region_id=staff.agency.region_id).select_related("region")


def programme_for_staff(staff: StaffMember, pk: int) -> AidProgramme | None:
    return programmes_for_staff(staff).filter(pk=pk).first()


def _rows_for(staff: StaffMember, programme: AidProgramme) -> QuerySet[AidRecipient]:
    rows = AidRecipient.objects.filter(programme=programme)
    # A county clerk sees their agency's persons; the city agency sees the whole region.
    if staff.agency.level != "city":
        rows = rows.filter(agency=staff.agency)
    return rows


def programme_totals(staff: StaffMember, programme: AidProgramme) -> list[dict]:
    """Per category and agency: persons, subsidy total, refunded, credited, not granted."""
    rows = (_rows_for(staff, programme).values("category", "agency__name")
            .annotate(persons=Count("id"), total=Sum("subsidy"),
                      refunded=Sum("subsidy", filter=Q(payment__isnull=False)),
                      credited=Sum("subsidy", filter=Q(treatment=Treatment.CREDIT)),
                      refused=Count("id", filter=Q(treatment=Treatment.NONE)))
            .order_by("category", "agency__name"))
    zero = Decimal("0.00")
    return [{"category": r["category"], "agency__name": r["agency__name"] or "（未参保）", "persons": r["persons"],
             "subsidy": r["total"] or zero, "refunded": r["refunded"] or zero, "credited": r["credited"] or zero,
             "refused": r["refused"]} for r in rows]


TOTAL_HEADERS = ("救助对象类别", "经办机构", "人数", "资助金额合计", "已退费", "已抵缴", "不予资助人数")


def totals_workbook(staff: StaffMember, programme: AidProgramme) -> bytes:
    """The totals as an .xlsx (one sheet 资助汇总)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("资助汇总")
    sheet.append([f"{programme.region.name} {programme.year} 年度医疗救助参保资助汇总（{programme.get_status_display()}）"])
    sheet.append(list(TOTAL_HEADERS))
    for r in programme_totals(staff, programme):
        sheet.append([r["category"], r["agency__name"], r["persons"], float(r["subsidy"]), float(r["refunded"]),
                      float(r["credited"]), r["refused"]])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
