"""The console's 基金支付 pages: who may see and act, filters, the files, the row report, reissue, reconciliation."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests.factories import StaffFactory
from yibao.payments.models import Payment
from yibao.payments.services import build_disbursement_file

pytestmark = pytest.mark.django_db

LEDGER = "/console/payments/"


def login(client, staff):
    client.force_login(staff.user)
    return client


def returns_upload(*rows):
    text = "\n".join(("业务流水号,支付结果,失败原因,银行流水号", *rows))
    return SimpleUploadedFile("回盘.csv", text.encode(), content_type="text/csv")


def test_the_pay_clerk_sees_the_agencys_ledger_with_yuan_amounts_and_masked_ids(client, payer, approve):
    approve(amount=Decimal("1234.56"))
    response = login(client, payer).get(LEDGER)
    page = response.content.decode()
    assert response.status_code == 200
    assert "¥1,234.56" in page and "claim:0001" in page
    assert "140105********2515" in page and "140105198503122515" not in page
    assert "****3445" in page and "6222020200112233445" not in page


def test_a_supervisor_reads_but_cannot_build_a_file(client, supervisor, approve):
    payment = approve()
    login(client, supervisor)
    assert client.get(LEDGER).status_code == 200
    response = client.post("/console/payments/disburse/", {"fund": "310100", "day": payment.approved_on.isoformat()})
    assert response.status_code == 403 and "拨付岗" in response.content.decode()
    assert Payment.objects.get().status == "approved"


def test_a_clerk_without_pay_or_supervise_role_is_refused(client, agency):
    clerk = StaffFactory(agency=agency, roles=["accept"])
    response = login(client, clerk).get(LEDGER)
    assert response.status_code == 403 and "仅限拨付岗和科长" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_the_staff_login(client):
    response = client.get(LEDGER)
    assert response.status_code == 302 and "kind=staff" in response.url


def test_another_agencys_clerk_sees_none_of_its_payments(client, stranger, approve):
    payment = approve()
    login(client, stranger)
    assert "claim:0001" not in client.get(LEDGER).content.decode()
    assert client.get(f"/console/payments/{payment.pk}/").status_code == 404


def test_the_ledger_filters_by_fund_and_status(client, payer, approve):
    approve(reference="claim:a")
    approve(reference="claim:b", fund="510100")
    page = login(client, payer).get(LEDGER, {"fund": "510100", "status": "approved"}).content.decode()
    assert "claim:b" in page and "claim:a" not in page


@pytest.mark.parametrize(("query", "message"), [
    ({"day_from": "2026-13-01"}, "字段 起始日期：「2026-13-01」不是有效日期"),
    ({"day_to": "昨天"}, "字段 截止日期"),
    ({"day_from": "2026-12-05", "day_to": "2026-12-01"}, "不能晚于截止日期"),
    ({"day_from": "2020-01-01", "day_to": "2026-12-01"}, "最长 366 天"),
    ({"fund": "999"}, "字段 基金"),
    ({"status": "lost"}, "字段 状态"),
])
def test_bad_filters_are_refused_with_a_chinese_message(client, payer, query, message):
    response = login(client, payer).get(LEDGER, query)
    assert response.status_code == 400 and message in response.content.decode()


def test_building_the_disbursement_file_downloads_it_and_submits_the_payments(client, payer, approve):
    payment = approve()
    response = login(client, payer).post("/console/payments/disburse/",
                                         {"fund": "310100", "day": payment.approved_on.isoformat()})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=4, column=2).value == "claim:0001"
    assert Payment.objects.get().status == "submitted"
    number = Payment.objects.get().batch.number
    again = client.get(f"/console/payments/batches/{number}.xlsx")
    assert again.status_code == 200 and load_workbook(io.BytesIO(again.content)).active.cell(row=4, column=2).value \
        == "claim:0001"
    # The ledger page says where the file stands on its way to the bank (the outbox has not run yet).
    page = client.get("/console/payments/", {"day_from": payment.approved_on.isoformat(),
                                             "day_to": payment.approved_on.isoformat()}).content.decode()
    assert number in page and "待发送" in page


def test_building_a_file_with_nothing_to_submit_is_a_409(client, payer):
    response = login(client, payer).post("/console/payments/disburse/", {"fund": "310100", "day": "2026-12-01"})
    assert response.status_code == 409 and "没有待提交银行" in response.content.decode()


def test_building_a_file_with_a_bad_day_is_a_400(client, payer):
    response = login(client, payer).post("/console/payments/disburse/", {"fund": "310100", "day": "12/01"})
    assert response.status_code == 400 and "字段 核定日期" in response.content.decode()


def test_uploading_the_return_file_shows_the_row_report(client, payer, approve, agency):
    payment = approve()
    build_disbursement_file(actor="payer", fund="310100", agency=agency, day=payment.approved_on)
    response = login(client, payer).post("/console/payments/returns/", {"file": returns_upload("claim:0001,成功,,B1")})
    assert response.status_code == 200 and "第 2 行 已支付（¥1,234.56）" in response.content.decode()
    assert Payment.objects.get().status == "paid"


def test_a_return_file_with_bad_rows_is_a_400_listing_them_and_applying_nothing(client, payer, approve, agency):
    payment = approve()
    build_disbursement_file(actor="payer", fund="310100", agency=agency, day=payment.approved_on)
    response = login(client, payer).post("/console/payments/returns/", {
        "file": returns_upload("claim:0001,成功,,B1", "claim:0002,成功,,B2")})
    page = response.content.decode()
    assert response.status_code == 400 and "第 3 行 业务流水号：claim:0002 不是本机构的支付" in page
    assert Payment.objects.get().status == "submitted"


def test_a_hostile_upload_is_a_400_in_chinese(client, payer):
    upload = SimpleUploadedFile("回盘.xlsx", b"PK\x03\x04" + b"\x00" * 100)
    response = login(client, payer).post("/console/payments/returns/", {"file": upload})
    assert response.status_code == 400 and "回盘文件无法读取" in response.content.decode()
    assert login(client, payer).post("/console/payments/returns/", {}).status_code == 400


def test_a_returned_payment_is_reissued_from_its_page_once(client, payer, approve, agency):
    payment = approve()
    build_disbursement_file(actor="payer", fund="310100", agency=agency, day=payment.approved_on)
    login(client, payer).post("/console/payments/returns/", {"file": returns_upload("claim:0001,失败,账号不存在,")})
    assert "退回后重新支付" in client.get(f"/console/payments/{payment.pk}/").content.decode()
    response = client.post(f"/console/payments/{payment.pk}/reissue/",
                           {"bank_name": "中国银行", "account_number": "6216600000001111"})
    reissue = Payment.objects.get(reissue_of=payment)
    assert response.status_code == 302 and response.url == f"/console/payments/{reissue.pk}/"
    again = client.post(f"/console/payments/{payment.pk}/reissue/",
                        {"bank_name": "中国农业银行", "account_number": "6228480000002222"})
    assert again.status_code == 409 and "已重新支付过一次" in again.content.decode()
    bad = client.post(f"/console/payments/{reissue.pk}/reissue/", {"bank_name": "中国银行", "account_number": ""})
    assert bad.status_code == 400 and "字段 银行账号" in bad.content.decode()


def test_the_reconciliation_page_lists_each_open_payment(client, payer, approve, agency):
    a = approve(reference="claim:1")
    approve(reference="claim:2")
    build_disbursement_file(actor="payer", fund="310100", agency=agency, day=a.approved_on)
    approve(reference="claim:3", fund="510100")
    page = login(client, payer).get("/console/payments/reconciliation/").content.decode()
    assert page.count("已提交银行未回盘") == 2 and "已核定未提交银行" in page and "claim:3" in page
    assert "¥2,469.12" in page  # the day's 310100 total


def test_the_reconciliation_range_is_bounded(client, payer):
    response = login(client, payer).get("/console/payments/reconciliation/",
                                        {"day_from": "2026-01-01", "day_to": "2026-12-01"})
    assert response.status_code == 400 and "最长 92 天" in response.content.decode()


def test_the_console_header_links_the_payments_ledger(client, payer):
    assert 'href="/console/payments/"' in login(client, payer).get("/console/").content.decode()


def test_the_ledger_page_does_not_query_per_row(client, payer, approve, django_assert_max_num_queries):
    for n in range(30):
        approve(reference=f"claim:{n}")
    login(client, payer)
    with django_assert_max_num_queries(14):
        assert client.get(LEDGER).status_code == 200


def test_a_supervisor_can_neither_import_returns_nor_reissue(client, supervisor, approve):
    payment = approve()
    login(client, supervisor)
    assert client.get("/console/payments/returns/").status_code == 200
    response = client.post("/console/payments/returns/", {"file": returns_upload("claim:0001,成功,,B1")})
    assert response.status_code == 403 and "拨付岗" in response.content.decode()
    response = client.post(f"/console/payments/{payment.pk}/reissue/", {"bank_name": "中国银行",
                                                                          "account_number": "6216600000001111"})
    assert response.status_code == 403
    assert Payment.objects.get().status == "approved" and Payment.objects.count() == 1
