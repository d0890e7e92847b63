"""Parsing of the payments pages' input: clean values or ``FormError`` with a Chinese message naming the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from yibao import clock
from yibao.payments.models import Fund, PaymentStatus

MAX_LEDGER_DAYS = 366
MAX_RECONCILIATION_DAYS = 92
DEFAULT_DAYS = 30


class FormError(ValueError):
    pass


@dataclass(frozen=True)
class LedgerFilters:
    fund: str = ""
    status: str = ""
    # The empty form (before a query) shows today's day range.
    day_from: date = field(default_factory=clock.today)
    day_to: date = field(default_factory=clock.today)
    reference: str = ""


def parse_day(value: str, label: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise FormError(f"字段 {label}：「{value[:20]}」不是有效日期，格式如 2026-12-04") from exc


def parse_fund(value: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if not value and not required:
        return ""
    if value not in Fund.values:
        raise FormError(f"字段 基金：「{value[:20]}」无效，可选：" + "、".join(f"{f.value} {f.label}" for f in Fund))
    return value


def parse_range(data, *, today: date, longest: int) -> tuple[date, date]:
    day_to = parse_day(data["day_to"], "截止日期") if data.get("day_to") else today
    day_from = parse_day(data["day_from"], "起始日期") if data.get("day_from") else day_to - timedelta(days=DEFAULT_DAYS)
    if day_from > day_to:
        raise FormError("字段 起始日期：不能晚于截止日期")
    if (day_to - day_from).days >= longest:
        raise FormError(f"字段 起始日期：查询区间最长 {longest} 天，请缩小日期范围")
    return day_from, day_to


def parse_ledger_filters(data, *, today: date) -> LedgerFilters:
    fund = parse_fund(data.get("fund", ""))
    status = (data.get("status") or "").strip()
    if status and status not in PaymentStatus.values:
        raise FormError(f"字段 状态：「{status[:20]}」无效，可选：{'、'.join(PaymentStatus.labels)}")
    day_from, day_to = parse_range(data, today=today, longest=MAX_LEDGER_DAYS)
    reference = (data.get("reference") or "").strip()
    if len(reference) > 80:
        raise FormError("字段 业务流水号：最多 80 个字符")
    return LedgerFilters(fund, status, day_from, day_to, reference)


def parse_disbursement(data) -> tuple[str, date]:
    fund = parse_fund(data.get("fund", ""), required=True)
    if not data.get("day"):
        raise FormError("字段 核定日期：必填")
    return fund, parse_day(data["day"], "核定日期")


def parse_reissue(data) -> dict:
    bank_name = (data.get("bank_name") or "").strip()
    account_number = (data.get("account_number") or "").strip()
    if not bank_name:
        raise FormError("字段 开户银行：必填")
    if not account_number:
        raise FormError("字段 银行账号：必填")
    name = (data.get("name") or "").strip() or None
    return {"bank_name": bank_name, "account_number": account_number, "name": name,
            "note": (data.get("note") or "").strip()[:200]}
