"""The online path through the API, the 费用明细清单 upload, who may read a claim, the 结算单 PDF."""

import base64
import io

import pytest
from openpyxl import Workbook

from tests.api.conftest import Api, obtain
from tests.factories import PersonAccountFactory
from tests.reimbursement.conftest import LINES, PDF, claim_form, current_item, handle_to_end, submit
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.models import Case, Channel
from yibao.documents.models import IssuedDocument
from yibao.reimbursement.pdf import settlement_statement_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def inpatient(catalog):
    return current_item("jincheng", "inpatient-reimbursement")


def person_api(client, person):
    PersonAccountFactory(id_number=person.id_number, name=person.name, phone=person.phone)
    return Api(client, obtain(client, "person", person.id_number).json()["token"])


def staff_api(client, clerk):
    return Api(client, obtain(client, "staff", clerk.user.username).json()["token"])


def workbook(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["项目编码", "项目名称", "等级", "单价", "数量", "金额", "限价", "先行自付比例"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return base64.b64encode(out.getvalue()).decode()


def test_a_person_uploads_the_lines_files_online_and_reads_the_paid_claim(client, inpatient, make_insured, clerks):
    person = make_insured("jincheng")
    api = person_api(client, person)
    uploaded = api.post("/api/reimbursement/lines", {"content_base64": workbook([
        ["250101001", "床位费", "甲", 500, 2, 1000, None, None],
        ["XA01", "注射用头孢曲松钠", "乙", 100, 20, 2000, None, 0.1],
        ["Z99", "陪护用品", "丙", 30, 10, 300, None, None],
    ])})
    assert uploaded.status_code == 200, uploaded.content
    lines = uploaded.json()["lines"]
    assert [line["grade"] for line in lines] == ["甲", "乙", "丙"]

    files = [{"position": line.position, "name": "scan.pdf", "content_base64": base64.b64encode(PDF).decode()}
             for line in compute_checklist(inpatient.data, Situation(applicant_kind="person"))]
    filed = api.post("/api/cases", {"city": "jincheng", "item": inpatient.key, "phone": "13912345678",
                                    "form_data": {**claim_form(person), "lines": lines}, "files": files})
    assert filed.status_code == 201, filed.content
    case = Case.objects.get(number=filed.json()["number"])
    assert case.channel != Channel.WINDOW
    handle_to_end(case, clerks["jincheng"])

    claim = api.get(f"/api/reimbursement/claims/{case.number}")
    assert claim.status_code == 200
    body = claim.json()
    assert body["fund_paid"] == "1980.00" and body["lines"][0]["approved_amount"] == "1000.00"
    assert body["settlement"]["demo"] is True and body["person_id_number"] == person.id_number
    pdf = api.get(f"/api/reimbursement/claims/{case.number}/statement")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_every_bad_row_of_the_lines_file_is_reported_by_its_number(client, make_insured):
    api = person_api(client, make_insured("jincheng"))
    response = api.post("/api/reimbursement/lines", {"content_base64": workbook([
        ["A1", "床位费", "甲", 500, 2, 1000, None, None],
        ["A2", "", "甲", 1, 1, 1, None, None],
        ["A3", "药品", "丁", 1, 1, 1, None, None],
        ["A4", "检查", "乙", "abc", 1, 1, None, None],
    ])})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "第 3 行" in detail and "第 4 行" in detail and "第 5 行" in detail and "第 2 行" not in detail


def test_a_file_that_is_not_a_workbook_is_refused(client, make_insured):
    api = person_api(client, make_insured("jincheng"))
    response = api.post("/api/reimbursement/lines", {"content_base64": base64.b64encode(b"%PDF-1.4 x").decode()})
    assert response.status_code == 422 and "Excel" in response.json()["detail"]
    assert api.post("/api/reimbursement/lines", {"content_base64": "@@@"}).status_code == 422


def test_the_template_downloads(client):
    response = client.get("/api/reimbursement/lines/template")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_a_stranger_and_another_agency_cannot_read_a_claim(client, inpatient, make_insured, clerks):
    person = make_insured("jincheng")
    case = handle_to_end(submit(inpatient, person, claim_form(person)), clerks["jincheng"])
    stranger = person_api(client, make_insured("jincheng"))
    assert stranger.get(f"/api/reimbursement/claims/{case.number}").status_code == 404
    assert stranger.get(f"/api/reimbursement/claims/{case.number}/statement").status_code == 404
    other_agency = staff_api(client, clerks["taiyuan"]["review"])
    assert other_agency.get(f"/api/reimbursement/claims/{case.number}").status_code == 404
    own = staff_api(client, clerks["jincheng"]["review"])
    body = own.get(f"/api/reimbursement/claims/{case.number}").json()
    assert body["person_id_number"] != person.id_number and "*" in body["person_id_number"]
    # The insured person reads their own claim even though a clerk typed it at the window.
    assert person_api(client, person).get(f"/api/reimbursement/claims/{case.number}").status_code == 200


def test_the_reviewer_adjusts_a_line_through_the_api(client, inpatient, make_insured, clerks):
    from yibao.cases.services import accept_case

    person = make_insured("jincheng")
    case = accept_case(case=submit(inpatient, person, claim_form(person)), staff=clerks["jincheng"]["accept"])
    api = staff_api(client, clerks["jincheng"]["review"])
    ok = api.post(f"/api/reimbursement/claims/{case.number}/lines/3/adjust", {"amount": "0", "reason": "02"})
    assert ok.status_code == 200 and ok.json()["lines"][2]["adjusted_amount"] == "0.00"
    bad = api.post(f"/api/reimbursement/claims/{case.number}/lines/3/adjust", {"amount": "900", "reason": "02"})
    assert bad.status_code == 422 and "申报金额" in bad.json()["detail"]
    applicant = person_api(client, person)
    assert applicant.post(f"/api/reimbursement/claims/{case.number}/lines/3/adjust",
                          {"amount": "0", "reason": "02"}).status_code == 403


def test_a_clerk_enters_a_claim_at_the_window_and_the_case_pages_show_the_computed_amounts(
        inpatient, make_insured, clerks, windows):
    from yibao.cases.selectors import described_application

    person = make_insured("jincheng")
    people = clerks["jincheng"]
    case = submit(inpatient, person, claim_form(person), channel=Channel.WINDOW, staff=people["accept"],
                  window=windows["jincheng"])
    case = handle_to_end(case, people, window=windows["jincheng"])
    shown = dict(described_application(case))
    assert shown["统筹基金支出"] == "1980.00" and "核准 1000.00" in shown["费用明细 第1行"]
    assert "示例参数" in shown["提示"]


def test_the_settlement_statement_is_issued_once_with_a_verification_code(inpatient, make_insured, clerks):
    person = make_insured("jincheng")
    case = handle_to_end(submit(inpatient, person, claim_form(person)), clerks["jincheng"])
    document = IssuedDocument.objects.get(case_number=case.number, title__startswith="医疗费用零星报销结算单")
    content = settlement_statement_of(case)
    assert content.startswith(b"%PDF-") and len(document.code) >= 8
    assert IssuedDocument.objects.filter(case_number=case.number, title__startswith="医疗费用零星报销结算单").count() == 1


def test_the_statement_text_names_every_line_and_the_demo_warning(inpatient, make_insured, clerks):
    from pypdf import PdfReader

    person = make_insured("jincheng")
    case = handle_to_end(submit(inpatient, person, claim_form(person)), clerks["jincheng"])
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(settlement_statement_of(case))).pages)
    for line in LINES:
        assert line["item_name"] in text
    assert "示例参数" in text and "起付线" in text and "验证码" in text


