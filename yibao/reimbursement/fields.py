"""The application's fields: the care episode (the national 就医 fields) and its itemized lines.

Lines come from the 费用明细清单 upload (``excel.py``) or are typed at the window; either
way they are these models, so one validation serves both.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from yibao import clock

FEN = Decimal("0.01")
# 医疗类别 (national 医保信息平台 med_type, BENEFITS.md §2); longer provincial codes match by parent.
MED_TYPES = {
    "11": "普通门诊", "12": "门诊挂号", "13": "急诊", "14": "门诊慢特病", "16": "中医特色门诊",
    "21": "普通住院", "22": "外伤住院", "23": "转外诊治住院", "24": "急诊转住院", "26": "单病种住院",
    "28": "日间手术",
}
OUTPATIENT_TYPES = frozenset({"11", "12", "13", "14", "16"})
INPATIENT_TYPES = frozenset({"21", "22", "23", "24", "26", "28"})
HOSPITAL_LEVELS = ("一级", "二级", "三级")
REFERRALS = ("已办理转诊转院审批", "未办理转诊转院审批", "不涉及")
MAX_LINES = 500
MAX_EPISODE_DAYS = 366
_BILL = re.compile(r"^[A-Za-z0-9\-]{1,40}$")
_DISEASE = re.compile(r"^M\d{5}$")
_INSTITUTION = re.compile(r"^[HP]\d{11}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


YES_NO = {"是": True, "否": False}
LINE_COLUMNS = ("item_code", "item_name", "grade", "unit_price", "quantity", "price_ceiling", "self_pay_ratio")
LINES_HELP = ("每行一项，以逗号或 Tab 分隔：收费项目编码,收费项目名称,等级(甲/乙/丙),单价,数量[,限价,乙类自付比例]；"
              "也可在「费用明细清单」上传 Excel（模板：/api/reimbursement/lines/template）")


def lines_from_text(text: str) -> list[dict]:
    """Typed lines (the window's or the hall's textarea) → line dicts numbered from 1; empty
    optional columns are left out, so each bad value is named by its line (第 N 行) on validation."""
    rows = []
    for number, raw in enumerate((t for t in text.splitlines() if t.strip()), start=1):
        cells = [c.strip() for c in re.split(r"[\t,，]", raw)]
        row: dict = {"row": number}
        for column, cell in zip(LINE_COLUMNS, cells, strict=False):
            if cell:
                row[column] = cell
        rows.append(row)
    return rows


def med_type_parent(code: str) -> str:
    return code[:2]


class ClaimLineIn(BaseModel):
    """One line of the 费用明细清单. ``row``: its Excel row number, or its position when typed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    row: int = Field(ge=1, le=100_000, title="行号")
    item_code: str = Field(default="", max_length=50, title="收费项目编码")
    item_name: str = Field(min_length=1, max_length=100, title="收费项目名称")
    grade: Literal["甲", "乙", "丙"] = Field(title="等级(甲/乙/丙)")
    unit_price: Decimal = Field(gt=0, le=Decimal("10000000"), decimal_places=4, title="单价")
    quantity: Decimal = Field(gt=0, le=Decimal("100000"), decimal_places=4, title="数量")
    price_ceiling: Decimal | None = Field(default=None, gt=0, le=Decimal("10000000"), decimal_places=4,
                                          title="限价")
    self_pay_ratio: Decimal | None = Field(default=None, ge=0, le=1, decimal_places=4, title="自付比例")

    @field_validator("item_code", "item_name")
    @classmethod
    def no_control_characters(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("含有不可见的控制字符")
        return value

    @model_validator(mode="after")
    def ratio_for_grade_b_only(self) -> ClaimLineIn:
        if self.self_pay_ratio is not None and self.grade != "乙":
            raise ValueError("只有乙类项目填写自付比例")
        return self

    @property
    def amount(self) -> Decimal:
        """申报金额 of the line: unit price × quantity, to the fen."""
        return (self.unit_price * self.quantity).quantize(FEN)


class ClaimFields(BaseModel):
    """零星报销登记 (Jincheng operation guide §五: 人员, 定点医药机构, 医疗类别, 就医开始/结束日期, 报销原因,
    费用总额, 附件张数, 拨付对象, 银行账户, 疾病诊断) plus the lines and bills."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    insured_name: str = Field(min_length=1, max_length=50, title="参保人姓名")
    insured_id_number: str = Field(min_length=15, max_length=18, title="参保人身份证号码")
    med_type: str = Field(pattern=r"^\d{2}(\d{2,4})?$", title="医疗类别",
                          json_schema_extra={"x-suggestions": MED_TYPES})
    institution_code: str = Field(default="", max_length=12, title="定点医药机构编码")
    institution_name: str = Field(min_length=1, max_length=100, title="医疗机构名称")
    institution_local: bool = Field(title="本市定点医疗机构（是/否）")
    hospital_level: Literal["一级", "二级", "三级"] = Field(title="医院等级（未定级的按一级）")
    admission_date: date = Field(title="就医开始日期")
    discharge_date: date = Field(title="就医结束日期")
    diagnosis_code: str = Field(default="", max_length=20, title="疾病诊断编码")
    diagnosis_name: str = Field(min_length=1, max_length=100, title="疾病诊断")
    disease_code: str = Field(default="", max_length=6, title="门诊慢特病病种编码")
    chronic_kind: Literal["", "门诊慢性病", "特药"] = Field(default="", title="慢特病类别")
    referral: Literal["已办理转诊转院审批", "未办理转诊转院审批", "不涉及"] = Field(
        default="不涉及", title="转诊转院")
    accident: bool = Field(default=False, title="意外伤害（是/否）")
    died: bool = Field(default=False, title="参保人已死亡（是/否，死亡费用报销）")
    reason: str = Field(default="", max_length=200, title="报销原因")
    bill_numbers: list[str] = Field(min_length=1, max_length=50, title="收费票据号码（多张以逗号或空格分隔）")
    attachments: int = Field(default=0, ge=0, le=999, title="附件张数")
    payee: Literal["本人", "代办人", "单位"] = Field(default="本人", title="拨付对象")
    account_name: str = Field(min_length=1, max_length=100, title="收款户名")
    account_id_number: str = Field(default="", max_length=18, title="收款人证件号码/单位统一社会信用代码")
    bank_name: str = Field(min_length=1, max_length=100, title="开户银行")
    account_number: str = Field(pattern=r"^\d{8,30}$", title="银行账号")
    lines: list[ClaimLineIn] = Field(
        min_length=1, max_length=MAX_LINES, title="费用明细（每行一项）",
        json_schema_extra={"x-widget": "rows", "x-help": LINES_HELP})

    @field_validator("institution_local", "accident", "died", mode="before")
    @classmethod
    def yes_no(cls, value):
        # The hall's and the console's text inputs: 是/否 as well as true/false.
        if isinstance(value, str) and value.strip() in YES_NO:
            return YES_NO[value.strip()]
        return value

    @field_validator("bill_numbers", mode="before")
    @classmethod
    def bills_from_text(cls, value):
        if isinstance(value, str):
            return [part for part in re.split(r"[,，、\s]+", value) if part]
        return value

    @field_validator("lines", mode="before")
    @classmethod
    def lines_from_text(cls, value):
        if isinstance(value, str):
            return lines_from_text(value)
        return value

    @field_validator("insured_id_number", "account_id_number")
    @classmethod
    def upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("insured_name", "institution_name", "diagnosis_name", "diagnosis_code", "reason",
                     "account_name", "bank_name")
    @classmethod
    def no_control_characters(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("含有不可见的控制字符")
        return value

    @field_validator("med_type")
    @classmethod
    def known_med_type(cls, value: str) -> str:
        if med_type_parent(value) not in MED_TYPES:
            raise ValueError(f"「{value}」不是报销适用的医疗类别，可选：" +
                             "、".join(f"{k} {v}" for k, v in MED_TYPES.items()))
        return value

    @field_validator("institution_code")
    @classmethod
    def institution_code_format(cls, value: str) -> str:
        if value and not _INSTITUTION.match(value):
            raise ValueError("定点医药机构编码为 H 或 P 加 11 位数字（异地非定点机构可不填）")
        return value

    @field_validator("disease_code")
    @classmethod
    def disease_code_format(cls, value: str) -> str:
        if value and not _DISEASE.match(value):
            raise ValueError("门诊慢特病病种编码为 M 加 5 位数字，如 M03900")
        return value

    @field_validator("bill_numbers")
    @classmethod
    def bills_well_formed(cls, value: list[str]) -> list[str]:
        cleaned = [v.strip() for v in value]
        bad = [v for v in cleaned if not _BILL.match(v)]
        if bad:
            raise ValueError(f"「{bad[0][:40]}」不是有效的票据号码（字母、数字、连字符，至多40位）")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("同一票据号码填写了两次")
        return cleaned

    @model_validator(mode="after")
    def consistent(self) -> ClaimFields:
        if self.discharge_date < self.admission_date:
            raise ValueError(f"就医结束日期 {self.discharge_date:%Y-%m-%d} 早于就医开始日期 "
                             f"{self.admission_date:%Y-%m-%d}")
        if self.discharge_date > clock.today():
            raise ValueError(f"就医结束日期 {self.discharge_date:%Y-%m-%d} 晚于今天，不能报销尚未发生的费用")
        if self.discharge_date - self.admission_date > timedelta(days=MAX_EPISODE_DAYS):
            raise ValueError(f"一次就医的起止日期跨度不能超过 {MAX_EPISODE_DAYS} 天，请按就医分次申报")
        rows = [line.row for line in self.lines]
        if len(set(rows)) != len(rows):
            raise ValueError("费用明细的行号有重复")
        if self.payee != "本人" and not self.account_id_number:
            raise ValueError(f"拨付对象为{self.payee}时须填写收款人证件号码/单位统一社会信用代码")
        return self

    @property
    def claimed_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def is_inpatient(self) -> bool:
        return med_type_parent(self.med_type) in INPATIENT_TYPES
