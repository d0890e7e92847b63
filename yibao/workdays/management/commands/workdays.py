"""workdays add|count|load — working-day arithmetic and the holiday file from the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yibao.workdays.calendar import add_natural_days, add_working_days, count_working_days
from yibao.workdays.services import DEFAULT_HOLIDAY_FILE, HolidayError, load_holiday_file


def parse_date(value: str, what: str = "日期参数") -> date:
    """Parse YYYY-MM-DD or raise CommandError naming the argument."""
    try:
        if len(value) != 10:
            raise ValueError(value)  # fromisoformat also takes 20260930 and week dates
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{what}「{value}」无效，应为 YYYY-MM-DD") from exc


def parse_days(value: str) -> int:
    """Parse a non-negative whole number of days or raise CommandError."""
    try:
        number = int(value)
    except ValueError as exc:
        raise CommandError(f"天数参数「{value}」无效，应为不小于 0 的整数") from exc
    if number < 0:
        raise CommandError(f"天数参数「{value}」无效，应为不小于 0 的整数")
    return number


class Command(BaseCommand):
    help = "工作日：推算期限（add）、统计工作日（count）、载入节假日数据文件（load）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{add,count,load}")
        add = sub.add_parser("add", help="自某日起（当日不计）推算 N 个工作日（或自然日）后的日期")
        add.add_argument("start", help="起始日期 YYYY-MM-DD（当日不计入）")
        add.add_argument("days", help="天数（不小于 0 的整数）")
        add.add_argument("--natural", action="store_true",
                         help="按自然日计算；期限最后一日为节假日的，顺延至其后第一个工作日")
        count = sub.add_parser("count", help="统计两日之间的工作日数（不含起始日，含结束日）")
        count.add_argument("start", help="起始日期 YYYY-MM-DD（不计入）")
        count.add_argument("end", help="结束日期 YYYY-MM-DD（计入）")
        load = sub.add_parser("load", help="校验并载入节假日数据文件")
        load.add_argument("--file", type=Path, default=None,
                          help=f"数据文件路径（默认 {DEFAULT_HOLIDAY_FILE}）")

    def handle(self, *args, **options):
        getattr(self, f"do_{options['action']}")(options)

    def do_add(self, options):
        start = parse_date(options["start"], "起始日期参数")
        days = parse_days(options["days"])
        if options["natural"]:
            result = add_natural_days(start, days)
            self.stdout.write(f"自 {start.isoformat()} 起（当日不计）{days} 个自然日后"
                              "（最后一日为节假日的顺延）：")
        else:
            result = add_working_days(start, days)
            self.stdout.write(f"自 {start.isoformat()} 起（当日不计）{days} 个工作日后：")
        self.stdout.write(result.isoformat())

    def do_count(self, options):
        start = parse_date(options["start"], "起始日期参数")
        end = parse_date(options["end"], "结束日期参数")
        self.stdout.write(f"{start.isoformat()}（不含）至 {end.isoformat()}（含）之间的工作日数：")
        self.stdout.write(str(count_working_days(start, end)))

    def do_load(self, options):
        try:
            result = load_holiday_file(path=options["file"], actor="cli")
        except HolidayError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.describe())
        self.stdout.write(f"已载入 {result.total} 条")