def test_a_person_files_a_claim_in_the_online_hall_typing_the_lines(client, inpatient, make_insured):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yibao.hall.forms import FIELD_PREFIX

    person = make_insured("jincheng")
    account = PersonAccountFactory(id_number=person.id_number, name=person.name, phone=person.phone)
    client.force_login(account.user)
    form = claim_form(person)
    post = {FIELD_PREFIX + name: value for name, value in form.items() if name not in ("lines", "bill_numbers")}
    post.update({FIELD_PREFIX + "institution_local": "是", FIELD_PREFIX + "bill_numbers": "JC-H1，JC-H2",
                 FIELD_PREFIX + "lines": "250101001,床位费,甲,500,2\nXA01,头孢曲松钠,乙,100,20,,0.1\n"
                                        "Z99,陪护用品,丙,30,10",
                 "applicant_phone": "13700001111"})
    for line in compute_checklist(inpatient.data, Situation(applicant_kind="person")):
        post[f"material_{line.position}"] = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")
    response = client.post(f"/hall/apply/jincheng/{inpatient.key}/", post, follow=True)
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == f"/hall/cases/{case.number}/"
    assert case.form_data["bill_numbers"] == ["JC-H1", "JC-H2"]
    assert [line["grade"] for line in case.form_data["lines"]] == ["甲", "乙", "丙"]


def test_a_bad_typed_line_is_named_by_its_number_in_the_hall(client, inpatient, make_insured):
    from yibao.hall.forms import FIELD_PREFIX

    person = make_insured("jincheng")
    account = PersonAccountFactory(id_number=person.id_number, name=person.name, phone=person.phone)
    client.force_login(account.user)
    post = {FIELD_PREFIX + name: value for name, value in claim_form(person).items()
            if name not in ("lines", "bill_numbers")}
    post.update({FIELD_PREFIX + "institution_local": "是", FIELD_PREFIX + "bill_numbers": "JC-H3",
                 FIELD_PREFIX + "lines": "A1,床位费,甲,500,2\nA2,药,丁,1,1", "applicant_phone": "13700001111"})
    response = client.post(f"/hall/apply/jincheng/{inpatient.key}/", post)
    assert response.status_code == 400
    assert "第 2 行 等级(甲/乙/丙)" in response.content.decode()
    assert not Case.objects.exists()
