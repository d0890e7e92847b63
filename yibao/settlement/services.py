"""Every write of monthly settlement: declare, validate, review, deduct, object, state, confirm, pay.

The month's records are handled as sets (``validation.py``: SQL over the whole month),
never one Python loop per record, so that a city's million settlements a month fit in
seconds on PostgreSQL. Each action is a compare-and-set on the declaration's
``(status, version)``, so two clerks cannot both move it, and a rerun of a month that
has already moved is a no-op (it changes nothing and pays nothing twice).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from yibao import clock
from yibao.agencies.models import Agency
from yibao.audit.services import record_audit
from yibao.payments.models import PayeeKind
from yibao.payments.services import PayeeDetails, approve_payment
from yibao.settlement import parameters, validation
from yibao.settlement.errors import (
    DeclarationConflict,
    DeclarationNotFound,
    DeclarationRefused,
    InvalidDeclaration,
    NotYourDeclaration,
)
from yibao.settlement.institutions import institution_info
from yibao.settlement.models import (
    FUND_COLUMNS,
    FUND_POOL,
    Declaration,
    DeclarationStatus,
    Deduction,
    DeductionSource,
    ObjectionState,
    SettlementRecord,
    StatementLine,
)
from yibao.settlement.records import FIELDS, parse
from yibao.workdays.calendar import add_working_days

CENT = Decimal("0.01")
PAYMENT_DAYS = 30  # 令第2号 第二十九条 / 令第3号 第三十条; seed 004 items 28, 29: 30 个工作日
MAX_BATCH = 5000  # records per API batch


def _fen(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def month_start(text: str) -> datetime.date:
    """'2026-11' → 2026-11-01; refuses anything else naming the field."""
    try:
        year, month = (int(part) for part in str(text).strip().split("-"))
        return datetime.date(year, month, 1)
    except (ValueError, TypeError):
        raise InvalidDeclaration(f"字段 结算月份：「{str(text)[:20]}」须为 YYYY-MM 格式", field="month") from None


def _move(declaration: Declaration, *, to: str, expect: tuple[str, ...], **changes) -> Declaration:
    """Compare-and-set the declaration's status; a concurrent move makes this one a conflict."""
    if declaration.status not in expect:
        raise DeclarationConflict(f"结算申报当前状态为「{declaration.get_status_display()}」，不能执行此操作")
    updated = Declaration.objects.filter(pk=declaration.pk, status=declaration.status,
                                         version=declaration.version).update(
        status=to, version=F("version") + 1, **changes)
    if updated != 1:
        raise DeclarationConflict("结算申报已被他人处理，请刷新后重试")
    declaration.refresh_from_db()
    return declaration


# --- declaring -------------------------------------------------------------------------------------


def open_declaration(*, actor: str, institution_code: str, month: str) -> Declaration:
    """The institution's declaration of ``month`` (YYYY-MM), opened as a draft if it has none yet.

    Only a past month can be declared (an institution declares last month's settlements)."""
    start = month_start(month)
    if start >= clock.today().replace(day=1):
        raise InvalidDeclaration("字段 结算月份：只能申报已结束的月份（每月申报上月直接结算）", field="month")
    info = institution_info(institution_code)
    if info is None:
        raise DeclarationRefused(f"定点机构编码 {institution_code} 不是本统筹区的定点医药机构")
    existing = Declaration.objects.filter(institution_code=info.code, month=start).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            declaration = Declaration.objects.create(
                institution_code=info.code, institution_name=info.name,
                agency=Agency.objects.get(pk=info.agency_id), month=start)
            record_audit(actor=actor, action="settlement.open", object_type="settlement.Declaration",
                         object_id=declaration.pk, after={"institution": info.code, "month": f"{start:%Y-%m}"})
    except IntegrityError:  # opened concurrently: the other one stands
        return Declaration.objects.get(institution_code=info.code, month=start)
    return declaration


@dataclass
class BatchReport:
    """What happened to each record of a batch or file: counts and every problem with its row."""

    accepted: int = 0
    repeated: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [f"第 {row} 行 {message}" for row, message in self.problems]


