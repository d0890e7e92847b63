"""The transfers API (django-ninja router, mounted under /api/).

- ``POST /api/transfers/documents``: the receiving end of the document exchange
  between deployments (联系函, 信息表 with funds, …); authenticated by the HMAC
  signature of the sending peer, not by a user token. See docs/transfers-api.md.
- ``GET /api/transfers/legs`` and ``POST /api/transfers/legs/{id}/do``: a clerk's
  open transfer legs and doing one (token of a staff member).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError
from ninja import Router, Schema, Status
from pydantic import Field

from yibao.api.auth import ErrorOut, token_auth
from yibao.api.callers import staff_caller
from yibao.transfers.models import Direction, TransferDocument
from yibao.transfers.peers import (
    SENDER_HEADER,
    SIGNATURE_HEADER,
    PeerError,
    configured_peers,
    signature_valid,
)
from yibao.transfers.selectors import leg_for_staff, leg_refusal, open_legs_for_staff
from yibao.transfers.services import do_leg, receive_document

router = Router(tags=["转移接续"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ReceiptOut(Schema):
    document_id: str
    transfer_ref: str
    receiver: str
    received_at: str
    status: str


@router.post("/transfers/documents", response={200: ReceiptOut, **ERRORS}, auth=None,
             summary="接收对方系统发来的转移接续文书（联系函、信息表等）")
def receive(request):
    """Verify the sender's HMAC-SHA256 signature, then take the document; a repeat is a no-op."""
    sender = request.headers.get(SENDER_HEADER, "").strip()
    try:
        peer = configured_peers().get(sender)
    except PeerError as exc:
        return Status(403, {"detail": str(exc)})
    if peer is None:
        return Status(401, {"detail": f"未知的发送方系统「{sender}」：未在 YIBAO_TRANSFER_PEERS 中配置，拒收"})
    try:
        document = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Status(400, {"detail": "文书不是有效的 UTF-8 JSON"})
    if not isinstance(document, dict):
        return Status(400, {"detail": "文书应为 JSON 对象"})
    if not signature_valid(document, request.headers.get(SIGNATURE_HEADER, ""), peer.secret):
        return Status(401, {"detail": "签名验证失败：文书签名与共享密钥不符，拒收"})
    try:
        return Status(200, receive_document(document=document, sender=sender))
    except IntegrityError:
        # The same document arrived twice at the same moment: the first one won; answer with its receipt.
        first = TransferDocument.objects.filter(document_id=document.get("document_id"),
                                                direction=Direction.RECEIVED).first()
        if first is None:
            raise
        return Status(200, first.receipt)


class LegOut(Schema):
    id: int
    transfer_ref: str
    kind: str
    kind_label: str
    name: str
    id_number: str = Field(description="公民身份号码（脱敏）")
    out_region: str
    in_region: str
    agency: str
    opened_on: date
    due_date: date
    limit_days: int
    flag: str = Field(description="临期 / 超期 / 空")
    case_number: str = Field(description="在本地办件中办理的环节给出办件编号，否则为空")


class DoLegIn(Schema):
    declared_amount: Decimal | None = Field(None, description="信息表填报的个人账户转出金额（仅转出环节，须与余额一致）")


_staff = staff_caller


@router.get("/transfers/legs", response={200: list[LegOut], **ERRORS}, auth=token_auth,
            summary="本机构待办的转移接续环节")
def legs(request):
    staff = _staff(request)
    return [LegOut(id=r.leg.pk, transfer_ref=r.leg.transfer.ref, kind=r.leg.kind, kind_label=r.leg.get_kind_display(),
                   name=r.leg.transfer.name, id_number=r.masked_id, out_region=r.leg.transfer.out_region_name,
                   in_region=r.leg.transfer.in_region_name, agency=r.leg.agency.name, opened_on=r.leg.opened_on,
                   due_date=r.leg.due_date, limit_days=r.leg.limit_days, flag=r.flag, case_number=r.case_number)
            for r in open_legs_for_staff(staff)]


@router.post("/transfers/legs/{leg_id}/do", response={200: dict, **ERRORS}, auth=token_auth,
             summary="办理一个转移接续环节（发出联系函 / 出具信息表并划转资金 / 转入办结）")
def do(request, leg_id: int, payload: DoLegIn):
    staff = _staff(request)
    leg = leg_for_staff(staff, leg_id)
    if leg is None:
        return Status(404, {"detail": "未找到该环节，或不属于本机构"})
    refusal = leg_refusal(staff, leg)
    if refusal:
        return Status(403, {"detail": refusal})
    transfer = do_leg(leg=leg, actor=staff.user.username, declared_amount=payload.declared_amount)
    return Status(200, {"transfer_ref": transfer.ref, "status": transfer.status,
                        "status_label": transfer.get_status_display()})
