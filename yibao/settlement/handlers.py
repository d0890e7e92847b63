"""The case handlers of category 十 (定点医药机构费用结算): the institution's 清算申请 for a month.

Taiyuan's 对定点医药机构进行结算(月度结算) ("由定点医药机构对账成功后发出清算申请") and Changzhi's
基本医疗保险定点医疗机构 / 定点零售药店费用结算 (30 个工作日). The application names the
month; the month itself is declared, reviewed and stated in this app (``services``), and
the case's 拨付 pays the statement both sides confirmed, once.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from yibao.cases.handlers import Effect, HandlerRefusal, ItemHandler, register
from yibao.errors import DomainError
from yibao.settlement.institutions import code_of_applicant
from yibao.settlement.models import Declaration, DeclarationStatus


class SettlementFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", title="结算月份（YYYY-MM）")


class MonthlySettlementHandler(ItemHandler[SettlementFields]):
    """清算申请 of a declared month; 拨付 pays the confirmed statement through the payments ledger."""

    key = "institution_settlement"
    Fields = SettlementFields
    acts_at = {"拨付": Effect.PAYMENT}
    # Which kind of institution an item serves (Changzhi splits them; Taiyuan's one item serves both).
    code_prefixes: tuple[str, ...] = ("H", "P")

    def _declaration(self, *, case, fields: SettlementFields) -> Declaration:
        if case.applicant_kind != "institution":
            raise HandlerRefusal("本事项只能由定点医药机构申请（个人、单位不能申请费用结算）")
        code = code_of_applicant(case.applicant_id_number)
        if not code:
            raise HandlerRefusal("申请机构尚未取得定点医药机构编码，不能申请费用结算")
        if not code.startswith(self.code_prefixes):
            kinds = {"H": "定点医疗机构", "P": "定点零售药店"}
            raise HandlerRefusal(f"本事项只受理{'、'.join(kinds[p] for p in self.code_prefixes)}的结算申请")
        year, month = fields.month.split("-")
        declaration = Declaration.objects.filter(institution_code=code, month=f"{year}-{month}-01").first()
        if declaration is None or declaration.status == DeclarationStatus.DRAFT:
            raise HandlerRefusal(f"字段 结算月份：{fields.month} 尚未申报结算明细，请先申报后再提出清算申请")
        return declaration

    def check(self, *, case, fields: SettlementFields) -> None:
        self._declaration(case=case, fields=fields)

    def home_agency(self, *, case, fields: SettlementFields):
        declaration = Declaration.objects.filter(
            institution_code=code_of_applicant(case.applicant_id_number),
            month=f"{fields.month}-01").select_related("agency").first()
        return declaration.agency if declaration else super().home_agency(case=case, fields=fields)

    def on_step(self, *, case, step: str, fields: SettlementFields, actor: str) -> None:
        from yibao.settlement.services import pay_statement

        declaration = self._declaration(case=case, fields=fields)
        try:
            pay_statement(actor=actor, declaration=declaration, case=case)
        except DomainError as exc:
            raise HandlerRefusal(str(exc)) from exc
        if not declaration.case_number:
            Declaration.objects.filter(pk=declaration.pk).update(case_number=case.number)

    def describe(self, *, case, fields: SettlementFields):
        rows = [("结算月份", fields.month)]
        declaration = Declaration.objects.filter(institution_code=code_of_applicant(case.applicant_id_number),
                                                 month=f"{fields.month}-01").first()
        if declaration is not None:
            rows.append(("申报状态", declaration.get_status_display()))
            if declaration.due_date:
                rows.append(("拨付期限（申报后30个工作日）", f"{declaration.due_date:%Y-%m-%d}"))
            for line in declaration.lines.all():
                rows.append((f"{line.pool} {line.fund}", f"申报 {line.declared:.2f}，扣款 {line.deducted:.2f}，"
                             f"保证金 {line.withheld:.2f}，应拨付 {line.payable:.2f}"))
        return rows


@register("institution_settlement")
class InstitutionSettlementHandler(MonthlySettlementHandler):
    key = "institution_settlement"


@register("hospital_settlement")
class HospitalSettlementHandler(MonthlySettlementHandler):
    key = "hospital_settlement"
    code_prefixes = ("H",)


@register("pharmacy_settlement")
class PharmacySettlementHandler(MonthlySettlementHandler):
    key = "pharmacy_settlement"
    code_prefixes = ("P",)
