"""Worked examples: inputs, care date, expected split — each cross-checked by hand in its comment.

All shipped numbers are demo values (docs/rules.md §3), so these examples check the arithmetic
and the order of BENEFITS §3 on those values, not any city's official policy.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from yibao.rules.calculator import Episode, Line, Usage, settle
from yibao.rules.parameters import file_rulebook


def line(grade, amount, *, qty="1", ceiling=None, ratio=None, code="X"):
    amount = D(amount)
    return Line(code=code, name=code, grade=grade, unit_price=amount / D(qty), quantity=D(qty), amount=amount,
                price_ceiling=D(ceiling) if ceiling is not None else None,
                self_pay_ratio=D(ratio) if ratio is not None else None)


def episode(**kw):
    base = dict(region="taiyuan", insurance_type="310", person_category="在职", med_type="21",
                hospital_level="三级", care_date=date(2025, 3, 1))
    base.update(kw)
    return Episode(**base)


EXAMPLES = [
    # Jincheng, 职工在职, 三级住院, no 转诊转院审批表.
    # Lines: 甲 5000; 乙 1000 (10 % 先行自付 = 100); 丙 300; 甲 250 for 2 units with ceiling 100/unit
    # (超限价 50). 总额 6550; 政策范围内 6550 − 300 − 50 − 100 = 6100; 起付 900 (三级职工 demo);
    # ratio 80 % lowered by 20 points (晋城 §五, 三级 demo split) = 60 %; 统筹 (6100 − 900) × 0.6 = 3120.
    # 大额: burden 6100 − 3120 = 2980 < 10000 threshold → 0. 基金 3120, 个人 3430.
    pytest.param(
        dict(region="jincheng", referral=False),
        [line("甲", "5000.00"), line("乙", "1000.00"), line("丙", "300.00"), line("甲", "250.00", qty="2", ceiling="100")],
        Usage(),
        dict(total="6550.00", fully_self_paid="300.00", over_ceiling="50.00", first_self_paid="100.00",
             in_policy="6100.00", deductible="900.00", pooled_fund="3120.00", pooled_ratio="0.60",
             serious_illness="0.00", fund_total="3120.00", personal_total="3430.00", cash="3430.00"),
        id="jincheng-no-referral-form",
    ),
    # Same bill in Taiyuan, which has no referral deduction: 统筹 (6100 − 900) × 0.8 = 4160; 个人 2390.
    pytest.param(
        dict(region="taiyuan", referral=False),
        [line("甲", "5000.00"), line("乙", "1000.00"), line("丙", "300.00"), line("甲", "250.00", qty="2", ceiling="100")],
        Usage(),
        dict(in_policy="6100.00", deductible="900.00", pooled_fund="4160.00", pooled_ratio="0.80",
             fund_total="4160.00", personal_total="2390.00"),
        id="taiyuan-same-bill",
    ),
    # Second claim of the year, 职工退休 二级 (起付 600, ratio 90 %): 400 of the 600 already used →
    # 甲 2000: 起付 min(2000, 600 − 400) = 200; 统筹 (2000 − 200) × 0.9 = 1620; 个人 380.
    pytest.param(
        dict(person_category="退休", hospital_level="二级"),
        [line("甲", "2000.00")],
        Usage(deductible_used=D("400.00")),
        dict(deductible="200.00", pooled_fund="1620.00", pooled_ratio="0.90", personal_total="380.00"),
        id="deductible-already-used",
    ),
    # Near the annual limit: 150000 limit, 149000 paid → 统筹 capped at 1000.
    # 甲 10000, 三级在职, 起付 already used: (10000 − 0) × 0.8 = 8000 → 1000. Burden 9000 < 10000 → 大额 0.
    pytest.param(
        dict(),
        [line("甲", "10000.00")],
        Usage(deductible_used=D("900.00"), fund_paid=D("149000.00")),
        dict(pooled_fund="1000.00", serious_illness="0.00", personal_total="9000.00"),
        id="annual-limit-caps",
    ),
    # 居民 三级 (65 %, 起付 800), 大病 scale 0/15000@60 %/50000@70 %: 甲 60000.
    # 统筹 (60000 − 800) × 0.65 = 38480; burden 60000 − 38480 = 21520; accumulated before 0:
    # 大病 = (21520 − 15000) × 0.6 = 3912. 基金 42392; 个人 17608.
    pytest.param(
        dict(insurance_type="390", person_category="居民"),
        [line("甲", "60000.00")],
        Usage(),
        dict(pooled_fund="38480.00", serious_illness="3912.00", fund_total="42392.00", personal_total="17608.00"),
        id="resident-serious-illness-scale",
    ),
    # 特困人员 居民 一级 (85 %, 起付 200): 甲 1200 → 统筹 (1200 − 200) × 0.85 = 850; still borne 350;
    # 救助 demo 80 % ≥ floor 70 % → 280. 个人 1200 − 850 − 280 = 70.
    pytest.param(
        dict(insurance_type="390", person_category="居民", hospital_level="一级", aid_category="特困人员"),
        [line("甲", "1200.00")],
        Usage(),
        dict(pooled_fund="850.00", medical_aid="280.00", fund_total="1130.00", personal_total="70.00"),
        id="aid-for-a-destitute-resident",
    ),
    # Off-site without filing, not emergency, no referral, Taiyuan 二级 在职 (85 %): lowered by 20
    # points (demo, ≤ 22号's 20) → 65 %. 甲 1600: (1600 − 600) × 0.65 = 650.
    pytest.param(
        dict(hospital_level="二级", offsite=True, filing_in_force=False, referral=False),
        [line("甲", "1600.00")],
        Usage(),
        dict(pooled_fund="650.00", pooled_ratio="0.65"),
        id="offsite-unfiled",
    ),
    # Off-site emergency without filing: lowered by 10 points → 75 %: (1600 − 600) × 0.75 = 750.
    pytest.param(
        dict(hospital_level="二级", offsite=True, filing_in_force=False, emergency=True),
        [line("甲", "1600.00")],
        Usage(),
        dict(pooled_fund="750.00", pooled_ratio="0.75"),
        id="offsite-emergency",
    ),
    # A line's own 乙类 ratio wins over the default: 乙 1000 at 20 % → 先行自付 200.
    pytest.param(
        dict(),
        [line("乙", "1000.00", ratio="0.2")],
        Usage(deductible_used=D("900.00")),
        dict(first_self_paid="200.00", in_policy="800.00", pooled_fund="640.00"),
        id="line-own-class-b-ratio",
    ),
]


@pytest.mark.parametrize(("episode_kw", "lines", "usage", "expected"), EXAMPLES)
def test_worked_example(episode_kw, lines, usage, expected):
    ep = episode(**episode_kw)
    result = settle(ep, lines, usage=usage, rules=file_rulebook(ep.region))
    for field, value in expected.items():
        assert getattr(result, field) == D(value), field
    assert result.total == result.fund_total + result.personal_total
    assert result.uses_demo_values
