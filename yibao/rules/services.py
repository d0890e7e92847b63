"""Writes of the rules domain: the yearly usage ledger and administrators' dated values.

The ledger is what keeps two claims of one person from both using the same deductible or both
going over the year's limit. Use it inside the payment's transaction (docs/rules.md):

    with transaction.atomic():
        row = lock_usage(person=p, year=episode.care_date.year, insurance_type="310")
        settlement = settle(episode, lines, usage=usage_snapshot(row))
        approve_payment(...)                         # the payments ledger
        record_usage(row=row, settlement=settlement, basis=usage_snapshot(row), reference=claim_no,
                     actor=user.username)

``settle_and_record`` does the three rules steps in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from yibao import clock
from yibao.audit.services import record_audit
from yibao.rules.calculator import Episode, Line, Settlement, Usage, fen, settle
from yibao.rules.errors import (
    AlreadyRecorded,
    InvalidParameterValue,
    NotRulesAdministrator,
    ParameterNotFound,
    UsageChanged,
)
from yibao.rules.models import ParameterValue, UsageEntry, YearUsage
from yibao.rules.parameters import RulesFileError, check_scalar
from yibao.rules.selectors import series_key_text, series_of, usage_snapshot


def may_change_rules(staff, region: str) -> bool:
    """Parameters are the 统筹区's: only an administrator (管理员) of its city-level agency adds values."""
    from yibao.agencies.models import AgencyLevel, Role
    from yibao.agencies.selectors import staff_can

    return (staff is not None and staff.is_active and staff.agency.region.slug == region
            and staff.agency.level == AgencyLevel.CITY and staff_can(staff, Role.ADMINISTER))


