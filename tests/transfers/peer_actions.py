"""Actions run inside one of two separate instances by test_between_two_deployments.py.

Invoked as ``manage.py shell -c "from tests.transfers.peer_actions import main; main('<action>')"``
against the instance's own SQLite file; each prints one JSON line for the test to read.
Instance "a" serves Taiyuan (the transfer-out end), instance "b" Jincheng (the transfer-in end).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from tests.factories import AgencyFactory, StaffFactory, UserFactory
from yibao.agencies.models import Region, StaffMember
from yibao.cases import lifecycle
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.models import Case
from yibao.cases.services import Upload, accept_case, advance_case, submit_case
from yibao.catalog.files import CITIES
from yibao.catalog.models import Item
from yibao.catalog.services import load_catalog
from yibao.enrollment.models import (
    AccountMovement,
    Contribution,
    InsurancePeriod,
    Person,
    PersonalAccount,
)
from yibao.ids import make_resident_id
from yibao.outbox.delivery import deliver_due
from yibao.transfers.models import LegKind, LegStatus, Transfer, TransferLeg
from yibao.transfers.services import do_leg

ID_NUMBER = make_resident_id("14010519850101123")
CITY_CODES = {"taiyuan": "140100", "changzhi": "140400", "jincheng": "140500"}
OUT_BALANCE = Decimal("1234.56")
IN_BALANCE = Decimal("100.00")


def _staff(slug, role):
    return StaffMember.objects.get(user__username=f"{slug}-{role}")


def setup(role: str) -> dict:
    for city in CITIES:
        load_catalog(city=city, actor="test")
    agencies = {}
    for slug, code in CITY_CODES.items():
        agencies[slug] = AgencyFactory(region=Region.objects.get(slug=slug), code=code, slug=f"{slug}-city",
                                       level="city", name=f"{slug}医疗保险事务中心")
        for clerk_role in ("accept", "review", "pay"):
            StaffFactory(agency=agencies[slug], roles=[clerk_role],
                         user=UserFactory(username=f"{slug}-{clerk_role}"))
    home = agencies["taiyuan" if role == "out" else "jincheng"]
    person = Person.objects.create(id_number=ID_NUMBER, name="王建国", sex="1", birth_date=datetime.date(1985, 1, 1),
                                   region=home.region, home_agency=home)
    if role == "out":
        InsurancePeriod.objects.create(person=person, insurance_type="310", status="2", category="employed",
                                       home_agency=home, start_date=datetime.date(2024, 1, 1),
                                       end_date=datetime.date(2025, 12, 31), stop_reason="解除劳动关系")
        for month in range(1, 13):
            Contribution.objects.create(person=person, month=datetime.date(2025, month, 1), insurance_type="310",
                                        base=Decimal("5000"), unit_part=Decimal("400"),
                                        personal_part=Decimal("100"), paid=True)
        PersonalAccount.objects.create(person=person, balance=OUT_BALANCE)
    else:
        InsurancePeriod.objects.create(person=person, insurance_type="310", status="1", category="employed",
                                       home_agency=home, start_date=datetime.date(2026, 1, 1))
        PersonalAccount.objects.create(person=person, balance=IN_BALANCE)
    return {"ok": True}


def apply() -> dict:
    """At instance b (Jincheng): the application for 转入, accepted and reviewed (the 联系函 goes out)."""
    item = Item.objects.get(version__region__slug="jincheng", version__is_current=True, key="transfer-in")
    parsed = Situation.model_validate({"applicant_kind": "person"})
    uploads = {line.position: [Upload("scan.pdf", b"%PDF-1.4\n")] for line in compute_checklist(item.data, parsed)}
    case = submit_case(item=item, applicant_kind="person", applicant_name="王建国", applicant_id_number=ID_NUMBER,
                       applicant_phone="13912345678", channel="online_hall", situation={},
                       form_data={"out_region_code": "140100"}, uploads=uploads)
    case = accept_case(case=case, staff=_staff("jincheng", "accept"))
    case = advance_case(case=case, staff=_staff("jincheng", "review"), action="review", opinion="同意")
    return {"case": case.number, "status": Transfer.objects.get(case_number=case.number).status}


def dispatch() -> dict:
    """At instance a (Taiyuan): the open 转出 leg — 信息表 and funds go to b."""
    leg = TransferLeg.objects.get(kind=LegKind.TRANSFER_OUT, status=LegStatus.OPEN)
    transfer = do_leg(leg=leg, actor="taiyuan-pay", declared_amount=OUT_BALANCE)
    return {"status": transfer.status, "sheet_document": f"{transfer.ref}:transfer_sheet"}


def complete() -> dict:
    """At instance b: 办结 of the case (account credited, completion sent back to a)."""
    case = Case.objects.get()
    step = lifecycle.next_step(case.steps, case.status)
    case = advance_case(case=case, staff=_staff("jincheng", "review"), action=step.action, opinion="同意")
    return {"case_status": case.status}


def deliver() -> dict:
    """The outbox sweep of this instance (``yibao outbox deliver``): post what the last action queued."""
    return {status: count for status, count in deliver_due().items()}


def report() -> dict:
    account = PersonalAccount.objects.get(person__id_number=ID_NUMBER)
    transfer = Transfer.objects.get()
    return {
        "balance": str(account.balance),
        "movements": [[m.kind, str(m.amount)] for m in AccountMovement.objects.filter(account=account).order_by("id")],
        "status": transfer.status,
        "legs": sorted([leg.kind, leg.status, leg.limit_days] for leg in transfer.legs.all()),
        "documents": sorted([d.kind, d.direction] for d in transfer.documents.all()),
        "sheet_rows": transfer.sheet.get("rows", []),
    }


def sent_document(kind: str) -> dict:
    """The payload this instance sent, for the test to resend."""
    transfer = Transfer.objects.get()
    return transfer.documents.get(kind=kind, direction="sent").payload


def main(action: str, *args: str) -> None:
    actions = {"setup": setup, "apply": apply, "dispatch": dispatch, "complete": complete, "report": report,
               "deliver": deliver,
               "sent_document": sent_document}
    print("RESULT " + json.dumps(actions[action](*args), ensure_ascii=False))
