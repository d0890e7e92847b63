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


SERVERS = {
    # name: (description, how it is started)
    "gunicorn": "Django（gunicorn gthread，yibao.wsgi，与 scripts/serve.sh 相同的应用）",
    "granian": "热路径（granian WSGI，yibao.wsgi_hot：令牌缓存 + 预编译语句，其余请求交给 Django）",
}


def hot_sizing(options) -> tuple[int, int]:
    """The hot path's processes × threads: one process per core and one thread each unless given.

    Its requests are short and CPU-bound under the GIL: more threads or processes than cores only
    queue them on the scheduler (measured: 2 × 1 gave p99 12–14 ms, 4 × 4 p99 0.5–2.4 s)."""
    return options.get("hot_workers") or os.cpu_count() or 1, options.get("hot_threads") or 1


def start_server(name: str, options, *, app: str | None = None) -> http_load.Server:
    port = http_load.free_port()
    workers, threads = options["workers"], options["threads"]
    if name == "granian" and app is None:
        workers, threads = hot_sizing(options)
    if name == "gunicorn":
        command = http_load.gunicorn_command(port=port, workers=workers, threads=threads,
                                             worker_class=options["worker_class"])
    else:
        command = http_load.granian_command(port=port, workers=workers, threads=threads,
                                            **({"app": app} if app else {}))
    log = Path(tempfile.gettempdir()) / f"yibao-bench-{name}-{port}.log"
    return http_load.Server(command, port, log)


def client_driver(options):
    """The load generator: wrk when installed (scripts/install.sh --bench), else Python threads."""
    executable = http_load.find_wrk() if options["client"] in ("auto", "wrk") else None
    if options["client"] == "wrk" and executable is None:
        raise CommandError("找不到 wrk：请运行 bash scripts/install.sh --bench，或用 --client python")
    if executable:
        return "wrk", lambda **kw: http_load.drive_wrk(executable=executable, **kw)
    return "Python 线程（http.client）", http_load.drive


