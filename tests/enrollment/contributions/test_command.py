"""`yibao contributions`: 核定 a month, record its payment, query arrears from the command line."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from yibao.enrollment.models import Contribution, PersonalAccount

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("contributions", *args, stdout=out)
    return out.getvalue()


def test_posting_then_paying_a_month_clears_the_arrears_and_credits_the_account(unit, employ):
    wang = employ(unit, name="王建国", base=Decimal("5000.00"))
    assert "单位应缴 ¥400.00，个人应缴 ¥100.00" in run("post", "--unit", unit.uscc, "--month", "2026-03")
    assert f"{unit.name} 欠费 ¥500.00" in run("arrears", "--unit", unit.uscc)
    assert "1 人记入个人账户" in run("pay", "--unit", unit.uscc, "--month", "2026-03", "--amount", "500.00")
    assert f"{unit.name} 欠费 ¥0.00" in run("arrears", "--unit", unit.uscc)
    assert PersonalAccount.objects.get(person=wang).balance == Decimal("100.00")


def test_a_wrong_amount_is_refused_and_nothing_is_paid(unit, employ):
    employ(unit, name="王建国", base=Decimal("5000.00"))
    run("post", "--unit", unit.uscc, "--month", "2026-03")
    with pytest.raises(CommandError, match="500.00"):
        run("pay", "--unit", unit.uscc, "--month", "2026-03", "--amount", "499.99")
    assert "欠费 ¥500.00" in run("arrears", "--unit", unit.uscc)


@pytest.mark.parametrize(("args", "message"), [
    (("post", "--unit", "123", "--month", "2026-03"), "参数 --unit"),
    (("post", "--unit", "{uscc}", "--month", "2026-13"), "参数 --month：「2026-13」不是有效月份"),
    (("post", "--unit", "{uscc}"), "参数 --month：必填"),
    (("pay", "--unit", "{uscc}", "--month", "2026-03", "--amount", "abc"), "参数 --amount：「abc」不是有效金额"),
])
def test_bad_arguments_are_refused_naming_the_argument(unit, args, message):
    with pytest.raises(CommandError, match=message):
        run(*(a.format(uscc=unit.uscc) for a in args))


def test_a_future_month_is_refused_and_is_not_counted_as_arrears(unit, employ):
    employ(unit, name="王建国", base=Decimal("5000.00"))
    today = timezone.localdate()
    future = (today.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    with pytest.raises(CommandError, match=f"字段 费款所属期：{future} 晚于本月 {today:%Y-%m}，不能核定未来月份的缴费"):
        run("post", "--unit", unit.uscc, "--month", future)
    assert f"{unit.name} 欠费 ¥0.00" in run("arrears", "--unit", unit.uscc)
    assert not Contribution.objects.filter(unit=unit).exists()