def lock_usage(*, person, year: int, insurance_type: str) -> YearUsage:
    """The person's ledger row for ``year`` and 险种, created if needed and locked (SELECT … FOR
    UPDATE) until the surrounding transaction ends. Call it inside ``transaction.atomic``; a second
    claim of the same person waits here until the first one commits or rolls back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_usage must run inside transaction.atomic (the payment's transaction)")
    if insurance_type not in ("310", "390"):
        raise InvalidParameterValue("险种须为 310 或 390", field="insurance_type")
    try:
        # The unique constraint makes concurrent first claims agree on one row.
        with transaction.atomic():
            YearUsage.objects.get_or_create(person=person, year=year, insurance_type=insurance_type)
    except IntegrityError:
        pass  # created by the other transaction meanwhile; the locked read below finds it
    return YearUsage.objects.select_for_update().get(person=person, year=year, insurance_type=insurance_type)


@transaction.atomic
def record_usage(*, row: YearUsage, settlement: Settlement, basis: Usage, reference: str, actor: str,
                 channel: str = "") -> YearUsage:
    """Add a settlement's usage to the person's year, inside the payment's transaction.

    ``row`` is the one ``lock_usage`` returned and ``basis`` the ``Usage`` the settlement was
    computed from; if the row moved since (it was not locked, or was read before another claim),
    ``UsageChanged`` is raised and nothing is written: recompute on the fresh figures.
    ``reference`` (e.g. the claim number) can be recorded once only (``AlreadyRecorded``).
    """
    locked = YearUsage.objects.select_for_update().get(pk=row.pk)
    if usage_snapshot(locked) != basis:
        raise UsageChanged("参保人本年度待遇累计已变化（可能有另一笔结算同时进行），请重新计算后再支付")
    if UsageEntry.objects.filter(reference=reference).exists():
        raise AlreadyRecorded(f"结算 {reference} 已计入年度累计，不能重复计入")
    before = usage_snapshot(locked)
    delta = settlement.usage_delta
    after = before.plus(delta)
    for name in ("deductible_used", "fund_paid", "serious_illness_accumulated", "serious_illness_paid",
                 "aid_paid"):
        setattr(locked, name, getattr(after, name))
    locked.settlements += 1
    locked.save()
    try:
        with transaction.atomic():
            UsageEntry.objects.create(
                usage=locked, reference=reference, deductible=delta.deductible_used, fund=delta.fund_paid,
                serious_illness_base=delta.serious_illness_accumulated,
                serious_illness=delta.serious_illness_paid, aid=delta.aid_paid,
            )
    except IntegrityError as exc:
        raise AlreadyRecorded(f"结算 {reference} 已计入年度累计，不能重复计入") from exc
    record_audit(actor=actor, action="rules.record_usage", object_type="rules.YearUsage", object_id=locked.pk,
                 channel=channel, before=_dump(before), after={**_dump(after), "reference": reference})
    row.refresh_from_db()
    return locked


def settle_and_record(*, person, episode: Episode, lines: Sequence[Line], reference: str, actor: str,
                      channel: str = "", personal_account_balance: Decimal | None = None) -> Settlement:
    """Lock the person's year, settle the episode on it and record the usage, in one transaction
    (a savepoint when the caller's payment transaction is already open)."""
    with transaction.atomic():
        row = lock_usage(person=person, year=episode.care_date.year, insurance_type=episode.insurance_type)
        basis = usage_snapshot(row)
        settlement = settle(episode, list(lines), usage=basis)
        record_usage(row=row, settlement=settlement, basis=basis, reference=reference, actor=actor,
                     channel=channel)
        return settlement


def _dump(usage: Usage) -> dict[str, str]:
    return {k: str(v) for k, v in usage.__dict__.items()}


def _parse_brackets(text: str) -> list[list[str]]:
    brackets = []
    for n, part in enumerate([p for p in text.replace("；", ";").split(";") if p.strip()], start=1):
        bits = part.replace("：", ":").split(":")
        if len(bits) != 2:
            raise InvalidParameterValue(f"分段第 {n} 段须写成“起点:比例”，如 15000:0.6", field="value")
        try:
            threshold, rate = Decimal(bits[0].strip()), Decimal(bits[1].strip())
        except ArithmeticError as exc:
            raise InvalidParameterValue(f"分段第 {n} 段不是数字", field="value") from exc
        if threshold < 0 or not (0 <= rate <= 1) or not threshold.is_finite():
            raise InvalidParameterValue(f"分段第 {n} 段：起点不能为负，比例须在 0 到 1 之间", field="value")
        brackets.append([threshold, rate])
    if not brackets:
        raise InvalidParameterValue("请填写分段", field="value")
    thresholds = [b[0] for b in brackets]
    if thresholds != sorted(set(thresholds)) or thresholds[0] != 0:
        raise InvalidParameterValue("分段起点须从 0 开始并逐段递增", field="value")
    return [[str(t), str(r)] for t, r in brackets]


@transaction.atomic
def add_parameter_value(*, staff, region: str, parameter: str, series_index: int, effective: date,
                        value: str, reference_number: str, reference_title: str,
                        reference_article: str = "", reference_issued: date | None = None,
                        note: str = "") -> ParameterValue:
    """Add a dated value to one series of a parameter (the only way to change a parameter).

    The timeline only grows: the date must be after the series' last value. It must not be in the
    past — a settled claim's basis never changes — unless the value it follows is a demo value,
    which never was policy and may be replaced from the date the official one took effect. A
    console value is never a demo value: 文号 and 标题 are required.
    """
    if not may_change_rules(staff, region):
        raise NotRulesAdministrator("只有本统筹区市级经办机构的管理员可以添加政策参数取值")
    series = series_of(region, parameter, series_index)
    if series is None:
        raise ParameterNotFound("没有这个参数或适用范围")
    from yibao.rules.selectors import current_rulebook

    param = current_rulebook(region).parameters[parameter]
    reference_number, reference_title = reference_number.strip(), reference_title.strip()
    if not reference_number:
        raise InvalidParameterValue("请填写文号：正式参数须有法规依据", field="reference_number")
    if not reference_title:
        raise InvalidParameterValue("请填写文件标题", field="reference_title")
    if reference_issued is not None and reference_issued > effective:
        raise InvalidParameterValue("成文日期不能晚于施行日期", field="reference_issued")
    last = series.values[-1] if series.values else None
    if last is not None and effective <= last.effective:
        raise InvalidParameterValue(
            f"施行日期须晚于该项最近一次取值的施行日期 {last.effective}：参数只能追加新的取值，不能修改过去",
            field="effective")
    today = clock.today()
    if effective < today and not (last is not None and last.demo):
        raise InvalidParameterValue(
            f"施行日期不能早于今天（{today}）：已结算的待遇不能因补录参数而改变；只有替换示例参数时可以追溯",
            field="effective")
    amount = None
    brackets = None
    text = (value or "").strip()
    if param.kind == "choice":
        raise InvalidParameterValue(f"「{param.label}」是选项类参数（{'、'.join(param.choices)}），须在参数文件中修改",
                                    field="value")
    if param.kind == "scale":
        brackets = _parse_brackets(text)
    else:
        try:
            amount = Decimal(text)
        except ArithmeticError as exc:
            raise InvalidParameterValue("取值须为数字", field="value") from exc
        if not amount.is_finite() or abs(amount) >= Decimal("1e10"):
            raise InvalidParameterValue("取值须为数字", field="value")
        if param.kind == "money" and amount != fen(amount):
            raise InvalidParameterValue("金额须精确到分", field="value")
        if param.kind == "rate" and amount != amount.quantize(Decimal("0.0001")):
            raise InvalidParameterValue("比例最多四位小数（如 0.8525）", field="value")
        try:
            check_scalar(param.kind, amount, param.maximum)
        except RulesFileError as exc:
            raise InvalidParameterValue(str(exc), field="value") from exc
    key = {d: sorted(v) for d, v in series.key.items()}
    try:
        with transaction.atomic():
            row = ParameterValue.objects.create(
                region=region, parameter=parameter, key=key, series_key=series_key_text(series.key),
                series_label=series.label(), effective=effective, value=amount, brackets=brackets,
                reference_number=reference_number[:100], reference_title=reference_title[:200],
                reference_article=reference_article.strip()[:100], reference_issued=reference_issued,
                note=note.strip()[:200], created_by=staff.user,
            )
    except IntegrityError as exc:
        raise InvalidParameterValue("该项在这一施行日期已有取值", field="effective") from exc
    record_audit(actor=staff.user.get_username(), action="rules.add_parameter_value", object_type="rules.ParameterValue",
                 object_id=row.pk, channel="console",
                 after={"region": region, "parameter": parameter, "series": series.label(),
                        "effective": str(effective), "value": text, "reference": reference_number})
    return row
