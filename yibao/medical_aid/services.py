"""医疗救助: the yearly 参保资助 programme (import → submit → approve → pay) and aid reimbursement.

The programme is OpenG2P's cycle: a draft holding the imported list, sent for approval, approved
by a second person, then paid. While an import or the payment run works on a programme its
``locked_by`` is set (a compare-and-set in its own transaction), so a second run is refused
with a message instead of working beside the first. Payments are idempotent on
``aid-subsidy:<region>:<year>:<ID number>`` and each recipient row holds at most one payment,
so re-running a year pays nobody twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Concat

from yibao import clock
from yibao.agencies.models import Region
from yibao.audit.services import record_audit, record_audits
from yibao.enrollment.models import Contribution, Person
from yibao.enrollment.policies import policy_for
from yibao.errors import Conflict, DomainError, Invalid, NotFound, Refused
from yibao.ids import InvalidIdentifier, validate_resident_id
from yibao.medical_aid import parameters
from yibao.medical_aid.models import (
    AidProgramme,
    AidRecipient,
    AidReimbursement,
    ProgrammeStatus,
    Treatment,
)
from yibao.payments.models import Fund, PayeeKind, Payment
from yibao.payments.services import (
    PayeeDetails,
    PaymentOrder,
    approve_payment,
    approve_payments,
    check_payment_order,
)
from yibao.workbooks import WorkbookCaps, WorkbookRefused, check_workbook

FEN = Decimal("0.01")
RESIDENT = "390"
MAX_ROWS = 200_000
CAPS = WorkbookCaps(label="救助对象名单", max_rows=MAX_ROWS + 1, max_columns=10, max_bytes=30 * 1024 * 1024,
                    max_uncompressed=400 * 1024 * 1024)
COLUMNS = ("公民身份号码", "姓名", "救助对象类别", "认定有效期起", "认定有效期止", "开户银行", "银行账号")
BATCH = 5000


class AidError(Invalid):
    code = "medical_aid.invalid"


class AidRefused(Refused):
    code = "medical_aid.refused"


class ProgrammeBusy(Conflict):
    code = "medical_aid.busy"


class ProgrammeNotFound(NotFound):
    code = "medical_aid.not_found"


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


# --- the programme -------------------------------------------------------------------------

def create_programme(*, region: Region, year: int, actor: str) -> AidProgramme:
    """Open the region's 参保资助 programme for ``year`` (one per region and year)."""
    if not 2000 <= year <= clock.today().year + 1:
        raise AidError(f"字段 参保年度：{year} 不在可办理的年度范围内")
    with transaction.atomic():
        programme, created = AidProgramme.objects.get_or_create(region=region, year=year,
                                                                defaults={"created_by": actor})
        if not created:
            raise AidRefused(f"{region.name} {year} 年度参保资助计划已存在，不能重复创建")
        record_audit(actor=actor, action="medical_aid.create_programme", object_type="medical_aid.AidProgramme",
                     object_id=programme.pk, after={"region": region.slug, "year": year})
    return programme


def _lock(programme: AidProgramme, *, actor: str, status: str, work: str) -> None:
    """Take the programme's bulk-work lock (its own committed transaction) or refuse naming the holder."""
    taken = AidProgramme.objects.filter(pk=programme.pk, status=status, locked_by="").update(
        locked_by=actor, locked_at=clock.now())
    if not taken:
        current = AidProgramme.objects.get(pk=programme.pk)
        if current.locked_by:
            raise ProgrammeBusy(f"该计划正由 {current.locked_by} 于 {current.locked_at:%Y-%m-%d %H:%M} 开始批量处理，"
                                f"请稍后再{work}")
        raise ProgrammeBusy(f"计划当前状态为「{current.get_status_display()}」，不能{work}")


def _unlock(programme: AidProgramme) -> None:
    AidProgramme.objects.filter(pk=programme.pk).update(locked_by="", locked_at=None)


