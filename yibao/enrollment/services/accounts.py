"""Personal accounts (个人账户): every change of a balance is one movement.

``post_movement`` is the only writer of a balance. It locks the account row,
and its ``reference`` (业务流水号) is unique: posting the same reference again
(a retried transfer document, a double click) returns the first movement and
changes nothing, while a different amount under a used reference is refused.

``withdraw_account`` is the 一次性支取 (paid at the case's 拨付 step), with
``check_withdrawal`` the preconditions the case handler checks at submission
and acceptance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db import transaction

from yibao.audit.services import record_audit
from yibao.enrollment.models import (
    AccountMovement,
    AccountStatus,
    InsurancePeriod,
    InsuranceStatus,
    InsuranceType,
    MovementKind,
    Person,
    PersonalAccount,
)
from yibao.enrollment.rules_files import WithdrawalRules, load_rules_file
from yibao.enrollment.services.errors import EnrollmentError
from yibao.enrollment.services.periods import stop_period
from yibao.offsite import selectors as offsite_selectors

CENT = Decimal("0.01")


class AccountError(EnrollmentError):
    pass


@transaction.atomic
def post_movement(*, account: PersonalAccount, kind: str, amount: Decimal, reference: str, actor: str,
                  case_number: str = "", note: str = "", withdrawal_reason: str = "") -> AccountMovement:
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
        case_number=case_number, note=note[:200], withdrawal_reason=withdrawal_reason, actor=actor)
    record_audit(actor=actor, action=f"enrollment.account.{kind}", object_type="PersonalAccount",
                 object_id=account.person.id_number, before={"balance": str(balance - amount)},
                 after={"balance": str(balance), "amount": str(amount), "reference": reference,
                        "case": case_number or None})
    return movement


# --- 个人账户一次性支取 ------------------------------------------------------------------------

WITHDRAWAL_FILE = Path(__file__).resolve().parent.parent / "data" / "withdrawal.yaml"


@cache
def withdrawal_rules() -> dict:
    """Reasons of a one-off withdrawal and which catalog situation means which (data/withdrawal.yaml)."""
    return load_rules_file(WITHDRAWAL_FILE, WithdrawalRules)


def reason_label(reason: str) -> str:
    return withdrawal_rules()["reasons"][reason]["label"]


def withdrawal_reference(case_number: str) -> str:
    """The 业务流水号 of a case's payment: one payment per case, whatever is retried."""
    return f"withdrawal:{case_number}"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the anniversary is 1 March
        return day.replace(year=day.year + years, month=3, day=1)


def check_withdrawal(*, person: Person, reason: str, today: date, death_date: date | None = None,
                     account: PersonalAccount | None = None) -> PersonalAccount:
    """Raise AccountError if ``person``'s account cannot be paid out for ``reason`` today.

    Refused: a merged record, no account, a closed account, a zero balance;
    death without a death date or with one in the future; 异地备案满两年 when
    the long-term off-site filing started less than two years ago (the date it
    will be two years is named); the 北京知青 payment a second time in a year.
    """
    rules = withdrawal_rules()["reasons"]
    if reason not in rules:
        raise AccountError(f"字段 支取原因：「{reason}」无效，可选：{'、'.join(r['label'] for r in rules.values())}")
    rule = rules[reason]
    if person.merged_into_id:
        raise AccountError(f"{person.name} 的记录已合并至另一记录，请按保留的记录办理")
    if account is None:
        account = PersonalAccount.objects.filter(person=person).first()
    if account is None:
        raise AccountError(f"{person.name} 没有职工医保个人账户，不能支取")
    if account.status == AccountStatus.CLOSED:
        raise AccountError(f"{person.name} 的个人账户已于 {account.closed_on:%Y-%m-%d} 注销（{account.close_reason}），"
                           "不能再支取")
    if account.balance <= 0:
        raise AccountError(f"{person.name} 的个人账户余额为 {account.balance} 元，没有可支取的金额")
    if rule.get("needs_heir"):
        died = person.death_date or death_date
        if died is None:
            raise AccountError("字段 死亡日期：死亡人员账户支付须填写参保人死亡日期")
        if died > today:
            raise AccountError(f"字段 死亡日期：{died:%Y-%m-%d} 晚于今天")
        if died < person.birth_date:
            raise AccountError(f"字段 死亡日期：{died:%Y-%m-%d} 早于出生日期 {person.birth_date:%Y-%m-%d}")
    elif person.death_date:
        raise AccountError(f"{person.name} 已于 {person.death_date:%Y-%m-%d} 死亡，请按“死亡”办理支取")
    if rule.get("offsite_years"):
        years = int(rule["offsite_years"])
        start = offsite_selectors.offsite_filing_start(person)
        if start is None:
            raise AccountError(f"{person.name} 没有有效的异地长期居住（安置、工作）备案，不能按异地备案满{years}年支取")
        due = _add_years(start, years)
        if due > today:
            raise AccountError(f"{person.name} 的异地备案开始于 {start:%Y-%m-%d}，至 {due:%Y-%m-%d} 方满{years}年，"
                               "目前不能支取")
    if rule.get("once_a_year"):
        label = rule["label"]
        if AccountMovement.objects.filter(account=account, kind=MovementKind.WITHDRAWAL,
                                          withdrawal_reason=reason, created_at__year=today.year).exists():
            raise AccountError(f"{person.name} {today.year} 年度的{label}已办理，每年只能支付一次")
    return account