def _same(record: SettlementRecord, values: dict) -> bool:
    return all(getattr(record, name) == values[name] for name in FIELDS)


def _own_draft(declaration: Declaration, institution_code: str) -> None:
    if declaration.institution_code != institution_code:
        raise NotYourDeclaration("只能申报本机构的结算明细")
    if declaration.status != DeclarationStatus.DRAFT:
        raise DeclarationConflict(f"{declaration.month:%Y-%m} 已申报，不能再增加明细")


@transaction.atomic
def add_records(*, actor: str, institution_code: str, declaration: Declaration, records: list[dict],
                first_row: int = 1) -> BatchReport:
    """Add a batch of settlements (API) to a draft declaration; idempotent by settlement ID.

    Good records are kept and bad ones reported with their row (``first_row`` + index): the
    institution sends the corrected ones again. A settlement ID already received with the
    same content is reported as received and not added twice; with different content it is
    refused (a correction goes through the clerk, not by overwriting)."""
    _own_draft(declaration, institution_code)
    if len(records) > MAX_BATCH:
        raise InvalidDeclaration(f"每批最多 {MAX_BATCH} 条结算明细，本批 {len(records)} 条", field="records")
    report = BatchReport()
    parsed: dict[str, tuple[int, dict]] = {}
    for index, raw in enumerate(records):
        row = first_row + index
        if not isinstance(raw, dict):
            report.problems.append((row, "不是一条结算明细"))
            continue
        result = parse(raw, row=row)
        if result.values is None:
            report.problems.append((row, "；".join(result.problems)))
            continue
        key = result.values["settlement_id"]
        if key in parsed:
            report.problems.append((row, f"结算编号：{key} 与第 {parsed[key][0]} 行重复"))
            continue
        parsed[key] = (row, result.values)
    existing = {r.settlement_id: r for r in SettlementRecord.objects.select_for_update().filter(
        declaration=declaration, settlement_id__in=list(parsed))}
    next_row = (SettlementRecord.objects.filter(declaration=declaration).order_by("-row")
                .values_list("row", flat=True).first() or 0)
    new = []
    for key, (row, values) in parsed.items():
        found = existing.get(key)
        if found is not None:
            if _same(found, values):
                report.repeated += 1
            else:
                report.problems.append((row, f"结算编号：{key} 已申报且内容不同，不能覆盖（更正请联系经办机构）"))
            continue
        next_row += 1
        values = {**values, "row": next_row}
        new.append(SettlementRecord(declaration=declaration, **values))
    SettlementRecord.objects.bulk_create(new)
    report.accepted = len(new)
    record_audit(actor=actor, action="settlement.add_records", object_type="settlement.Declaration",
                 object_id=declaration.pk, after={"accepted": report.accepted, "repeated": report.repeated,
                                                  "problems": len(report.problems)})
    return report


def validate(*, declaration: Declaration) -> list[tuple[int, str]]:
    """Check every record of the month against the records (set-based) and return the bad ones
    as (row, reason), in row order. Writes the reason on each record; changes nothing else."""
    with transaction.atomic():
        validation.validate_month(declaration)
    return validation.problems(declaration)


def declare(*, actor: str, institution_code: str, declaration: Declaration) -> Declaration:
    """申报: the institution submits its month; the 30-working-day payment deadline starts today."""
    if declaration.institution_code != institution_code:
        raise NotYourDeclaration("只能申报本机构的结算")
    if declaration.status != DeclarationStatus.DRAFT:
        return declaration  # declared already: declaring again changes nothing
    if not SettlementRecord.objects.filter(declaration=declaration).exists():
        raise InvalidDeclaration("没有结算明细，不能申报（请先上传或通过接口报送明细）")
    today = clock.today()
    with transaction.atomic():
        validation.validate_month(declaration)
        declaration = _move(declaration, to=DeclarationStatus.DECLARED, expect=(DeclarationStatus.DRAFT,),
                            declared_on=today, due_date=add_working_days(today, PAYMENT_DAYS))
        record_audit(actor=actor, action="settlement.declare", object_type="settlement.Declaration",
                     object_id=declaration.pk, after={"due_date": f"{declaration.due_date}"})
    return declaration


