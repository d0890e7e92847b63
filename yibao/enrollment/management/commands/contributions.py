"""yibao contributions: 核定 a unit's month and record its payment (到账).

Contributions are collected by the tax authority; this command is how its
figures reach yibao until an interface with the tax system exists.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from yibao.enrollment.models import Unit
from yibao.enrollment.selectors import unit_arrears
from yibao.enrollment.services.contributions import post_monthly_contributions, record_unit_payment
from yibao.enrollment.services.errors import EnrollmentError
from yibao.ids import InvalidIdentifier, validate_uscc


def _month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise CommandError(f"参数 --month：「{text}」不是有效月份，格式如 2026-11") from None


class Command(BaseCommand):
    help = "缴费：post 核定单位某月缴费；pay 登记单位某月到账；arrears 查询单位欠费"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["post", "pay", "arrears"])
        parser.add_argument("--unit", required=True, help="单位统一社会信用代码")
        parser.add_argument("--month", help="费款所属期，如 2026-11（post、pay 必填）")
        parser.add_argument("--amount", help="到账金额（元，pay 必填）")
        parser.add_argument("--reference", default="", help="到账流水号（pay；默认由单位和月份生成）")

    def handle(self, *args, action, unit, month, amount, reference, **options):
        try:
            uscc = validate_uscc(unit, field_name="参数 --unit")
        except InvalidIdentifier as exc:
            raise CommandError(str(exc)) from exc
        record = Unit.objects.filter(uscc=uscc).first()
        if record is None:
            raise CommandError(f"参数 --unit：统一社会信用代码 {uscc} 未登记参保")
        if action == "arrears":
            self.stdout.write(f"{record.name} 欠费 ¥{unit_arrears(record)}")
            return
        if not month:
            raise CommandError("参数 --month：必填")
        first = _month(month)
        try:
            if action == "post":
                result = post_monthly_contributions(unit=record, month=first, actor="command")
                self.stdout.write(f"{record.name} {first:%Y-%m}：新增 {result.created} 条，更新 {result.updated} 条；"
                                  f"单位应缴 ¥{result.unit_total}，个人应缴 ¥{result.personal_total}")
                return
            try:
                paid = Decimal(amount or "")
            except InvalidOperation:
                raise CommandError(f"参数 --amount：「{amount}」不是有效金额") from None
            result = record_unit_payment(unit=record, month=first, amount=paid, actor="command",
                                         reference=reference or f"pay:{uscc}:{first:%Y%m}")
            self.stdout.write(f"{record.name} {first:%Y-%m}：到账 ¥{result.amount}，{result.persons} 人记入个人账户")
        except EnrollmentError as exc:
            raise CommandError(str(exc)) from exc
