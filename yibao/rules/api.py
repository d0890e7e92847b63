"""The rules API (django-ninja router, mounted under /api/): 试算 without filing anything.

Public like the 试算 page (no token): it stores nothing and reads only what is sent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ninja import Router, Schema
from pydantic import Field

from yibao.api.auth import ErrorOut, ValidationErrorOut
from yibao.rules import trial
from yibao.rules.calculator import Line
from yibao.rules.parameters import DEMO_NOTE

router = Router(tags=["待遇试算"])
ERRORS: dict[int, Any] = {409: ErrorOut, 422: ValidationErrorOut}
MAX_LINES = 2000


class LineIn(Schema):
    code: str = Field("", max_length=50, description="收费项目编码")
    name: str = Field(..., min_length=1, max_length=100, description="收费项目名称")
    grade: str = Field(..., pattern="^[甲乙丙]$", description="甲 / 乙 / 丙（丙含目录外）")
    unit_price: Decimal = Field(..., ge=0, le=Decimal("99999999.99"))
    quantity: Decimal = Field(..., ge=0, le=Decimal("99999999"))
    amount: Decimal = Field(..., ge=0, le=Decimal("99999999.99"), decimal_places=2, description="金额（元，到分）")
    price_ceiling: Decimal | None = Field(None, ge=0, le=Decimal("99999999.99"), description="单价限价")
    self_pay_ratio: Decimal | None = Field(None, ge=0, le=1, description="乙类先行自付比例；空则按统筹区参数")


class TrialIn(Schema):
    region: str = Field(..., description="统筹区：taiyuan / changzhi / jincheng")
    insurance_type: str = Field(..., description="险种 310 职工 / 390 居民")
    person_category: str = Field(..., description="人员类别：在职 / 退休 / 居民")
    med_type: str = Field(..., description="医疗类别（国家编码的两位大类，如 21 普通住院）")
    hospital_level: str = Field(..., description="医院等级：一级 / 二级 / 三级")
    care_date: date = Field(..., description="就医日期（住院为入院日期）")
    offsite: bool = False
    filing_in_force: bool = Field(False, description="就医当日有有效的异地就医备案")
    emergency: bool = False
    referral: bool = Field(True, description="有《转诊转院审批表》")
    aid_category: str | None = Field(None, description="医疗救助类别：特困人员 / 低保对象 / 低保边缘 / 因病致贫")
    amount_a: Decimal | None = Field(None, description="甲类费用合计（不传 lines 时使用）")
    amount_b: Decimal | None = Field(None, description="乙类费用合计")
    amount_c: Decimal | None = Field(None, description="丙类及目录外费用合计")
    lines: list[LineIn] | None = Field(None, max_length=MAX_LINES, description="费用明细；传了则不用合计")
    deductible_used: Decimal | None = Field(None, description="本年度已付起付线")
    fund_paid: Decimal | None = Field(None, description="本年度统筹基金已支付")


class StepOut(Schema):
    label: str
    amount: Decimal
    parameter: str
    value: str
    effective: date | None
    reference: str
    demo: bool
    detail: str


class SettlementOut(Schema):
    total: Decimal = Field(description="医疗费总额")
    fully_self_paid: Decimal = Field(description="全自费金额")
    over_ceiling: Decimal = Field(description="超限价自费")
    first_self_paid: Decimal = Field(description="先行自付金额")
    in_policy: Decimal = Field(description="符合政策范围金额")
    deductible: Decimal = Field(description="实际支付起付线")
    pooled_fund: Decimal = Field(description="统筹基金支出")
    pooled_ratio: Decimal = Field(description="统筹支付比例（降低后）")
    serious_illness: Decimal = Field(description="大病保险 / 大额补助")
    medical_aid: Decimal = Field(description="医疗救助")
    fund_total: Decimal = Field(description="基金支付总额")
    personal_total: Decimal = Field(description="个人负担总金额")
    personal_account: Decimal = Field(description="个人账户支出")
    cash: Decimal = Field(description="个人现金支出")
    uses_demo_values: bool = Field(description="用到了示例参数")
    demo_note: str = Field(description="用到示例参数时的提示")
    steps: list[StepOut]


@router.post("/rules/trial", response={200: SettlementOut, **ERRORS}, auth=None,
             summary="报销试算：输入就医情况和费用，返回基金支付与计算过程（不保存）")
def trial_settlement(request, payload: TrialIn):
    data = trial.TrialInput(
        region=payload.region, insurance_type=payload.insurance_type, person_category=payload.person_category,
        med_type=payload.med_type, hospital_level=payload.hospital_level, care_date=payload.care_date,
        offsite=payload.offsite, filing_in_force=payload.filing_in_force, emergency=payload.emergency,
        referral=payload.referral, aid_category=payload.aid_category, amount_a=payload.amount_a,
        amount_b=payload.amount_b, amount_c=payload.amount_c, deductible_used=payload.deductible_used,
        fund_paid=payload.fund_paid)
    lines = None
    if payload.lines:
        lines = [Line(code=x.code, name=x.name, grade=x.grade, unit_price=x.unit_price, quantity=x.quantity,
                      amount=x.amount, price_ceiling=x.price_ceiling, self_pay_ratio=x.self_pay_ratio)
                 for x in payload.lines]
    result = trial.run_trial(data, lines=lines)
    return {**{k: getattr(result, k) for k in SettlementOut.model_fields if k not in ("steps", "demo_note")},
            "demo_note": DEMO_NOTE if result.uses_demo_values else "", "steps": list(result.steps)}
