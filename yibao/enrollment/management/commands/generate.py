"""yibao generate: a synthetic city (persons, units, enrollments, contributions) for demos and benchmarks."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from yibao.agencies.models import Region
from yibao.enrollment.synthetic import EMPLOYEE_SHARE, GenerationError, generate_city


class Command(BaseCommand):
    help = "生成合成参保数据（参保人员、参保单位、参保期间、缴费记录、个人账户），用于演示和性能基准"

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="统筹区标识或行政区划代码，如 taiyuan")
        parser.add_argument("--persons", type=int, required=True, help="参保人员数")
        parser.add_argument("--units", type=int, required=True, help="参保单位数")
        parser.add_argument("--employee-share", type=float, default=EMPLOYEE_SHARE,
                            help="职工（310，有单位和按月缴费）所占比例，其余为城乡居民（390）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（相同种子生成相同数据）")
        parser.add_argument("--add", action="store_true",
                            help="统筹区已有参保人员（如 manage.py demo 的演示城市）时追加，避开已有证件号码和信用代码")
        # Issue 14: designated institutions and a month of their direct settlements (yibao/settlement).
        parser.add_argument("--institutions", type=int, default=0, help="同时生成的定点医药机构数")
        parser.add_argument("--settlements", type=int, default=0, help="同时生成的一个月直接结算条数")
        parser.add_argument("--month", default="", help="直接结算所属月份 YYYY-MM（默认上月）")

    def handle(self, *args, **options):
        key = str(options["region"])
        region = Region.objects.filter(Q(slug=key) | Q(code=key)).first()
        if region is None:
            known = "、".join(Region.objects.order_by("code").values_list("slug", flat=True)) or "无"
            raise CommandError(f"未知统筹区“{key}”（已有：{known}）")
        try:
            result = generate_city(region=region, persons=options["persons"], units=options["units"],
                                   seed=options["seed"], employee_share=options["employee_share"], add=options["add"])
        except GenerationError as exc:
            raise CommandError(str(exc)) from exc
        rate = result.rows / result.seconds if result.seconds else 0.0
        self.stdout.write(
            f"{region.name}：参保人员 {result.persons}，参保单位 {result.units}，参保期间 {result.periods}，"
            f"缴费记录 {result.contributions}，个人账户 {result.accounts}；"
            f"共 {result.rows} 行，用时 {result.seconds:.1f} 秒（{rate:,.0f} 行/秒）"
        )
        if options["institutions"] or options["settlements"]:
            from yibao.settlement.management.commands.settlement import generate, last_month

            generate(self.stdout, region=region, institutions=options["institutions"],
                     records=options["settlements"], month=options["month"] or last_month(), seed=options["seed"])
