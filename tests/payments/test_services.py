"""The ledger's writes: approval (idempotent), the disbursement file, the bank's returns, reissue."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import transaction
from openpyxl import Workbook, load_workbook

from yibao.audit.models import AuditEntry
from yibao.payments import bankfiles
from yibao.payments.errors import BankFileError, InvalidPayment, PaymentConflict
from yibao.payments.models import DisbursementBatch, Payee, Payment, PaymentEvent, PaymentStatus
from yibao.payments.services import (
    PayeeDetails,
    build_disbursement_file,
    disbursement_file_of,
    import_bank_returns,
    reissue_payment,
)

pytestmark = pytest.mark.django_db


def csv_file(*rows, header="业务流水号,支付结果,失败原因,银行流水号"):
    return ("回盘.csv", "\n".join((header, *rows)).encode())


def submitted(approve, agency, *references):
    payments = [approve(reference=r) for r in references]
    build_disbursement_file(actor="payer", fund="310100", agency=agency, day=payments[0].approved_on)
    return [Payment.objects.get(pk=p.pk) for p in payments]


# --- 核定 ---------------------------------------------------------------------------------

def test_approving_a_payment_records_it_with_an_event_and_an_audit_row(approve, agency):
    payment = approve()
    assert payment.status == PaymentStatus.APPROVED
    assert payment.amount == Decimal("1234.56") and payment.region_id == agency.region_id
    assert payment.payee.name == "王建国"
    assert list(payment.events.values_list("to_status", "actor")) == [("approved", "clerk")]
    assert AuditEntry.objects.filter(action="payments.payment.approve", object_id="claim:0001").count() == 1


def test_approving_again_with_the_same_reference_and_content_returns_the_first_payment(approve):
    first = approve()
    again = approve(note="重试")
    assert again.pk == first.pk
    assert Payment.objects.count() == 1 and Payee.objects.count() == 1


def test_the_same_reference_with_another_amount_is_refused(approve):
    approve()
    with pytest.raises(PaymentConflict, match="金额"):
        approve(amount=Decimal("1234.57"))
    assert Payment.objects.count() == 1


def test_the_same_reference_to_another_payee_is_refused(approve, bank_account):
    approve()
    other = PayeeDetails(kind="person", identifier=bank_account.identifier, name="王建国",
                         bank_name="中国银行", account_number="6216600000001111")
    with pytest.raises(PaymentConflict, match="收款方"):
        approve(payee=other)


@pytest.mark.parametrize(("amount", "message"), [
    (Decimal("0"), "须大于 0"), (Decimal("-5.00"), "须大于 0"), (Decimal("1.005"), "两位小数"),
    (12.5, "浮点数"), ("abc", "不是有效金额"), (Decimal("NaN"), "不是有效金额"),
])
def test_an_amount_that_is_not_positive_fen_exact_decimal_is_refused(approve, amount, message):
    with pytest.raises(InvalidPayment, match=message):
        approve(amount=amount)
    assert not Payment.objects.exists()


def test_an_unknown_fund_code_is_refused_naming_the_codes(approve):
    with pytest.raises(InvalidPayment, match="310100 职工统筹"):
        approve(fund="999999")


def test_a_payment_must_pay_a_case_or_a_source(approve):
    with pytest.raises(InvalidPayment, match="办件/来源"):
        approve(source="")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("account_number", "62-22", "银行账号"), ("bank_name", "", "开户银行"), ("name", " ", "收款人户名"),
    ("kind", "hospital", "收款方类型"),
])
def test_bad_payee_details_are_refused_naming_the_field(approve, bank_account, field, value, message):
    details = PayeeDetails(**{**bank_account.__dict__, field: value})
    with pytest.raises(InvalidPayment, match=message):
        approve(payee=details)


def test_an_institution_is_a_payee_by_its_code_without_the_payments_app_knowing_institutions(approve):
    hospital = PayeeDetails(kind="institution", identifier="H14010500001", name="太原市示例医院",
                            bank_name="中国建设银行", account_number="14001234567890")
    payment = approve(payee=hospital, fund="390100", reference="settle:2026-11:H14010500001")
    assert payment.payee.get_kind_display() == "定点医药机构"


def test_a_failed_decision_rolls_back_its_payment(approve):
    with pytest.raises(RuntimeError), transaction.atomic():
        approve()
        raise RuntimeError("审核失败")
    assert not Payment.objects.exists()


# --- 拨付报盘 -----------------------------------------------------------------------------

def test_the_disbursement_file_lists_the_days_approved_payments_and_submits_them(approve, agency):
    a = approve(reference="claim:1", amount=Decimal("100.00"))
    approve(reference="claim:2", amount=Decimal("0.01"))
    approve(reference="claim:3", fund="510100")  # another fund, another file
    batch, content = build_disbursement_file(actor="payer", fund="310100", agency=agency, day=a.approved_on)
    assert batch.count == 2 and batch.total == Decimal("100.01")
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [(r[1], r[2], r[8], r[9]) for r in rows] == [
        ("claim:1", "310100", "6222020200112233445", 100), ("claim:2", "310100", "6222020200112233445", 0.01)]
    assert sheet.cell(row=3, column=2).value == "业务流水号"
    statuses = dict(Payment.objects.values_list("reference", "status"))
    assert statuses == {"claim:1": "submitted", "claim:2": "submitted", "claim:3": "approved"}
    assert PaymentEvent.objects.filter(to_status="submitted").count() == 2
    assert disbursement_file_of(batch) and DisbursementBatch.objects.count() == 1


def test_a_second_file_for_the_same_day_has_nothing_to_submit(approve, agency):
    a = approve()
    build_disbursement_file(actor="payer", fund="310100", agency=agency, day=a.approved_on)
    with pytest.raises(PaymentConflict, match="没有待提交银行"):
        build_disbursement_file(actor="payer", fund="310100", agency=agency, day=a.approved_on)


def test_another_agencys_payments_are_not_in_the_file(approve, agency, other_agency):
    approve(agency=other_agency)
    with pytest.raises(PaymentConflict):
        build_disbursement_file(actor="payer", fund="310100", agency=agency,
                                day=Payment.objects.get().approved_on)


# --- 回盘 ---------------------------------------------------------------------------------

def test_the_bank_return_file_marks_payments_paid_or_returned_with_a_row_report(approve, agency):
    submitted(approve, agency, "claim:1", "claim:2")
    report = import_bank_returns(actor="payer", file=csv_file("claim:1,成功,,B0001", "claim:2,失败,户名不符,"))
    assert report.applied and report.paid == 1 and report.returned == 1
    assert [r.outcome for r in report.rows] == ["第 2 行 已支付（¥1,234.56）", "第 3 行 退回（¥1,234.56）"]
    one, two = Payment.objects.order_by("reference")
    assert (one.status, one.bank_serial) == ("paid", "B0001")
    assert (two.status, two.return_reason) == ("returned", "户名不符")
    assert AuditEntry.objects.filter(action="payments.returns.import").count() == 1


def test_a_return_file_with_a_bad_row_names_every_bad_row_and_applies_nothing(approve, agency):
    submitted(approve, agency, "claim:1", "claim:2")
    report = import_bank_returns(actor="payer", file=csv_file(
        "claim:1,成功,,B0001", "claim:9,成功,,B0002", "claim:2,不知道,,", "claim:1,成功,,B0001", ",成功,,"))
    assert not report.applied
    assert [r.outcome for r in report.errors] == [
        "第 3 行 业务流水号：claim:9 不是本机构的支付",
        "第 4 行 支付结果：「不知道」无效，应为「成功」或「失败」",
        "第 5 行 业务流水号：claim:1 与第 2 行重复",
        "第 6 行 业务流水号：必填",
    ]
    assert set(Payment.objects.values_list("status", flat=True)) == {"submitted"}


def test_a_failure_without_reason_and_a_success_without_serial_are_bad_rows(approve, agency):
    submitted(approve, agency, "claim:1", "claim:2")
    report = import_bank_returns(actor="payer", file=csv_file("claim:1,成功,,", "claim:2,失败,,"))
    assert [r.outcome for r in report.errors] == ["第 2 行 银行流水号：支付成功时必填", "第 3 行 失败原因：支付失败时必填"]


def test_uploading_the_same_return_file_twice_changes_nothing_the_second_time(approve, agency):
    submitted(approve, agency, "claim:1")
    import_bank_returns(actor="payer", file=csv_file("claim:1,成功,,B0001"))
    report = import_bank_returns(actor="payer", file=csv_file("claim:1,成功,,B0001"))
    assert report.applied and report.rows[0].outcome == "第 2 行 已登记为「已支付」，未重复处理"
    assert PaymentEvent.objects.filter(to_status="paid").count() == 1


def test_a_paid_payment_cannot_be_returned_by_a_later_file(approve, agency):
    submitted(approve, agency, "claim:1")
    import_bank_returns(actor="payer", file=csv_file("claim:1,成功,,B0001"))
    report = import_bank_returns(actor="payer", file=csv_file("claim:1,失败,账户冻结,"))
    assert report.errors[0].outcome == "第 2 行 业务流水号：claim:1 当前状态为「已支付」，不是已提交银行的支付"
    assert Payment.objects.get().status == "paid"


def test_an_approved_payment_not_yet_submitted_cannot_be_paid(approve):
    approve()
    report = import_bank_returns(actor="payer", file=csv_file("claim:0001,成功,,B1"))
    assert "不是已提交银行的支付" in report.errors[0].outcome


def test_an_agency_may_not_settle_another_agencys_payments(approve, agency, other_agency):
    submitted(approve, agency, "claim:1")
    report = import_bank_returns(actor="payer", agency=other_agency, file=csv_file("claim:1,成功,,B1"))
    assert report.errors[0].outcome == "第 2 行 业务流水号：claim:1 不是本机构的支付"


def test_the_return_file_may_be_an_excel_workbook(approve, agency):
    submitted(approve, agency, "claim:1")
    book = Workbook()
    book.active.append(["业务流水号", "支付结果", "失败原因", "银行流水号"])
    book.active.append(["claim:1", "成功", None, 20261204001])
    out = io.BytesIO()
    book.save(out)
    report = import_bank_returns(actor="payer", file=("回盘.xlsx", out.getvalue()))
    assert report.applied and Payment.objects.get().bank_serial == "20261204001"


def test_a_gbk_csv_from_the_bank_is_read(approve, agency):
    submitted(approve, agency, "claim:1")
    content = "业务流水号,支付结果,失败原因,银行流水号\nclaim:1,失败,账号不存在,\n".encode("gbk")
    report = import_bank_returns(actor="payer", file=("回盘.csv", content))
    assert report.applied and Payment.objects.get().return_reason == "账号不存在"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("回盘.csv", b"", "空文件"),
    ("回盘.pdf", b"%PDF-1.4", "类型不支持"),
    ("回盘.xlsx", b"PK\x03\x04 not really a zip", "无法读取"),
    ("回盘.csv", "流水号,结果\nx,成功".encode(), "表头"),
    ("回盘.csv", "业务流水号,支付结果,失败原因,银行流水号\n".encode(), "没有数据行"),
    ("回盘.csv", b"\xff\xfe\x00\x00binary\x00", "无法"),
])
def test_a_return_file_that_cannot_be_read_is_refused_in_chinese(name, content, message, db):
    with pytest.raises(BankFileError, match=message):
        import_bank_returns(actor="payer", file=(name, content))


def workbook_bytes(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_that_inflates_too_much_is_refused_before_it_is_parsed(monkeypatch, db):
    monkeypatch.setattr(bankfiles, "MAX_UNZIPPED_BYTES", 1000)
    content = workbook_bytes([list(bankfiles.RETURN_COLUMNS), ["claim:1", "成功", None, "B1"]])
    with pytest.raises(BankFileError, match="解压后过大"):
        import_bank_returns(actor="payer", file=("回盘.xlsx", content))


def test_a_workbook_declaring_too_many_rows_is_refused(monkeypatch, db):
    monkeypatch.setattr(bankfiles, "MAX_RETURN_ROWS", 2)
    rows = [list(bankfiles.RETURN_COLUMNS)] + [[f"claim:{n}", "成功", None, f"B{n}"] for n in range(4)]
    with pytest.raises(BankFileError, match="最多 2 行"):
        import_bank_returns(actor="payer", file=("回盘.xlsx", workbook_bytes(rows)))


def test_a_hostile_return_file_is_bounded_in_size_and_rows(monkeypatch, db):
    with pytest.raises(BankFileError, match="超过 5 MB"):
        import_bank_returns(actor="payer", file=("回盘.csv", b"x" * (5 * 1024 * 1024 + 1)))
    monkeypatch.setattr(bankfiles, "MAX_RETURN_ROWS", 3)
    rows = [f"claim:{n},成功,,B{n}" for n in range(5)]
    with pytest.raises(BankFileError, match="最多 3 行"):
        import_bank_returns(actor="payer", file=csv_file(*rows))


# --- 重新支付 -----------------------------------------------------------------------------

def returned_payment(approve, agency):
    submitted(approve, agency, "claim:1")
    import_bank_returns(actor="payer", file=csv_file("claim:1,失败,账号不存在,"))
    return Payment.objects.get(reference="claim:1")


def test_a_returned_payment_is_reissued_once_to_corrected_bank_details(approve, agency):
    original = returned_payment(approve, agency)
    reissue = reissue_payment(actor="payer", payment=original, bank_name="中国银行", account_number="6216600000001111")
    assert reissue.reissue_of_id == original.pk and reissue.status == "approved"
    assert reissue.reference == "claim:1#重发" and reissue.amount == original.amount
    assert reissue.payee.account_number == "6216600000001111" and reissue.payee.name == "王建国"
    assert Payment.objects.get(pk=original.pk).status == "returned"
    with pytest.raises(PaymentConflict, match="已重新支付过一次"):
        reissue_payment(actor="payer", payment=original, bank_name="中国农业银行", account_number="6228480000002222")
    assert Payment.objects.count() == 2


def test_the_reissue_is_paid_and_the_original_never_is(approve, agency):
    original = returned_payment(approve, agency)
    reissue = reissue_payment(actor="payer", payment=original, bank_name="中国银行", account_number="6216600000001111")
    build_disbursement_file(actor="payer", fund="310100", agency=agency, day=reissue.approved_on)
    report = import_bank_returns(actor="payer", file=csv_file("claim:1#重发,成功,,B9", "claim:1,成功,,B10"))
    assert not report.applied and "当前状态为「退回」" in report.errors[0].outcome
    import_bank_returns(actor="payer", file=csv_file("claim:1#重发,成功,,B9"))
    assert dict(Payment.objects.values_list("reference", "status")) == {"claim:1": "returned", "claim:1#重发": "paid"}


def test_only_a_returned_payment_can_be_reissued(approve):
    payment = approve()
    with pytest.raises(PaymentConflict, match="只有被银行退回"):
        reissue_payment(actor="payer", payment=payment, bank_name="中国银行", account_number="6216600000001111")


def test_a_reissue_to_the_same_bank_details_is_refused(approve, agency, bank_account):
    original = returned_payment(approve, agency)
    with pytest.raises(InvalidPayment, match="与被退回的收款信息相同"):
        reissue_payment(actor="payer", payment=original, bank_name=bank_account.bank_name,
                        account_number=bank_account.account_number)
    assert Payment.objects.count() == 1


def test_every_state_change_is_an_event_row(approve, agency):
    original = returned_payment(approve, agency)
    assert list(original.events.values_list("from_status", "to_status")) == [
        ("", "approved"), ("approved", "submitted"), ("submitted", "returned")]
    assert isinstance(original.settled_on, datetime.date)
