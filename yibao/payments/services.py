"""Writes of the payments ledger: one function per business action, each in a
transaction with its audit row; errors are ``PaymentError`` with a Chinese message.

Callers (the paying items' handlers, settlement) call ``approve_payment`` inside
the transaction of the decision that causes the payment, so the decision and its
payment commit or roll back together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.timezone import now as timezone_now

from yibao import clock
from yibao.agencies.models import Agency
from yibao.audit.services import record_audit, record_audits
from yibao.payments import bankfiles
from yibao.payments.delivery import queue_bank_file
from yibao.payments.errors import InvalidPayment, PaymentConflict, PaymentError
from yibao.payments.models import (
    TRANSITIONS,
    DisbursementBatch,
    Fund,
    Payee,
    PayeeKind,
    Payment,
    PaymentEvent,
    PaymentStatus,
)

if TYPE_CHECKING:
    from yibao.cases.models import Case

__all__ = [
    "PayeeDetails", "ReturnReport", "ReturnRowResult",
    "PaymentOrder", "approve_payment", "approve_payments", "check_payment_order", "build_disbursement_file", "disbursement_file_of", "import_bank_returns",
    "reissue_payment", "PaymentError", "InvalidPayment", "PaymentConflict",
]

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
MAX_REFERENCE = 64  # a reissue appends "#重发"; the column holds 80


@dataclass(frozen=True)
class PayeeDetails:
    """Whom to pay: kind, the ID number / USCC / institution code, and the bank details."""

    kind: str
    identifier: str
    name: str
    bank_name: str
    account_number: str


@dataclass(frozen=True)
class ReturnRowResult:
    row: int
    reference: str
    result: str
    outcome: str  # what was (or would have been) done, or what is wrong with the row
    ok: bool


@dataclass
class ReturnReport:
    rows: list[ReturnRowResult] = field(default_factory=list)
    applied: bool = False

    @property
    def errors(self) -> list[ReturnRowResult]:
        return [r for r in self.rows if not r.ok]

    @property
    def paid(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.result == bankfiles.RESULT_PAID)

    @property
    def returned(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.result == bankfiles.RESULT_RETURNED)


# --- helpers -----------------------------------------------------------------------------

def _clean_amount(amount) -> Decimal:
    if isinstance(amount, float) or isinstance(amount, bool):
        raise InvalidPayment("字段 金额：须以 Decimal 精确到分传入，不接受浮点数")
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidPayment(f"字段 金额：「{amount}」不是有效金额") from exc
    if not value.is_finite():
        raise InvalidPayment(f"字段 金额：「{amount}」不是有效金额")
    if value != value.quantize(FEN):
        raise InvalidPayment(f"字段 金额：{amount} 元超过两位小数（精确到分）")
    if value <= 0:
        raise InvalidPayment(f"字段 金额：须大于 0 元，收到 {value} 元")
    if value > MAX_AMOUNT:
        raise InvalidPayment("字段 金额：超出可登记的最大金额")
    return value.quantize(FEN)


def _clean_payee(payee: PayeeDetails) -> PayeeDetails:
    if payee.kind not in PayeeKind.values:
        raise InvalidPayment(f"字段 收款方类型：「{payee.kind}」无效，可选：{'、'.join(PayeeKind.labels)}")
    cleaned = PayeeDetails(kind=payee.kind, identifier=payee.identifier.strip().upper(), name=payee.name.strip(),
                           bank_name=payee.bank_name.strip(), account_number=payee.account_number.replace(" ", ""))
    limits = (("identifier", "证件号码/机构编码", 32), ("name", "收款人户名", 100),
              ("bank_name", "开户银行", 100), ("account_number", "银行账号", 40))
    for attr, label, longest in limits:
        value = getattr(cleaned, attr)
        if not value:
            raise InvalidPayment(f"字段 {label}：必填")
        if len(value) > longest:
            raise InvalidPayment(f"字段 {label}：最多 {longest} 个字符")
    if not cleaned.account_number.isdigit() or not 8 <= len(cleaned.account_number) <= 32:
        raise InvalidPayment("字段 银行账号：应为 8–32 位数字")
    return cleaned


def _payee_row(details: PayeeDetails) -> Payee:
    # get_or_create retries the read when a concurrent insert wins the unique constraint.
    payee, _ = Payee.objects.get_or_create(kind=details.kind, identifier=details.identifier, name=details.name,
                                           bank_name=details.bank_name, account_number=details.account_number)
    return payee


def _snapshot(payment: Payment) -> dict:
    return {"reference": payment.reference, "fund": payment.fund, "amount": str(payment.amount),
            "status": payment.status, "agency": payment.agency.code if payment.agency_id else None,
            "payee": {"kind": payment.payee.kind, "identifier": payment.payee.identifier,
                      "name": payment.payee.name, "bank": payment.payee.bank_name,
                      "account": payment.payee.masked_account},
            "case": payment.pays if payment.case_id else None, "source": payment.source or None}


def _same_content(payment: Payment, *, fund, payee: PayeeDetails, amount, agency, case, source) -> list[str]:
    """The fields in which a retried approval differs from the payment already made for its reference."""
    p = payment.payee
    differences = []
    if payment.fund != fund:
        differences.append("基金")
    if (p.kind, p.identifier, p.name, p.bank_name, p.account_number) != (
            payee.kind, payee.identifier, payee.name, payee.bank_name, payee.account_number):
        differences.append("收款方")
    if payment.amount != amount:
        differences.append("金额")
    if payment.agency_id != agency.pk:
        differences.append("经办机构")
    if payment.case_id != (case.pk if case is not None else None) or payment.source != source:
        differences.append("支付对象（办件/来源）")
    return differences


def _record_event(payment: Payment, *, from_status: str, to_status: str, actor: str, note: str = "") -> None:
    PaymentEvent.objects.create(payment=payment, from_status=from_status, to_status=to_status, actor=actor,
                                note=note[:200])


def _move(payment: Payment, *, to: str, actor: str, note: str = "", **changes) -> Payment:
    """The one status change: allowed by TRANSITIONS, compare-and-set on the old status, event and audit row."""
    old = payment.status
    if to not in TRANSITIONS[old]:
        raise PaymentConflict(f"支付 {payment.reference} 当前状态为「{PaymentStatus(old).label}」，"
                              f"不能变更为「{PaymentStatus(to).label}」")
    moved = Payment.objects.filter(pk=payment.pk, status=old).update(status=to, **changes)
    if moved != 1:
        raise PaymentConflict(f"支付 {payment.reference} 已被他人处理，请刷新后重试")
    for attr, value in changes.items():
        setattr(payment, attr, value)
    payment.status = to
    _record_event(payment, from_status=old, to_status=to, actor=actor, note=note)
    record_audit(actor=actor, action=f"payments.payment.{to}", object_type="Payment", object_id=payment.reference,
                 before={"status": old}, after={"status": to, "note": note or None,
                                                **{k: str(v) for k, v in changes.items() if k != "batch"}})
    return payment


# --- 核定 ---------------------------------------------------------------------------------

@transaction.atomic
def approve_payment(*, actor: str, fund: str, payee: PayeeDetails, amount: Decimal, reference: str,
                    agency: Agency, case=None, source: str = "", note: str = "") -> Payment:
    """核定 a payment out of ``fund`` to ``payee``; call it inside the decision's transaction.

    Idempotent on ``reference``: approving again with the same content returns the
    payment already made (whatever its status); a different content under the same
    reference is refused (``PaymentConflict``), so one reference never pays twice.
    Concurrent calls with one reference create one row: the unique constraint
    decides and the losers read the winner's row.
    """
    reference = (reference or "").strip()
    if not reference:
        raise InvalidPayment("字段 业务流水号：必填（同一业务流水号只支付一次）")
    if len(reference) > MAX_REFERENCE:
        raise InvalidPayment(f"字段 业务流水号：最多 {MAX_REFERENCE} 个字符")
    if fund not in Fund.values:
        raise InvalidPayment(f"字段 基金：「{fund}」不是有效的基金支付类型，可选："
                             + "、".join(f"{f.value} {f.label}" for f in Fund))
    amount = _clean_amount(amount)
    payee = _clean_payee(payee)
    source = (source or "").strip()
    if case is None and not source:
        raise InvalidPayment("字段 办件/来源：须关联办件或填写来源（如结算单号）")
    if len(source) > 80:
        raise InvalidPayment("字段 来源：最多 80 个字符")
    if agency is None:
        raise InvalidPayment("字段 经办机构：必填")

    def existing_or_conflict(payment: Payment) -> Payment:
        differences = _same_content(payment, fund=fund, payee=payee, amount=amount, agency=agency, case=case,
                                    source=source)
        if differences:
            raise PaymentConflict(f"业务流水号 {reference} 已核定过一笔支付，本次的{'、'.join(differences)}"
                                  "与之不同：同一业务流水号不能支付两次")
        return payment

    found = Payment.objects.select_related("payee").filter(reference=reference).first()
    if found is not None:
        return existing_or_conflict(found)
    payee_row = _payee_row(payee)
    today = clock.today()
    try:
        with transaction.atomic():  # a savepoint: losing the race must not break the caller's transaction
            payment = Payment.objects.create(
                reference=reference, fund=fund, payee=payee_row, amount=amount, agency=agency,
                region_id=agency.region_id, case=case, source=source, note=(note or "")[:200],
                approved_by=actor, approved_on=today)
    except IntegrityError:
        found = Payment.objects.select_related("payee").filter(reference=reference).first()
        if found is None:
            raise
        return existing_or_conflict(found)
    _record_event(payment, from_status="", to_status=PaymentStatus.APPROVED, actor=actor, note=note)
    record_audit(actor=actor, action="payments.payment.approve", object_type="Payment", object_id=reference,
                 after=_snapshot(payment))
    return payment


@dataclass(frozen=True)
class PaymentOrder:
    """One payment to approve in a bulk ``approve_payments`` call (the arguments of ``approve_payment``)."""

    reference: str
    fund: str
    payee: PayeeDetails
    amount: Decimal
    agency: Agency
    case: Case | None = None
    source: str = ""
    note: str = ""


def check_payment_order(order: PaymentOrder) -> PaymentOrder:
    """The order cleaned as ``approve_payment`` would clean it; ``InvalidPayment`` names the field and reference."""
    reference = (order.reference or "").strip()
    if not reference:
        raise InvalidPayment("字段 业务流水号：必填（同一业务流水号只支付一次）")
    if len(reference) > MAX_REFERENCE:
        raise InvalidPayment(f"字段 业务流水号：最多 {MAX_REFERENCE} 个字符")
    if order.fund not in Fund.values:
        raise InvalidPayment(f"业务流水号 {reference}，字段 基金：「{order.fund}」不是有效的基金支付类型")
    try:
        amount = _clean_amount(order.amount)
        payee = _clean_payee(order.payee)
    except InvalidPayment as exc:
        raise InvalidPayment(f"业务流水号 {reference}，{exc.message}") from exc
    source = (order.source or "").strip()
    if order.case is None and not source:
        raise InvalidPayment(f"业务流水号 {reference}，字段 办件/来源：须关联办件或填写来源（如结算单号）")
    if len(source) > 80:
        raise InvalidPayment(f"业务流水号 {reference}，字段 来源：最多 80 个字符")
    if order.agency is None:
        raise InvalidPayment(f"业务流水号 {reference}，字段 经办机构：必填")
    return PaymentOrder(reference=reference, fund=order.fund, payee=payee, amount=amount, agency=order.agency,
                        case=order.case, source=source, note=(order.note or "")[:200])


def _payee_rows(details: list[PayeeDetails]) -> dict[tuple, Payee]:
    """Payee rows for many snapshots: the missing ones inserted at once, concurrent inserts tolerated."""
    keys = {(d.kind, d.identifier, d.name, d.bank_name, d.account_number) for d in details}
    found: dict[tuple, Payee] = {}

    def load(identifiers: list[str]) -> None:
        for row in Payee.objects.filter(identifier__in=identifiers):
            key = (row.kind, row.identifier, row.name, row.bank_name, row.account_number)
            if key in keys:
                found[key] = row

    identifiers = sorted({k[1] for k in keys})
    for start in range(0, len(identifiers), 2000):
        load(identifiers[start:start + 2000])
    missing = [k for k in keys if k not in found]
    if missing:
        Payee.objects.bulk_create([Payee(kind=k[0], identifier=k[1], name=k[2], bank_name=k[3], account_number=k[4])
                                   for k in missing], batch_size=2000, ignore_conflicts=True)
        wanted = sorted({k[1] for k in missing})
        for start in range(0, len(wanted), 2000):
            load(wanted[start:start + 2000])
    return found


def _insert_new(rows: list[Payment]) -> dict[str, int]:
    """INSERT … ON CONFLICT (reference) DO NOTHING RETURNING: the references this call created, with their ids.

    A reference inserted meanwhile by a concurrent transaction is skipped here (the database waits
    for that transaction and then keeps its row), so exactly one caller creates each payment."""
    from django.db import connection

    fields = [f for f in Payment._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(Payment._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    pk = connection.ops.quote_name(str(Payment._meta.pk.column))
    ref = connection.ops.quote_name(str(Payment._meta.get_field("reference").column))
    created: dict[str, int] = {}
    per_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    for start in range(0, len(rows), 500):
        chunk = rows[start:start + 500]
        params: list = []
        for obj in chunk:
            params.extend(f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields)
        sql = (f"INSERT INTO {table} ({columns}) VALUES {', '.join([per_row] * len(chunk))} "
               f"ON CONFLICT ({ref}) DO NOTHING RETURNING {pk}, {ref}")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            created.update({reference: pk_value for pk_value, reference in cursor.fetchall()})
    return created


@transaction.atomic
def approve_payments(*, actor: str, orders: list[PaymentOrder]) -> dict[str, Payment]:
    """核定 many payments in one transaction, set-wise (the bulk form of ``approve_payment``).

    Every order is checked first and the whole call is refused (``InvalidPayment`` naming the
    reference and field) while one is bad. Idempotent per reference like ``approve_payment``: a
    reference already approved with the same content is returned as it is, with different content
    it is refused (``PaymentConflict``). The inserts skip references a concurrent call created
    first, so each payment is created — evented and audited — exactly once. Returns the payment
    of every reference.
    """
    cleaned: dict[str, PaymentOrder] = {}
    for order in orders:
        order = check_payment_order(order)
        earlier = cleaned.get(order.reference)
        if earlier is not None and earlier != order:
            raise PaymentConflict(f"业务流水号 {order.reference} 在本批中出现两次且内容不同：同一业务流水号只支付一次")
        cleaned[order.reference] = order
    if not cleaned:
        return {}
    payees = _payee_rows([o.payee for o in cleaned.values()])
    today, now = clock.today(), timezone_now()
    rows = [Payment(reference=o.reference, fund=o.fund, payee=payees[_payee_key(o.payee)], amount=o.amount,
                    agency=o.agency, region_id=o.agency.region_id, case=o.case, source=o.source, note=o.note,
                    approved_by=actor, approved_on=today, created_at=now)
            for o in cleaned.values()]
    created = _insert_new(rows)
    result: dict[str, Payment] = {}
    references = list(cleaned)
    for start in range(0, len(references), 2000):
        for payment in (Payment.objects.select_related("payee", "agency", "case")
                        .filter(reference__in=references[start:start + 2000])):
            result[payment.reference] = payment
    for reference, order in cleaned.items():
        payment = result[reference]
        if reference in created:
            continue
        differences = _same_content(payment, fund=order.fund, payee=order.payee, amount=order.amount,
                                    agency=order.agency, case=order.case, source=order.source)
        if differences:
            raise PaymentConflict(f"业务流水号 {reference} 已核定过一笔支付，本次的{'、'.join(differences)}"
                                  "与之不同：同一业务流水号不能支付两次")
    new = [result[r] for r in created]
    PaymentEvent.objects.bulk_create([PaymentEvent(payment_id=p.pk, from_status="", to_status=PaymentStatus.APPROVED,
                                                   actor=actor, note=p.note[:200]) for p in new], batch_size=2000)
    record_audits([{"actor": actor, "action": "payments.payment.approve", "object_type": "Payment",
                    "object_id": p.reference, "after": _snapshot(p)} for p in new])
    return result


def _payee_key(details: PayeeDetails) -> tuple:
    return (details.kind, details.identifier, details.name, details.bank_name, details.account_number)


# --- 拨付报盘 -----------------------------------------------------------------------------

def _batch_payments(batch: DisbursementBatch):
    return batch.payments.select_related("payee").order_by("id")


@transaction.atomic
def build_disbursement_file(*, actor: str, fund: str, agency: Agency, day: date) -> tuple[DisbursementBatch, bytes]:
    """拨付报盘: the agency's payments of ``fund`` approved on ``day`` go to the bank in one batch.

    They become 已提交银行 and the batch is recorded; the file (layout in
    docs/payments.md) is returned and can be produced again from the batch
    (``disbursement_file_of``). Nothing approved and not yet submitted: refused.
    """
    if fund not in Fund.values:
        raise InvalidPayment(f"字段 基金：「{fund}」不是有效的基金支付类型")
    payments = list(Payment.objects.select_for_update(of=("self",)).select_related("payee")
                    .filter(agency=agency, fund=fund, approved_on=day, status=PaymentStatus.APPROVED)
                    .order_by("id"))
    if not payments:
        raise PaymentConflict(f"{day:%Y-%m-%d} {Fund(fund).label}基金没有待提交银行的核定支付")
    sequence = DisbursementBatch.objects.filter(agency=agency, fund=fund, day=day).count() + 1
    total = sum((p.amount for p in payments), Decimal("0.00"))
    try:
        with transaction.atomic():
            batch = DisbursementBatch.objects.create(
                number=f"{agency.code}-{fund}-{day:%Y%m%d}-{sequence:02d}", fund=fund, agency=agency, day=day,
                count=len(payments), total=total, created_by=actor)
    except IntegrityError as exc:
        raise PaymentConflict("同一批次正由他人制盘，请刷新后重试") from exc
    today = clock.today()
    for payment in payments:
        _move(payment, to=PaymentStatus.SUBMITTED, actor=actor, note=f"报盘批次 {batch.number}",
              batch=batch, submitted_on=today)
    record_audit(actor=actor, action="payments.batch.create", object_type="DisbursementBatch",
                 object_id=batch.number, after={"fund": fund, "agency": agency.code, "day": day.isoformat(),
                                                "count": batch.count, "total": str(total)})
    # The bank gets the file after commit, from the outbox (yibao/payments/delivery.py).
    queue_bank_file(batch)
    return batch, bankfiles.disbursement_workbook(batch=batch, payments=payments)


def disbursement_file_of(batch: DisbursementBatch) -> bytes:
    """The file of a batch already built (the same rows, read again)."""
    return bankfiles.disbursement_workbook(batch=batch, payments=list(_batch_payments(batch)))


# --- 回盘 ---------------------------------------------------------------------------------

def _check_return_line(line: bankfiles.ReturnLine, payment: Payment | None, agency: Agency | None,
                       seen: dict[str, int]) -> tuple[str, bool, bool]:
    """(outcome, ok, to_apply) for one row of the return file."""
    prefix = f"第 {line.row} 行"
    if not line.reference:
        return f"{prefix} 业务流水号：必填", False, False
    if line.reference in seen:
        return f"{prefix} 业务流水号：{line.reference} 与第 {seen[line.reference]} 行重复", False, False
    if line.result not in (bankfiles.RESULT_PAID, bankfiles.RESULT_RETURNED):
        return (f"{prefix} 支付结果：「{line.result}」无效，应为「{bankfiles.RESULT_PAID}」或"
                f"「{bankfiles.RESULT_RETURNED}」"), False, False
    if payment is None or (agency is not None and payment.agency_id != agency.pk):
        return f"{prefix} 业务流水号：{line.reference} 不是本机构的支付", False, False
    if line.result == bankfiles.RESULT_RETURNED and not line.reason:
        return f"{prefix} 失败原因：支付失败时必填", False, False
    if line.result == bankfiles.RESULT_PAID and not line.bank_serial:
        return f"{prefix} 银行流水号：支付成功时必填", False, False
    target = PaymentStatus.PAID if line.result == bankfiles.RESULT_PAID else PaymentStatus.RETURNED
    if payment.status == target and payment.bank_serial == line.bank_serial:
        # The same return file uploaded twice: the row is already recorded.
        return f"{prefix} 已登记为「{target.label}」，未重复处理", True, False
    if payment.status != PaymentStatus.SUBMITTED:
        return (f"{prefix} 业务流水号：{line.reference} 当前状态为「{PaymentStatus(payment.status).label}」，"
                "不是已提交银行的支付"), False, False
    return f"{prefix} {target.label}（¥{payment.amount:,.2f}）", True, True


@transaction.atomic
def import_bank_returns(*, actor: str, file, agency: Agency | None = None) -> ReturnReport:
    """回盘: each row marks its payment 已支付 (成功) or 退回 (失败, with the reason).

    ``file`` is an uploaded file (``.name`` and ``.read()``) or a ``(name, bytes)``
    pair. Every row is checked first and reported (第 N 行 …); if any row is bad,
    nothing is applied (``report.applied`` is False). Rows already recorded with
    the same result (the file uploaded twice) are reported and skipped. With
    ``agency``, only that agency's payments may appear in the file.
    """
    if isinstance(file, tuple):
        name, content = file
    else:
        name = getattr(file, "name", "") or ""
        size = getattr(file, "size", None)
        if size is not None and size > bankfiles.MAX_RETURN_BYTES:
            raise bankfiles.BankFileError(
                f"回盘文件超过 {bankfiles.MAX_RETURN_BYTES // 1024 // 1024} MB，请按批次分开上传")
        content = file.read(bankfiles.MAX_RETURN_BYTES + 1)
    lines = bankfiles.read_return_file(name=name, content=content)
    references = [line.reference for line in lines if line.reference]
    payments = {p.reference: p for p in Payment.objects.select_for_update()
                .filter(reference__in=references).order_by("id")}
    report = ReturnReport()
    seen: dict[str, int] = {}
    to_apply: list[tuple[bankfiles.ReturnLine, Payment]] = []
    for line in lines:
        payment = payments.get(line.reference)
        outcome, ok, apply = _check_return_line(line, payment, agency, seen)
        if line.reference and line.reference not in seen:
            seen[line.reference] = line.row
        report.rows.append(ReturnRowResult(line.row, line.reference, line.result, outcome, ok))
        if apply and payment is not None:
            to_apply.append((line, payment))
    if report.errors:
        return report
    today = clock.today()
    for line, payment in to_apply:
        if line.result == bankfiles.RESULT_PAID:
            _move(payment, to=PaymentStatus.PAID, actor=actor, note=f"银行流水号 {line.bank_serial}",
                  bank_serial=line.bank_serial, settled_on=today)
        else:
            _move(payment, to=PaymentStatus.RETURNED, actor=actor, note=f"退回：{line.reason}",
                  bank_serial=line.bank_serial, return_reason=line.reason, settled_on=today)
    record_audit(actor=actor, action="payments.returns.import", object_type="BankReturnFile", object_id=name[:64],
                 after={"rows": len(lines), "paid": report.paid, "returned": report.returned})
    report.applied = True
    return report


# --- 退回后重新支付 -------------------------------------------------------------------------

@transaction.atomic
def reissue_payment(*, actor: str, payment: Payment, bank_name: str, account_number: str,
                    name: str | None = None, note: str = "") -> Payment:
    """重新支付 a returned payment once, to corrected bank details.

    A new payment (status 核定, reference ``<original>#重发``) linked to the returned
    one, same fund, amount, agency and case; the returned one stays 退回, so the two
    can never both be paid. A second reissue of the same payment is refused, also
    when two clerks try at once (one-to-one link in the database).
    """
    original = (Payment.objects.select_for_update(of=("self",)).select_related("payee", "agency", "case")
                .get(pk=payment.pk))
    if original.status != PaymentStatus.RETURNED:
        raise PaymentConflict(f"支付 {original.reference} 当前状态为「{PaymentStatus(original.status).label}」，"
                              "只有被银行退回的支付可以重新支付")
    if Payment.objects.filter(reissue_of=original).exists():
        raise PaymentConflict(f"支付 {original.reference} 已重新支付过一次，不能再次重新支付")
    corrected = _clean_payee(PayeeDetails(kind=original.payee.kind, identifier=original.payee.identifier,
                                          name=name if name is not None else original.payee.name,
                                          bank_name=bank_name, account_number=account_number))
    old = original.payee
    if (corrected.name, corrected.bank_name, corrected.account_number) == (old.name, old.bank_name,
                                                                           old.account_number):
        raise InvalidPayment("字段 银行账号：与被退回的收款信息相同，请填写更正后的开户银行或银行账号")
    try:
        with transaction.atomic():
            reissue = Payment.objects.create(
                reference=f"{original.reference}#重发", fund=original.fund, payee=_payee_row(corrected),
                amount=original.amount, agency=original.agency, region_id=original.region_id, case=original.case,
                source=original.source, note=(note or f"退回后重新支付（原因：{original.return_reason}）")[:200],
                approved_by=actor, approved_on=clock.today(), reissue_of=original)
    except IntegrityError as exc:
        raise PaymentConflict(f"支付 {original.reference} 已重新支付过一次，不能再次重新支付") from exc
    _record_event(reissue, from_status="", to_status=PaymentStatus.APPROVED, actor=actor,
                  note=f"重新支付自 {original.reference}")
    record_audit(actor=actor, action="payments.payment.reissue", object_type="Payment", object_id=reissue.reference,
                 before=_snapshot(original), after=_snapshot(reissue))
    return reissue
