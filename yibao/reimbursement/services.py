"""Every write of a reimbursement claim: record it at 受理, adjust its lines at 审核, pay it at
拨付 (settlement, yearly ledger and payments in the step's one transaction), settle it at 办结;
and the 意外伤害认定's investigation and decision.

The case engine moves the case (``yibao.cases.services``); these functions are called from
the handlers' ``on_step`` inside that move's transaction, or by the reviewer before 审核.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from yibao import clock
from yibao.agencies.models import StaffMember
from yibao.audit.services import record_audit
from yibao.cases.handlers import HandlerRefusal
from yibao.cases.models import Case, CaseStatus
from yibao.cases.routing import may_handle
from yibao.cases.services import advance_case
from yibao.enrollment.models import InsurancePeriod, Person
from yibao.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from yibao.offsite.selectors import filing_in_force
from yibao.payments.models import PayeeKind
from yibao.payments.services import PayeeDetails, PaymentError, approve_payment
from yibao.reimbursement import settlement
from yibao.reimbursement.eligibility import accident_determination_for, check_direct_settlements
from yibao.reimbursement.fields import ClaimFields
from yibao.reimbursement.item_rules import rule_for
from yibao.reimbursement.models import (
    AccidentDetermination,
    AccidentOutcome,
    AdjustReason,
    Claim,
    ClaimLine,
    ClaimStatus,
    ReimbursedBill,
)

FEN = Decimal("0.01")
# A claim above this 申报 total is confirmed by a second person (复审) before 拨付.
DEFAULT_SECOND_REVIEW_ABOVE = Decimal("10000.00")


class ReimbursementError(Invalid):
    code = "reimbursement_invalid"


class ClaimRefused(Refused):
    code = "reimbursement_refused"


class ClaimForbidden(Forbidden):
    code = "reimbursement_forbidden"


class ClaimNotFound(NotFound):
    code = "reimbursement_not_found"


class BillAlreadyReimbursed(Conflict):
    code = "bill_already_reimbursed"


def second_review_above() -> Decimal:
    """The configurable threshold (setting ``REIMBURSEMENT_SECOND_REVIEW_ABOVE``, yuan)."""
    return Decimal(str(getattr(settings, "REIMBURSEMENT_SECOND_REVIEW_ABOVE", DEFAULT_SECOND_REVIEW_ABOVE)))


@transaction.atomic
def record_claim(*, case: Case, fields: ClaimFields, person: Person, period: InsurancePeriod,
                 handler_key: str, actor: str) -> Claim:
    """受理: write the claim and its lines (stage 申报) from the application; idempotent per case."""
    existing = Claim.objects.filter(case=case).first()
    if existing is not None:
        return existing
    claim = Claim.objects.create(
        case=case, person=person, handler_key=handler_key, insurance_type=period.insurance_type,
        med_type=fields.med_type, institution_code=fields.institution_code,
        institution_name=fields.institution_name, institution_local=fields.institution_local,
        hospital_level=fields.hospital_level, admission_date=fields.admission_date,
        discharge_date=fields.discharge_date, diagnosis_code=fields.diagnosis_code,
        diagnosis_name=fields.diagnosis_name, disease_code=fields.disease_code, referral=fields.referral,
        # Recorded on the care day, as the lowered ratio for care off-site without filing is decided by it.
        filing_in_force=fields.institution_local or filing_in_force(person, fields.admission_date) is not None,
        accident=fields.accident, claimed_total=fields.claimed_total,
    )
    ClaimLine.objects.bulk_create([
        ClaimLine(claim=claim, row=line.row, item_code=line.item_code, item_name=line.item_name,
                  grade=line.grade, unit_price=line.unit_price, quantity=line.quantity,
                  price_ceiling=line.price_ceiling, self_pay_ratio=line.self_pay_ratio,
                  claimed_amount=line.amount)
        for line in fields.lines])
    record_audit(actor=actor, action="reimbursement.claim.record", object_type="Claim", object_id=case.number,
                 after={"person": person.id_number, "claimed_total": str(claim.claimed_total),
                        "lines": len(fields.lines), "bills": fields.bill_numbers})
    return claim


def _claim_for_staff(case: Case, staff: StaffMember) -> Claim:
    if not may_handle(staff=staff, case=case):
        raise ClaimForbidden(f"{staff.agency.name}不是该办件的所属经办机构，不能审核费用明细")
    claim = Claim.objects.select_for_update().filter(case=case).first()
    if claim is None:
        raise ClaimNotFound(f"办件 {case.number} 没有报销申请记录（受理后方可审核）")
    return claim


@transaction.atomic
def adjust_line(*, case: Case, staff: StaffMember, row: int, amount: Decimal, reason: str,
                note: str = "") -> ClaimLine:
    """审核调整 one line: a lower amount with a reason code (the 申报 amount stays beside it)."""
    case = Case.objects.select_for_update(of=("self",)).select_related("home_agency").get(pk=case.pk)
    if not staff.roles.filter(role="review").exists():
        raise ClaimForbidden("审核费用明细需要「审核」角色")
    if case.status != CaseStatus.ACCEPTED:
        raise ClaimRefused(f"办件当前状态为「{case.get_status_display()}」，只有已受理待审核的办件可以调整费用明细")
    claim = _claim_for_staff(case, staff)
    line = claim.lines.filter(row=row).first()
    if line is None:
        raise ReimbursementError(f"字段 行号：费用明细没有第 {row} 行")
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ReimbursementError(f"字段 第 {row} 行 调整后金额：须为金额（元）")
    amount = amount.quantize(FEN, rounding=ROUND_HALF_UP)
    if amount < 0 or amount > line.claimed_amount:
        raise ReimbursementError(f"字段 第 {row} 行 调整后金额：须在 0 至申报金额 {line.claimed_amount} 元之间")
    if reason not in AdjustReason.values:
        raise ReimbursementError(f"字段 第 {row} 行 调整原因：可选 "
                                 + "、".join(f"{r.value} {r.label}" for r in AdjustReason))
    if reason == AdjustReason.OTHER and not note.strip():
        raise ReimbursementError(f"字段 第 {row} 行 调整说明：调整原因为「其他」时必须写明")
    if any(ord(ch) < 32 for ch in note) or len(note.strip()) > 200:
        raise ReimbursementError(f"字段 第 {row} 行 调整说明：不超过 200 个字，且不能含不可见的控制字符")
    before = {"amount": str(line.current_amount), "reason": line.adjust_reason}
    line.adjusted_amount, line.adjust_reason = amount, reason
    line.adjust_note, line.adjusted_by = note.strip()[:200], staff.user.username
    line.save(update_fields=["adjusted_amount", "adjust_reason", "adjust_note", "adjusted_by"])
    record_audit(actor=staff.user.username, action="reimbursement.line.adjust", object_type="Claim",
                 object_id=case.number, before=before,
                 after={"row": row, "amount": str(amount), "reason": reason, "note": line.adjust_note})
    return line


def approve_lines(*, case: Case, actor: str) -> Claim:
    """审核 step: every line's 核准 amount is its adjusted (or claimed) amount."""
    claim = Claim.objects.select_for_update().get(case=case)
    lines = list(claim.lines.all())
    for line in lines:
        line.approved_amount = line.current_amount
    ClaimLine.objects.bulk_update(lines, ["approved_amount"])
    claim.approved_total = sum((line.current_amount for line in lines), Decimal("0.00"))
    claim.status = ClaimStatus.REVIEWED
    claim.save(update_fields=["approved_total", "status"])
    record_audit(actor=actor, action="reimbursement.claim.approve_lines", object_type="Claim",
                 object_id=case.number, after={"approved_total": str(claim.approved_total)})
    return claim


