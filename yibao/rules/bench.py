"""``yibao bench rules``: the calculator on claims of 30 lines, single process (figures in
docs/benchmarks.md). Claims are generated in memory with a fixed seed; the parameters are
read once (the region's rule book), as a batch recomputation would."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from decimal import Decimal

from yibao.rules.calculator import Episode, Line, Usage, settle
from yibao.rules.parameters import regions
from yibao.rules.selectors import current_rulebook

MED_TYPES = ["11", "13", "14", "21", "22", "23", "24", "41"]


def make_claims(count: int, lines: int, seed: int) -> list[tuple[Episode, list[Line], Usage]]:
    rng = random.Random(seed)
    claims = []
    for _ in range(count):
        ins = rng.choice(["310", "390"])
        ep = Episode(
            region=rng.choice(regions()), insurance_type=ins,
            person_category=rng.choice(["在职", "退休"]) if ins == "310" else "居民",
            med_type=rng.choice(MED_TYPES), hospital_level=rng.choice(["一级", "二级", "三级"]),
            care_date=date(2024, 1, 1) + timedelta(days=rng.randrange(700)),
            offsite=rng.random() < 0.2, filing_in_force=rng.random() < 0.5, emergency=rng.random() < 0.1,
            referral=rng.random() < 0.8, aid_category=rng.choice([None] * 8 + ["特困人员", "低保对象"]),
        )
        ls = []
        for n in range(lines):
            qty = Decimal(rng.randint(1, 10))
            price = Decimal(rng.randint(100, 200000)) / 100
            amount = (price * qty).quantize(Decimal("0.01"))
            ls.append(Line(code=f"{n:09d}", name="项目", grade=rng.choice("甲甲乙丙"), unit_price=price, quantity=qty,
                           amount=amount, price_ceiling=price * Decimal("0.9") if rng.random() < 0.1 else None,
                           self_pay_ratio=Decimal("0.2") if rng.random() < 0.2 else None))
        usage = Usage(deductible_used=Decimal(rng.choice([0, 300, 900])),
                      fund_paid=Decimal(rng.choice([0, 5000, 149000])))
        claims.append((ep, ls, usage))
    return claims


def run_rules_benchmark(*, claims: int, lines: int, seed: int) -> dict[str, str]:
    books = {r: current_rulebook(r) for r in regions()}
    data = make_claims(claims, lines, seed)
    for ep, ls, usage in data[:200]:  # warm the lookup caches like a long-running batch
        settle(ep, ls, usage=usage, rules=books[ep.region])
    started = time.perf_counter()
    fund = Decimal(0)
    for ep, ls, usage in data:
        fund += settle(ep, ls, usage=usage, rules=books[ep.region]).fund_total
    wall = time.perf_counter() - started
    return {"claims": str(claims), "lines_per_claim": str(lines), "seconds": f"{wall:.2f}",
            "claims_per_second": f"{claims / wall:.0f}", "fund_total": str(fund)}
