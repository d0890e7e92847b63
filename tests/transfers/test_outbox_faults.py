"""The three faults of a transfer to a peer deployment, with the outbox between the ends.

Taiyuan transfers 王建国 out to 南京, served by another deployment ("peer"). The leg
that moves his balance writes the 信息表 to the outbox in its own transaction; the
outbox posts it after commit. Real transactions (transactional_db) and, for the
slow peer, a real HTTP server on loopback.
"""

from __future__ import annotations

import http.server
import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.transfers.conftest import BALANCE, current_item, make_employee, step, submit
from yibao.cases.models import Case
from yibao.enrollment.models import AccountMovement, PersonalAccount
from yibao.outbox.delivery import deliver_due, deliver_message
from yibao.outbox.models import OutboxMessage, OutboxStatus
from yibao.transfers import delivery as transfer_delivery
from yibao.transfers import peers
from yibao.transfers.models import Direction, LegKind, Transfer, TransferDocument, TransferStatus
from yibao.transfers.services import _summary, receive_document

pytestmark = pytest.mark.django_db(transaction=True)
NANJING = "320100"


def use_peer(monkeypatch, url="http://127.0.0.1:9"):
    monkeypatch.setenv("YIBAO_TRANSFER_PEERS", json.dumps(
        {"peer": {"url": url, "secret": "s3cret", "regions": {NANJING: "南京市"}}}))


def letter_from_peer(transfer):
    """南京's 联系函 arrives (as the documents API would hand it over)."""
    receive_document(sender="peer", document={
        "document_id": f"{transfer.ref}:contact_letter", "kind": "contact_letter", "sender": "peer",
        "receiver": "yibao", "issued_at": "2026-03-02T10:00:00+08:00", "transfer": _summary(transfer),
        "letter": {"verification_code": "NJ000001", "agency_name": "南京市医疗保障服务中心",
                   "fund_account": {"agency_code": "320100", "name": "南京市医疗保障服务中心基金收入户",
                                    "bank": "测试银行", "number": "6200320100000001"}}})


def sheet_message():
    return OutboxMessage.objects.get(key__endswith=":transfer_sheet")


@pytest.fixture
def ready_to_dispatch(agencies, clerks, monkeypatch):
    """A transfer-out case at Taiyuan, accepted, with 南京's 联系函 received: next is 审核 (money moves)."""
    use_peer(monkeypatch)
    person = make_employee(agencies, insured_in=False)
    case = submit(current_item("taiyuan", "transfer-out"), person, {"in_region_code": NANJING})
    case = step(case, clerks["taiyuan"]["accept"])  # the application to 南京 is queued, not posted
    transfer = Transfer.objects.get(case_number=case.number)
    letter_from_peer(transfer)
    return case, transfer, person


def test_unreachable_peer_leaves_the_sheet_pending_with_its_error_and_it_is_retried_later(
        ready_to_dispatch, clerks, monkeypatch):
    case, transfer, person = ready_to_dispatch
    case = step(case, clerks["taiyuan"]["review"])  # 信息表 + funds: committed locally, queued for 南京

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHEET_SENT
    assert PersonalAccount.objects.get(person=person).balance == Decimal("0.00")
    now = timezone.now()
    deliver_due(now=now)  # 127.0.0.1:9 refuses the connection
    message = sheet_message()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert "无法连接对方系统（peer" in message.last_error
    assert message.next_attempt_at >= now + timedelta(seconds=30)
    # The case and the money stay as committed: one movement out, the case at its next step.
    assert list(AccountMovement.objects.values_list("kind", "amount")) == [("transfer_out", -BALANCE)]
    assert Case.objects.get(pk=case.pk).status == case.status
    assert TransferDocument.objects.get(document_id=f"{transfer.ref}:transfer_sheet").receipt == {}

    assert deliver_due(now=now + timedelta(seconds=5))["pending"] == 0  # backoff: not due yet
    assert sheet_message().attempts == 1

    posted = []
    monkeypatch.setattr(transfer_delivery, "post_document",
                        lambda peer, document: posted.append(document["document_id"]) or {"status": "sheet_sent"})
    deliver_due(now=now + timedelta(minutes=2))  # the peer is back
    message = sheet_message()
    assert message.status == OutboxStatus.DELIVERED and message.attempts == 2 and message.last_error == ""
    assert f"{transfer.ref}:transfer_sheet" in posted
    assert TransferDocument.objects.get(document_id=f"{transfer.ref}:transfer_sheet").receipt == {
        "status": "sheet_sent"}
    assert AccountMovement.objects.count() == 1  # delivering changed nothing locally


