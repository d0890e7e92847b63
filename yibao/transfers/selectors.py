"""Reads of transfers: the legs a clerk has to do, and one transfer as a clerk may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from yibao import clock
from yibao.agencies.models import StaffMember
from yibao.agencies.selectors import staff_roles
from yibao.cases.selectors import due_flag
from yibao.ids import mask_resident_id
from yibao.transfers.models import LegKind, LegStatus, Side, Transfer, TransferLeg

# The role a leg needs: sending a document is a review-type decision; moving money is 拨付.
LEG_ROLES = {LegKind.LETTER: "review", LegKind.TRANSFER_OUT: "pay", LegKind.TRANSFER_IN: "pay"}
LEG_SIDE = {LegKind.LETTER: Side.IN, LegKind.TRANSFER_IN: Side.IN, LegKind.TRANSFER_OUT: Side.OUT}


@dataclass(frozen=True)
class LegRow:
    leg: TransferLeg
    flag: str  # "" / "临期" / "超期"
    masked_id: str
    case_number: str  # the local case that does this leg at one of its steps, or ""


def leg_flag(leg: TransferLeg, today: date) -> str:
    return due_flag(leg.due_date, today) if leg.status == LegStatus.OPEN else ""


def case_of_leg(leg: TransferLeg) -> str:
    """The applicant's case does the legs of its own end; the other end's legs stand alone."""
    transfer = leg.transfer
    return transfer.case_number if LEG_SIDE[leg.kind] == transfer.applied_at and transfer.case_number else ""


def _visible(staff: StaffMember):
    # A clerk sees the legs of their agency; the city agency also sees its region's.
    scope = Q(agency=staff.agency)
    if staff.agency.level == "city":
        scope |= Q(region=staff.agency.region_id)
    return TransferLeg.objects.filter(scope)


def open_legs_for_staff(staff: StaffMember, *, flag: str = "", today: date | None = None) -> list[LegRow]:
    """The open transfer legs this clerk may do, most urgent first."""
    today = today or clock.today()
    roles = staff_roles(staff)
    rows = []
    for leg in _visible(staff).filter(status=LegStatus.OPEN).select_related("transfer", "agency").order_by("due_date"):
        if LEG_ROLES[leg.kind] not in roles:
            continue
        row_flag = leg_flag(leg, today)
        if flag and row_flag != flag:
            continue
        rows.append(LegRow(leg, row_flag, mask_resident_id(leg.transfer.id_number), case_of_leg(leg)))
    order = {"超期": 0, "临期": 1, "": 2}
    rows.sort(key=lambda r: (order[r.flag], r.leg.due_date))
    return rows


def leg_for_staff(staff: StaffMember, leg_id: int) -> TransferLeg | None:
    return _visible(staff).select_related("transfer", "agency", "region").filter(pk=leg_id).first()


def transfer_for_staff(staff: StaffMember, ref: str) -> Transfer | None:
    """A transfer one of whose local legs belongs to the clerk's agency (or region, for the city agency)."""
    leg = _visible(staff).filter(transfer__ref=ref).select_related("transfer").first()
    return leg.transfer if leg is not None else None


def leg_refusal(staff: StaffMember, leg: TransferLeg) -> str:
    """Why this clerk may not do this leg from the to-do list ("" when they may)."""
    if LEG_ROLES[leg.kind] not in staff_roles(staff):
        label = {"review": "审核", "pay": "拨付"}[LEG_ROLES[leg.kind]]
        return f"{staff.name} 没有「{label}」权限，不能办理「{leg.get_kind_display()}」"
    case_number = case_of_leg(leg)
    if case_number:
        return f"该环节在办件 {case_number} 中办理（审核时发出文书，办结时划入资金）"
    return ""


def delivery_problems(transfer: Transfer) -> list[tuple[str, str]]:
    """The documents of this end that have not reached the peer, as (label, text) for the case
    pages: refused for good (the staff must act) or failing and retried (nothing to do yet)."""
    from yibao.outbox.models import OutboxMessage, OutboxStatus
    from yibao.transfers.delivery import KIND
    from yibao.transfers.models import Direction, DocumentKind, TransferDocument

    sent = {f"{KIND}:{d.document_id}": d for d in
            TransferDocument.objects.filter(transfer=transfer, direction=Direction.SENT)}
    rows: list[tuple[str, str]] = []
    for message in OutboxMessage.objects.filter(key__in=list(sent)).order_by("id"):
        document = sent[message.key]
        label = f"{DocumentKind(document.kind).label}（发往 {document.peer}）"
        if message.status == OutboxStatus.FAILED:
            rows.append(("对方系统拒收", f"{label}：{message.last_error}。请与对方核实后，由管理员在「外发消息」中重发"))
        elif message.status == OutboxStatus.PENDING and message.attempts:
            rows.append(("待重发", f"{label}：已尝试 {message.attempts} 次，最近一次失败：{message.last_error}；系统将自动重试"))
    return rows
