"""Transfer legs in the staff to-do list and through the staff API."""

from decimal import Decimal

from tests.transfers.conftest import BALANCE, current_item, step, submit
from yibao.api.auth import issue_token
from yibao.enrollment.models import PersonalAccount
from yibao.ids import mask_resident_id
from yibao.transfers.models import LegKind, Transfer, TransferStatus


def bearer(user):
    _token, raw = issue_token(user=user, kind="staff", channel="app")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def letter_sent(clerks, person):
    case = submit(current_item("jincheng", "transfer-in"), person, {"out_region_code": "140100"})
    case = step(step(case, clerks["jincheng"]["accept"]), clerks["jincheng"]["review"])
    return Transfer.objects.get(case_number=case.number)


def test_todo_page_shows_the_transfer_out_leg_to_the_taiyuan_clerk_with_a_masked_id(client, clerks, employee):
    transfer = letter_sent(clerks, employee)
    client.force_login(clerks["taiyuan"]["pay"].user)
    page = client.get("/console/").content.decode()
    assert "转移接续待办环节" in page and transfer.ref in page
    assert "转出：出具信息表、划转资金" in page and "10个工作日" in page
    assert mask_resident_id(employee.id_number) in page and employee.id_number not in page


def test_todo_page_of_another_region_does_not_show_the_leg(client, clerks, employee):
    transfer = letter_sent(clerks, employee)
    client.force_login(clerks["changzhi"]["pay"].user)
    assert transfer.ref not in client.get("/console/").content.decode()


def test_staff_api_lists_and_does_the_transfer_out_leg(client, clerks, employee):
    transfer = letter_sent(clerks, employee)
    headers = bearer(clerks["taiyuan"]["pay"].user)
    rows = client.get("/api/transfers/legs", **headers).json()
    leg_id = transfer.legs.get(kind=LegKind.TRANSFER_OUT).pk
    assert [(r["id"], r["kind"], r["limit_days"]) for r in rows] == [(leg_id, "transfer_out", 10)]
    response = client.post(f"/api/transfers/legs/{leg_id}/do", {"declared_amount": str(BALANCE)},
                           content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["status"] == TransferStatus.SHEET_SENT
    assert PersonalAccount.objects.get(person=employee).balance == Decimal("0.00")


def test_staff_api_refuses_a_clerk_without_the_pay_role(client, clerks, employee):
    transfer = letter_sent(clerks, employee)
    leg_id = transfer.legs.get(kind=LegKind.TRANSFER_OUT).pk
    response = client.post(f"/api/transfers/legs/{leg_id}/do", {}, content_type="application/json",
                           **bearer(clerks["taiyuan"]["review"].user))
    assert response.status_code == 403 and "没有「拨付」权限" in response.json()["detail"]


def test_staff_api_refuses_a_leg_of_another_region(client, clerks, employee):
    transfer = letter_sent(clerks, employee)
    leg_id = transfer.legs.get(kind=LegKind.TRANSFER_OUT).pk
    response = client.post(f"/api/transfers/legs/{leg_id}/do", {}, content_type="application/json",
                           **bearer(clerks["jincheng"]["pay"].user))
    assert response.status_code == 404


def test_a_clerk_does_the_transfer_out_leg_from_the_todo_page(client, clerks, employee):
    transfer = letter_sent(clerks, employee)
    leg_id = transfer.legs.get(kind=LegKind.TRANSFER_OUT).pk
    client.force_login(clerks["taiyuan"]["pay"].user)
    assert f"/console/transfers/legs/{leg_id}/do/" in client.get("/console/").content.decode()
    # A wrong amount stops the leg with the reason and moves nothing.
    page = client.post(f"/console/transfers/legs/{leg_id}/do/", {"declared_amount": "1.00"}, follow=True)
    assert "未办理" in page.content.decode()
    assert PersonalAccount.objects.get(person=employee).balance == BALANCE
    page = client.post(f"/console/transfers/legs/{leg_id}/do/", {"declared_amount": "abc"}, follow=True)
    assert "字段 信息表转出金额：「abc」不是有效金额" in page.content.decode()
    client.post(f"/console/transfers/legs/{leg_id}/do/", {"declared_amount": str(BALANCE)})
    assert PersonalAccount.objects.get(person=employee).balance == Decimal("0.00")
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.SHEET_SENT


def test_a_clerk_of_another_region_cannot_do_the_leg_from_the_console(client, clerks, employee):
    transfer = letter_sent(clerks, employee)
    leg_id = transfer.legs.get(kind=LegKind.TRANSFER_OUT).pk
    client.force_login(clerks["changzhi"]["pay"].user)
    assert client.post(f"/console/transfers/legs/{leg_id}/do/", {"declared_amount": str(BALANCE)}).status_code == 404
    assert PersonalAccount.objects.get(person=employee).balance == BALANCE


def test_a_deactivated_clerk_is_refused_by_the_transfer_api_as_everywhere(client, clerks, employee):
    transfer = letter_sent(clerks, employee)
    leg_id = transfer.legs.get(kind=LegKind.TRANSFER_OUT).pk
    payer = clerks["taiyuan"]["pay"]
    headers = bearer(payer.user)
    payer.is_active = False
    payer.save(update_fields=["is_active"])
    assert client.get("/api/transfers/legs", **headers).status_code == 403
    response = client.post(f"/api/transfers/legs/{leg_id}/do", {"declared_amount": str(BALANCE)},
                           content_type="application/json", **headers)
    assert response.status_code == 403 and response.json()["detail"] == "仅限经办人员"
    assert transfer.legs.get(kind=LegKind.TRANSFER_OUT).done_at is None
