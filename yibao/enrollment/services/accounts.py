"""Personal accounts (个人账户): every change of a balance is one movement.

``post_movement`` is the only writer of a balance. It locks the account row,
and its ``reference`` (业务流水号) is unique: posting the same reference again
(a retried transfer document, a double click) returns the first movement and
changes nothing, while a different amount under a used reference is refused.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from yibao.audit.services import record_audit
from yibao.enrollment.models import AccountMovement, AccountStatus, PersonalAccount
from yibao.enrollment.services.errors import EnrollmentError

CENT = Decimal("0.01")


class AccountError(EnrollmentError):
    pass


@transaction.atomic
def post_movement(*, account: PersonalAccount, kind: str, amount: Decimal, reference: str, actor: str,
                  case_number: str = "", note: str = "") -> AccountMovement:
    """Add ``amount`` (negative for a payment out) to the account, exactly once per ``reference``."""
    if not isinstance(amount, Decimal):
        raise TypeError("amount must be a Decimal")
    amount = amount.quantize(CENT)
    if not reference:
        raise AccountError("业务流水号不能为空")
    account = PersonalAccount.objects.select_for_update().select_related("person").get(pk=account.pk)
    existing = AccountMovement.objects.filter(reference=reference).first()
    if existing is not None:
        if existing.account_id != account.pk or existing.amount != amount:
            raise AccountError(f"业务流水号 {reference} 已用于另一笔金额（{existing.amount} 元），本次 {amount} 元不予记账")
        return existing
    if account.status != AccountStatus.OPEN:
        raise AccountError(f"{account.person.name} 的个人账户已注销，不能记账")
    balance = account.balance + amount
    if balance < 0:
        raise AccountError(f"个人账户余额不足：余额 {account.balance} 元，本次支出 {-amount} 元")
    account.balance = balance
    account.save(update_fields=["balance"])
    movement = AccountMovement.objects.create(
        account=account, kind=kind, amount=amount, balance_after=balance, reference=reference,
        case_number=case_number, note=note[:200], actor=actor)
    record_audit(actor=actor, action=f"enrollment.account.{kind}", object_type="PersonalAccount",
                 object_id=account.person.id_number, before={"balance": str(balance - amount)},
                 after={"balance": str(balance), "amount": str(amount), "reference": reference,
                        "case": case_number or None})
    return movement