# --- review ----------------------------------------------------------------------------------------


def review(*, actor: str, declaration: Declaration) -> Declaration:
    """规则审核: deduct by rule (reason codes) over the whole month in SQL; a second run is a no-op."""
    if declaration.status != DeclarationStatus.DECLARED:
        if declaration.status in (DeclarationStatus.DRAFT,):
            raise DeclarationConflict("结算尚未申报，不能审核")
        return declaration
    with transaction.atomic():
        declaration = _move(declaration, to=DeclarationStatus.REVIEWED, expect=(DeclarationStatus.DECLARED,),
                            reviewed_at=clock.now(), reviewed_by=actor)
        counts = validation.rule_deductions(declaration, actor=actor)
        record_audit(actor=actor, action="settlement.review", object_type="settlement.Declaration",
                     object_id=declaration.pk, after=counts)
    return declaration


def _remaining(record: SettlementRecord, fund: str) -> Decimal:
    paid = _fen(getattr(record, FUND_COLUMNS[fund]))
    taken = record.deductions.filter(fund=fund).exclude(
        objection_state=ObjectionState.REVERSED).aggregate(s=Sum("amount"))["s"]
    return paid - _fen(taken)


def deduct(*, actor: str, declaration: Declaration, settlement_id: str, fund: str, amount: Decimal,
           reason_code: str, note: str) -> Deduction:
    """A clerk's manual deduction on one settlement, with a note; at most what the fund still pays on it."""
    note = (note or "").strip()
    if not note:
        raise InvalidDeclaration("字段 审核意见：人工扣款必须写明理由", field="note")
    if fund not in FUND_COLUMNS:
        raise InvalidDeclaration(f"字段 基金：「{fund}」不是结算涉及的基金", field="fund")
    reason_code = (reason_code or "").strip() or "MANUAL"
    if reason_code not in validation.REASONS:
        raise InvalidDeclaration(f"字段 扣款原因代码：「{reason_code[:20]}」无效，可选 "
                                 + "、".join(f"{k} {v}" for k, v in validation.REASONS.items()), field="reason_code")
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(CENT):
        raise InvalidDeclaration("字段 扣款金额：须为大于 0、精确到分的金额", field="amount")
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if locked.status != DeclarationStatus.REVIEWED:
            raise DeclarationConflict("只能在规则审核后、出具结算单前人工扣款")
        record = SettlementRecord.objects.filter(declaration=locked, settlement_id=settlement_id).first()
        if record is None:
            raise DeclarationNotFound(f"本月申报中没有结算编号 {settlement_id}")
        remaining = _remaining(record, fund)
        if amount > remaining:
            raise InvalidDeclaration(f"字段 扣款金额：超过该笔结算 {fund} 基金尚可支付的 ¥{remaining:,.2f}",
                                     field="amount")
        deduction = Deduction.objects.create(
            declaration=locked, record=record, fund=fund, amount=amount, reason_code=reason_code,
            reason=validation.REASONS[reason_code], source=DeductionSource.CLERK, created_by=actor, note=note)
        record_audit(actor=actor, action="settlement.deduct", object_type="settlement.Deduction",
                     object_id=deduction.pk, after={"settlement_id": settlement_id, "fund": fund,
                                                    "amount": f"{amount}", "reason": reason_code})
    return deduction