def _payee(claim: Claim, fields: ClaimFields) -> PayeeDetails:
    if fields.payee == "单位":
        return PayeeDetails(kind=PayeeKind.UNIT, identifier=fields.account_id_number, name=fields.account_name,
                            bank_name=fields.bank_name, account_number=fields.account_number)
    identifier = claim.person.id_number if fields.payee == "本人" else fields.account_id_number
    return PayeeDetails(kind=PayeeKind.PERSON, identifier=identifier, name=fields.account_name,
                        bank_name=fields.bank_name, account_number=fields.account_number)


def pay_claim(*, case: Case, fields: ClaimFields, actor: str) -> Claim:
    """拨付: compute the settlement as of the care day, record the person's yearly usage, mark the
    bills reimbursed and approve the fund payments — all in the 拨付 move's transaction, so a
    retried or concurrent 拨付 pays once and two claims of one person never share a deductible."""
    claim = Claim.objects.select_for_update(of=("self", "person")).select_related("person", "case__home_agency").get(case=case)
    if claim.status == ClaimStatus.PAID or claim.status == ClaimStatus.SETTLED:
        return claim
    if claim.status != ClaimStatus.REVIEWED:
        raise ClaimRefused("费用明细尚未审核核准，不能拨付")
    try:
        with transaction.atomic():
            ReimbursedBill.objects.bulk_create([ReimbursedBill(bill_number=number, claim=claim)
                                                for number in fields.bill_numbers])
    except IntegrityError as exc:
        taken = ReimbursedBill.objects.filter(bill_number__in=fields.bill_numbers).exclude(claim=claim).first()
        number = taken.bill_number if taken else "、".join(fields.bill_numbers)
        raise BillAlreadyReimbursed(f"票据 {number} 已报销过，不能重复报销") from exc
    try:  # a direct settlement declared since 受理 still stops the money
        check_direct_settlements(fields)
    except HandlerRefusal as exc:
        raise BillAlreadyReimbursed(str(exc)) from exc
    if claim.accident and rule_for(claim.handler_key).accident_determination_required:
        claim.accident_determination = accident_determination_for(claim.person, fields)
        if claim.accident_determination is None:
            raise ClaimRefused("意外伤害费用须先经「意外伤害费用纳入医保支付范围认定」认定为符合，方可拨付")
    result = settlement.settle_claim(claim=claim, actor=actor)
    payee = _payee(claim, fields)
    try:
        for fund, amount in result.fund_payments.items():
            if amount > 0:
                approve_payment(actor=actor, fund=fund, payee=payee, amount=amount,
                                reference=f"reimbursement:{case.number}:{fund}", agency=case.home_agency,
                                case=case, note=f"{case.item.name} {case.number}")
    except PaymentError as exc:
        raise ClaimRefused(str(exc)) from exc
    claim.settlement = result.as_json()
    claim.fund_paid, claim.personal_paid = result.fund_total, result.personal_total
    claim.status, claim.paid_at = ClaimStatus.PAID, clock.now()
    claim.save(update_fields=["settlement", "fund_paid", "personal_paid", "status", "paid_at",
                             "accident_determination"])
    record_audit(actor=actor, action="reimbursement.claim.pay", object_type="Claim", object_id=case.number,
                 after={"fund_paid": str(claim.fund_paid), "personal_paid": str(claim.personal_paid),
                        "funds": {k: str(v) for k, v in result.fund_payments.items()},
                        "demo_parameters": result.demo})
    return claim


