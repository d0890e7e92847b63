"""Item handlers of 转移接续 (category 三): the applicant's case is the leg of its own end.

- ``transfer_in`` (Taiyuan, Jincheng 转入): 受理 opens the transfer and its
  联系函 leg; 审核 issues and sends the 联系函; 办结 credits the account and the
  contribution years once the 信息表 and the funds have arrived.
- ``transfer_out`` (Taiyuan, Jincheng 转出): 受理 issues the 参保凭证 and sends the
  application to the transfer-in end; 审核 issues the 信息表 and moves the
  account balance once the 联系函 has arrived; 办结 closes the case.
- ``transfer`` (Changzhi, one item): the field 办理方向 chooses one of the two.

The legs done by the other region have no case; they appear in its staff's
to-do list (``yibao.transfers.selectors.open_legs_for_staff``).
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar, cast

from pydantic import BaseModel, Field

from yibao.cases.handlers import Described, Effect, HandlerRefusal, ItemHandler, register
from yibao.transfers.models import Scheme, Side, Transfer, TransferStatus
from yibao.transfers.selectors import delivery_problems
from yibao.transfers.services import (
    TransferError,
    application_problem,
    complete_transfer_in,
    dispatch_transfer_sheet,
    send_contact_letter,
    start_transfer,
)

CODE = r"^\d{6}$"
InsuranceLabel = Literal["职工基本医疗保险", "城乡居民基本医疗保险"]
SCHEMES = {label: value for value, label in Scheme.choices}


class InFields(BaseModel):
    out_region_code: str = Field(title="转出地统筹区行政区划代码", pattern=CODE)
    insurance: InsuranceLabel = Field("职工基本医疗保险", title="险种")
    certificate_code: str = Field("", title="《基本医疗保险参保凭证》验证码", max_length=20)


class OutFields(BaseModel):
    in_region_code: str = Field(title="转入地统筹区行政区划代码", pattern=CODE)
    insurance: InsuranceLabel = Field("职工基本医疗保险", title="险种")


class EitherFields(BaseModel):
    direction: Literal["转出", "转入"] = Field(title="办理方向")
    other_region_code: str = Field(title="对方统筹区行政区划代码", pattern=CODE)
    insurance: InsuranceLabel = Field("职工基本医疗保险", title="险种")
    certificate_code: str = Field("", title="《基本医疗保险参保凭证》验证码（转入时填写）", max_length=20)


F = TypeVar("F", InFields, OutFields, EitherFields)


class _TransferHandler(ItemHandler[F]):
    # 受理 opens the transfer; 审核 sends this end's document (and, transferring out, the
    # balance); 办结 credits the account at the transfer-in end.
    acts_at = {"受理": Effect.RECORD, "审核": Effect.PAYMENT, "办结": Effect.PAYMENT}
    adds_steps = frozenset({"审核"})

    def side_and_other(self, fields: F) -> tuple[str, str]:
        raise NotImplementedError

    def check(self, *, case, fields: F) -> None:
        side, other = self.side_and_other(fields)
        problem = application_problem(id_number=case.applicant_id_number, name=case.applicant_name,
                                      scheme=SCHEMES[fields.insurance], side=side, own_region=case.region,
                                      other_code=other)
        # At 受理 the case's own transfer does not exist yet, so a duplicate is always another one.
        if problem:
            raise HandlerRefusal(problem)

    def extra_steps(self, *, case, fields: F) -> list[str]:
        return ["审核"]  # the step that sends this end's document

    def describe(self, *, case, fields: F) -> Described:
        """The application, then where the transfer stands and any document the peer has not taken
        (a permanent refusal must be seen on the case, not only in the admin's outbox list)."""
        # F is constrained to the three field models here; the base's F is the same one at runtime.
        rows = super().describe(case=case, fields=cast(Any, fields))
        transfer = Transfer.objects.filter(case_number=case.number).first()
        if transfer is not None:
            rows.append(("转移接续进度", f"{transfer.ref}：{transfer.get_status_display()}"))
            rows += delivery_problems(transfer)
        return rows

    def on_step(self, *, case, step: str, fields: F, actor: str) -> None:
        side, other = self.side_and_other(fields)
        try:
            if step == "受理":
                start_transfer(case=case, side=side, other_region_code=other, scheme=SCHEMES[fields.insurance],
                               actor=actor, certificate_code=getattr(fields, "certificate_code", ""))
                return
            transfer = Transfer.objects.filter(case_number=case.number).first()
            if transfer is None:
                raise HandlerRefusal(f"办件 {case.number} 没有对应的转移接续记录")
            if step == "审核":
                if side == Side.IN:
                    send_contact_letter(transfer=transfer, actor=actor)
                else:
                    dispatch_transfer_sheet(transfer=transfer, actor=actor)
            elif step == "办结":
                if side == Side.IN:
                    complete_transfer_in(transfer=transfer, actor=actor)
                elif transfer.status not in (TransferStatus.SHEET_SENT, TransferStatus.COMPLETED):
                    raise HandlerRefusal("信息表尚未发出、资金尚未划转，不能办结")
        except TransferError as exc:
            raise HandlerRefusal(str(exc)) from exc


@register("transfer_in")
class TransferInHandler(_TransferHandler[InFields]):
    Fields = InFields

    def side_and_other(self, fields: InFields) -> tuple[str, str]:
        return Side.IN, fields.out_region_code


@register("transfer_out")
class TransferOutHandler(_TransferHandler[OutFields]):
    Fields = OutFields

    def side_and_other(self, fields: OutFields) -> tuple[str, str]:
        return Side.OUT, fields.in_region_code


@register("transfer")
class TransferEitherHandler(_TransferHandler[EitherFields]):
    Fields = EitherFields

    def side_and_other(self, fields: EitherFields) -> tuple[str, str]:
        return (Side.OUT if fields.direction == "转出" else Side.IN), fields.other_region_code
