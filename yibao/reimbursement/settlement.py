"""The claim's settlement through the rules domain's calculator (``yibao.rules.calculator``).

The claim's approved lines and episode become the calculator's ``Episode`` and ``Line``s;
"this year so far" is read from the person's locked yearly ledger row and the settlement's
``usage_delta`` is written back to it in the same (拨付) transaction, so two claims of one
person paid at once are serialised on that row and never both use the deductible.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yibao.enrollment.models import InsurancePeriod, PersonCategory
from yibao.reimbursement.fields import med_type_parent
from yibao.reimbursement.item_rules import rule_for
from yibao.reimbursement.models import Claim
from yibao.rules import services as rules_services
from yibao.rules.calculator import Episode, Line, Settlement, settle
from yibao.rules.parameters import DEMO_NOTE
from yibao.rules.selectors import usage_of

ZERO = Decimal("0.00")
EMERGENCY_TYPES = frozenset({"13", "24"})  # 急诊, 急诊转住院
CATEGORY: dict[str, str] = {PersonCategory.EMPLOYED: "在职", PersonCategory.FLEXIBLE: "在职",
                            PersonCategory.RETIRED: "退休"}
SHARES = {"pooled": "统筹基金支出", "serious": "大病保险/大额补助", "aid": "医疗救助"}


@dataclass(frozen=True)
class ClaimSettlement:
    result: Settlement
    fund_payments: dict[str, Decimal]  # national 基金支付类型 → amount

    @property
    def fund_total(self) -> Decimal:
        return self.result.fund_total

    @property
    def personal_total(self) -> Decimal:
        return self.result.personal_total

    @property
    def demo(self) -> bool:
        return self.result.uses_demo_values

    def as_json(self) -> dict:
        r = self.result
        fields = {
            "医疗费总额": r.total, "全自费金额": r.fully_self_paid, "超限价自费": r.over_ceiling,
            "先行自付金额": r.first_self_paid, "符合政策范围金额": r.in_policy, "实际支付起付线": r.deductible,
            "统筹基金支出": r.pooled_fund, "大病保险/大额补助": r.serious_illness, "医疗救助": r.medical_aid,
            "基金支付总额": r.fund_total, "个人负担总金额": r.personal_total, "个人账户支出": r.personal_account,
            "个人现金支出": r.cash,
        }
        return {
            "fields": {label: f"{amount:.2f}" for label, amount in fields.items()},
            "pooled_ratio": f"{r.pooled_ratio}",
            "steps": [{"label": s.label, "amount": f"{s.amount:.2f}", "parameter": s.parameter, "value": s.value,
                       "effective": s.effective.isoformat() if s.effective else "", "reference": s.reference,
                       "demo": s.demo, "detail": s.detail} for s in r.steps],
            "demo": r.uses_demo_values,
            "demo_note": DEMO_NOTE if r.uses_demo_values else "",
            "funds": {code: f"{amount:.2f}" for code, amount in self.fund_payments.items()},
        }


def person_category(claim: Claim) -> str:
    if claim.insurance_type == "390":
        return "居民"
    period = (InsurancePeriod.objects.filter(person=claim.person, insurance_type=claim.insurance_type,
                                             start_date__lte=claim.admission_date)
              .order_by("-start_date", "-id").first())
    return CATEGORY.get(period.category, "在职") if period is not None else "在职"


def episode_of(claim: Claim) -> Episode:
    rule = rule_for(claim.handler_key)
    parent = med_type_parent(claim.med_type)
    # Jincheng deducts when the 《转诊转院审批表》 is missing; elsewhere only a stated 未办理 counts as missing.
    referral = (claim.referral == "已办理转诊转院审批" if rule.referral_deduction
                else claim.referral != "未办理转诊转院审批")
    return Episode(
        region=claim.case.region.slug, insurance_type=claim.insurance_type, person_category=person_category(claim),
        med_type=claim.med_type, hospital_level=claim.hospital_level, care_date=claim.admission_date,
        offsite=not claim.institution_local, filing_in_force=claim.filing_in_force,
        emergency=parent in EMERGENCY_TYPES, referral=referral,
        # A manual reimbursement repays what the person paid in cash: no personal account is drawn.
        personal_account_balance=ZERO,
    )


def lines_of(claim: Claim) -> list[Line]:
    return [Line(code=line.item_code, name=line.item_name, grade=line.grade, unit_price=line.unit_price,
                 quantity=line.quantity, amount=line.approved_amount if line.approved_amount is not None
                 else line.current_amount, price_ceiling=line.price_ceiling, self_pay_ratio=line.self_pay_ratio)
            for line in claim.lines.all()]


def preview(claim: Claim) -> ClaimSettlement:
    """What the claim would settle at now (unlocked read of the year so far; for display only)."""
    episode = episode_of(claim)
    usage = usage_of(claim.person, year=claim.admission_date.year, insurance_type=claim.insurance_type)
    return _shares(settle(episode, lines_of(claim), usage=usage))


def _shares(result: Settlement) -> ClaimSettlement:
    amounts = {"pooled": result.pooled_fund, "serious": result.serious_illness, "aid": result.medical_aid}
    payments: dict[str, Decimal] = {}
    for share, amount in amounts.items():
        code = result.fund_pay_types[share]
        payments[code] = payments.get(code, ZERO) + amount
    return ClaimSettlement(result=result, fund_payments=payments)


def settle_claim(*, claim: Claim, actor: str) -> ClaimSettlement:
    """Settle at 拨付 on the person's locked yearly ledger row and record the usage
    (``yibao.rules.services.settle_and_record``; call inside the 拨付 transaction)."""
    result = rules_services.settle_and_record(person=claim.person, episode=episode_of(claim), lines=lines_of(claim),
                                              reference=f"reimbursement:{claim.case.number}", actor=actor)
    return _shares(result)
