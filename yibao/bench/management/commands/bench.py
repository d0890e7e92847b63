"""yibao bench guides: measured figures for docs/benchmarks.md (not a test)."""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from yibao.catalog import selectors
from yibao.catalog.guide_pdf import render_guide_pdf
from yibao.catalog.guides import GuideView


def timed(fn, count: int) -> list[float]:
    samples = []
    for i in range(count):
        started = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - started)
    return samples


def describe(name: str, samples: list[float]) -> str:
    total = sum(samples)
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{name:<28} n={len(samples):<5} {len(samples) / total:8.1f}/s  "
            f"p50={statistics.median(samples) * 1000:6.2f} ms  p99={p99 * 1000:6.2f} ms")


class Command(BaseCommand):
    help = "性能基准：guides（办事指南 PDF、检索页、接口），单进程单线程"

    def add_arguments(self, parser):
        parser.add_argument("suite", choices=["guides"])
        parser.add_argument("--count", type=int, default=300)
        parser.add_argument("--city", default="taiyuan")

    def handle(self, *args, **options):
        count = options["count"]
        if count < 1:
            raise CommandError("参数 --count 应为正整数")
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
