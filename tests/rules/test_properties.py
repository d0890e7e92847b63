"""Properties of the calculator over random claims and sequences of claims (hypothesis)."""

from datetime import date
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.rules.calculator import Episode, Line, Usage, settle
from yibao.rules.parameters import file_rulebook

BOOKS = {r: file_rulebook(r) for r in ("taiyuan", "changzhi", "jincheng")}
money = st.decimals(min_value=D("0.00"), max_value=D("200000.00"), places=2)


@st.composite
def lines(draw, min_size=1, max_size=8):
    out = []
    for n in range(draw(st.integers(min_size, max_size))):
        qty = D(draw(st.integers(1, 20)))
        amount = draw(money)
        ceiling = draw(st.one_of(st.none(), st.decimals(min_value=D("0.01"), max_value=D("20000"), places=2)))
        ratio = draw(st.one_of(st.none(), st.decimals(min_value=D("0"), max_value=D("1"), places=2)))
        out.append(Line(code=f"L{n}", name="项目", grade=draw(st.sampled_from("甲乙丙")),
                        unit_price=(amount / qty).quantize(D("0.0001")), quantity=qty, amount=amount,
                        price_ceiling=ceiling, self_pay_ratio=ratio))
    return out


@st.composite
def episodes(draw):
    ins = draw(st.sampled_from(["310", "390"]))
    return Episode(
        region=draw(st.sampled_from(sorted(BOOKS))), insurance_type=ins,
        person_category=draw(st.sampled_from(["在职", "退休"])) if ins == "310" else "居民",
        med_type=draw(st.sampled_from(["11", "13", "14", "140104", "21", "22", "23", "24", "41", "52"])),
        hospital_level=draw(st.sampled_from(["一级", "二级", "三级"])),
        care_date=draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))),
        offsite=draw(st.booleans()), filing_in_force=draw(st.booleans()), emergency=draw(st.booleans()),
        referral=draw(st.booleans()),
        aid_category=draw(st.sampled_from([None, "特困人员", "低保对象", "低保边缘", "因病致贫"])),
        personal_account_balance=draw(st.decimals(min_value=D("0"), max_value=D("5000"), places=2)),
    )


@st.composite
def usages(draw):
    return Usage(*(draw(st.decimals(min_value=D("0"), max_value=D(cap), places=2))
                   for cap in ("1000", "160000", "500000", "410000", "70000")))


def run(ep, ls, usage):
    return settle(ep, ls, usage=usage, rules=BOOKS[ep.region])


def base_ratio(ep):
    return BOOKS[ep.region].lookup("pooled_ratio", ep.care_date, insurance_type=ep.insurance_type,
                                   med_type=ep.med_type, hospital_level=ep.hospital_level,
                                   person_category=ep.person_category).value


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(episodes(), lines(), usages())
def test_the_total_is_fund_plus_person_to_the_fen(ep, ls, usage):
    r = run(ep, ls, usage)
    assert r.total == r.fund_total + r.personal_total
    assert r.fund_total == r.pooled_fund + r.serious_illness + r.medical_aid
    assert r.personal_total == r.personal_account + r.cash
    assert r.total == r.fully_self_paid + r.over_ceiling + r.first_self_paid + r.in_policy
    for amount in (r.total, r.fund_total, r.personal_total, r.pooled_fund, r.serious_illness, r.medical_aid,
                   r.cash, r.personal_account, r.deductible):
        assert amount >= 0 and amount == amount.quantize(D("0.01"))


@FAST
@given(episodes(), lines(), usages())
def test_the_pooled_fund_never_pays_more_than_the_policy_ratio(ep, ls, usage):
    r = run(ep, ls, usage)
    assert r.pooled_ratio <= base_ratio(ep)
    # Rounding half up to the fen may add at most half a fen.
    assert r.pooled_fund <= (r.in_policy - r.deductible) * r.pooled_ratio + D("0.005")
    assert r.fund_total <= r.in_policy


@FAST
@given(episodes(), st.lists(lines(max_size=4), min_size=1, max_size=6))
def test_annual_limits_are_never_exceeded_whatever_the_order(ep, claims):
    book = BOOKS[ep.region]
    limit = book.lookup("annual_limit", ep.care_date, insurance_type=ep.insurance_type,
                        person_category=ep.person_category).value
    deductible = book.lookup("deductible", ep.care_date, insurance_type=ep.insurance_type, med_type=ep.med_type,
                             hospital_level=ep.hospital_level, person_category=ep.person_category).value
    si_limit = book.lookup("serious_illness_limit", ep.care_date, insurance_type=ep.insurance_type).value
    totals = []
    for order in (claims, list(reversed(claims))):
        usage = Usage()
        fund = D(0)
        for ls in order:
            r = run(ep, ls, usage)
            usage = usage.plus(r.usage_delta)
            fund += r.fund_total
        assert usage.fund_paid <= limit
        assert usage.deductible_used <= deductible
        assert usage.serious_illness_paid <= si_limit
        totals.append(usage)
    # Whatever the order, the year's deductible used and in-policy burden base are the same once
    # the deductible is filled, and the limits hold both ways (checked above).
    assert totals[0].deductible_used == totals[1].deductible_used


@FAST
@given(episodes(), lines(), usages(), lines(max_size=3))
def test_a_higher_bill_never_lowers_the_fund_payment(ep, ls, usage, extra):
    before = run(ep, ls, usage)
    after = run(ep, ls + extra, usage)
    assert after.fund_total >= before.fund_total
    assert after.total >= before.total


@FAST
@given(episodes(), lines(), usages())
def test_every_step_is_explained_and_demo_values_are_flagged(ep, ls, usage):
    r = run(ep, ls, usage)
    assert r.uses_demo_values == any(s.demo for s in r.steps)
    assert any(s.parameter == "deductible" for s in r.steps)
    for s in r.steps:
        if s.demo:
            assert s.reference == ""
