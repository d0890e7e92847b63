"""Every refusal of a transfer, each with its Chinese reason; a refusal changes nothing."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from tests.transfers.conftest import BALANCE, current_item, make_employee, step, submit
from yibao.agencies.models import Agency, Region
from yibao.cases.services import InvalidApplication, MoveNotAllowed
from yibao.enrollment.models import AccountMovement, PersonalAccount
from yibao.payments.models import Payment
from yibao.transfers.models import LegKind, Transfer, TransferStatus
from yibao.transfers.peers import SENDER_HEADER, SIGNATURE_HEADER, canonical, sign
from yibao.transfers.services import AmountMismatch, TransferError, do_leg, receive_document

PEERS = json.dumps({"peer": {"url": "http://127.0.0.1:9", "secret": "s3cret", "regions": {"320100": "南京市"}}})


def accepted_and_reviewed(clerks, person):
    case = submit(current_item("jincheng", "transfer-in"), person, {"out_region_code": "140100"})
    case = step(step(case, clerks["jincheng"]["accept"]), clerks["jincheng"]["review"])
    return case, Transfer.objects.get(case_number=case.number)


def test_employee_not_suspended_at_the_transfer_out_region_cannot_apply(agencies):
    person = make_employee(agencies, suspended=False)
    with pytest.raises(InvalidApplication, match="仍为正常参保，须先在转出地办理停保"):
        submit(current_item("jincheng", "transfer-in"), person, {"out_region_code": "140100"})
    assert not Transfer.objects.exists()


def test_person_not_insured_at_the_transfer_in_region_cannot_apply(agencies):
    person = make_employee(agencies, insured_in=False)
    with pytest.raises(InvalidApplication, match="尚未在晋城市正常参加职工基本医疗保险"):
        submit(current_item("jincheng", "transfer-in"), person, {"out_region_code": "140100"})


def test_unknown_region_code_is_refused(employee):
    with pytest.raises(InvalidApplication, match="统筹区代码 320100 不在本系统"):
        submit(current_item("jincheng", "transfer-in"), employee, {"out_region_code": "320100"})


def test_same_region_at_both_ends_is_refused(employee):
    with pytest.raises(InvalidApplication, match="转出地与转入地不能是同一统筹区"):
        submit(current_item("jincheng", "transfer-in"), employee, {"out_region_code": "140500"})


def test_duplicate_request_is_refused_while_the_first_is_open(clerks, employee):
    accepted_and_reviewed(clerks, employee)
    with pytest.raises(InvalidApplication, match="已有未办结的转移接续"):
        submit(current_item("jincheng", "transfer-in"), employee, {"out_region_code": "140100"})


def test_second_application_filed_before_the_first_was_accepted_is_refused_at_acceptance(clerks, employee):
    item = current_item("jincheng", "transfer-in")
    first = submit(item, employee, {"out_region_code": "140100"})
    second = submit(item, employee, {"out_region_code": "140100"})
    step(first, clerks["jincheng"]["accept"])
    with pytest.raises(MoveNotAllowed, match="已有未办结的转移接续"):
        step(second, clerks["jincheng"]["accept"])
    assert Transfer.objects.count() == 1


def test_transfer_in_cannot_complete_before_the_sheet_and_funds_arrive(clerks, employee):
    case, transfer = accepted_and_reviewed(clerks, employee)
    with pytest.raises(MoveNotAllowed, match="尚未收到转出地的《参保人员基本医疗保险信息表》和转移资金"):
        step(case, clerks["jincheng"]["review"])


def test_amount_on_the_sheet_differing_from_the_balance_stops_the_transfer_out_leg(clerks, employee):
    _, transfer = accepted_and_reviewed(clerks, employee)
    leg = transfer.legs.get(kind=LegKind.TRANSFER_OUT)
    with pytest.raises(AmountMismatch, match="金额不符：信息表填报的个人账户实际转出资金 ¥1,200.00 与个人账户余额 ¥1,234.56 不一致"):
        do_leg(leg=leg, actor="clerk", declared_amount=Decimal("1200.00"))
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.LETTER_SENT
    assert PersonalAccount.objects.get(person=employee).balance == BALANCE
    assert not AccountMovement.objects.exists()


def test_leg_done_twice_is_refused_and_money_moves_once(clerks, employee):
    _, transfer = accepted_and_reviewed(clerks, employee)
    leg = transfer.legs.get(kind=LegKind.TRANSFER_OUT)
    do_leg(leg=leg, actor="clerk", declared_amount=BALANCE)
    with pytest.raises(TransferError, match="已完成，不能重复办理"):
        do_leg(leg=leg, actor="clerk")
    assert AccountMovement.objects.filter(kind="transfer_out").count() == 1


def signed_sheet(transfer, *, amount="1234.56", funds="1234.56", capitals="壹仟贰佰叁拾肆元伍角陆分"):
    return {
        "document_id": f"{transfer.ref}:transfer_sheet", "kind": "transfer_sheet", "sender": "peer",
        "receiver": "yibao", "issued_at": "2026-03-02T10:00:00+08:00",
        "transfer": {"ref": transfer.ref, "person": {"id_number": transfer.id_number, "name": transfer.name,
                                                     "sex": "1", "birth_date": "1985-01-01"},
                     "scheme": "310", "out_region": {"code": "320100", "name": "南京市", "instance": "peer"},
                     "in_region": {"code": "140500", "name": "晋城市", "instance": "yibao"},
                     "applied_at": "in", "certificate_code": ""},
        "sheet": {"account_amount": amount, "account_amount_capitals": capitals, "rows": [], "verification_code": "X"},
        "funds": {"amount": funds, "reference": "peer-1:out"},
    }


@pytest.fixture
def remote_transfer(employee, monkeypatch):
    """A transfer from a peer deployment (南京) into Jincheng, its 联系函 already sent."""
    monkeypatch.setenv("YIBAO_TRANSFER_PEERS", PEERS)
    return Transfer.objects.create(
        ref="peer-1", id_number=employee.id_number, name=employee.name, scheme="310",
        out_region_code="320100", out_region_name="南京市", out_instance="peer",
        in_region_code="140500", in_region_name="晋城市", in_instance="yibao", applied_at="in",
        in_region=Region.objects.get(code="140500"),
        status=TransferStatus.LETTER_SENT)


def test_sheet_whose_funds_differ_from_its_amount_is_refused(remote_transfer):
    with pytest.raises(AmountMismatch, match="金额不符：信息表载明个人账户实际转出资金 ¥1,234.56，实际划转资金 ¥1,000.00"):
        receive_document(document=signed_sheet(remote_transfer, funds="1000.00"), sender="peer")
    remote_transfer.refresh_from_db()
    assert remote_transfer.status == TransferStatus.LETTER_SENT
    assert not remote_transfer.legs.exists()


def test_sheet_whose_capitals_differ_from_its_figures_is_refused(remote_transfer):
    with pytest.raises(AmountMismatch, match="大写金额「壹元整」与小写金额"):
        receive_document(document=signed_sheet(remote_transfer, capitals="壹元整"), sender="peer")


def post(client, document, *, sender="peer", secret="s3cret"):
    return client.post("/api/transfers/documents", data=canonical(document), content_type="application/json",
                       headers={SENDER_HEADER: sender, SIGNATURE_HEADER: "sha256=" + sign(document, secret)})


def test_document_with_a_bad_signature_is_refused_with_401(remote_transfer):
    response = post(Client(), signed_sheet(remote_transfer), secret="wrong")
    assert response.status_code == 401
    assert response.json()["detail"] == "签名验证失败：文书签名与共享密钥不符，拒收"
    remote_transfer.refresh_from_db()
    assert remote_transfer.status == TransferStatus.LETTER_SENT


def test_document_from_an_unknown_sender_is_refused_with_401(remote_transfer):
    response = post(Client(), signed_sheet(remote_transfer), sender="stranger")
    assert response.status_code == 401 and "未知的发送方系统「stranger」" in response.json()["detail"]


def test_same_document_twice_is_a_no_op_with_the_first_receipt(remote_transfer):
    client = Client()
    first = post(client, signed_sheet(remote_transfer))
    again = post(client, signed_sheet(remote_transfer))
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert remote_transfer.legs.filter(kind=LegKind.TRANSFER_IN).count() == 1
    assert remote_transfer.documents.filter(direction="received").count() == 1


def test_same_document_id_with_other_content_is_refused(remote_transfer):
    client = Client()
    post(client, signed_sheet(remote_transfer))
    response = post(client, signed_sheet(remote_transfer, amount="1.00", funds="1.00", capitals="壹元整"))
    assert response.status_code == 400 and "已收到过内容不同的文书" in response.json()["detail"]


def test_mismatching_sheet_over_the_api_is_refused_with_422(remote_transfer):
    response = post(Client(), signed_sheet(remote_transfer, funds="0.01"))
    assert response.status_code == 422 and response.json()["detail"].startswith("金额不符")



def test_a_balance_is_not_moved_out_when_the_letter_names_no_receiving_account(agencies, clerks, employee):
    # 晋城's centres have not entered their fund account: the 联系函 cannot say where the money goes.
    Agency.objects.filter(region__slug="jincheng").update(fund_account_number="")
    case = submit(current_item("jincheng", "transfer-in"), employee, {"out_region_code": "140100"})
    case = step(step(case, clerks["jincheng"]["accept"]), clerks["jincheng"]["review"])
    transfer = Transfer.objects.get(case_number=case.number)
    assert transfer.in_fund_account == {}
    leg = transfer.legs.get(kind=LegKind.TRANSFER_OUT)
    with pytest.raises(TransferError, match="联系函未载明医保基金收入户"):
        do_leg(leg=leg, actor="ty-pay", declared_amount=BALANCE)
    assert PersonalAccount.objects.get(person=employee).balance == BALANCE
    assert not Payment.objects.exists()
