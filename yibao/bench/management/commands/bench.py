"""yibao bench guides|lookups: measured figures for docs/benchmarks.md (not a test)."""

import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.test import Client

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
        ("person by ID (selector)", enrollment_selectors.person_by_id_number, numbers),
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


class Command(BaseCommand):
    help = ("性能基准：guides（办事指南 PDF、检索页、接口），单进程单线程；"
            "lookups（按证件号码查人员、查 12 个月缴费，与同连接的原始 SQL 对照），进程内")

    def add_arguments(self, parser):
        parser.add_argument("suite", choices=["guides", "lookups"])
        parser.add_argument("--count", type=int, default=300)
        parser.add_argument("--city", default="taiyuan")
        parser.add_argument("--concurrency", type=int, default=1,
                            help="lookups：并发线程数（每线程一个数据库连接）")
        parser.add_argument("--seed", type=int, default=1, help="lookups：抽样随机种子")

    def handle(self, *args, **options):
        count = options["count"]
        if count < 1:
            raise CommandError("参数 --count 应为正整数")
        if options["suite"] == "lookups":
            if options["concurrency"] < 1:
                raise CommandError("参数 --concurrency 应为正整数")
            self.stdout.write("\n".join(lookups(count, options["concurrency"], options["seed"])))
            return
        try:
            version = selectors.current_version(options["city"])
        except selectors.CatalogNotLoaded as exc:
            raise CommandError(str(exc)) from exc
        items = list(selectors.items_of(version))
        guides = [GuideView.of(item) for item in items]
        render_guide_pdf(guides[0])  # font registration happens once, outside the timing
        client = Client()
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