@dataclass
class ListRow:
    row: int
    id_number: str
    name: str
    category: str
    valid_from: date
    valid_to: date | None
    bank_name: str = ""
    account_number: str = ""


@dataclass
class ImportResult:
    rows: int = 0
    errors: list[str] = field(default_factory=list)


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).replace("\x00", "").strip()


def _day(cell, label: str, problems: list[str]) -> date | None:
    if cell in (None, ""):
        return None
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    try:
        return date.fromisoformat(_text(cell)[:10])
    except ValueError:
        problems.append(f"{label}「{_text(cell)[:20]}」不是日期（YYYY-MM-DD）")
        return None


def read_list(content: bytes) -> tuple[list[ListRow], list[str]]:
    """Every row of the aid-recipient list, and every bad row reported (row number, column, reason)."""
    from python_calamine import CalamineWorkbook

    try:
        check_workbook(content, CAPS)
    except WorkbookRefused as exc:
        raise AidError(str(exc)) from exc
    try:
        table = CalamineWorkbook.from_filelike(BytesIO(content)).get_sheet_by_index(0).to_python()
    except Exception as exc:  # calamine raises its own errors for anything not a workbook
        raise AidError("救助对象名单无法读取，请上传 Excel（.xlsx）文件") from exc
    if not table:
        raise AidError("救助对象名单是空的")
    header = [_text(c).rstrip("*") for c in table[0]]
    if header[:5] != list(COLUMNS[:5]):
        raise AidError(f"救助对象名单第1行表头应为：{'、'.join(COLUMNS)}（开户银行、银行账号可空）")
    known = set(parameters.categories())
    rows: list[ListRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(table[1:], start=2):
        cells: list[Any] = [*raw, *([None] * (len(COLUMNS) - len(raw)))]
        if not any(_text(c) for c in cells):
            continue
        problems: list[str] = []
        try:
            id_number = validate_resident_id(_text(cells[0]), field_name="公民身份号码").number
        except InvalidIdentifier as exc:
            problems.append(str(exc))
            id_number = ""
        name = _text(cells[1])
        if not name or len(name) > 50:
            problems.append("姓名必填，最多50个字符")
        category = _text(cells[2])
        if category not in known:
            problems.append(f"救助对象类别「{category[:20]}」不在可选范围：{'、'.join(sorted(known))}")
        valid_from = _day(cells[3], "认定有效期起", problems)
        valid_to = _day(cells[4], "认定有效期止", problems)
        if cells[3] in (None, "") and "认定有效期起" not in "".join(problems):
            problems.append("认定有效期起必填")
        if valid_from and valid_to and valid_to < valid_from:
            problems.append("认定有效期止早于有效期起")
        if id_number and id_number in seen:
            problems.append(f"公民身份号码与第{seen[id_number]}行重复")
        bank, account = _text(cells[5])[:100], _text(cells[6])[:40]
        if problems:
            errors.append(f"第{number}行：" + "；".join(problems))
            continue
        seen[id_number] = number
        rows.append(ListRow(row=number, id_number=id_number, name=name, category=category,
                            valid_from=valid_from, valid_to=valid_to,  # type: ignore[arg-type]
                            bank_name=bank, account_number=account))
    if not rows and not errors:
        raise AidError("救助对象名单没有数据行")
    return rows, errors


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def import_recipients(*, programme: AidProgramme, content: bytes, actor: str) -> ImportResult:
    """Import the aid-recipient list into a draft programme (replacing an earlier import).

    Every bad row is reported and nothing is imported while one remains. The subsidy of each
    person is computed here (share by category × the region's resident personal contribution
    of the year), set-based, so a 50 000-row list is one pass."""
    rows, errors = read_list(content)
    if errors:
        shown = "；".join(errors[:50]) + (f"；……共 {len(errors)} 行有误" if len(errors) > 50 else "")
        raise AidError(f"救助对象名单有 {len(errors)} 行不符合要求，未导入：{shown}")
    _lock(programme, actor=actor, status=ProgrammeStatus.DRAFT, work="导入名单")
    try:
        with transaction.atomic():
            year_start = date(programme.year, 1, 1)
            fee = policy_for(programme.region, on=year_start).resident_yearly_fee
            AidRecipient.objects.filter(programme=programme).delete()
            persons: dict[str, tuple[int, int]] = {}
            for chunk in _chunks([r.id_number for r in rows]):
                persons.update({n: (pk, agency) for n, pk, agency in Person.objects.filter(
                    id_number__in=chunk, region=programme.region).values_list("id_number", "pk", "home_agency_id")})
            shares = {c: parameters.subsidy_share(c, year_start)[0] for c in parameters.categories()}
            objects = []
            for r in rows:
                pk, agency = persons.get(r.id_number, (None, None))
                objects.append(AidRecipient(
                    programme=programme, id_number=r.id_number, name=r.name, category=r.category,
                    valid_from=r.valid_from, valid_to=r.valid_to, person_id=pk, agency_id=agency,
                    share=shares[r.category], subsidy=fen(fee * shares[r.category]), source_row=r.row,
                    refund_bank_name=r.bank_name, refund_account_number=r.account_number))
            AidRecipient.objects.bulk_create(objects, batch_size=BATCH)
            AidProgramme.objects.filter(pk=programme.pk).update(resident_fee=fee)
            record_audit(actor=actor, action="medical_aid.import", object_type="medical_aid.AidProgramme",
                         object_id=programme.pk, after={"rows": len(objects), "fee": str(fee)})
    finally:
        _unlock(programme)
    return ImportResult(rows=len(rows))


def submit_programme(*, programme: AidProgramme, actor: str) -> AidProgramme:
    """Send the imported list for approval (draft → to approve)."""
    with transaction.atomic():
        if not AidRecipient.objects.filter(programme=programme).exists():
            raise AidRefused("计划还没有导入救助对象名单，不能提交审批")
        moved = AidProgramme.objects.filter(pk=programme.pk, status=ProgrammeStatus.DRAFT, locked_by="").update(
            status=ProgrammeStatus.TO_APPROVE)
        if not moved:
            raise ProgrammeBusy("计划不是草稿状态或正在批量处理，不能提交审批")
        record_audit(actor=actor, action="medical_aid.submit", object_type="medical_aid.AidProgramme",
                     object_id=programme.pk)
    programme.refresh_from_db()
    return programme


def approve_programme(*, programme: AidProgramme, actor: str) -> AidProgramme:
    """审批 the list and its subsidies (to approve → approved); the importer cannot approve their own list."""
    with transaction.atomic():
        current = AidProgramme.objects.select_for_update().get(pk=programme.pk)
        if current.status != ProgrammeStatus.TO_APPROVE:
            raise ProgrammeBusy(f"计划当前状态为「{current.get_status_display()}」，不能审批")
        importer = (AidProgramme.objects.filter(pk=programme.pk).values_list("created_by", flat=True).first())
        if importer == actor:
            raise AidRefused("审批人不能是创建计划的经办人，请由另一名经办人审批")
        current.status, current.approved_by, current.approved_at = ProgrammeStatus.APPROVED, actor, clock.now()
        current.save(update_fields=["status", "approved_by", "approved_at"])
        record_audit(actor=actor, action="medical_aid.approve", object_type="medical_aid.AidProgramme",
                     object_id=programme.pk)
    return current


def _full_payers(programme: AidProgramme, person_ids: list[int]) -> set[int]:
    """Persons who had paid their full personal resident contribution of the year (seed 004 item 24)."""
    fee = programme.resident_fee or Decimal("0")
    return set(Contribution.objects.filter(
        person_id__in=person_ids, insurance_type=RESIDENT, month=date(programme.year, 1, 1), paid=True,
        personal_part__gte=fee).values_list("person_id", flat=True))


def _refund_payee(recipient: AidRecipient) -> PayeeDetails | None:
    if not (recipient.refund_bank_name and recipient.refund_account_number):
        return None
    return PayeeDetails(kind=PayeeKind.PERSON, identifier=recipient.id_number, name=recipient.name,
                        bank_name=recipient.refund_bank_name, account_number=recipient.refund_account_number)


def refund_reference(recipient: AidRecipient) -> str:
    return f"aid-subsidy:{recipient.programme.region.slug}:{recipient.programme.year}:{recipient.id_number}"


def refund_subsidy(*, recipient: AidRecipient, payee: PayeeDetails, actor: str, case=None) -> AidRecipient:
    """Refund one recipient who had already paid in full (from the run or from their own case): once."""
    with transaction.atomic():
        row = AidRecipient.objects.select_for_update(of=("self",)).select_related("programme__region", "agency").get(
            pk=recipient.pk)
        if row.payment_id is not None:
            return row
        agency = row.agency or (case.home_agency if case is not None else None)
        if agency is None:
            raise AidRefused(f"{row.name} 没有所属经办机构，不能退费")
        payment = approve_payment(actor=actor, fund=Fund.MEDICAL_AID, payee=payee, amount=row.subsidy,
                                  reference=refund_reference(row), agency=agency, case=case,
                                  source="" if case is not None else f"aid-programme:{row.programme_id}",
                                  note="医疗救助参保资助退费")
        row.payment, row.treatment, row.settled_at = payment, Treatment.REFUND, clock.now()
        row.reason = "已全额缴费，资助金额退还本人"
        row.save(update_fields=["payment", "treatment", "settled_at", "reason"])
        record_audit(actor=actor, action="medical_aid.refund", object_type="medical_aid.AidRecipient",
                     object_id=row.pk, after={"amount": str(row.subsidy), "payment": payment.pk})
    return row


def _refund_chunk(programme: AidProgramme, person_ids: list[int], *, actor: str) -> tuple[int, int]:
    """Refund, set-wise, the open recipients among ``person_ids`` who had paid in full: (refunded, waiting).

    The rows are locked first, so a refund from the person's own case (``refund_subsidy``) waits or
    has already settled the row; the payments are approved in one ``approve_payments`` call."""
    rows = list(AidRecipient.objects.select_for_update(of=("self",)).select_related("agency")
                .filter(programme=programme, person_id__in=person_ids, settled_at__isnull=True,
                        payment__isnull=True))
    prefix = f"aid-subsidy:{programme.region.slug}:{programme.year}:"
    orders: list[PaymentOrder] = []
    to_refund: list[AidRecipient] = []
    waiting: list[AidRecipient] = []
    for row in rows:
        payee = _refund_payee(row)
        if payee is None or row.agency is None:
            row.reason = "已全额缴费，名单无退费银行账户：待本人申请个人缴费补贴"
            waiting.append(row)
            continue
        try:
            order = check_payment_order(PaymentOrder(
                reference=prefix + row.id_number, fund=Fund.MEDICAL_AID, payee=payee, amount=row.subsidy,
                agency=row.agency, source=f"aid-programme:{programme.pk}", note="医疗救助参保资助退费"))
        except DomainError as exc:  # a malformed account in the list: the person applies instead
            row.reason = f"退费账户有误（{str(exc)[:80]}）：待本人申请个人缴费补贴"
            waiting.append(row)
            continue
        orders.append(order)
        to_refund.append(row)
    for row in waiting:
        row.treatment = Treatment.REFUND
    AidRecipient.objects.bulk_update(waiting, ["treatment", "reason"], batch_size=1000)
    if not orders:
        return 0, len(waiting)
    payments = approve_payments(actor=actor, orders=orders)
    AidRecipient.objects.filter(pk__in=[r.pk for r in to_refund]).update(
        payment_id=Subquery(Payment.objects.filter(reference=Concat(Value(prefix), OuterRef("id_number")))
                            .values("id")[:1]),
        treatment=Treatment.REFUND, settled_at=clock.now(), reason="已全额缴费，资助金额退还本人")
    record_audits([{"actor": actor, "action": "medical_aid.refund", "object_type": "medical_aid.AidRecipient",
                    "object_id": row.pk, "after": {"amount": str(row.subsidy),
                                                   "payment": payments[prefix + row.id_number].pk}}
                   for row in to_refund])
    return len(to_refund), len(waiting)


@dataclass
class RunResult:
    refunded: int = 0
    credited: int = 0
    waiting: int = 0
    not_insured: int = 0


def pay_programme(*, programme: AidProgramme, actor: str) -> RunResult:
    """Pay an approved programme: refunds to those who had paid in full, the subsidy credited for the others.

    Locked while it runs; a second or concurrent run is refused and a re-run pays nobody twice
    (each refund's reference is unique and a settled row is skipped)."""
    _lock(programme, actor=actor, status=ProgrammeStatus.APPROVED, work="支付")
    result = RunResult()
    try:
        with transaction.atomic():
            programme = AidProgramme.objects.select_related("region").get(pk=programme.pk)
            open_rows = AidRecipient.objects.filter(programme=programme, settled_at__isnull=True)
            result.not_insured = open_rows.filter(person__isnull=True).update(
                treatment=Treatment.NONE, reason="未查询到本统筹区的参保记录，不予资助", settled_at=clock.now())
            ids = list(open_rows.filter(person__isnull=False).values_list("person_id", flat=True))
            payers: set[int] = set()
            for chunk in _chunks(ids):
                payers |= _full_payers(programme, chunk)
            for chunk in _chunks(sorted(payers), 2000):
                refunded, waiting = _refund_chunk(programme, chunk, actor=actor)
                result.refunded += refunded
                result.waiting += waiting
            result.credited = (AidRecipient.objects.filter(programme=programme, settled_at__isnull=True,
                                                           person__isnull=False)
                               .exclude(person_id__in=payers)
                               .update(treatment=Treatment.CREDIT, settled_at=clock.now(),
                                       reason="资助金额抵缴本年度城乡居民个人缴费"))
            AidProgramme.objects.filter(pk=programme.pk).update(status=ProgrammeStatus.PAID, paid_by=actor,
                                                                paid_at=clock.now())
            record_audit(actor=actor, action="medical_aid.pay", object_type="medical_aid.AidProgramme",
                         object_id=programme.pk, after=result.__dict__)
    finally:
        _unlock(programme)
    return result


# --- identification and aid reimbursement --------------------------------------------------

def recipient_on(id_number: str, day: date, *, region: Region) -> AidRecipient | None:
    """The person's identification as an aid recipient on ``day`` (an approved list's row valid that day)."""
    return (AidRecipient.objects.filter(
        id_number=id_number, programme__region=region, valid_from__lte=day,
        programme__status__in=[ProgrammeStatus.APPROVED, ProgrammeStatus.PAID])
        .exclude(valid_to__lt=day).order_by("-valid_from").first())


def aid_paid_in_year(person: Person, year: int, *, excluding: str = "") -> Decimal:
    total = (AidReimbursement.objects.filter(person=person, year=year).exclude(case_number=excluding)
             .aggregate(s=Sum("amount"))["s"])
    return total or Decimal("0.00")


@dataclass
class AidAssessment:
    amount: Decimal
    lines: list[tuple[str, str]]
    demo: bool


def assess_aid(*, region: Region, category: str, day: date, still_borne: Decimal, paid_so_far: Decimal) -> AidAssessment:
    """The aid on what the person still bears in policy: ratio (≥ the national floor for key
    recipients) within the year's cap — the rules parameters aid_ratio / aid_ratio_floor / aid_annual_cap."""
    from yibao.rules.parameters import ParameterMissing
    from yibao.rules.selectors import current_rulebook

    book = current_rulebook(region.slug)
    rules_cat = parameters.rules_category(category)
    try:
        ratio_v = book.lookup("aid_ratio", day, aid_category=rules_cat)
        cap_v = book.lookup("aid_annual_cap", day, aid_category=rules_cat)
    except ParameterMissing as exc:
        raise AidRefused(f"{day:%Y-%m-%d} 的医疗救助参数缺失，无法计算：{exc}") from exc
    ratio: Decimal = ratio_v.value  # type: ignore[assignment]
    lines = [("救助类别", f"{category}（按「{rules_cat}」参数计算）")]
    demo = ratio_v.demo or cap_v.demo
    lines.append(("医疗救助比例", f"{ratio * 100:.0f}%（{ratio_v.effective:%Y-%m-%d}起"
                                  + ("；示例参数，须按本地现行文件核定）" if ratio_v.demo else "）")))
    try:
        floor_v = book.lookup("aid_ratio_floor", day, aid_category=rules_cat)
    except ParameterMissing:
        floor_v = None
    if floor_v is not None and floor_v.value > ratio:  # type: ignore[operator]
        ratio = floor_v.value  # type: ignore[assignment]
        lines.append(("国家规定下限", f"重点救助对象不低于 {ratio * 100:.0f}%（{floor_v.reference}），按下限计算"))
    cap = fen(cap_v.value)  # type: ignore[arg-type]
    room = max(Decimal("0.00"), cap - paid_so_far)
    amount = min(fen(still_borne * ratio), room)
    lines.append(("医疗救助年度限额", f"{cap} 元，本年度已救助 {fen(paid_so_far)} 元，剩余 {room} 元"
                  + ("（示例参数，须按本地现行文件核定）" if cap_v.demo else "")))
    lines.append(("医疗救助金额", f"{fen(still_borne)} 元 × {ratio * 100:.0f}% = {fen(still_borne * ratio)} 元，"
                                 f"核定 {amount} 元"))
    return AidAssessment(amount=amount, lines=lines, demo=demo)


def pay_aid_reimbursement(*, case, person: Person, recipient: AidRecipient, settlement_number: str, day: date,
                          still_borne: Decimal, payee: PayeeDetails, actor: str) -> AidReimbursement:
    """核定 and pay the aid of one basic settlement at 拨付; the person's row is locked so two claims
    of one person cannot both use the year's remaining cap."""
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        done = AidReimbursement.objects.filter(case_number=case.number).first()
        if done is not None:
            return done
        other = AidReimbursement.objects.filter(person=person, settlement_number=settlement_number).first()
        if other is not None:
            raise AidRefused(f"结算单 {settlement_number} 已由办件 {other.case_number} 给予医疗救助，不能重复报销")
        assessment = assess_aid(region=case.region, category=recipient.category, day=day, still_borne=still_borne,
                                paid_so_far=aid_paid_in_year(person, day.year))
        if assessment.amount <= 0:
            raise AidRefused(f"{person.name} {day.year} 年度医疗救助已达年度限额或无政策范围内个人负担，本次救助金额为 0")
        payment = approve_payment(actor=actor, fund=Fund.MEDICAL_AID, payee=payee, amount=assessment.amount,
                                  reference=f"aid-reimbursement:{case.number}", agency=case.home_agency, case=case,
                                  note="医疗救助零星报销")
        row = AidReimbursement.objects.create(
            case_number=case.number, person=person, year=day.year, category=recipient.category,
            settlement_number=settlement_number, still_borne=fen(still_borne), amount=assessment.amount,
            explanation=[list(x) for x in assessment.lines], uses_demo_values=assessment.demo,
            agency=case.home_agency, payment=payment, actor=actor)
        record_audit(actor=actor, action="medical_aid.reimburse", object_type="medical_aid.AidReimbursement",
                     object_id=row.pk, after={"case": case.number, "amount": str(assessment.amount)})
    return row
