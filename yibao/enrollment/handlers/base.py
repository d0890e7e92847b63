"""What every enrollment handler gives the case engine from the enrollment records.

The records a reference form (表1–表7) is prefilled from — the person, the
unit and the personal account — are read here, so ``yibao.documents.prefill``
needs no knowledge of Person, Unit or Account (handler contract v2, issue 10).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from yibao.accounts.identity import IdentityClaim, IdentityError, SmsCodeVerifier, used_code
from yibao.cases.handlers import HandlerRefusal, ItemHandler
from yibao.documents.records import insurance_type_labels, person_by_id_number, unit_by_uscc
from yibao.enrollment.models import InsurancePeriod, InsuranceStatus, PersonalAccount

F = TypeVar("F", bound=BaseModel)


def _person_dict(person) -> dict[str, Any]:
    if person is None:
        return {}
    return {"name": person.name, "id_number": person.id_number, "id_type": person.get_id_type_display(),
            "sex": person.get_sex_display(), "birth_date": person.birth_date, "phone": person.phone,
            "address": person.address}


def _unit_dict(unit) -> dict[str, Any]:
    if unit is None:
        return {}
    return {"name": unit.name, "uscc": unit.uscc, "address": unit.address, "unit_type": unit.unit_type,
            "legal_representative": unit.legal_representative, "contact_name": unit.contact_name,
            "contact_phone": unit.contact_phone, "bank_name": unit.bank_name, "bank_account": unit.bank_account,
            "insurance_types": list(insurance_type_labels(unit.insurance_types)), "code": unit.uscc}


def enrollment_records(case, *, person_id_number: str = "") -> dict[str, dict[str, Any]]:
    """The person (``person_id_number`` or the applicant), the unit (the applicant's,
    or the person's current one) and the person's account balance, for prefill."""
    if not person_id_number and case.applicant_kind == "person":
        person_id_number = case.applicant_id_number
    person = person_by_id_number(person_id_number) if person_id_number else None
    unit = unit_by_uscc(case.applicant_id_number) if case.applicant_kind == "unit" else None
    if unit is None and person is not None:
        period = (InsurancePeriod.objects.filter(person=person, status=InsuranceStatus.INSURED, unit__isnull=False)
                  .select_related("unit").order_by("-start_date").first())
        unit = period.unit if period else None
    balance = (PersonalAccount.objects.filter(person=person).values_list("balance", flat=True).first()
               if person is not None else None)
    return {"person": _person_dict(person), "unit": _unit_dict(unit), "account": {"balance": balance}}


class EnrollmentHandler(ItemHandler[F]):
    """Base of the enrollment domain's handlers: forms prefill from the enrollment records."""

    def prefill(self, case, *, person_id_number: str = "") -> dict[str, dict[str, Any]]:
        return enrollment_records(case, person_id_number=person_id_number)


def use_new_phone_code(case, claim: IdentityClaim, code: str, *, field: str, missing: str) -> None:
    """Online, a new phone is proven like at registration: by the code texted to it, used up
    by this case (``case:<number>``; called from ``on_filed``, once the case has its number).
    ``field`` names the code in the refusal; ``missing`` says where to get one."""
    consumer = f"case:{case.number}"
    if used_code(claim, consumer=consumer):  # already used by this very case
        return
    if not code:
        raise HandlerRefusal(f"字段 {field}：{missing}")
    try:
        SmsCodeVerifier().confirm(claim=claim, proof=code, consumer=consumer)
    except IdentityError as exc:
        raise HandlerRefusal(exc.message.replace("字段 短信验证码", f"字段 {field}")) from exc
