"""System check: every parameter the calculator reads has a value on every day it can be asked
for, for every combination of dimensions it can be asked with (OpenFisca checks neither)."""

from __future__ import annotations

import itertools
from datetime import date

from django.conf import settings
from django.core import checks

from yibao.rules.parameters import (
    DIMENSIONS,
    ParameterMissing,
    RuleBook,
    RulesFileError,
    file_rulebook,
    regions,
)

# What the calculator reads, with the dimensions it passes (yibao/rules/calculator.py).
# Optional parameters (a region without them simply has no such rule) are not listed here.
READS: dict[str, tuple[str, ...]] = {
    "class_b_self_pay_ratio": ("insurance_type",),
    "deductible": ("insurance_type", "med_type", "hospital_level", "person_category"),
    "pooled_ratio": ("insurance_type", "med_type", "hospital_level", "person_category"),
    "annual_limit": ("insurance_type", "person_category"),
    "serious_illness_scale": ("insurance_type",),
    "serious_illness_limit": ("insurance_type",),
    "offsite_referral_points": ("insurance_type",),
    "offsite_unfiled_points": ("insurance_type",),
    "aid_ratio": ("aid_category",),
    "aid_annual_cap": ("aid_category",),
}
# What the maternity domain reads (yibao/maternity/calculations.py), no dimensions: required in a
# region whose file has maternity parameters (it declares delivery_mode); the amounts the mode
# names are required with it.
MATERNITY_READS: tuple[str, ...] = (
    "allowance_divisor", "leave_days_birth", "leave_days_difficult", "leave_days_extra_baby",
    "leave_days_miscarriage_early", "leave_days_miscarriage_late", "leave_days_province_extension",
    "prenatal_check_amount", "delivery_mode", "family_planning_cap",
)
MATERNITY_BY_MODE: dict[str, tuple[str, ...]] = {
    "定额": ("delivery_amount_normal", "delivery_amount_caesarean", "delivery_amount_miscarriage"),
    "据实": ("delivery_cap",),
}
PERSON_BY_INSURANCE = {"310": ("在职", "退休"), "390": ("居民",)}


def askable_from() -> date:
    """The first care day a claim can be settled for (settings.RULES_ASKABLE_FROM)."""
    return getattr(settings, "RULES_ASKABLE_FROM", date(2020, 1, 1))


def _combinations(dims: tuple[str, ...]):
    pools = []
    for d in dims:
        values = DIMENSIONS[d][1] or ()
        pools.append([(d, v) for v in values])
    for combo in itertools.product(*pools):
        wanted = dict(combo)
        ins, cat = wanted.get("insurance_type"), wanted.get("person_category")
        if ins and cat and cat not in PERSON_BY_INSURANCE[ins]:
            continue
        yield wanted


def gaps(book: RuleBook, *, since: date) -> list[str]:
    """Human-readable gaps: (parameter, combination, first day without a value)."""
    found = []
    for name, dims in READS.items():
        param = book.parameters.get(name)
        if param is None:
            found.append(f"{book.region}：缺少参数 {name}")
            continue
        for wanted in _combinations(dims):
            series = param.find_series({k: v for k, v in wanted.items()})
            if series is None:
                found.append(f"{book.region}：参数 {name} 对 {wanted} 没有适用的取值")
                continue
            days = [since] + [v.effective for v in series.values if v.effective > since]
            for day in days:
                value = series.as_of(day)
                if value is None or value.value is None:
                    found.append(f"{book.region}：参数 {name} 对 {wanted} 自 {day} 起没有取值")
                    break
    found.extend(maternity_gaps(book, since=since))
    return found


def _series_gaps(book: RuleBook, name: str, since: date) -> list[str]:
    param = book.parameters.get(name)
    if param is None:
        return [f"{book.region}：缺少生育保险参数 {name}"]
    series = param.find_series({})
    if series is None:
        return [f"{book.region}：生育保险参数 {name} 没有适用的取值"]
    for day in [since] + [v.effective for v in series.values if v.effective > since]:
        value = series.as_of(day)
        if value is None or value.value is None:
            return [f"{book.region}：生育保险参数 {name} 自 {day} 起没有取值"]
    return []


def maternity_gaps(book: RuleBook, *, since: date) -> list[str]:
    """The maternity parameters' gaps in a region that has maternity parameters (``delivery_mode``)."""
    if "delivery_mode" not in book.parameters:
        return []
    found = []
    for name in MATERNITY_READS:
        found.extend(_series_gaps(book, name, since))
    series = book.parameters["delivery_mode"].find_series({})
    modes = {v.value for v in (series.values if series else []) if v.value is not None}
    for mode in sorted(modes):
        for name in MATERNITY_BY_MODE.get(str(mode), ()):
            found.extend(_series_gaps(book, name, since))
    return found


@checks.register()
def check_rule_parameters(app_configs=None, **kwargs):
    errors = []
    since = askable_from()
    for region in regions():
        try:
            book = file_rulebook(region)
        except (RulesFileError, ParameterMissing) as exc:
            errors.append(checks.Error(str(exc), id="rules.E001"))
            continue
        for gap in gaps(book, since=since):
            errors.append(checks.Error(gap, hint="在参数文件中补上该日期起的取值（或示例参数）", id="rules.E002"))
    return errors