@dataclass(frozen=True)
class Withdrawal:
    movement: AccountMovement
    amount: Decimal  # paid out, positive
    closed: bool


@transaction.atomic
def withdraw_account(*, person: Person, reason: str, case_number: str, actor: str, today: date,
                     payee: str = "", death_date: date | None = None) -> Withdrawal:
    """一次性支取 at 拨付: the whole balance leaves in one movement, once per case.

    The account row is locked first, so two payments for one person cannot
    both happen: the second finds the account closed (or the balance zero).
    Retrying the same case returns its first payment. Depending on the reason
    (data/withdrawal.yaml) the account is closed (注销, with date and reason)
    and the active 310 period terminated (主动放弃, 死亡, 出国(境)定居); for a
    death the date of death is recorded on the person.
    """
    if not case_number:
        raise AccountError("一次性支取须关联办件编号")
    reference = withdrawal_reference(case_number)
    # Person before account: the order the enrollment services lock in.
    person = Person.objects.select_for_update().get(pk=person.pk)
    account = PersonalAccount.objects.select_for_update().filter(person=person).first()
    done = AccountMovement.objects.filter(reference=reference).first()
    if done is not None:
        return Withdrawal(done, -done.amount, account is not None and account.status == AccountStatus.CLOSED)
    account = check_withdrawal(person=person, reason=reason, today=today, death_date=death_date, account=account)
    rule = withdrawal_rules()["reasons"][reason]
    label = rule["label"]
    amount = account.balance
    note = f"{label} 一次性支取" + (f"，支付至 {payee}" if payee else "")
    movement = post_movement(account=account, kind=MovementKind.WITHDRAWAL, amount=-amount, reference=reference,
                             actor=actor, case_number=case_number, note=note, withdrawal_reason=reason)
    end = today
    if rule.get("needs_heir") and person.death_date is None:
        person.death_date = death_date
        person.save(update_fields=["death_date"])
        record_audit(actor=actor, action="enrollment.person.death", object_type="Person",
                     object_id=person.id_number, before={"death_date": None},
                     after={"death_date": death_date.isoformat(), "case": case_number})
    if rule.get("needs_heir"):
        end = person.death_date
    if rule.get("stops_period"):
        for period in InsurancePeriod.objects.filter(person=person, insurance_type=InsuranceType.EMPLOYEE_BASIC,
                                                     status=InsuranceStatus.INSURED):
            stop_period(period=period, end_date=max(end, period.start_date), actor=actor, case_number=case_number,
                        reason=f"个人账户一次性支取：{label}", status=InsuranceStatus.TERMINATED)
    closed = bool(rule.get("closes_account"))
    if closed:
        PersonalAccount.objects.filter(pk=account.pk).update(
            status=AccountStatus.CLOSED, closed_on=today, close_reason=f"一次性支取：{label}")
    record_audit(actor=actor, action="enrollment.account.withdraw", object_type="PersonalAccount",
                 object_id=person.id_number, before={"balance": str(amount), "status": AccountStatus.OPEN},
                 after={"balance": "0.00", "paid": str(amount), "reason": label, "payee": payee or None,
                        "status": AccountStatus.CLOSED if closed else AccountStatus.OPEN, "case": case_number})
    return Withdrawal(movement, amount, closed)
