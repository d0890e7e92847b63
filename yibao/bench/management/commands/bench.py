"""yibao bench http|sql|import|lookups|guides: measured figures for docs/benchmarks.md (not a test).

- http: gunicorn serving the API, 16 keep-alive clients, rps / p50 / p99 per endpoint;
- sql: the same endpoints' SQL with pgbench (-c 16, -M prepared): the database ceiling;
- import: the 10 000-row 报盘 Excel import end to end;
- lookups: the selectors in process against raw SQL on the same connection;
- guides: guide PDFs, pages and catalog API in process.
"""

import os
import random
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, ProgrammingError, connection, connections
from django.db.models import Max, Min
from django.test import Client

from yibao.api.auth import issue_token, revoke_token
from yibao.bench import http_load, pgbench
from yibao.catalog import selectors
from yibao.catalog.guide_pdf import render_guide_pdf
from yibao.catalog.guides import GuideView
from yibao.enrollment import selectors as enrollment_selectors
from yibao.enrollment.models import Contribution, Person


def timed(fn, count: int) -> list[float]:
    samples = []
    for i in range(count):
        started = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - started)
    return samples


def describe(name: str, samples: list[float], wall: float | None = None) -> str:
    """One line: throughput (count / wall time, or / summed latency), p50 and p99 latency."""
    total = wall if wall is not None else sum(samples)
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{name:<34} n={len(samples):<5} {len(samples) / total:8.1f}/s  "
            f"p50={statistics.median(samples) * 1000:6.2f} ms  p99={p99 * 1000:6.2f} ms")


def timed_concurrently(fn, args: list, concurrency: int) -> tuple[list[float], float]:
    """Run fn(arg) for every arg on ``concurrency`` threads (one DB connection each).

    Return the per-call latencies and the wall time of the whole run.
    """
    if concurrency == 1:
        started = time.perf_counter()
        samples = timed(lambda i: fn(args[i]), len(args))
        return samples, time.perf_counter() - started
    chunks = [args[k::concurrency] for k in range(concurrency)]

    def worker(chunk):
        try:
            return timed(lambda i: fn(chunk[i]), len(chunk))
        finally:
            connections.close_all()  # this thread's connections

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(worker, chunks))
    wall = time.perf_counter() - started
    return [s for r in results for s in r], wall


PERSON_SQL = (
    "SELECT id, id_type, id_number, name, sex, birth_date, phone, region_id, home_agency_id "
    f"FROM {Person._meta.db_table} WHERE id_number = %s LIMIT 1"
)
CONTRIBUTIONS_SQL = (
    "SELECT month, insurance_type, base, unit_part, personal_part, paid, unit_id "
    f"FROM {Contribution._meta.db_table} WHERE person_id = %s "
    "ORDER BY month DESC, insurance_type LIMIT 12"
)


def raw_query(sql: str):
    """The database ceiling: the driver connection itself, a prepared statement where the driver has them."""

    def run(param):
        connection.ensure_connection()
        driver = connection.connection
        if connection.vendor == "postgresql":
            return driver.execute(sql, (param,), prepare=True).fetchall()
        return driver.execute(sql.replace("%s", "?"), (param,)).fetchall()

    return run


def sample_persons(count: int, seed: int) -> list[tuple[int, str]]:
    """(id, id_number) of ``count`` random existing persons (repeats allowed), read before timing."""
    bounds = Person.objects.order_by("pk").values_list("pk", flat=True)
    first, last = bounds.first(), bounds.last()
    if first is None:
        raise CommandError("没有参保人员数据：请先运行 yibao generate --region taiyuan --persons 100000 --units 2000")
    rng = random.Random(seed)
    found: list[tuple[int, str]] = []
    while len(found) < count:
        wanted = [rng.randint(first, last) for _ in range(min(2000, count - len(found)))]
        found += list(Person.objects.filter(pk__in=wanted).values_list("pk", "id_number"))
    rng.shuffle(found)
    return found[:count]


def lookups(count: int, concurrency: int, seed: int) -> list[str]:
    persons = sample_persons(count, seed)
    numbers = [number for _pk, number in persons]
    pks = [pk for pk, _number in persons]
    total = Person.objects.count()
    suites = [
        ("person by ID (selector)", enrollment_selectors.person_row_by_id_number, numbers),
        ("person by ID (raw SQL)", raw_query(PERSON_SQL), numbers),
        ("12-month contributions (selector)", enrollment_selectors.contributions_of, pks),
        ("12-month contributions (raw SQL)", raw_query(CONTRIBUTIONS_SQL), pks),
    ]
    lines = [f"{connection.vendor}, {total} persons, {count} queries each, concurrency {concurrency}"]
    for name, fn, args in suites:
        fn(args[0])  # warm the connection (and the prepared statement)
        samples, wall = timed_concurrently(fn, args, concurrency)
        lines.append(describe(name, samples, wall))
    return lines


