"""Every write of a transfer (转移接续): one function per business action.

The chain (医保办发〔2021〕43号; Taiyuan guide 12.(1)(2); Jincheng guide 三):

1. the person applies at either end (``start_transfer``, at the case's 受理);
   applied at the transfer-out end, that end issues the 参保凭证 and sends an
   *application* to the transfer-in end;
2. the transfer-in end issues the 联系函 (``send_contact_letter``);
3. the transfer-out end issues the 信息表 (表8) and moves the account balance
   out (``dispatch_transfer_sheet``);
4. the transfer-in end credits the contribution years and the account and
   completes (``complete_transfer_in``), then tells the transfer-out end.

Each document goes to the other end through ``_deliver``: inside this
deployment it is handed to ``receive_document`` directly (same database, same
transaction), to another deployment it is written to the outbox in the leg's
transaction and POSTed, signed, to the peer's documents API after commit by the
outbox worker, with retries (nothing talks to the network while the money's
rows are locked). ``receive_document`` is
idempotent on the document id, and the account movements are idempotent on
their references, so the balance moves exactly once however often a document
is delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yibao import clock
from yibao.agencies.models import Agency, Region
from yibao.audit.services import record_audit
from yibao.documents.certificates import issue_insurance_certificate, keep_case_document
from yibao.documents.models import DocumentKind as IssuedKind
from yibao.documents.records import certificate_facts
from yibao.documents.reference_forms import money_in_capitals
from yibao.documents.services import issue_document
from yibao.documents.verification import mask_name
from yibao.enrollment.models import (
    AccountStatus,
    InsurancePeriod,
    InsuranceStatus,
    MovementKind,
    Person,
    PersonalAccount,
)
from yibao.enrollment.selectors import person_by_id_number
from yibao.enrollment.services.accounts import AccountError, post_movement
from yibao.errors import DomainError
from yibao.ids import mask_resident_id
from yibao.payments.models import Fund, PayeeKind
from yibao.payments.services import PayeeDetails, PaymentError, approve_payment
from yibao.transfers.delivery import queue_document
from yibao.transfers.limits import leg_limit
from yibao.transfers.models import (
    Direction,
    DocumentKind,
    LegKind,
    LegStatus,
    Scheme,
    Side,
    Transfer,
    TransferDocument,
    TransferLeg,
    TransferStatus,
)
from yibao.transfers.pdfs import (
    LETTER_TITLE,
    LetterFacts,
    render_contact_letter,
    render_transfer_sheet,
)
from yibao.transfers.peers import configured_peers, instance_code, peer_for_region
from yibao.workdays.calendar import add_working_days

CENT = Decimal("0.01")
# Status order: a document received late or twice never moves a transfer back.
ORDER = [TransferStatus.REQUESTED, TransferStatus.LETTER_SENT, TransferStatus.SHEET_SENT, TransferStatus.COMPLETED]
SHEET_TITLE = "参保人员基本医疗保险信息表"


class TransferError(DomainError):
    """A transfer action refused; the message is for the user, in Chinese."""

    code = "transfer_refused"


class AmountMismatch(TransferError):
    pass


class DocumentRefused(TransferError):
    """A received document that is malformed or does not fit the transfer."""

    kind = "bad_request"
    code = "document_refused"



# --- where the two ends are -------------------------------------------------------------------

@dataclass(frozen=True)
class End:
    code: str
    name: str
    region: Region | None  # set when the end is a region of this deployment
    instance: str


def resolve_end(code: str) -> End:
    """The region with this 行政区划代码: a configured peer's if one claims it, else this deployment's."""
    peer = peer_for_region(code)
    if peer is not None:
        return End(code=code, name=peer.regions[code], region=None, instance=peer.code)
    region = Region.objects.filter(code=code).first()
    if region is not None:
        return End(code=code, name=region.name, region=region, instance=instance_code())
    raise TransferError(f"统筹区代码 {code} 不在本系统，也未配置对接的其他系统，暂不能办理转移接续")


def _local_region(code: str) -> Region | None:
    if peer_for_region(code) is not None:
        return None
    return Region.objects.filter(code=code).first()


def _region_agency(region: Region, person: Person | None) -> Agency:
    """The agency of the person's latest period in the region, else the region's city agency."""
    if person is not None:
        period = (InsurancePeriod.objects.filter(person=person, home_agency__region=region)
                  .select_related("home_agency").order_by("-start_date", "-id").first())
        if period is not None:
            return period.home_agency
    agencies = Agency.objects.filter(region=region, is_active=True)
    agency = agencies.filter(level="city").first() or agencies.order_by("code").first()
    if agency is None:
        raise TransferError(f"{region.name}尚未设置经办机构，暂不能办理转移接续")
    return agency


# --- preconditions ------------------------------------------------------------------------------

def out_side_problem(person: Person | None, scheme: str, region: Region, name: str = "") -> str:
    """Why the person cannot be transferred out of ``region`` ("" when they can)."""
    label = Scheme(scheme).label
    if person is None:
        return f"{name or '该人员'}在{region.name}没有{label}参保记录，不能转出"
    periods = InsurancePeriod.objects.filter(person=person, insurance_type=scheme, home_agency__region=region)
    if not periods.exists():
        return f"{person.name}在{region.name}没有{label}参保记录，不能转出"
    # 43号 and the Taiyuan guide: an employee is suspended (停保) at the old region first.
    if scheme == Scheme.EMPLOYEE and periods.filter(status=InsuranceStatus.INSURED).exists():
        return (f"{person.name}在{region.name}的职工基本医疗保险仍为正常参保，"
                "须先在转出地办理停保（暂停参保）后方可转出")
    return ""


def in_side_problem(person: Person | None, scheme: str, region: Region, name: str = "") -> str:
    """Why the person cannot be transferred into ``region`` ("" when they can)."""
    label = Scheme(scheme).label
    insured = person is not None and InsurancePeriod.objects.filter(
        person=person, insurance_type=scheme, status=InsuranceStatus.INSURED, home_agency__region=region).exists()
    if not insured:
        who = person.name if person is not None else (name or "该人员")
        return f"{who}尚未在{region.name}正常参加{label}，须先在转入地办理参保缴费手续后方可申请转入"
    return ""


def open_transfer_of(id_number: str) -> Transfer | None:
    return (Transfer.objects.filter(id_number=id_number)
            .exclude(status__in=[TransferStatus.COMPLETED, TransferStatus.STOPPED]).first())


def duplicate_problem(id_number: str) -> str:
    existing = open_transfer_of(id_number)
    if existing is None:
        return ""
    return (f"该人员已有未办结的转移接续（编号 {existing.ref}，{existing.out_region_name}→{existing.in_region_name}，"
            f"{existing.get_status_display()}），不能重复申请")


def application_problem(*, id_number: str, name: str, scheme: str, side: str, own_region: Region,
                        other_code: str) -> str:
    """Every precondition of an application, checked at submission and at 受理 ("" when none fails)."""
    if other_code == own_region.code:
        return "字段 对方统筹区行政区划代码：转出地与转入地不能是同一统筹区"
    try:
        other = resolve_end(other_code)
    except TransferError as exc:
        return str(exc)
    problem = duplicate_problem(id_number)
    if problem:
        return problem
    person = person_by_id_number(id_number)
    out_region, in_region = (own_region, other.region) if side == Side.OUT else (other.region, own_region)
    # The end in another deployment checks its own side when the document arrives.
    if out_region is not None:
        problem = out_side_problem(person, scheme, out_region, name)
        if problem:
            return problem
    if in_region is not None:
        problem = in_side_problem(person, scheme, in_region, name)
        if problem:
            return problem
    return ""


# --- legs and status ----------------------------------------------------------------------------

def _open_leg(transfer: Transfer, kind: str, *, region: Region, agency: Agency) -> TransferLeg:
    today = clock.today()
    limit = leg_limit(region.code, kind)
    leg, _ = TransferLeg.objects.get_or_create(
        transfer=transfer, kind=kind,
        defaults={"region": region, "agency": agency, "opened_on": today, "limit_days": limit,
                  "due_date": add_working_days(today, limit)})
    return leg


def _finish_leg(transfer: Transfer, kind: str, actor: str, note: str = "") -> None:
    TransferLeg.objects.filter(transfer=transfer, kind=kind, status=LegStatus.OPEN).update(
        status=LegStatus.DONE, done_at=timezone.now(), done_by=actor, note=note[:500])


def _locked(transfer: Transfer) -> Transfer:
    return Transfer.objects.select_for_update().get(pk=transfer.pk)


def _advance(transfer: Transfer, status: str, **updates) -> Transfer:
    """Compare-and-set the transfer forward to ``status``; never backwards.

    Inside one deployment both ends share the row, so the receiving end finds
    it already moved by the sender: then only the data is filled in.
    """
    if transfer.status in ORDER and ORDER.index(status) <= ORDER.index(transfer.status):
        if updates:
            Transfer.objects.filter(pk=transfer.pk).update(**updates)
        transfer.refresh_from_db()
        return transfer
    changed = Transfer.objects.filter(pk=transfer.pk, version=transfer.version, status=transfer.status).update(
        status=status, version=F("version") + 1, **updates)
    if changed != 1:
        raise TransferError(f"转移接续 {transfer.ref} 已被他人处理，请刷新后重试")
    transfer.refresh_from_db()
    return transfer


def _require(transfer: Transfer, status: str, message: str) -> None:
    if transfer.status == TransferStatus.STOPPED:
        raise TransferError(f"转移接续 {transfer.ref} 已中止：{transfer.stop_reason}")
    if transfer.status == TransferStatus.COMPLETED:
        raise TransferError(f"转移接续 {transfer.ref} 已办结，不能重复办理")
    if transfer.status != status:
        raise TransferError(message)


# --- documents between the ends -------------------------------------------------------------------

def _summary(transfer: Transfer) -> dict:
    return {
        "ref": transfer.ref,
        "person": {"id_number": transfer.id_number, "name": transfer.name, "sex": transfer.sex,
                   "birth_date": transfer.birth_date.isoformat() if transfer.birth_date else None},
        "scheme": transfer.scheme,
        "out_region": {"code": transfer.out_region_code, "name": transfer.out_region_name,
                       "instance": transfer.out_instance},
        "in_region": {"code": transfer.in_region_code, "name": transfer.in_region_name,
                      "instance": transfer.in_instance},
        "applied_at": transfer.applied_at,
        "certificate_code": transfer.certificate_code,
    }


def _document(transfer: Transfer, kind: str, receiver: str, **content) -> dict:
    return {"document_id": f"{transfer.ref}:{kind}", "kind": kind, "sender": instance_code(),
            "receiver": receiver, "issued_at": timezone.now().isoformat(timespec="seconds"),
            "transfer": _summary(transfer), **content}


def _deliver(transfer: Transfer, document: dict, *, to_instance: str) -> None:
    """Hand the document to the other end, never over the network inside this transaction.

    Inside this deployment both ends share the database: the receiving end takes
    the document in this same transaction (nothing leaves the process, and the
    two ends commit or roll back together). To another deployment the document
    is queued in the outbox and posted after commit (``yibao.transfers.delivery``).
    """
    sent, _ = TransferDocument.objects.get_or_create(
        document_id=document["document_id"], direction=Direction.SENT,
        defaults={"transfer": transfer, "kind": document["kind"], "peer": to_instance, "payload": document})
    if to_instance == instance_code():
        receipt = receive_document(document=document, sender=to_instance)
        TransferDocument.objects.filter(pk=sent.pk).update(receipt=receipt)
        return
    if to_instance not in configured_peers():
        raise TransferError(f"未配置对接系统 {to_instance}，不能发送{DocumentKind(document['kind']).label}")
    queue_document(sent)


def _amount(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise DocumentRefused(f"文书字段 {field}：「{value}」不是有效金额") from exc
    if amount != amount.quantize(CENT) or amount < 0:
        raise DocumentRefused(f"文书字段 {field}：「{value}」不是有效金额（元，最多两位小数，不能为负）")
    return amount


def _transfer_for(document: dict) -> Transfer:
    """The local row of the document's transfer, created from its summary when first heard of."""
    summary = document.get("transfer") or {}
    ref = summary.get("ref") or ""
    if not ref:
        raise DocumentRefused("文书缺少转移编号（transfer.ref）")
    transfer = Transfer.objects.select_for_update().filter(ref=ref).first()
    if transfer is not None:
        return transfer
    try:
        person, out, inn = summary["person"], summary["out_region"], summary["in_region"]
        scheme = Scheme(summary["scheme"])
        birth = date.fromisoformat(person["birth_date"]) if person.get("birth_date") else None
        transfer = Transfer.objects.create(
            ref=ref, id_number=person["id_number"], name=person["name"], sex=person.get("sex") or "",
            birth_date=birth, scheme=scheme, applied_at=Side(summary["applied_at"]),
            out_region_code=out["code"], out_region_name=out["name"], out_instance=out["instance"],
            out_region=_local_region(out["code"]),
            in_region_code=inn["code"], in_region_name=inn["name"], in_instance=inn["instance"],
            in_region=_local_region(inn["code"]), certificate_code=summary.get("certificate_code") or "",
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DocumentRefused(f"文书内容不完整或格式错误：{exc}") from exc
    return transfer


def _receive_application(transfer: Transfer, document: dict) -> None:
    region = transfer.in_region
    if region is None:
        raise DocumentRefused(f"转入地 {transfer.in_region_name}（{transfer.in_region_code}）不在本系统")
    person = person_by_id_number(transfer.id_number)
    problem = in_side_problem(person, transfer.scheme, region, transfer.name)
    if problem:
        raise TransferError(problem)
    _open_leg(transfer, LegKind.LETTER, region=region, agency=_region_agency(region, person))


def _receive_letter(transfer: Transfer, document: dict) -> None:
    region = transfer.out_region
    if region is None:
        raise DocumentRefused(f"转出地 {transfer.out_region_name}（{transfer.out_region_code}）不在本系统")
    person = person_by_id_number(transfer.id_number)
    problem = out_side_problem(person, transfer.scheme, region, transfer.name)
    if problem:
        raise TransferError(problem)
    letter = document.get("letter") or {}
    _advance(transfer, TransferStatus.LETTER_SENT, letter_code=letter.get("verification_code", "")[:16],
             in_fund_account=_received_fund_account(letter))
    _open_leg(transfer, LegKind.TRANSFER_OUT, region=region, agency=_region_agency(region, person))


def check_sheet(sheet: dict, funds: dict) -> Decimal:
    """The account amount of a 信息表 and its funds, which must agree to the 分 (else AmountMismatch)."""
    stated = _amount(sheet.get("account_amount"), "sheet.account_amount")
    arrived = _amount(funds.get("amount"), "funds.amount")
    if stated != arrived:
        raise AmountMismatch(
            f"金额不符：信息表载明个人账户实际转出资金 ¥{stated:,.2f}，实际划转资金 ¥{arrived:,.2f}，"
            "转入环节已中止，请转出地核对后重新发送")
    capitals = sheet.get("account_amount_capitals", "")
    if capitals != money_in_capitals(stated):
        raise AmountMismatch(
            f"金额不符：信息表大写金额「{capitals}」与小写金额 ¥{stated:,.2f}（{money_in_capitals(stated)}）不一致，"
            "转入环节已中止")
    return stated


def _receive_sheet(transfer: Transfer, document: dict) -> None:
    region = transfer.in_region
    if region is None:
        raise DocumentRefused(f"转入地 {transfer.in_region_name}（{transfer.in_region_code}）不在本系统")
    sheet, funds = document.get("sheet") or {}, document.get("funds") or {}
    amount = check_sheet(sheet, funds)
    _advance(transfer, TransferStatus.SHEET_SENT, sheet=sheet, amount=amount,
             funds_reference=str(funds.get("reference", ""))[:64],
             sheet_code=str(sheet.get("verification_code", ""))[:16])
    person = person_by_id_number(transfer.id_number)
    _open_leg(transfer, LegKind.TRANSFER_IN, region=region, agency=_region_agency(region, person))


def _receive_completion(transfer: Transfer, document: dict) -> None:
    _advance(transfer, TransferStatus.COMPLETED, completed_at=transfer.completed_at or timezone.now())


RECEIVERS = {
    DocumentKind.APPLICATION: _receive_application,
    DocumentKind.CONTACT_LETTER: _receive_letter,
    DocumentKind.TRANSFER_SHEET: _receive_sheet,
    DocumentKind.COMPLETION: _receive_completion,
}


@transaction.atomic
def receive_document(*, document: dict, sender: str) -> dict:
    """Take a document of the chain from ``sender`` (already authenticated) and return the receipt.

    The same ``document_id`` received again changes nothing and returns the
    first receipt; the same id with different content is refused.
    """
    document_id, kind = document.get("document_id"), document.get("kind")
    if not document_id or kind not in DocumentKind.values:
        raise DocumentRefused(f"文书格式错误：document_id 缺失或文书类型「{kind}」无效")
    if document.get("sender") != sender:
        raise DocumentRefused(f"文书的发送方「{document.get('sender')}」与签名方「{sender}」不一致")
    existing = TransferDocument.objects.filter(document_id=document_id, direction=Direction.RECEIVED).first()
    if existing is not None:
        if existing.payload != document:
            raise DocumentRefused(f"文书编号 {document_id} 已收到过内容不同的文书，不予重复接收")
        return existing.receipt
    transfer = _transfer_for(document)
    if transfer.status == TransferStatus.STOPPED:
        raise TransferError(f"转移接续 {transfer.ref} 已中止：{transfer.stop_reason}")
    RECEIVERS[kind](transfer, document)
    transfer.refresh_from_db()
    receipt = {"document_id": document_id, "transfer_ref": transfer.ref, "receiver": instance_code(),
               "received_at": timezone.now().isoformat(timespec="seconds"), "status": transfer.status}
    TransferDocument.objects.create(document_id=document_id, direction=Direction.RECEIVED, transfer=transfer,
                                    kind=kind, peer=sender, payload=document, receipt=receipt)
    record_audit(actor=f"system:{sender}", action=f"transfers.receive.{kind}", object_type="Transfer",
                 object_id=transfer.ref, after={"document_id": document_id, "status": transfer.status})
    return receipt


# --- the legs -----------------------------------------------------------------------------------------

def _issue_certificate(*, person: Person, region: Region, actor: str, case_number: str) -> str:
    """The 参保凭证 the transfer-out end gives (engineer D's issue_insurance_certificate)."""
    content, document = issue_insurance_certificate(person=person, region=region, actor=actor,
                                                    case_number=case_number)
    keep_case_document(document, content)
    return document.code


@transaction.atomic
def start_transfer(*, case, side: str, other_region_code: str, scheme: str, actor: str,
                   certificate_code: str = "") -> Transfer:
    """Open the transfer for an accepted application at either end (the case's 受理).

    Applied at the transfer-in end: the 联系函 leg opens there. Applied at the
    transfer-out end: the 参保凭证 is issued and the application goes to the
    transfer-in end, where the 联系函 leg opens.
    """
    person = person_by_id_number(case.applicant_id_number)
    if person is not None:
        # Serialise two applications of one person: the duplicate check below then sees the first.
        Person.objects.select_for_update().filter(pk=person.pk).first()
    problem = application_problem(id_number=case.applicant_id_number, name=case.applicant_name, scheme=scheme,
                                  side=side, own_region=case.region, other_code=other_region_code)
    if problem:
        raise TransferError(problem)
    own = End(code=case.region.code, name=case.region.name, region=case.region, instance=instance_code())
    other = resolve_end(other_region_code)
    out, inn = (own, other) if side == Side.OUT else (other, own)
    transfer = Transfer.objects.create(
        ref=f"{instance_code()}-{case.number}", id_number=case.applicant_id_number, name=case.applicant_name,
        sex=person.sex if person else "", birth_date=person.birth_date if person else None, scheme=scheme,
        out_region_code=out.code, out_region_name=out.name, out_region=out.region, out_instance=out.instance,
        in_region_code=inn.code, in_region_name=inn.name, in_region=inn.region, in_instance=inn.instance,
        applied_at=side, case_number=case.number, certificate_code=certificate_code.strip()[:16])
    record_audit(actor=actor, action="transfers.start", object_type="Transfer", object_id=transfer.ref,
                 after={"case": case.number, "side": side, "out": out.code, "in": inn.code, "scheme": scheme})
    if side == Side.IN:
        _open_leg(transfer, LegKind.LETTER, region=case.region, agency=case.home_agency)
    else:
        code = _issue_certificate(person=person, region=case.region, actor=actor, case_number=case.number)
        Transfer.objects.filter(pk=transfer.pk).update(certificate_code=code)
        transfer.refresh_from_db()
        _deliver(transfer, _document(transfer, DocumentKind.APPLICATION, inn.instance), to_instance=inn.instance)
    return transfer


@transaction.atomic
def send_contact_letter(*, transfer: Transfer, actor: str) -> Transfer:
    """Transfer-in end: issue the 联系函 and send it to the transfer-out end."""
    transfer = _locked(transfer)
    _require(transfer, TransferStatus.REQUESTED,
             f"转移接续 {transfer.ref} 当前为「{transfer.get_status_display()}」，联系函已发出")
    region = transfer.in_region
    if region is None:
        raise TransferError(f"转入地 {transfer.in_region_name} 不在本系统，不能在此出具联系函")
    person = person_by_id_number(transfer.id_number)
    problem = in_side_problem(person, transfer.scheme, region, transfer.name)
    if problem:
        raise TransferError(problem)
    agency = _region_agency(region, person)
    facts = LetterFacts(
        ref=transfer.ref, name=transfer.name, sex={"1": "男", "2": "女"}.get(transfer.sex, ""),
        id_number=transfer.id_number, scheme_label=Scheme(transfer.scheme).label,
        out_region_name=transfer.out_region_name, in_region_name=region.name, in_region_code=region.code,
        in_agency_name=agency.name, in_agency_code=agency.code, in_agency_phone=agency.phone,
        in_agency_address=agency.address, certificate_code=transfer.certificate_code, issued_on=clock.today())
    content, issued = issue_document(
        kind=IssuedKind.CONTACT_LETTER, title=LETTER_TITLE,
        subject_summary=f"{mask_name(transfer.name)} 的{LETTER_TITLE}（{transfer.out_region_name}→{region.name}）",
        issuer=agency.name, case_number=transfer.case_number, actor=actor,
        pdf_builder=lambda code, url: render_contact_letter(facts, code=code, url=url))
    _keep(issued, content)
    _finish_leg(transfer, LegKind.LETTER, actor, f"联系函验证码 {issued.code}")
    transfer = _advance(transfer, TransferStatus.LETTER_SENT, letter_code=issued.code)
    record_audit(actor=actor, action="transfers.letter", object_type="Transfer", object_id=transfer.ref,
                 before={"status": TransferStatus.REQUESTED}, after={"status": transfer.status, "letter": issued.code})
    letter = {"verification_code": issued.code, "agency_name": agency.name, "agency_code": agency.code,
              "agency_phone": agency.phone, "fund_account": _fund_account_of(agency)}
    _deliver(transfer, _document(transfer, DocumentKind.CONTACT_LETTER, transfer.out_instance, letter=letter),
             to_instance=transfer.out_instance)
    return transfer


def _fund_account_of(agency: Agency) -> dict[str, str]:
    if not agency.fund_account_number:
        return {}
    return {"agency_code": agency.code, "name": agency.fund_account_name, "bank": agency.fund_bank_name,
            "number": agency.fund_account_number}


def _received_fund_account(letter: dict) -> dict[str, str]:
    """The receiving account named in a 联系函, checked for shape (the bank details are checked
    again by the payments ledger when the balance is paid)."""
    account = letter.get("fund_account") or {}
    if not isinstance(account, dict):
        raise DocumentRefused("文书字段 letter.fund_account：应为对象（户名、开户银行、账号）")
    cleaned = {}
    for key, limit in (("agency_code", 6), ("name", 100), ("bank", 100), ("number", 40)):
        value = account.get(key, "")
        if not isinstance(value, str) or len(value) > limit:
            raise DocumentRefused(f"文书字段 letter.fund_account.{key}：应为不超过 {limit} 个字符的文字")
        cleaned[key] = value.strip()
    return cleaned if cleaned["number"] else {}


def _pay_balance_out(transfer: Transfer, *, amount: Decimal, reference: str, agency: Agency, actor: str) -> None:
    """The fund payments ledger's side of the balance leaving: one 310200 payment to the transfer-in
    agency's receiving account, under the movement's reference (a retried leg pays once)."""
    account = transfer.in_fund_account or {}
    if not account.get("number"):
        raise TransferError(
            f"转入地（{transfer.in_region_name}）的联系函未载明医保基金收入户，个人账户余额 ¥{amount:,.2f} 无法划转；"
            "请转入地经办机构补充收款账户后重新发送联系函")
    payee = PayeeDetails(kind=PayeeKind.AGENCY, identifier=account.get("agency_code") or transfer.in_region_code,
                         name=account.get("name", ""), bank_name=account.get("bank", ""),
                         account_number=account["number"])
    try:
        approve_payment(actor=actor, fund=Fund.EMPLOYEE_ACCOUNT, payee=payee, amount=amount, reference=reference,
                        agency=agency, source=transfer.ref,
                        note=f"转移接续个人账户划转至{transfer.in_region_name}（{transfer.ref}）")
    except PaymentError as exc:
        raise TransferError(f"个人账户余额划转未能核定：{exc}") from exc


def _keep(document, content: bytes) -> None:
    keep_case_document(document, content)


def _sheet_rows(person: Person, region: Region, scheme: str, today: date) -> list[list[str]]:
    """表8 rows: one per period of the 险种 in the region, months paid (resident: current year excluded)."""
    facts = certificate_facts(person=person, region=region, today=today)
    rows = []
    for period in facts.periods:
        if period.insurance_type != scheme:
            continue
        by_year = period.months_by_year
        note = ""
        if scheme == Scheme.RESIDENT:
            # Residents enrol by year: the current year stays with the old region (43号).
            by_year = tuple((y, m) for y, m in by_year if y < today.year)
            note = f"{today.year}年度不转移"
        end = period.end
        rows.append([
            str(len(rows) + 1),
            f"{period.start:%Y年%m月}至{end:%Y年%m月}" if end else f"{period.start:%Y年%m月}至今",
            period.type_label, str(sum(m for _, m in by_year)), period.agency_name, period.agency_code,
            note or period.status_label,
        ])
    return rows


@transaction.atomic
def dispatch_transfer_sheet(*, transfer: Transfer, actor: str, declared_amount: Decimal | None = None) -> Transfer:
    """Transfer-out end: issue the 信息表 (表8), move the account balance out and send both.

    ``declared_amount`` is the amount the clerk entered on the 信息表; it must
    equal the account balance to the 分, or the leg stops (``AmountMismatch``).
    """
    transfer = _locked(transfer)
    _require(transfer, TransferStatus.LETTER_SENT,
             f"尚未收到转入地的《{LETTER_TITLE}》，不能出具信息表" if transfer.status == TransferStatus.REQUESTED
             else f"转移接续 {transfer.ref} 当前为「{transfer.get_status_display()}」，信息表已发出")
    region = transfer.out_region
    if region is None:
        raise TransferError(f"转出地 {transfer.out_region_name} 不在本系统，不能在此出具信息表")
    person = person_by_id_number(transfer.id_number)
    problem = out_side_problem(person, transfer.scheme, region, transfer.name)
    if problem:
        raise TransferError(problem)
    account = None
    amount = Decimal("0.00")
    if transfer.scheme == Scheme.EMPLOYEE:
        account = PersonalAccount.objects.select_for_update().filter(person=person).first()
        if account is not None:
            amount = account.balance.quantize(CENT)
    if declared_amount is not None:
        if not isinstance(declared_amount, Decimal):
            raise TypeError("declared_amount must be a Decimal")
        if declared_amount.quantize(CENT) != amount:
            raise AmountMismatch(
                f"金额不符：信息表填报的个人账户实际转出资金 ¥{declared_amount:,.2f} 与个人账户余额 ¥{amount:,.2f} 不一致，"
                "转出环节已中止，请核对后重新办理")
    today = clock.today()
    rows = _sheet_rows(person, region, transfer.scheme, today)
    agency = _region_agency(region, person)
    funds_reference = f"{transfer.ref}:out"
    if account is not None and amount > 0:
        try:
            post_movement(account=account, kind=MovementKind.TRANSFER_OUT, amount=-amount, reference=funds_reference,
                          actor=actor, case_number=transfer.case_number,
                          note=f"转移接续转出至{transfer.in_region_name}（{transfer.ref}）")
        except AccountError as exc:
            raise TransferError(str(exc)) from exc
        _pay_balance_out(transfer, amount=amount, reference=funds_reference, agency=agency, actor=actor)
    values = {"name": transfer.name, "id_number": transfer.id_number,
              "sex": {"1": "男", "2": "女"}.get(transfer.sex, ""), "periods": rows, "account_transfer_amount": amount}
    content, issued = issue_document(
        kind=IssuedKind.TRANSFER_SHEET, title=SHEET_TITLE,
        subject_summary=f"{mask_name(transfer.name)} 的{SHEET_TITLE}（{region.name}→{transfer.in_region_name}）",
        issuer=agency.name, case_number=transfer.case_number, actor=actor,
        pdf_builder=lambda code, url: render_transfer_sheet(values, code=code, url=url))
    _keep(issued, content)
    sheet = {"verification_code": issued.code, "name": transfer.name, "id_number": transfer.id_number,
             "sex": values["sex"], "insurance_type": transfer.scheme,
             "rows": [dict(zip(["no", "period", "insurance", "months", "agency", "agency_code", "note"], r,
                               strict=True)) for r in rows],
             "account_amount": str(amount), "account_amount_capitals": money_in_capitals(amount),
             "agency_name": agency.name, "agency_code": agency.code, "issued_on": today.isoformat()}
    funds = {"amount": str(amount), "reference": funds_reference}
    _finish_leg(transfer, LegKind.TRANSFER_OUT, actor, f"信息表验证码 {issued.code}；划转 ¥{amount}")
    transfer = _advance(transfer, TransferStatus.SHEET_SENT, sheet=sheet, amount=amount, sheet_code=issued.code,
                        funds_reference=funds_reference)
    record_audit(actor=actor, action="transfers.sheet", object_type="Transfer", object_id=transfer.ref,
                 before={"status": TransferStatus.LETTER_SENT},
                 after={"status": transfer.status, "sheet": issued.code, "amount": str(amount),
                        "person": mask_resident_id(transfer.id_number)})
    _deliver(transfer, _document(transfer, DocumentKind.TRANSFER_SHEET, transfer.in_instance, sheet=sheet,
                                 funds=funds), to_instance=transfer.in_instance)
    return transfer


@transaction.atomic
def complete_transfer_in(*, transfer: Transfer, actor: str) -> Transfer:
    """Transfer-in end: credit the contribution years and the account, complete, tell the other end."""
    transfer = _locked(transfer)
    _require(transfer, TransferStatus.SHEET_SENT,
             f"尚未收到转出地的《{SHEET_TITLE}》和转移资金，不能办结转入")
    region = transfer.in_region
    if region is None:
        raise TransferError(f"转入地 {transfer.in_region_name} 不在本系统，不能在此办结转入")
    amount = check_sheet(transfer.sheet, {"amount": str(transfer.amount)})
    person = person_by_id_number(transfer.id_number)
    problem = in_side_problem(person, transfer.scheme, region, transfer.name)
    if problem:
        raise TransferError(problem)
    if transfer.scheme == Scheme.EMPLOYEE and amount > 0:
        account, _ = PersonalAccount.objects.get_or_create(person=person)
        if account.status != AccountStatus.OPEN:
            raise TransferError(f"{person.name} 在{region.name}的个人账户已注销，不能划入转移资金")
        try:
            post_movement(account=account, kind=MovementKind.TRANSFER_IN, amount=amount,
                          reference=f"{transfer.ref}:in", actor=actor, case_number=transfer.case_number,
                          note=f"转移接续自{transfer.out_region_name}转入（{transfer.ref}）")
        except AccountError as exc:
            raise TransferError(str(exc)) from exc
    months = sum(int(row.get("months") or 0) for row in transfer.sheet.get("rows", []))
    _finish_leg(transfer, LegKind.TRANSFER_IN, actor, f"接续缴费月数 {months}；划入 ¥{amount}")
    transfer = _advance(transfer, TransferStatus.COMPLETED, completed_at=timezone.now())
    # The months of the 信息表 are the contribution years carried over (缴费年限接续).
    record_audit(actor=actor, action="transfers.complete", object_type="Transfer", object_id=transfer.ref,
                 before={"status": TransferStatus.SHEET_SENT},
                 after={"status": transfer.status, "months_credited": months, "amount": str(amount),
                        "rows": transfer.sheet.get("rows", [])})
    _deliver(transfer, _document(transfer, DocumentKind.COMPLETION, transfer.out_instance,
                                 completion={"months_credited": months, "amount": str(amount)}),
             to_instance=transfer.out_instance)
    return transfer


@transaction.atomic
def do_leg(*, leg: TransferLeg, actor: str, declared_amount: Decimal | None = None) -> Transfer:
    """Do the open leg from the to-do list (the leg's own action)."""
    leg = TransferLeg.objects.select_related("transfer").get(pk=leg.pk)
    if leg.status != LegStatus.OPEN:
        raise TransferError(f"该环节已{leg.get_status_display()}，不能重复办理")
    if leg.kind == LegKind.LETTER:
        return send_contact_letter(transfer=leg.transfer, actor=actor)
    if leg.kind == LegKind.TRANSFER_OUT:
        return dispatch_transfer_sheet(transfer=leg.transfer, actor=actor, declared_amount=declared_amount)
    return complete_transfer_in(transfer=leg.transfer, actor=actor)