def settle_claim(*, case: Case, actor: str) -> Claim:
    """办结: the claim is settled; the 结算单 is issued from it (``pdf.issue_settlement_statement``)."""
    claim = Claim.objects.select_for_update().get(case=case)
    if claim.status != ClaimStatus.PAID:
        raise ClaimRefused("报销尚未拨付，不能办结")
    claim.status = ClaimStatus.SETTLED
    claim.save(update_fields=["status"])
    record_audit(actor=actor, action="reimbursement.claim.settle", object_type="Claim", object_id=case.number)
    return claim


# --- 意外伤害认定 ---------------------------------------------------------------------------

def open_determination(*, case: Case, person: Person, accident_date, actor: str) -> AccidentDetermination:
    """受理 of a determination: its record, awaiting the investigation."""
    determination, created = AccidentDetermination.objects.get_or_create(
        case=case, defaults={"person": person, "accident_date": accident_date})
    if created:
        record_audit(actor=actor, action="reimbursement.accident.open", object_type="AccidentDetermination",
                     object_id=case.number, after={"person": person.id_number,
                                                   "accident_date": accident_date.isoformat()})
    return determination


@transaction.atomic
def investigate_accident(*, case: Case, staff: StaffMember, notes: str, investigator: str = "",
                         third_party_liable: bool | None = None, third_party: str = "",
                         window=None) -> AccidentDetermination:
    """调查: record the investigation (who investigated, the findings, whether a third party is
    liable and who) and complete the 调查 step, in one transaction. ``third_party_liable`` None
    means the third party could not be determined."""
    notes, investigator, third_party = (notes or "").strip(), (investigator or "").strip(), (third_party or "").strip()
    if not notes or "\x00" in notes:
        raise ReimbursementError("字段 调查记录：必填，写明受伤经过和有无责任第三方")
    if any(ord(ch) < 32 for ch in investigator + third_party):
        raise ReimbursementError("字段 调查人员、责任第三方：含有不可见的控制字符")
    if len(investigator) > 100 or len(third_party) > 100:
        raise ReimbursementError("字段 调查人员、责任第三方：不超过 100 个字")
    if third_party_liable and not third_party:
        raise ReimbursementError("字段 责任第三方：调查认定有责任第三方时须写明是谁（姓名或单位名称）")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.ACCEPTED:
        raise ClaimRefused(f"办件当前状态为「{case.get_status_display()}」，只有已受理待调查的办件可以记录调查")
    determination = AccidentDetermination.objects.select_for_update().filter(case=case).first()
    if determination is None:
        raise ClaimNotFound(f"办件 {case.number} 没有意外伤害认定记录")
    if not may_handle(staff=staff, case=case):
        raise ClaimForbidden(f"{staff.agency.name}不是该办件的所属经办机构，不能调查")
    determination.investigation_notes = notes[:4000]
    determination.investigated_by = staff.user.username
    determination.investigator = investigator or staff.name
    determination.third_party_liable = third_party_liable
    determination.third_party = third_party if third_party_liable else ""
    determination.investigated_at = clock.now()
    determination.save(update_fields=["investigation_notes", "investigated_by", "investigator",
                                      "third_party_liable", "third_party", "investigated_at"])
    record_audit(actor=staff.user.username, action="reimbursement.accident.investigate",
                 object_type="AccidentDetermination", object_id=case.number,
                 after={"notes": notes[:200], "investigator": determination.investigator,
                        "third_party_liable": third_party_liable, "third_party": determination.third_party})
    advance_case(case=case, staff=staff, action="investigate", opinion=notes[:500], window=window)
    return determination