class SlowPeer(http.server.BaseHTTPRequestHandler):
    """Answers only after the test releases it; meanwhile checks that the sender holds no row locks."""

    transfer_pk = account_pk = case_pk = None
    lock_checks: list = []
    release = threading.Event()

    def do_POST(self):  # noqa: N802  (http.server's name)
        try:
            with transaction.atomic():
                # NOWAIT on PostgreSQL: fails at once if the sender still held these rows.
                # (On SQLite the UPDATEs fail at once if the sender held a write transaction.)
                Transfer.objects.select_for_update(nowait=True).get(pk=self.transfer_pk)
                PersonalAccount.objects.select_for_update(nowait=True).get(pk=self.account_pk)
                Case.objects.select_for_update(nowait=True).get(pk=self.case_pk)
                Transfer.objects.filter(pk=self.transfer_pk).update(stop_reason="")
                PersonalAccount.objects.filter(pk=self.account_pk).update(balance=Decimal("0.00"))
            self.lock_checks.append("free")
        except Exception as exc:  # noqa: BLE001  reported to the test
            self.lock_checks.append(repr(exc))
        finally:
            connection.close()
        self.release.wait(10)  # slower than the sender's timeout

    def log_message(self, *args):
        pass


def test_slow_peer_times_out_without_any_business_row_locked_during_the_call(
        ready_to_dispatch, clerks, monkeypatch):
    case, transfer, person = ready_to_dispatch
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowPeer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        use_peer(monkeypatch, f"http://127.0.0.1:{server.server_address[1]}")
        monkeypatch.setattr(peers, "TIMEOUT_SECONDS", 0.5)
        case = step(case, clerks["taiyuan"]["review"])
        SlowPeer.transfer_pk, SlowPeer.case_pk = transfer.pk, case.pk
        SlowPeer.account_pk = PersonalAccount.objects.get(person=person).pk
        SlowPeer.lock_checks = []
        message = deliver_message(sheet_message().pk)
    finally:
        SlowPeer.release.set()
        server.shutdown()
        server.server_close()
    assert SlowPeer.lock_checks == ["free"]
    assert message.status == OutboxStatus.PENDING
    assert "秒内未应答" in message.last_error
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.SHEET_SENT


def test_local_commit_failing_after_the_leg_sends_nothing(ready_to_dispatch, clerks, monkeypatch):
    case, transfer, person = ready_to_dispatch
    posted = []
    monkeypatch.setattr(transfer_delivery, "post_document",
                        lambda peer, document: posted.append(document["document_id"]) or {"status": "ok"})
    with pytest.raises(RuntimeError, match="提交失败"), transaction.atomic():
        step(case, clerks["taiyuan"]["review"])  # the peer would have answered here, before the fix
        raise RuntimeError("提交失败（模拟）")

    deliver_due(now=timezone.now() + timedelta(days=1))
    assert f"{transfer.ref}:transfer_sheet" not in posted  # nothing committed, nothing sent
    assert not OutboxMessage.objects.filter(key__endswith=":transfer_sheet").exists()
    assert not TransferDocument.objects.filter(kind="transfer_sheet", direction=Direction.SENT).exists()
    assert PersonalAccount.objects.get(person=person).balance == BALANCE
    assert not AccountMovement.objects.exists()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.LETTER_SENT
    assert transfer.legs.get(kind=LegKind.TRANSFER_OUT).status == "open"


def test_unreachable_peer_at_acceptance_is_not_an_error(agencies, clerks, monkeypatch):
    use_peer(monkeypatch)
    person = make_employee(agencies, insured_in=False)
    case = submit(current_item("taiyuan", "transfer-out"), person, {"in_region_code": NANJING})
    case = step(case, clerks["taiyuan"]["accept"])
    assert case.status == "accepted"
    message = OutboxMessage.objects.get(key__endswith=":application")
    assert message.status == OutboxStatus.PENDING and message.destination == "peer"


def test_a_peers_permanent_refusal_and_a_pending_retry_show_on_the_case_not_only_in_the_outbox(
        ready_to_dispatch, clerks, monkeypatch):
    from yibao.cases.selectors import described_application

    case, transfer, _person = ready_to_dispatch
    case = step(case, clerks["taiyuan"]["review"])
    now = timezone.now()
    deliver_due(now=now)  # 127.0.0.1:9: unreachable, to be retried
    shown = dict(described_application(case))
    assert shown["转移接续进度"].startswith(transfer.ref)
    assert "已尝试 1 次" in shown["待重发"] and "系统将自动重试" in shown["待重发"]

    def refuse(peer, document):
        raise peers.PeerError("对方系统拒收：参保人员信息与转入地登记不符", status=422)

    monkeypatch.setattr(transfer_delivery, "post_document", refuse)
    deliver_due(now=now + timedelta(days=1))
    shown = dict(described_application(case))
    assert "待重发" not in shown
    assert "参保人员信息与转入地登记不符" in shown["对方系统拒收"] and "重发" in shown["对方系统拒收"]