def machine() -> str:
    """CPU count and load average: the figures mean little without them on a shared machine."""
    one, five, _fifteen = os.getloadavg()
    return f"CPU {os.cpu_count()} 核，负载（1/5 分钟）{one:.2f} / {five:.2f}"


def database() -> str:
    persons = Person.objects.count()
    name = connection.settings_dict["NAME"]
    return f"{connection.vendor} {Path(str(name)).name}，参保人员 {persons:,} 人，缴费记录 {Contribution.objects.count():,} 条"


def region_numbers(region_id: int, count: int, seed: int) -> list[str]:
    """``count`` random existing ID numbers of one region (repeats allowed), read before timing."""
    persons = Person.objects.filter(region_id=region_id)
    bounds = persons.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        raise CommandError("该统筹区没有参保人员数据：请先运行 yibao generate --region taiyuan --persons 1000000 --units 20000")
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        wanted = [rng.randint(bounds["first"], bounds["last"]) for _ in range(min(2000, count - len(found)))]
        found += list(persons.filter(pk__in=wanted).values_list("id_number", flat=True))
    rng.shuffle(found)
    return found[:count]


def http_suite(options) -> list[str]:
    """Start gunicorn, drive each endpoint with keep-alive clients, stop gunicorn."""
    username = options["staff"]
    user = get_user_model().objects.filter(username=username).first()
    region = enrollment_selectors.staff_region(user) if user else None
    if region is None:
        raise CommandError(f"经办人员账号「{username}」不存在或已停用：请先运行 yibao demo，或用 --staff 指定")
    numbers = region_numbers(region[0], options["sample"], options["seed"])
    concurrency = options["concurrency"] or 16
    workers, threads, worker_class = options["workers"], options["threads"], options["worker_class"]
    lines = [database(), f"gunicorn {workers} 进程 × {threads} 线程（{worker_class}），{concurrency} 个 keep-alive 客户端，"
             f"每个接口 {options['duration']} 秒（先预热 {options['warmup']} 秒），经办人员 {username}（{region[1]}），"
             f"随机抽取 {len(numbers)} 个证件号码", "开始前：" + machine()]
    token, raw = issue_token(user=user, kind="staff", channel="app", name="yibao bench http")
    port = http_load.free_port()
    log = Path(tempfile.gettempdir()) / f"yibao-bench-gunicorn-{port}.log"
    server = http_load.Server(http_load.gunicorn_command(port=port, workers=workers, threads=threads,
                                                         worker_class=worker_class), port, log)
    try:
        server.wait_ready()
        for endpoint in http_load.ENDPOINTS:
            common = {"host": "127.0.0.1", "port": port, "token": raw, "endpoint": endpoint, "numbers": numbers,
                      "concurrency": concurrency, "seed": options["seed"]}
            if options["warmup"] > 0:
                http_load.drive(duration=options["warmup"], **common)
            lines.append(http_load.drive(duration=options["duration"], **common).line())
        lines.append("结束时：" + machine())
    except RuntimeError as exc:
        raise CommandError(str(exc)) from exc  # the server's log is kept: the message names it
    finally:
        server.stop()
        revoke_token(token=token, actor="bench")
    log.unlink(missing_ok=True)
    return lines


def sql_suite(options) -> list[str]:
    """The endpoints' SQL with pgbench: the ceiling beside the HTTP figures."""
    if connection.vendor != "postgresql":
        raise CommandError("bench sql 需要 PostgreSQL（设置 YIBAO_DATABASE_URL=postgres://…）")
    executable = pgbench.find_pgbench()
    if executable is None:
        raise CommandError("找不到 pgbench：请安装 postgresql-contrib 或把 pgbench 加入 PATH")
    bounds = Person.objects.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        raise CommandError("没有参保人员数据：请先运行 yibao generate --region taiyuan --persons 1000000 --units 20000")
    concurrency = options["concurrency"] or 16
    lines = [database(), f"pgbench -c {concurrency} -j 2 -M prepared -T {options['duration']}，"
             "随机参保人员；每个事务先按随机 id 取一名人员的证件号码", "开始前：" + machine()]
    for script in pgbench.scripts(bounds["first"], bounds["last"]):
        try:
            result = pgbench.run_pgbench(script, clients=concurrency, threads=2, duration=options["duration"],
                                         executable=executable)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        lines.append(result.line())
    lines.append("结束时：" + machine())
    return lines


def import_suite(options) -> list[str]:
    """The 报盘 Excel import end to end (yibao.enrollment.bench_import)."""
    try:
        from yibao.enrollment.bench_import import run_import_benchmark
    except ImportError as exc:
        raise CommandError("报盘导入基准尚不可用：缺少 yibao.enrollment.bench_import.run_import_benchmark") from exc
    lines = [database(), "开始前：" + machine()]
    result = run_import_benchmark(rows=options["rows"])
    lines.append("报盘 Excel 导入：" + "，".join(f"{key} = {value}" for key, value in result.items()))
    lines.append("结束时：" + machine())
    return lines