def object_to_deduction(*, actor: str, institution_code: str, deduction: Deduction, reason: str) -> Deduction:
    """The institution objects to a deduction, once, with a reason; the statement waits for the decision."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidDeclaration("字段 申诉理由：必填", field="reason")
    if len(reason) > 500:
        raise InvalidDeclaration("字段 申诉理由：最多 500 个字符", field="reason")
    with transaction.atomic():
        declaration = Declaration.objects.select_for_update().get(pk=deduction.declaration_id)
        if declaration.institution_code != institution_code:
            raise NotYourDeclaration("只能对本机构的扣款提出申诉")
        if declaration.status not in (DeclarationStatus.REVIEWED, DeclarationStatus.STATED):
            raise DeclarationConflict("结算单已确认，不能再申诉")
        updated = Deduction.objects.filter(pk=deduction.pk, objection_state=ObjectionState.NONE).update(
            objection_state=ObjectionState.OPEN, objection_reason=reason, objected_at=clock.now())
        if updated != 1:
            raise DeclarationConflict("每笔扣款只能申诉一次")
        if declaration.status == DeclarationStatus.STATED:
            # The statement stood on this deduction: it is made again after the decision.
            StatementLine.objects.filter(declaration=declaration).delete()
            _move(declaration, to=DeclarationStatus.REVIEWED, expect=(DeclarationStatus.STATED,),
                  institution_confirmed_at=None, institution_confirmed_by="")
        record_audit(actor=actor, action="settlement.object", object_type="settlement.Deduction",
                     object_id=deduction.pk, after={"reason": reason})
    deduction.refresh_from_db()
    return deduction


def decide_objection(*, actor: str, deduction: Deduction, reverse: bool, note: str) -> Deduction:
    """A second clerk — not the one who deducted or reviewed — upholds or reverses the deduction."""
    note = (note or "").strip()
    if not note:
        raise InvalidDeclaration("字段 复核意见：必填", field="note")
    with transaction.atomic():
        deduction = Deduction.objects.select_for_update().select_related("declaration").get(pk=deduction.pk)
        if actor in (deduction.created_by, deduction.declaration.reviewed_by):
            raise DeclarationRefused("申诉须由另一名经办人员复核（扣款人、审核人不能复核自己的扣款）")
        if deduction.objection_state != ObjectionState.OPEN:
            raise DeclarationConflict("该扣款没有待复核的申诉")
        deduction.objection_state = ObjectionState.REVERSED if reverse else ObjectionState.UPHELD
        deduction.decided_by, deduction.decision_note, deduction.decided_at = actor, note, clock.now()
        deduction.save(update_fields=["objection_state", "decided_by", "decision_note", "decided_at"])
        record_audit(actor=actor, action="settlement.decide_objection", object_type="settlement.Deduction",
                     object_id=deduction.pk, after={"state": deduction.objection_state})
    return deduction


# --- statement, confirmation, payment -------------------------------------------------------------


def allocate_withheld(approved: list[Decimal], share: Decimal) -> list[Decimal]:
    """The deposit withheld per line: each line rounded to the fen, the residual on the last line,
    so that the lines add up exactly to the rounded share of the total (the Xuzhou lesson)."""
    if not approved:
        return []
    total = (sum(approved, Decimal("0")) * share).quantize(CENT, rounding=ROUND_HALF_UP)
    lines = [(a * share).quantize(CENT, rounding=ROUND_HALF_UP) for a in approved[:-1]]
    return [*lines, total - sum(lines, Decimal("0"))]


def make_statement(*, actor: str, declaration: Declaration) -> Declaration:
    """结算单: per fund, declared − deducted = approved; the 质量保证金 share withheld; payable.

    Waits for every objection to be decided. Made once; a rerun returns it unchanged."""
    if declaration.status in (DeclarationStatus.STATED, DeclarationStatus.CONFIRMED, DeclarationStatus.PAID):
        return declaration
    if declaration.status != DeclarationStatus.REVIEWED:
        raise DeclarationConflict("结算尚未审核，不能出具结算单")
    if Deduction.objects.filter(declaration=declaration, objection_state=ObjectionState.OPEN).exists():
        raise DeclarationRefused("还有未复核的申诉，复核后才能出具结算单")
    share = parameters.deposit_share(declaration.month)
    with transaction.atomic():
        declaration = _move(declaration, to=DeclarationStatus.STATED, expect=(DeclarationStatus.REVIEWED,),
                            deposit_share=share.value, deposit_share_is_demo=share.demo)
        sums = validation.fund_sums(declaration)
        funds = [fund for fund in FUND_COLUMNS if sums[fund]["declared"] > 0]
        approved = [sums[fund]["declared"] - sums[fund]["deducted"] for fund in funds]
        withheld = allocate_withheld(approved, share.value)
        StatementLine.objects.bulk_create([
            StatementLine(declaration=declaration, fund=fund, pool=FUND_POOL[fund], records=sums[fund]["records"],
                          declared=sums[fund]["declared"], deducted=sums[fund]["deducted"], approved=ok,
                          withheld=kept, payable=ok - kept)
            for fund, ok, kept in zip(funds, approved, withheld, strict=True)])
        record_audit(actor=actor, action="settlement.statement", object_type="settlement.Declaration",
                     object_id=declaration.pk,
                     after={f: f"{ok}" for f, ok in zip(funds, approved, strict=True)})
    return declaration


def confirm_statement(*, actor: str, declaration: Declaration, side: str, institution_code: str = "",
                      bank_name: str = "", account_number: str = "") -> Declaration:
    """清算确认书: the institution (``side="institution"``, naming its 收款账户) and the agency
    (``"agency"``) each confirm; with both recorded the statement is 双方已确认 and can be paid."""
    if side not in ("institution", "agency"):
        raise InvalidDeclaration("字段 确认方：须为 institution 或 agency", field="side")
    bank_name, account_number = (bank_name or "").strip(), (account_number or "").strip()
    if side == "institution":
        if declaration.institution_code != institution_code:
            raise NotYourDeclaration("只能确认本机构的结算单")
        if not bank_name or len(bank_name) > 100:
            raise InvalidDeclaration("字段 收款开户银行：必填，最多 100 个字符", field="bank_name")
        if not account_number.isdigit() or not 8 <= len(account_number) <= 32:
            raise InvalidDeclaration("字段 收款银行账号：须为 8–32 位数字", field="account_number")
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if locked.status != DeclarationStatus.STATED:
            if locked.status in (DeclarationStatus.CONFIRMED, DeclarationStatus.PAID):
                return locked
            raise DeclarationConflict("尚未出具结算单，不能确认")
        now = clock.now()
        fields = [f"{side}_confirmed_at", f"{side}_confirmed_by"]
        if side == "institution":
            locked.institution_confirmed_at, locked.institution_confirmed_by = now, actor
            locked.payee_bank_name, locked.payee_account_number = bank_name, account_number
            fields += ["payee_bank_name", "payee_account_number"]
        else:
            locked.agency_confirmed_at, locked.agency_confirmed_by = now, actor
        locked.save(update_fields=fields)
        if locked.institution_confirmed_at and locked.agency_confirmed_at:
            locked = _move(locked, to=DeclarationStatus.CONFIRMED, expect=(DeclarationStatus.STATED,))
        record_audit(actor=actor, action=f"settlement.confirm.{side}", object_type="settlement.Declaration",
                     object_id=locked.pk)
    return locked


def payment_reference(declaration: Declaration, fund: str) -> str:
    return f"settlement:{declaration.month:%Y-%m}:{declaration.institution_code}:{fund}"


def pay_statement(*, actor: str, declaration: Declaration, case=None) -> list:
    """拨付 the confirmed statement: one payment per fund line through the payments ledger.

    Idempotent: each line's reference is fixed by month, institution and fund, so a rerun
    (or a concurrent one: the declaration row is locked) returns the payments already made."""
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if locked.status not in (DeclarationStatus.CONFIRMED, DeclarationStatus.PAID):
            raise DeclarationRefused("结算单尚未经定点机构和经办机构双方确认，不能拨付")
        info = institution_info(locked.institution_code)
        bank_name = locked.payee_bank_name or (info.bank_name if info else "")
        account_number = locked.payee_account_number or (info.account_number if info else "")
        if not account_number:
            raise DeclarationRefused(f"定点机构 {locked.institution_code} 没有登记结算银行账户，不能拨付")
        payee = PayeeDetails(kind=PayeeKind.INSTITUTION, identifier=locked.institution_code,
                             name=info.name if info else locked.institution_name,
                             bank_name=bank_name, account_number=account_number)
        payments = []
        for line in StatementLine.objects.filter(declaration=locked):
            if line.payable <= 0:
                continue
            reference = payment_reference(locked, line.fund)
            payments.append(approve_payment(
                actor=actor, fund=line.fund, payee=payee, amount=line.payable, reference=reference,
                agency=locked.agency, case=case, source="" if case is not None else reference[:80],
                note=f"{locked.month:%Y年%m月} 定点医药机构费用结算"))
            if line.payment_reference != reference:
                StatementLine.objects.filter(pk=line.pk).update(payment_reference=reference)
        if locked.status == DeclarationStatus.CONFIRMED:
            locked = _move(locked, to=DeclarationStatus.PAID, expect=(DeclarationStatus.CONFIRMED,),
                           paid_on=clock.today())
            record_audit(actor=actor, action="settlement.pay", object_type="settlement.Declaration",
                         object_id=locked.pk, after={"payments": [p.reference for p in payments]})
    return payments


@dataclass
class MonthRun:
    """What a month run did (the command prints it as its summary)."""

    declarations: int = 0
    records: int = 0
    problems: dict = field(default_factory=dict)
    deductions: dict = field(default_factory=dict)
    statements: int = 0
    payable: Decimal = Decimal("0.00")
    withheld: Decimal = Decimal("0.00")
    seconds: dict = field(default_factory=dict)


def run_month(*, actor: str, month: str, progress=None) -> MonthRun:
    """The bureau's month run: every declared month of ``month`` validated, reviewed by rule and
    stated, all institutions at once (set-based: a few statements over the whole month).

    Declarations already reviewed are left alone, so running the month again changes
    nothing; nothing is paid here (each payment follows both sides' confirmation)."""
    import time

    start = month_start(month)
    run = MonthRun()
    share = parameters.deposit_share(start)
    clock_started = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock_started
        run.seconds[name] = round(time.perf_counter() - clock_started, 2)
        clock_started = time.perf_counter()
        if progress:
            progress(name)

    with transaction.atomic():
        declarations = list(Declaration.objects.select_for_update().filter(
            month=start, status=DeclarationStatus.DECLARED).order_by("pk"))
        run.declarations = len(declarations)
        if not declarations:
            return run
        run.records = SettlementRecord.objects.filter(declaration__in=declarations).count()
        run.problems = validation.validate_month(declarations)
        lap("校验")
        run.deductions = validation.rule_deductions(declarations, actor=actor)
        ids = [d.pk for d in declarations]
        Declaration.objects.filter(pk__in=ids, status=DeclarationStatus.DECLARED).update(
            status=DeclarationStatus.REVIEWED, version=F("version") + 1, reviewed_at=clock.now(), reviewed_by=actor)
        lap("规则审核")
        sums = validation.fund_sums_by_declaration(declarations)
        lines = []
        for declaration in declarations:
            funds = [fund for fund in FUND_COLUMNS if sums[declaration.pk][fund]["declared"] > 0]
            approved = [sums[declaration.pk][f]["declared"] - sums[declaration.pk][f]["deducted"] for f in funds]
            withheld = allocate_withheld(approved, share.value)
            for fund, ok, kept in zip(funds, approved, withheld, strict=True):
                values = sums[declaration.pk][fund]
                lines.append(StatementLine(declaration=declaration, fund=fund, pool=FUND_POOL[fund],
                                           records=values["records"], declared=values["declared"],
                                           deducted=values["deducted"], approved=ok, withheld=kept,
                                           payable=ok - kept))
                run.payable += ok - kept
                run.withheld += kept
        StatementLine.objects.bulk_create(lines, batch_size=2000)
        Declaration.objects.filter(pk__in=ids, status=DeclarationStatus.REVIEWED).update(
            status=DeclarationStatus.STATED, version=F("version") + 1, deposit_share=share.value,
            deposit_share_is_demo=share.demo)
        run.statements = len(declarations)
        lap("结算单")
        record_audit(actor=actor, action="settlement.run_month", object_type="settlement.Month",
                     object_id=f"{start:%Y-%m}", after={"declarations": run.declarations, "records": run.records,
                                                       "payable": f"{run.payable}"})
    return run


@dataclass
class Difference:
    day: datetime.date
    fund: str
    theirs: Decimal
    ours: Decimal
    settlements: list[str]  # the settlement IDs of that day and fund, ours, for the line-by-line check


def reconcile(*, declaration: Declaration, theirs: dict[tuple[datetime.date, str], Decimal]) -> list[Difference]:
    """对账: the institution's daily totals per fund against ours; each day and fund that differs is
    listed with our settlements of that day, and those the institution's total cannot contain
    (ours alone would already differ by exactly their amount) first."""
    from yibao.settlement import selectors

    ours = selectors.daily_totals(declaration)
    differences = []
    for key in sorted(set(ours) | set(theirs)):
        mine, their = ours.get(key, Decimal("0.00")), _fen(theirs.get(key))
        if mine == their:
            continue
        day, fund = key
        column = FUND_COLUMNS.get(fund)
        if column is None:
            raise InvalidDeclaration(f"字段 基金：「{fund}」不是结算涉及的基金", field="fund")
        records = list(SettlementRecord.objects.filter(declaration=declaration, end_date=day)
                       .exclude(**{column: 0}).values_list("settlement_id", column).order_by("row"))
        gap = mine - their
        # A single settlement equal to the gap is the likeliest cause: name it first.
        records.sort(key=lambda r: (_fen(r[1]) != abs(gap), r[0]))
        differences.append(Difference(day=day, fund=fund, theirs=their, ours=mine,
                                      settlements=[r[0] for r in records]))
    return differences


def return_deposits(*, actor: str, year: int, institution_code: str, score: Decimal, agency=None) -> list:
    """Year end: return the 质量保证金 withheld over ``year`` by the assessment ``score`` (the dated
    demo table ``deposit_return_by_score``), one payment per fund, reference
    ``deposit:YYYY:<code>:<fund>`` — so a rerun returns nothing twice."""
    if not isinstance(score, Decimal) or not Decimal("0") <= score <= Decimal("100"):
        raise InvalidDeclaration("字段 考核得分：须为 0–100 的数", field="score")
    share, _demo = parameters.deposit_return_share(score, datetime.date(year, 12, 31))
    months = Declaration.objects.filter(institution_code=institution_code, month__year=year,
                                        status=DeclarationStatus.PAID).order_by("month")
    last = months.last()
    if last is None:
        return []
    withheld: dict[str, Decimal] = {}
    for line in StatementLine.objects.filter(declaration__in=months):
        withheld[line.fund] = withheld.get(line.fund, Decimal("0")) + line.withheld
    info = institution_info(institution_code)
    payee = PayeeDetails(kind=PayeeKind.INSTITUTION, identifier=institution_code,
                         name=info.name if info else last.institution_name,
                         bank_name=last.payee_bank_name, account_number=last.payee_account_number)
    payments = []
    with transaction.atomic():
        for fund, amount in sorted(withheld.items()):
            returned = (amount * share).quantize(CENT, rounding=ROUND_HALF_UP)
            if returned <= 0:
                continue
            reference = f"deposit:{year}:{institution_code}:{fund}"
            payments.append(approve_payment(actor=actor, fund=fund, payee=payee, amount=returned,
                                            reference=reference, agency=agency or last.agency, source=reference,
                                            note=f"{year}年度质量保证金返还（考核得分 {score}）"))
        record_audit(actor=actor, action="settlement.return_deposits", object_type="settlement.Institution",
                     object_id=institution_code, after={"year": year, "score": f"{score}", "share": f"{share}"})
    return payments
