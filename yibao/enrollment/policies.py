"""Per-region enrollment rules (RegionPolicy), with defaults from data/policies.yaml."""

from __future__ import annotations

import copy
import threading
import time
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from yibao import clock
from yibao.agencies.models import Region
from yibao.enrollment.models import RegionPolicy
from yibao.enrollment.rules_files import PolicyFile, load_rules_file

POLICY_FILE = Path(__file__).parent / "data" / "policies.yaml"
FIRST_DAY = date(2000, 1, 1)


class PolicyMissing(Exception):
    """No policy row covers the date asked for (the administrator left a gap)."""


@cache
def _file_defaults() -> dict:
    return load_rules_file(POLICY_FILE, PolicyFile)


def defaults_for(region_code: str) -> dict:
    data = _file_defaults()
    values = {**data["defaults"], **(data.get("regions", {}).get(region_code) or {})}
    for key in ("unit_rate", "personal_rate", "flexible_rate", "resident_yearly_fee"):
        values[key] = Decimal(str(values[key]))
    return values


# A resident case reads its region's policy at submission, acceptance and twice at 办结: kept in
# process like the reference rows (yibao.reference_rows), each caller getting its own copy. A save
# or delete of a policy in this process empties it at once; another process's after the delay.
_policies: dict[tuple[int, date], tuple[float, RegionPolicy]] = {}
_policies_lock = threading.Lock()


def forget_policies(**_kwargs) -> None:
    """Empty the in-process policies (a RegionPolicy was saved or deleted in this process)."""
    with _policies_lock:
        _policies.clear()


def policy_for(region: Region, *, on: date | None = None) -> RegionPolicy:
    """The region's policy in force on ``on`` (default today).

    A region without any policy row gets one from the data file's defaults,
    in force from the earliest date (so every date has a policy).
    """
    on = on or clock.today()
    key = (region.pk, on)
    entry = _policies.get(key)
    if entry is None or time.monotonic() - entry[0] >= settings.REFERENCE_ROWS_SECONDS:
        policy = _read_policy(region, on)
        with _policies_lock:
            if len(_policies) >= 1_000:
                _policies.clear()
            _policies[key] = (time.monotonic(), policy)
    else:
        policy = entry[1]
    return copy.copy(policy)


def _read_policy(region: Region, on: date) -> RegionPolicy:
    policy = (RegionPolicy.objects.filter(region=region, effective_from__lte=on)
              .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
              .order_by("-effective_from").first())
    if policy is not None:
        return policy
    if RegionPolicy.objects.filter(region=region).exists():
        raise PolicyMissing(f"{region.name}没有 {on:%Y-%m-%d} 适用的参保政策参数，请管理员在「参保政策参数」中补充")
    policy, _ = RegionPolicy.objects.get_or_create(region=region, effective_from=FIRST_DAY,
                                                   defaults=defaults_for(region.code))
    return policy


def _month_day(text: str, year: int) -> date:
    month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def resident_window(region: Region, year: int) -> tuple[date, date]:
    """The resident enrollment window (集中参保期) of ``year`` in ``region``, by the policy in force that year."""
    policy = policy_for(region, on=date(year, 12, 31) if year < clock.today().year else None)
    return _month_day(policy.resident_window_start, year), _month_day(policy.resident_window_end, year)


def in_resident_window(region: Region, day: date) -> bool:
    start, end = resident_window(region, day.year)
    return start <= day <= end