def _settlement(suite):
    def run(options):
        from yibao.settlement import bench as settlement_bench

        try:
            return getattr(settlement_bench, suite)(options)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
    return run


SUITES = {"http": http_suite, "sql": sql_suite, "import": import_suite,
          "settlement": _settlement("settlement_suite"), "settlement-upload": _settlement("upload_suite")}


class Command(BaseCommand):
    help = ("性能基准（结果见 docs/benchmarks.md）：http（启动 gunicorn，16 个 keep-alive 客户端请求参保人员查询和"
            "12 个月缴费接口，报告每秒请求数、p50、p99）；sql（同样的 SQL 用 pgbench 直接压数据库，作为上限）；"
            "import（1 万行报盘 Excel 导入）；lookups（进程内选择器与原始 SQL 对照）；guides（办事指南 PDF、检索页、接口）")

    def add_arguments(self, parser):
        parser.add_argument("suite", choices=["http", "sql", "import", "lookups", "guides", "settlement",
                                              "settlement-upload"])
        parser.add_argument("--count", type=int, default=300, help="lookups / guides：每项请求次数")
        parser.add_argument("--city", default="taiyuan", help="guides：城市")
        parser.add_argument("--concurrency", type=int, default=None,
                            help="并发客户端数（http / sql 默认 16；lookups 默认 1，每线程一个数据库连接）")
        parser.add_argument("--seed", type=int, default=1, help="抽样随机种子")
        parser.add_argument("--duration", type=int, default=20, help="http / sql：每个接口压测秒数")
        parser.add_argument("--warmup", type=int, default=3, help="http：每个接口正式计时前的预热秒数")
        parser.add_argument("--workers", type=int, default=4, help="http：gunicorn 进程数")
        parser.add_argument("--threads", type=int, default=4, help="http：每个 gunicorn 进程的线程数（gthread）")
        parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"],
                            help="http：gunicorn 工作方式（sync 不支持 keep-alive）")
        parser.add_argument("--staff", default="ty-city-accept",
                            help="http：以哪个经办人员的令牌请求（其统筹区内随机抽取人员）")
        parser.add_argument("--sample", type=int, default=5000, help="http：随机抽取的证件号码个数")
        parser.add_argument("--rows", type=int, default=10000, help="import：报盘行数")
        parser.add_argument("--region", default="benchcity", help="settlement / settlement-upload：统筹区")
        parser.add_argument("--records", dest="records_n", type=int, default=1_000_000,
                            help="settlement / settlement-upload：直接结算条数")
        parser.add_argument("--month", default="", help="settlement（默认 2026-11）/ settlement-upload（默认 2026-10）")

    def handle(self, *args, **options):
        count = options["count"]
        for name in ("count", "duration", "workers", "threads", "sample", "rows"):
            if options[name] < 1:
                raise CommandError(f"参数 --{name.replace('_', '-')} 应为正整数")
        if options["concurrency"] is not None and options["concurrency"] < 1:
            raise CommandError("参数 --concurrency 应为正整数")
        if options["warmup"] < 0:
            raise CommandError("参数 --warmup 不能为负数")
        if options["suite"] in SUITES:
            try:
                lines = SUITES[options["suite"]](options)
            except (OperationalError, ProgrammingError) as exc:  # no tables: nothing migrated yet
                raise CommandError(f"数据库尚未就绪（{exc}）：请先运行 yibao migrate 或 yibao demo") from exc
            self.stdout.write("\n".join(lines))
            return
        if options["suite"] == "lookups":
            self.stdout.write("\n".join(lookups(count, options["concurrency"] or 1, options["seed"])))
            return
        try:
            version = selectors.current_version(options["city"])
        except selectors.CatalogNotLoaded as exc:
            raise CommandError(str(exc)) from exc
        items = list(selectors.items_of(version))
        guides = [GuideView.of(item) for item in items]
        render_guide_pdf(guides[0])  # font registration happens once, outside the timing
        # A host the settings allow ("testserver" is allowed only inside the test runner).
        client = Client(HTTP_HOST="localhost")
        city = options["city"]
        words = ["异地", "报销", "参保", "生育", "定点"]
        lines = [
            describe("guide PDF (render)", timed(lambda i: render_guide_pdf(guides[i % len(guides)]), count)),
            describe("guide page GET", timed(lambda i: client.get(f"/guides/{city}/{items[i % len(items)].key}/"), count)),
            describe("search page GET ?q=", timed(lambda i: client.get(f"/guides/{city}/", {"q": words[i % 5]}), count)),
            describe("API /api/items?q=", timed(lambda i: client.get("/api/items", {"city": city, "q": words[i % 5]}), count)),
            describe("API /api/workdays/add", timed(lambda i: client.get("/api/workdays/add", {"start": "2026-09-30", "days": i % 40}), count)),
        ]
        self.stdout.write("\n".join(lines))
