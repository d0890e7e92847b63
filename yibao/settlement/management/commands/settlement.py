"""yibao settlement generate|run: synthetic institutions and a month of settlements; the month run."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from yibao.agencies.models import Region
from yibao.errors import DomainError
from yibao.settlement import runs, services, synthetic
from yibao.settlement.progress import progress_bar
from yibao.settlement.tasks import month_run_summary


def region_of(key: str) -> Region:
    region = Region.objects.filter(Q(slug=key) | Q(code=key)).first()
    if region is None:
        known = "、".join(Region.objects.order_by("code").values_list("slug", flat=True)) or "无"
        raise CommandError(f"未知统筹区“{key}”（已有：{known}）")
    return region


def generate(stdout, *, region: Region, institutions: int, records: int, month: str, seed: int) -> None:
    """Shared by ``yibao generate --institutions/--settlements`` and ``yibao settlement generate``."""
    try:
        if institutions:
            made = synthetic.generate_institutions(region=region, count=institutions, seed=seed)
            stdout.write(f"{region.name}：新增定点医药机构 {made} 家")
        if records:
            with progress_bar(f"{region.name} {month} 直接结算明细", records) as advance:
                result = synthetic.generate_month(region=region, month=services.month_start(month),
                                                  records=records, seed=seed, progress=advance)
            stdout.write(f"{region.name} {month}：{result.institutions} 家定点机构申报 {result.records} 条直接结算，"
                         f"用时 {result.seconds:.1f} 秒（{result.records / max(result.seconds, 1e-9):,.0f} 条/秒）")
    except (ValueError, DomainError) as exc:
        raise CommandError(str(exc)) from exc


class Command(BaseCommand):
    help = "定点医药机构费用结算：generate 生成定点机构和一个月的直接结算；run 月度结算（校验、规则审核、结算单）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        gen = sub.add_parser("generate", help="生成定点医药机构和一个月的直接结算明细（演示、基准）")
        gen.add_argument("--region", required=True)
        gen.add_argument("--institutions", type=int, default=0, help="新增定点医药机构数")
        gen.add_argument("--records", type=int, default=0, help="直接结算条数")
        gen.add_argument("--month", default="", help="结算月份 YYYY-MM（默认上月）")
        gen.add_argument("--seed", type=int, default=1)
        run = sub.add_parser("run", help="月度结算：校验、规则审核并出具所有已申报机构的结算单（可重复执行）")
        run.add_argument("--month", required=True)
        run.add_argument("--agency", default="",
                         help="经办机构编码：把本次运行的进度记入该机构的「后台运行」页（/console/settlement/runs/）")

    @staticmethod
    def _progress_record(agency_code: str, month: str):
        """The console's progress record of this run, when an agency was named (else None)."""
        if not agency_code:
            return None
        from yibao.agencies.models import Agency

        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            raise CommandError(f"未知经办机构编码：{agency_code}")
        return runs.start_run(kind="settlement_run", label=f"{month} 月度结算（命令行）", agency=agency,
                              actor="command")

    def handle(self, *args, **options):
        if options["action"] == "generate":
            month = options["month"] or last_month()
            generate(self.stdout, region=region_of(options["region"]), institutions=options["institutions"],
                     records=options["records"], month=month, seed=options["seed"])
            return
        record = self._progress_record(options["agency"], options["month"])
        try:
            with progress_bar(f"{options['month']} 月度结算", None) as advance:
                track = runs.tracker(record) if record is not None else None

                def both(done):
                    advance(done)
                    if track is not None:
                        track(done)

                run = services.run_month(actor="command", month=options["month"], progress=both)
        except DomainError as exc:
            if record is not None:
                runs.fail_run(run=record, error=str(exc), actor="command")
            raise CommandError(str(exc)) from exc
        if record is not None:
            runs.finish_run(run=record, summary=month_run_summary(run), actor="command")
        if not run.declarations:
            self.stdout.write(f"{options['month']}：没有待审核的申报（已结算的月份重复执行不作任何改动）")
            return
        self.stdout.write(
            f"{options['month']}：{run.declarations} 家机构、{run.records} 条结算；问题 {run.problems}；"
            f"规则扣款 {run.deductions}；结算单 {run.statements} 份，应拨付 ¥{run.payable:,.2f}，"
            f"预留质量保证金 ¥{run.withheld:,.2f}（示例参数）；用时 {run.seconds}")


def last_month() -> str:
    from yibao import clock

    first = clock.today().replace(day=1)
    previous = first - datetime.timedelta(days=1)
    return f"{previous:%Y-%m}"
