"""The settlement pages: the clerk's console (to-do with 临期/超期, validation, rule and manual
deductions, objections decided by a second clerk, statement, both confirmations, 拨付) and the
institution's own months (open, upload, declare, object, confirm, PDF), each only for its own."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from openpyxl import Workbook

from tests.settlement.conftest import MONTH, make_institution, record
from yibao import clock
from yibao.audit.models import AuditEntry
from yibao.documents.models import IssuedDocument
from yibao.institutions.models import InstitutionAccount
from yibao.payments.models import Payment
from yibao.settlement import services
from yibao.settlement.models import (
    Declaration,
    DeclarationStatus,
    Deduction,
    ObjectionState,
    RunProgress,
    RunStatus,
)
from yibao.settlement.records import HEADERS

ACCOUNT = "6222020200012345678"


def login_as(institution):
    user = get_user_model().objects.create_user(username=f"i:{institution.uscc}", password="x")
    InstitutionAccount.objects.create(user=user, institution=institution)
    return user


@pytest.fixture
def hospital_user(hospital):
    return login_as(hospital)


def month_url(declaration):
    return f"/console/settlement/{declaration.pk}/"


def xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.title = "结算明细"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "2026-11.xlsx"
    return out


def file_row(values):
    from yibao.settlement.records import FIELDS

    return [str(values.get(name, "0")) for name in FIELDS]


# --- the clerk ---------------------------------------------------------------------------------------


def test_the_console_lists_declared_months_with_their_deadline_flag(client, declared, clerk):
    client.force_login(clerk.user)
    page = client.get("/console/settlement/").content.decode()
    assert declared.institution_name in page and f"{declared.due_date:%Y-%m-%d}" in page
    assert "临期" not in page and "超期" not in page
    with clock.override(declared.due_date + datetime.timedelta(days=1)):
        assert "超期" in client.get("/console/settlement/").content.decode()
    with clock.override(declared.due_date):
        assert "临期" in client.get("/console/settlement/").content.decode()


def test_the_console_refuses_a_bad_month_filter_in_chinese(client, declared, clerk):
    client.force_login(clerk.user)
    response = client.get("/console/settlement/", {"month": "2026/13"})
    assert response.status_code == 422 and "结算月份" in response.content.decode()


def test_only_staff_of_the_agency_see_a_month(client, declared, clerk, hospital_user):
    assert client.get(month_url(declared)).status_code == 302
    client.force_login(hospital_user)
    assert client.get(month_url(declared)).status_code == 403
    from tests.factories import AgencyFactory, StaffFactory

    stranger = StaffFactory(agency=AgencyFactory(name="另一个中心"), roles=["review"])
    client.force_login(stranger.user)
    assert client.get(month_url(declared)).status_code == 404
    client.force_login(clerk.user)
    assert client.get(month_url(declared)).status_code == 200


def test_the_month_page_names_the_bad_records_with_row_and_reason(client, hospital, employee, clerk):
    declaration = services.open_declaration(actor="h", institution_code=hospital.national_code, month=MONTH)
    services.add_records(actor="h", institution_code=hospital.national_code, declaration=declaration,
                         records=[record("JS001", employee), record("JS002", "110101199001011237")])
    services.declare(actor="h", institution_code=hospital.national_code, declaration=declaration)
    client.force_login(clerk.user)
    page = client.get(month_url(declaration)).content.decode()
    assert "第 2 行" in page and "110101199001011237" not in page.split("校验结果")[0]


def test_a_clerk_reviews_deducts_by_hand_with_a_reason_and_a_bad_amount_changes_nothing(client, declared, clerk):
    client.force_login(clerk.user)
    assert client.post(month_url(declared), {"action": "review"}).status_code == 302
    declared.refresh_from_db()
    assert declared.status == DeclarationStatus.REVIEWED
    bad = client.post(month_url(declared), {"action": "deduct", "settlement_id": "JS001", "fund": "310100",
                                            "amount": "十元", "reason_code": "EXCESSIVE", "note": "无指征"})
    assert bad.status_code == 422 and "扣款金额" in bad.content.decode()
    no_note = client.post(month_url(declared), {"action": "deduct", "settlement_id": "JS001", "fund": "310100",
                                                "amount": "10.00", "reason_code": "EXCESSIVE", "note": ""})
    assert no_note.status_code == 422 and "审核意见" in no_note.content.decode()
    assert not Deduction.objects.filter(source="clerk").exists()
    ok = client.post(month_url(declared), {"action": "deduct", "settlement_id": "JS001", "fund": "310100",
                                           "amount": "10.00", "reason_code": "EXCESSIVE", "note": "CT 无指征"})
    assert ok.status_code == 302
    deduction = Deduction.objects.get(source="clerk")
    assert (deduction.amount, deduction.note, deduction.created_by) == (Decimal("10.00"), "CT 无指征",
                                                                        clerk.user.username)
    assert AuditEntry.objects.filter(action="settlement.deduct").count() == 1
    assert "CT 无指征" in client.get(month_url(declared)).content.decode()


def test_an_unknown_action_is_refused_in_chinese(client, declared, clerk):
    client.force_login(clerk.user)
    response = client.post(month_url(declared), {"action": "drop-table"})
    assert response.status_code == 422 and "操作" in response.content.decode()


# --- the institution and the clerks, a whole month ----------------------------------------------------


def test_a_month_from_the_institutions_upload_to_the_payment(client, hospital, hospital_user, employee, resident,
                                                           clerk, second_clerk):
    client.force_login(hospital_user)
    opened = client.post("/settlement/", {"month": MONTH})
    assert opened.status_code == 302 and opened.url == f"/settlement/{MONTH}/"
    rows = [file_row(record("JS001", employee)), file_row(record("JS002", resident, insurance="390")),
            file_row(record("JS003", employee, med="11", total="500.00", pooled="400.00", account="0.00"))]
    assert client.post(f"/settlement/{MONTH}/", {"action": "upload", "file": xlsx(rows)}).status_code == 302
    assert client.post(f"/settlement/{MONTH}/", {"action": "declare"}).status_code == 302
    declaration = Declaration.objects.get(institution_code=hospital.national_code)
    assert declaration.status == DeclarationStatus.DECLARED and declaration.records.count() == 3
    upload_run = RunProgress.objects.get(kind="settlement_upload")  # the console sees the import
    assert (upload_run.status, upload_run.summary) == (RunStatus.FINISHED, {"accepted": 3, "repeated": 0})

    client.force_login(clerk.user)
    client.post(month_url(declaration), {"action": "review"})
    over_limit = Deduction.objects.get(record__settlement_id="JS003")

    client.force_login(hospital_user)
    page = client.get(f"/settlement/{MONTH}/").content.decode()
    assert "超限价" in page
    empty = client.post(f"/settlement/{MONTH}/", {"action": "object", "deduction": over_limit.pk, "reason": " "})
    assert empty.status_code == 422 and "申诉理由" in empty.content.decode()
    client.post(f"/settlement/{MONTH}/", {"action": "object", "deduction": over_limit.pk, "reason": "已按限价收费"})
    over_limit.refresh_from_db()
    assert over_limit.objection_state == ObjectionState.OPEN

    client.force_login(clerk.user)  # the reviewer may not decide on its own deduction
    refused = client.post(month_url(declaration), {"action": "decide", "deduction": over_limit.pk,
                                                   "decision": "reverse", "note": "核实"})
    assert refused.status_code in (403, 422) and "另一名经办人员" in refused.content.decode()
    client.force_login(second_clerk.user)
    client.post(month_url(declaration), {"action": "decide", "deduction": over_limit.pk, "decision": "reverse",
                                         "note": "发票核实，撤销"})
    over_limit.refresh_from_db()
    assert over_limit.objection_state == ObjectionState.REVERSED
    client.post(month_url(declaration), {"action": "statement"})
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.STATED

    client.force_login(hospital_user)
    bad_account = client.post(f"/settlement/{MONTH}/", {"action": "confirm", "bank_name": "工商银行",
                                                        "account_number": "12ab"})
    assert bad_account.status_code == 422 and "收款银行账号" in bad_account.content.decode()
    client.post(f"/settlement/{MONTH}/", {"action": "confirm", "bank_name": "工商银行测试支行",
                                          "account_number": ACCOUNT})
    pdf = client.get(f"/settlement/{MONTH}/310100.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert IssuedDocument.objects.filter(title="定点医药机构费用清算确认书").count() == 1

    client.force_login(second_clerk.user)
    client.post(month_url(declaration), {"action": "confirm"})
    client.post(month_url(declaration), {"action": "pay"})
    client.post(month_url(declaration), {"action": "pay"})  # a second click pays nothing twice
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PAID
    lines = {line.fund: line.payable for line in declaration.lines.all()}
    assert Payment.objects.count() == len([v for v in lines.values() if v > 0])
    assert sum(p.amount for p in Payment.objects.all()) == sum(lines.values())

    client.force_login(hospital_user)
    page = client.get(f"/settlement/{MONTH}/").content.decode()
    assert "已拨付" in page and f"settlement:{MONTH}:{hospital.national_code}:310100" in page


def test_a_bad_file_is_refused_row_by_row_and_stores_nothing(client, hospital, hospital_user, employee):
    client.force_login(hospital_user)
    client.post("/settlement/", {"month": MONTH})
    good = file_row(record("JS001", employee))
    bad = file_row({**record("JS002", employee), "total": "abc"})
    response = client.post(f"/settlement/{MONTH}/", {"action": "upload", "file": xlsx([good, bad])})
    assert response.status_code == 422 and "第 3 行" in response.content.decode()
    assert Declaration.objects.get().records.count() == 0
    run = RunProgress.objects.get(kind="settlement_upload")
    assert run.status == RunStatus.FAILED and "1 行有误" in run.error


def test_an_institution_cannot_open_the_current_month_or_see_anothers(client, agency, hospital, hospital_user,
                                                                       declared):
    client.force_login(hospital_user)
    response = client.post("/settlement/", {"month": "2026-12"})
    assert response.status_code == 422 and "结算月份" in response.content.decode()
    other = make_institution(agency, code="H14010500002", uscc=None)
    client.force_login(login_as(other))
    assert client.get(f"/settlement/{MONTH}/").status_code == 404
    assert client.get(f"/settlement/{MONTH}/310100.pdf").status_code == 404
    assert client.get("/settlement/bogus/").status_code == 404


def test_the_settlement_pages_are_for_institutions_only(client, clerk):
    assert client.get("/settlement/").status_code == 302
    client.force_login(clerk.user)
    assert client.get("/settlement/").status_code == 403


def test_the_template_downloads(client, hospital_user):
    client.force_login(hospital_user)
    response = client.get("/settlement/template.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"


# --- year end ----------------------------------------------------------------------------------------


@pytest.fixture
def paid_month(declared, clerk, second_clerk, hospital):
    declaration = services.review(actor=clerk.user.username, declaration=declared)
    declaration = services.make_statement(actor=clerk.user.username, declaration=declaration)
    services.confirm_statement(actor="hospital", declaration=declaration, side="institution",
                               institution_code=hospital.national_code, bank_name="工商银行", account_number=ACCOUNT)
    declaration = services.confirm_statement(actor=second_clerk.user.username, declaration=declaration, side="agency")
    services.pay_statement(actor=second_clerk.user.username, declaration=declaration)
    declaration.refresh_from_db()
    return declaration


def test_the_year_end_page_returns_the_deposit_by_score_once(client, paid_month, clerk, hospital):
    withheld = sum(line.withheld for line in paid_month.lines.all())
    client.force_login(clerk.user)
    page = client.get("/console/settlement/year-end/", {"year": "2026"}).content.decode()
    assert hospital.national_code in page and f"{withheld}" in page and "示例参数" in page
    bad = client.post("/console/settlement/year-end/", {"year": "2026", "institution_code": hospital.national_code,
                                                         "score": "一百"})
    assert bad.status_code == 422 and "考核得分" in bad.content.decode()
    assert not Payment.objects.filter(reference__startswith="deposit:").exists()
    for _ in range(2):  # a second click returns nothing twice
        response = client.post("/console/settlement/year-end/", {"year": "2026", "score": "85",
                                                                  "institution_code": hospital.national_code})
        assert response.status_code == 302
    returned = Payment.objects.filter(reference__startswith=f"deposit:2026:{hospital.national_code}:")
    assert sum(p.amount for p in returned) == sum(
        (line.withheld * Decimal("0.90")).quantize(Decimal("0.01")) for line in paid_month.lines.all())
    assert "已返还" in client.get("/console/settlement/year-end/", {"year": "2026"}).content.decode()


def test_the_year_end_page_refuses_a_bad_year_and_another_agencys_institution(client, paid_month, clerk):
    client.force_login(clerk.user)
    response = client.get("/console/settlement/year-end/", {"year": "20x6"})
    assert response.status_code == 422 and "年度" in response.content.decode()
    response = client.post("/console/settlement/year-end/", {"year": "2026", "score": "95",
                                                              "institution_code": "H99999999999"})
    assert response.status_code == 404 and "定点机构编码" in response.content.decode()
