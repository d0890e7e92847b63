"""A transfer between Taiyuan and Jincheng inside one deployment, from either end."""

import io
from decimal import Decimal

from pypdf import PdfReader

from tests.transfers.conftest import BALANCE, TODAY, current_item, make_employee, step, submit
from yibao.agencies.models import Agency
from yibao.cases.models import CaseStatus
from yibao.documents.certificates import kept_content
from yibao.documents.models import IssuedDocument
from yibao.documents.verification import group_code
from yibao.enrollment.models import AccountMovement, PersonalAccount
from yibao.payments.models import Fund, PayeeKind, Payment
from yibao.transfers.models import LegKind, LegStatus, Transfer, TransferStatus
from yibao.transfers.selectors import open_legs_for_staff
from yibao.transfers.services import do_leg
from yibao.workdays.calendar import add_working_days


def movements(person):
    return list(AccountMovement.objects.filter(account__person=person).order_by("id")
                .values_list("kind", "amount"))


def test_transfer_applied_at_jincheng_moves_the_balance_exactly_once(clerks, employee):
    item = current_item("jincheng", "transfer-in")
    case = submit(item, employee, {"out_region_code": "140100"})

    case = step(case, clerks["jincheng"]["accept"])
    transfer = Transfer.objects.get(case_number=case.number)
    letter_leg = transfer.legs.get(kind=LegKind.LETTER)
    # Jincheng guide: the 联系函 within 5 working days of acceptance.
    assert (letter_leg.limit_days, letter_leg.due_date) == (5, add_working_days(TODAY, 5))
    assert letter_leg.region.slug == "jincheng"

    case = step(case, clerks["jincheng"]["review"])  # 审核: the 联系函 goes out
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.LETTER_SENT
    assert IssuedDocument.objects.get(code=transfer.letter_code).kind == "contact_letter"
    out_leg = transfer.legs.get(kind=LegKind.TRANSFER_OUT)
    # Taiyuan has no figure of its own per leg: the national 10 working days.
    assert (out_leg.region.slug, out_leg.limit_days) == ("taiyuan", 10)
    assert [r.leg for r in open_legs_for_staff(clerks["taiyuan"]["pay"], today=TODAY)] == [out_leg]
    assert open_legs_for_staff(clerks["jincheng"]["pay"], today=TODAY) == []

    do_leg(leg=out_leg, actor=clerks["taiyuan"]["pay"].user.username)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHEET_SENT
    assert transfer.amount == BALANCE
    assert transfer.sheet["account_amount_capitals"] == "壹仟贰佰叁拾肆元伍角陆分"
    assert transfer.sheet["rows"][0]["months"] == "25"
    # The printed 表8 carries its verification code (and QR) like every issued document.
    sheet_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(
        kept_content(IssuedDocument.objects.get(code=transfer.sheet_code)))).pages)
    assert group_code(transfer.sheet_code) in sheet_text and "壹仟贰佰叁拾肆元伍角陆分" in sheet_text
    assert PersonalAccount.objects.get(person=employee).balance == Decimal("0.00")
    # The fund payments ledger pays the balance to the receiving account the 联系函 named, under the
    # movement's reference: the movement and the payment are one fact seen from two ledgers.
    payment = Payment.objects.select_related("payee").get(reference=transfer.funds_reference)
    jincheng = Agency.objects.get(code=transfer.in_fund_account["agency_code"])
    assert (payment.fund, payment.amount, payment.source) == (Fund.EMPLOYEE_ACCOUNT, BALANCE, transfer.ref)
    assert (payment.payee.kind, payment.payee.account_number) == (PayeeKind.AGENCY, jincheng.fund_account_number)
    assert AccountMovement.objects.get(reference=transfer.funds_reference).amount == -BALANCE
    in_leg = transfer.legs.get(kind=LegKind.TRANSFER_IN)
    assert (in_leg.region.slug, in_leg.limit_days, in_leg.status) == ("jincheng", 5, LegStatus.OPEN)

    case = step(case, clerks["jincheng"]["review"])  # 办结: credit the account
    assert case.status == CaseStatus.COMPLETED
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.COMPLETED
    assert PersonalAccount.objects.get(person=employee).balance == BALANCE
    assert movements(employee) == [("transfer_out", -BALANCE), ("transfer_in", BALANCE)]
    assert set(transfer.legs.values_list("status", flat=True)) == {LegStatus.DONE}


def test_transfer_applied_at_taiyuan_issues_the_certificate_and_completes_at_jincheng(clerks, employee):
    item = current_item("taiyuan", "transfer-out")
    case = submit(item, employee, {"in_region_code": "140500"})

    case = step(case, clerks["taiyuan"]["accept"])
    transfer = Transfer.objects.get(case_number=case.number)
    assert IssuedDocument.objects.get(code=transfer.certificate_code).kind == "certificate"
    letter_leg = transfer.legs.get(kind=LegKind.LETTER)
    assert letter_leg.region.slug == "jincheng"
    rows = open_legs_for_staff(clerks["jincheng"]["review"], today=TODAY)
    assert [r.leg for r in rows] == [letter_leg] and rows[0].case_number == ""

    do_leg(leg=letter_leg, actor=clerks["jincheng"]["review"].user.username)
    out_leg = transfer.legs.get(kind=LegKind.TRANSFER_OUT)
    # This leg belongs to the Taiyuan case: it is done at the case's 审核.
    assert open_legs_for_staff(clerks["taiyuan"]["pay"], today=TODAY)[0].case_number == case.number

    case = step(case, clerks["taiyuan"]["review"])
    out_leg.refresh_from_db()
    assert out_leg.status == LegStatus.DONE
    assert PersonalAccount.objects.get(person=employee).balance == Decimal("0.00")
    case = step(case, clerks["taiyuan"]["review"])
    assert case.status == CaseStatus.COMPLETED

    in_leg = transfer.legs.get(kind=LegKind.TRANSFER_IN)
    do_leg(leg=in_leg, actor=clerks["jincheng"]["pay"].user.username)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.COMPLETED
    assert PersonalAccount.objects.get(person=employee).balance == BALANCE
    assert movements(employee) == [("transfer_out", -BALANCE), ("transfer_in", BALANCE)]


def test_changzhi_single_item_transfers_a_resident_out_without_the_current_year(clerks, agencies):
    person = make_employee(agencies, out_city="changzhi", in_city="jincheng", scheme="390", name="赵小芳")
    item = current_item("changzhi", "transfer")
    case = submit(item, person, {"direction": "转出", "other_region_code": "140500",
                                 "insurance": "城乡居民基本医疗保险"})
    case = step(case, clerks["changzhi"]["accept"])
    transfer = Transfer.objects.get(case_number=case.number)
    assert (transfer.out_region.slug, transfer.in_region.slug, transfer.scheme) == ("changzhi", "jincheng", "390")
    do_leg(leg=transfer.legs.get(kind=LegKind.LETTER), actor=clerks["jincheng"]["review"].user.username)
    step(case, clerks["changzhi"]["review"])  # 审核: the 信息表
    transfer.refresh_from_db()
    # 2024 and 2025 are carried over; January 2026 (the current year) stays with Changzhi.
    assert transfer.sheet["rows"][0]["months"] == "24"
    assert transfer.sheet["rows"][0]["note"] == "2026年度不转移"
    assert transfer.amount == Decimal("0.00")
    do_leg(leg=transfer.legs.get(kind=LegKind.TRANSFER_IN), actor=clerks["jincheng"]["pay"].user.username)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.COMPLETED
    assert not AccountMovement.objects.filter(account__person=person).exists()
