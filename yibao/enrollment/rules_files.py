"""Schemas of the enrollment rule files in ``data/`` (pydantic, unknown keys refused).

Each loader reads its YAML file through ``load_rules_file``: a missing key, a
value of the wrong type or a key nobody reads (a typo) stops with the file and
the key named, instead of silently falling back to a default. The loaders still
return the plain data, so the services keep reading it as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from yibao.errors import DomainError

Money = str  # decimal text such as "1000.00": Decimal is built where it is used


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RulesFileError(DomainError):
    """A rule file that does not fit its schema; the message names the file and the key."""

    code = "rules_file_invalid"


# --- withdrawal.yaml ---------------------------------------------------------------------------

class WithdrawalReason(Strict):
    label: str
    closes_account: bool
    stops_period: Literal["terminate", ""]
    needs_heir: bool = False
    offsite_years: int | None = None
    once_a_year: bool = False


class WithdrawalRules(Strict):
    reasons: dict[str, WithdrawalReason]
    situations: dict[str, str]


# --- baopan.yaml -------------------------------------------------------------------------------

class BaopanRules(Strict):
    base_min: Money
    base_max: Money
    roster_material: str


# --- employee_rules.yaml ---------------------------------------------------------------------------

class StopReason(Strict):
    status: Literal["2", "4"]
    death: bool = False


class FlexibleRules(Strict):
    payment_periods: dict[str, int]
    base_min: Money
    base_max: Money
    backpay_max_months: int


class EmployeeRules(Strict):
    stop_reasons: dict[str, StopReason]
    situation_status: dict[str, Literal["2", "4"]]
    flexible: FlexibleRules
    max_rows: int
    employee_base_max: Money
    situation_actions: dict[str, Literal["enroll", "resume", "suspend", "retire"]]


# --- resident_rules.yaml ---------------------------------------------------------------------------

class ResidentEnrollment(Strict):
    renewal_situations: list[str]
    new_situations: list[str]
    student_identities: list[str]


class Newborn(Strict):
    require_local_id_prefix: bool
    max_age_days: int


class Suspension(Strict):
    reasons: dict[str, Literal["2", "4"]]


class PreviousInsurance(Strict):
    other_region_only: bool


class BackpaySituation(Strict):
    proof: Literal["household_moved", "residence_permit"]
    max_days_after_move_in: int | None = None


class Backpay(Strict):
    province_prefix: str
    previous_insurance: dict[str, PreviousInsurance]
    payable_year_offsets: list[int]
    situations: dict[str, BackpaySituation]


class InfoChange(Strict):
    key_change_situations: list[str]


class ResidentRules(Strict):
    enrollment: ResidentEnrollment
    newborn: Newborn
    suspension: Suspension
    backpay: Backpay
    info_change: InfoChange


# --- policies.yaml ---------------------------------------------------------------------------------

class PolicyValues(Strict):
    resident_window_start: str | None = None
    resident_window_end: str | None = None
    flexible_unit_code: str | None = None
    unit_rate: Money | None = None
    personal_rate: Money | None = None
    flexible_rate: Money | None = None
    resident_yearly_fee: Money | None = None


class PolicyDefaults(PolicyValues):
    resident_window_start: str
    resident_window_end: str
    flexible_unit_code: str
    unit_rate: Money
    personal_rate: Money
    flexible_rate: Money
    resident_yearly_fee: Money


class PolicyFile(Strict):
    defaults: PolicyDefaults
    regions: dict[str, PolicyValues | None] = {}


def check_rules(data, schema: type[BaseModel], name: str) -> dict:
    """``data`` if it fits ``schema``; else RulesFileError naming ``name`` and the first bad key."""
    try:
        schema.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or "（根）"
        reason = "不是允许的键（拼写错误？）" if error["type"] == "extra_forbidden" else error["msg"]
        raise RulesFileError(f"{name} 键 {key}：{reason}") from exc
    return data


def load_rules_file(path: Path, schema: type[BaseModel]) -> dict:
    """Read a YAML rule file and check it against ``schema`` (see ``check_rules``)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesFileError(f"{path.name}：无法读取或不是有效的 YAML：{exc}") from exc
    return check_rules(data, schema, path.name)