def http_suite(options) -> list[str]:
    """Start each server, drive each endpoint with keep-alive clients, stop it; the generator's own
    ceiling against a trivial endpoint first. Returns the lines; ``options['_results']`` gets the figures."""
    username = options["staff"]
    user = bench_clerk(username)
    region = enrollment_selectors.staff_region(user)
    assert region is not None  # bench_clerk refused a user who is not an active clerk
    numbers = region_numbers(region[0], options["sample"], options["seed"])
    concurrency = options["concurrency"] or 16
    client_name, drive = client_driver(options)
    servers = ["gunicorn", "granian"] if options["server"] == "both" else [options["server"]]
    hot_workers, hot_threads = hot_sizing(options)
    lines = [database(), f"gunicorn {options['workers']} 进程 × {options['threads']} 线程，热路径 granian {hot_workers} 进程 × "
             f"{hot_threads} 线程，{concurrency} 个 keep-alive 客户端"
             f"（{client_name}），每个接口 {options['duration']} 秒（先预热 {options['warmup']} 秒），"
             f"经办人员 {username}（{region[1]}），随机抽取 {len(numbers)} 个证件号码", "开始前：" + machine()]
    results = options.setdefault("_results", {})
    token, raw = issue_token(user=user, kind="staff", channel="app", name="yibao bench http")
    try:
        trivial = start_server("granian", {**options, "workers": 1, "threads": 1}, app="yibao.bench.trivial:application")
        try:
            trivial.wait_ready(path="/")
            ceiling = drive(host="127.0.0.1", port=trivial.port, token=raw, numbers=numbers, concurrency=concurrency,
                            seed=options["seed"], duration=options["duration"],
                            endpoint=http_load.Endpoint("压测端上限：空接口（granian，1 进程）", lambda number: "/"))
            results["ceiling"] = ceiling
            lines.append(ceiling.line() + "  负载 " + load())
        finally:
            trivial.stop()
        for name in servers:
            lines.append(f"— {SERVERS[name]}")
            server = start_server(name, options)
            try:
                server.wait_ready()
                endpoints = http_load.ENDPOINTS + (http_load.CATALOG_ENDPOINTS if name == servers[0] else [])
                for endpoint in endpoints:
                    common = {"host": "127.0.0.1", "port": server.port, "token": raw, "endpoint": endpoint,
                              "numbers": numbers, "concurrency": concurrency, "seed": options["seed"]}
                    if options["warmup"] > 0:
                        drive(duration=options["warmup"], **common)
                    outcome = drive(duration=options["duration"], **common)
                    results[(name, endpoint.name)] = outcome
                    lines.append(outcome.line() + "  负载 " + load())
            finally:
                server.stop()
            server.log_path.unlink(missing_ok=True)
        lines.append("结束时：" + machine())
    except RuntimeError as exc:
        raise CommandError(str(exc)) from exc  # the server's log is kept: the message names it
    finally:
        revoke_token(token=token, actor="bench")
    return lines


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def all_suite(options) -> list[str]:
    """pgbench (the database ceiling), then the HTTP suite (with the generator's ceiling), and a
    table of each HTTP figure beside its ceilings, all in one run."""
    sql_lines = sql_suite(options)
    http_lines = http_suite(options)
    results = options["_results"]
    ceiling = results["ceiling"]
    lines = [*sql_lines, "", *http_lines, "", "对照（同一次运行）：接口 | 服务 | 次/秒 | p50/p99 ms | pgbench 同样 SQL 次/秒 | 占比 | 压测端上限 次/秒"]
    for endpoint in http_load.CATALOG_ENDPOINTS:
        for name in ("gunicorn", "granian"):
            outcome = results.get((name, endpoint.name))
            if outcome is not None:
                lines.append(f"{endpoint.name} | {name} | {outcome.rps:.0f} | {outcome.percentile(0.5):.1f}/"
                             f"{outcome.percentile(0.99):.1f} | — | — | {ceiling.rps:.0f}")
    for endpoint, script_name in zip(http_load.ENDPOINTS, [s.name for s in options["_scripts"]], strict=False):
        database = results[("sql", script_name)]
        for name in ("gunicorn", "granian"):
            outcome = results.get((name, endpoint.name))
            if outcome is None:
                continue
            lines.append(f"{endpoint.name} | {name} | {outcome.rps:.0f} | {outcome.percentile(0.5):.1f}/"
                         f"{outcome.percentile(0.99):.1f} | {database.tps:.0f} | {outcome.rps / database.tps:.1%} | "
                         f"{ceiling.rps:.0f}")
    # The writes last (they add rows to the benchmark database): the 报盘 import, whole cases.
    lines += ["", *import_suite(options)]
    if options.get("cases", True):
        try:
            lines += ["", *cases_suite(options)]
        except CommandError as exc:  # no demo loaded: the figures above still count
            lines += ["", f"整件办理：未运行（{exc}）"]
    imported = results.get("import")
    if imported:
        lines.append(f"报盘 {imported['rows']} 行导入（读取、校验、写入） | {imported['seconds']} 秒 | 目标 ≤ 0.5 秒")
    for kind, outcome in results.get("cases", {}).items():
        lines.append(f"整件办理 {kind} | {outcome['rate']:.1f} 件/秒 | 每件 SQL 语句 {outcome['statements']} | "
                     f"目标 ≥ 50 件/秒 | 压测端上限 {ceiling.rps:.0f} 次/秒")
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
    user = bench_clerk(options["staff"])
    lines = [database(), f"pgbench -c {concurrency} -j 2 -M prepared -T {options['duration']}，"
             "随机参保人员；每个事务先按随机 id 取一名人员的证件号码，再读令牌、经办人员统筹区和接口的数据"
             f"（经办人员 {user.get_username()} 的令牌）", "开始前：" + machine()]
    # A real token of the clerk, so the token statement finds its row as the endpoint's does.
    token, _raw = issue_token(user=user, kind="staff", channel="app", name="yibao bench sql")
    try:
        for script in pgbench.scripts(bounds["first"], bounds["last"], key_hash=token.key_hash, user_id=user.pk):
            result = pgbench.run_pgbench(script, clients=concurrency, threads=2, duration=options["duration"],
                                         executable=executable)
            options.setdefault("_results", {})[("sql", script.name)] = result
            options.setdefault("_scripts", []).append(script)
            lines.append(result.line() + "  负载 " + load())
    except RuntimeError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        revoke_token(token=token, actor="bench")
    lines.append("结束时：" + machine())
    return lines