@transaction.atomic
def determine_accident(*, case: Case, staff: StaffMember, eligible: bool, reason: str,
                       window=None) -> AccidentDetermination:
    """认定: 符合 (the fund pays; a claim's accident flag is cleared by it) or 不符合 with the reason —
    e.g. a liable third party must bear the costs (社会保险法第三十条) — which ends the case."""
    reason = (reason or "").strip()
    if not eligible and not reason:
        raise ReimbursementError("字段 认定理由：认定不符合时必须写明理由（如：应由第三人负担，社会保险法第三十条）")
    if "\x00" in reason:
        raise ReimbursementError("字段 认定理由：含有不可见的控制字符")
    case = Case.objects.select_for_update().get(pk=case.pk)
    determination = AccidentDetermination.objects.select_for_update().filter(case=case).first()
    if determination is None:
        raise ClaimNotFound(f"办件 {case.number} 没有意外伤害认定记录")
    if not may_handle(staff=staff, case=case):
        raise ClaimForbidden(f"{staff.agency.name}不是该办件的所属经办机构，不能认定")
    if eligible and determination.third_party_liable and not reason:
        raise ReimbursementError(
            f"字段 认定理由：调查认定有责任第三方（{determination.third_party}），认定符合须写明理由"
            "（社会保险法第三十条：第三人不支付或者无法确定第三人的，由基金先行支付）")
    determination.outcome = AccidentOutcome.ELIGIBLE if eligible else AccidentOutcome.INELIGIBLE
    determination.reason = reason[:300] or "经调查，符合医保支付政策"
    determination.decided_by, determination.decided_at = staff.user.username, clock.now()
    determination.save(update_fields=["outcome", "reason", "decided_by", "decided_at"])
    record_audit(actor=staff.user.username, action="reimbursement.accident.decide",
                 object_type="AccidentDetermination", object_id=case.number,
                 after={"outcome": determination.outcome, "reason": determination.reason})
    advance_case(case=case, staff=staff, action="recognize", approve=eligible,
                 opinion=determination.reason, window=window)
    return determination


def confirm_eligible(*, case: Case, actor: str) -> AccidentDetermination:
    """The 认定 step approved through the generic console: the outcome is 符合."""
    determination = AccidentDetermination.objects.select_for_update().get(case=case)
    if determination.outcome == AccidentOutcome.INELIGIBLE:
        raise ClaimRefused("已认定为不符合，不能按符合办理")
    if not determination.outcome:
        determination.outcome, determination.reason = AccidentOutcome.ELIGIBLE, "经调查，符合医保支付政策"
        determination.decided_by, determination.decided_at = actor, clock.now()
        determination.save(update_fields=["outcome", "reason", "decided_by", "decided_at"])
        record_audit(actor=actor, action="reimbursement.accident.decide", object_type="AccidentDetermination",
                     object_id=case.number, after={"outcome": determination.outcome})
    return determination
