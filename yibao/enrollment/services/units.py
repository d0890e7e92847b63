"""Writes to unit records (参保单位)."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from yibao.agencies.models import Agency
from yibao.audit.services import record_audit
from yibao.enrollment.models import Unit
from yibao.enrollment.services.errors import UnitAlreadyRegistered


@transaction.atomic
def register_unit(*, uscc: str, name: str, unit_type: str, home_agency: Agency, registered_on: date,
                  actor: str, insurance_types: list[str], address: str = "", legal_representative: str = "",
                  contact_name: str = "", contact_phone: str = "", case_number: str = "") -> Unit:
    """单位参保登记: create the unit record; a USCC is registered only once."""
    existing = Unit.objects.filter(uscc=uscc).first()
    if existing is not None:
        raise UnitAlreadyRegistered(f"统一社会信用代码 {uscc} 已由「{existing.name}」登记参保，不能重复登记")
    try:
        with transaction.atomic():
            unit = Unit.objects.create(
                uscc=uscc, name=name, unit_type=unit_type, region=home_agency.region, home_agency=home_agency,
                address=address, legal_representative=legal_representative, contact_name=contact_name,
                contact_phone=contact_phone, insurance_types=insurance_types, registered_on=registered_on,
                registered_by_case=case_number,
            )
    except IntegrityError as exc:  # a concurrent registration of the same code won the race
        raise UnitAlreadyRegistered(f"统一社会信用代码 {uscc} 已登记参保，不能重复登记") from exc
    record_audit(actor=actor, action="enrollment.unit.register", object_type="Unit", object_id=uscc,
                 after={"name": name, "unit_type": unit_type, "agency": home_agency.code, "case": case_number})
    return unit