def bench_clerk(username: str):
    """The clerk whose token the benchmarks use (refused if unknown or not an active clerk)."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None or enrollment_selectors.staff_region(user) is None:
        raise CommandError(f"经办人员账号「{username}」不存在或已停用：请先运行 yibao demo，或用 --staff 指定")
    return user


def import_suite(options) -> list[str]:
    """The 报盘 Excel import end to end (yibao.enrollment.bench_import)."""
    try:
        from yibao.enrollment.bench_import import run_import_benchmark
    except ImportError as exc:
        raise CommandError("报盘导入基准尚不可用：缺少 yibao.enrollment.bench_import.run_import_benchmark") from exc
    lines = [database(), "开始前：" + machine()]
    result = run_import_benchmark(rows=options["rows"])
    options.setdefault("_results", {})["import"] = result
    lines.append("报盘 Excel 导入：" + "，".join(f"{key} = {value}" for key, value in result.items()))
    lines.append("结束时：" + machine())
    return lines


def aid_suite(options) -> list[str]:
    """The 参保资助 programme: list import, approval and payment (yibao.medical_aid.bench)."""
    from yibao.medical_aid.bench import run_aid_benchmark

    lines = [database(), "开始前：" + machine()]
    result = run_aid_benchmark(rows=options["aid_rows"], paid_every=options["paid_every"])
    lines.append("参保资助名单导入、审批、支付：" + "，".join(f"{key} = {value}" for key, value in result.items()))
    lines.append("结束时：" + machine())
    return lines


def rules_suite(options) -> list[str]:
    from yibao.rules.bench import run_rules_benchmark

    result = run_rules_benchmark(claims=options["claims"], lines=options["lines"], seed=options["seed"])
    return ["结算计算器（单进程，参数预读）：" + "，".join(f"{key} = {value}" for key, value in result.items()),
            "机器：" + machine()]


def reimbursement_suite(options) -> list[str]:
    """Recompute stored 零星报销 claims as a batch (yibao.reimbursement.bench)."""
    from yibao.reimbursement.bench import recompute_suite

    lines = ["开始前：" + machine()]
    try:
        result = recompute_suite(claims=options["claims"], lines=options["lines"])
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    lines.append("零星报销批量重算：" + "，".join(f"{key} = {value}" for key, value in result.items()))
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
def cases_suite(options):
    from yibao.bench import cases
    try:
        return cases.cases_suite(options)
    except cases.BenchSetupError as exc:
        raise CommandError(str(exc)) from exc


SUITES = {"cases": cases_suite, "http": http_suite, "sql": sql_suite, "import": import_suite, "all": all_suite, "aid": aid_suite,
          "rules": rules_suite, "reimbursement": reimbursement_suite, "settlement": _settlement("settlement_suite"),
          "settlement-upload": _settlement("upload_suite")}


class Command(BaseCommand):
    help = ("性能基准（结果见 docs/benchmarks.md）：http（启动 gunicorn，16 个 keep-alive 客户端请求参保人员查询和"
            "12 个月缴费接口，报告每秒请求数、p50、p99）；sql（同样的 SQL 用 pgbench 直接压数据库，作为上限）；"
            "import（1 万行报盘 Excel 导入）；cases（整件办理：提交、受理、审核、办结，每秒办结件数与每件 SQL 语句数）；lookups（进程内选择器与原始 SQL 对照）；guides（办事指南 PDF、检索页、接口）")

    def add_arguments(self, parser):
        parser.add_argument("suite", choices=["all", "http", "sql", "import", "lookups", "guides", "aid", "rules",
                                              "reimbursement", "settlement", "settlement-upload", "cases"])
        parser.add_argument("--no-cases", dest="cases", action="store_false",
                            help="all：不跑整件办理（它会在数据库中留下办件和参保记录）")
        parser.add_argument("--kind", default="both", choices=["both", "employee", "resident"],
                            help="cases：职工参保登记(新参)、城乡居民参保登记或两者")
        parser.add_argument("--server", default="both", choices=["both", "gunicorn", "granian"],
                            help="http：gunicorn（Django）、granian（热路径）或两者")
        parser.add_argument("--client", default="auto", choices=["auto", "wrk", "python"],
                            help="http：压测端，auto 有 wrk 用 wrk，否则 Python 线程")
        parser.add_argument("--count", type=int, default=300, help="lookups / guides：每项请求次数")
        parser.add_argument("--city", default="taiyuan", help="guides：城市")
        parser.add_argument("--concurrency", type=int, default=None,
                            help="并发客户端数（http / sql 默认 16；lookups 默认 1，每线程一个数据库连接）")
        parser.add_argument("--seed", type=int, default=1, help="抽样随机种子")
        parser.add_argument("--duration", type=int, default=20, help="http / sql：每个接口压测秒数")
        parser.add_argument("--warmup", type=int, default=3, help="http：每个接口正式计时前的预热秒数")
        parser.add_argument("--workers", type=int, default=None, help="http / cases：gunicorn 进程数（默认 CPU 核数）")
        parser.add_argument("--threads", type=int, default=4,
                            help="http：gunicorn 每进程线程数（gthread）；进程 × 线程 ≤ 20 个数据库连接")
        parser.add_argument("--hot-workers", type=int, default=None,
                            help="http：热路径 granian 进程数（默认 CPU 核数）")
        parser.add_argument("--hot-threads", type=int, default=None,
                            help="http：热路径 granian 每进程线程数（默认 1）")
        parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"],
                            help="http：gunicorn 工作方式（sync 不支持 keep-alive）")
        parser.add_argument("--staff", default="ty-city-accept",
                            help="http：以哪个经办人员的令牌请求（其统筹区内随机抽取人员）")
        parser.add_argument("--sample", type=int, default=5000, help="http：随机抽取的证件号码个数")
        parser.add_argument("--rows", type=int, default=10000, help="import：报盘行数")
        parser.add_argument("--aid-rows", type=int, default=50000, help="aid：救助对象名单行数")
        parser.add_argument("--paid-every", type=int, default=10,
                            help="aid：每 N 人中 1 人已全额缴费并留有退费账户（退费），其余抵缴")
        parser.add_argument("--claims", type=int, default=20000, help="rules：结算笔数；reimbursement：报销申请笔数（如 100000）")
        parser.add_argument("--lines", type=int, default=30, help="rules / reimbursement：每笔明细行数")
        parser.add_argument("--region", default="taiyuan", help="settlement / settlement-upload：统筹区")
        parser.add_argument("--records", dest="records_n", type=int, default=1_000_000,
                            help="settlement / settlement-upload：直接结算条数")
        parser.add_argument("--month", default="", help="settlement（默认 2026-11）/ settlement-upload（默认 2026-10）")

    def handle(self, *args, **options):
        count = options["count"]
        if options["workers"] is None:  # one gunicorn process per core (4 × 4 on 2 cores queued requests)
            options["workers"] = os.cpu_count() or 1
        for name in ("count", "duration", "workers", "threads", "sample", "rows", "aid_rows", "paid_every", "claims",
                     "lines"):
            if options[name] < 1:
                raise CommandError(f"参数 --{name.replace('_', '-')} 应为正整数")
        for name in ("hot_workers", "hot_threads"):
            if options.get(name) is not None and options[name] < 1:
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
