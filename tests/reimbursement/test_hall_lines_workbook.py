"""In the hall, a claim's 费用明细 may be uploaded as the Excel of the 试算 template instead of typed."""

import io

import pytest
from django.contrib.auth import get_user_model
from openpyxl import Workbook

from tests.factories import PersonAccountFactory
from tests.reimbursement.test_window_and_hall_entry import fields_for, insured_for, scans
from yibao.cases.models import Case
from yibao.reimbursement.models import Claim
from yibao.rules.lines_upload import HEADERS

pytestmark = pytest.mark.django_db

CITY, KEY = "taiyuan", "inpatient-reimbursement-employee"


def workbook(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "费用明细清单.xlsx"
    return out


@pytest.fixture
def applicant(client, make_insured, clerks):
    person = insured_for(CITY, "310", "employed", KEY, make_insured, clerks)
    PersonAccountFactory(id_number=person.id_number, name=person.name)
    client.force_login(get_user_model().objects.get(username__endswith=person.id_number))
    return person


def claim_post(person, **extra):
    data = {"applicant_phone": "13912345678"}
    for name, value in fields_for(person, "21", {}, "TY-XLSX-0001").items():
        data[f"field_{name}"] = "是" if value is True else value
    data["field_lines"] = ""
    from tests.reimbursement.conftest import current_item

    return {**data, **scans(current_item(CITY, KEY), [], "material_"), **extra}


def test_the_lines_come_from_the_uploaded_workbook(client, applicant):
    rows = [["250101001", "床位费", "甲", 500, 2, 1000, None, None],
            ["XA01", "注射用头孢曲松钠", "乙", 100, 20, 2000, None, 0.1]]
    response = client.post(f"/hall/apply/{CITY}/{KEY}/", claim_post(applicant, rowsfile_lines=workbook(rows)))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(applicant_id_number=applicant.id_number)
    lines = case.form_data["lines"]
    assert [line["item_name"] for line in lines] == ["床位费", "注射用头孢曲松钠"]
    assert lines[1]["self_pay_ratio"] == "0.1"


def test_a_bad_row_of_the_workbook_is_named_and_nothing_is_filed(client, applicant):
    rows = [["250101001", "床位费", "甲", 500, 2, 1000, None, None],
            ["XA01", "注射用头孢曲松钠", "丁", 100, 20, 2000, None, None]]
    response = client.post(f"/hall/apply/{CITY}/{KEY}/", claim_post(applicant, rowsfile_lines=workbook(rows)))
    assert response.status_code == 422
    assert "第3行" in response.content.decode() or "第 3 行" in response.content.decode()
    assert not Case.objects.filter(applicant_id_number=applicant.id_number).exists()
    assert not Claim.objects.exists()


def test_typed_lines_and_a_workbook_together_are_refused_as_ambiguous(client, applicant):
    rows = [["250101001", "床位费", "甲", 500, 2, 1000, None, None]]
    post = claim_post(applicant, rowsfile_lines=workbook(rows))
    post["field_lines"] = "250101001,床位费,甲,500,2"
    response = client.post(f"/hall/apply/{CITY}/{KEY}/", post)
    assert response.status_code == 400 and "二者选一" in response.content.decode()
    assert not Case.objects.filter(applicant_id_number=applicant.id_number).exists()


def test_a_file_that_is_not_a_workbook_is_refused(client, applicant):
    fake = io.BytesIO(b"%PDF-1.4 not a workbook")
    fake.name = "明细.xlsx"
    response = client.post(f"/hall/apply/{CITY}/{KEY}/", claim_post(applicant, rowsfile_lines=fake))
    assert 400 <= response.status_code < 500
    assert not Case.objects.filter(applicant_id_number=applicant.id_number).exists()


def test_the_claim_form_offers_the_workbook_upload(client, applicant):
    html = client.get(f"/hall/apply/{CITY}/{KEY}/").content.decode()
    assert 'name="rowsfile_lines"' in html


def window_post(person, clerk_window, **extra):
    from tests.reimbursement.conftest import current_item

    data = {"item": KEY, "applicant_kind": "person", "applicant_name": person.name,
            "applicant_id_number": person.id_number, "applicant_phone": "13912345678",
            "window": str(clerk_window.pk)}
    for name, value in fields_for(person, "21", {}, "TY-XLSX-W001").items():
        if value is True:
            data[f"field_{name}"] = "on"
        elif value is not False:
            data[f"field_{name}"] = value
    data["field_lines"] = ""
    return {**data, **scans(current_item(CITY, KEY), [], "file_"), **extra}


def test_at_the_window_the_clerk_may_upload_the_lines_workbook(client, make_insured, clerks, windows):
    person = insured_for(CITY, "310", "employed", KEY, make_insured, clerks)
    client.force_login(clerks[CITY]["accept"].user)
    rows = [["250101001", "床位费", "甲", 500, 2, 1000, None, None]]
    response = client.post("/console/new/", window_post(person, windows[CITY], rowsfile_lines=workbook(rows)))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(applicant_id_number=person.id_number)
    assert [line["item_name"] for line in case.form_data["lines"]] == ["床位费"]


def test_at_the_window_a_bad_row_is_named_and_nothing_is_entered(client, make_insured, clerks, windows):
    person = insured_for(CITY, "310", "employed", KEY, make_insured, clerks)
    client.force_login(clerks[CITY]["accept"].user)
    rows = [["250101001", "床位费", "戊", 500, 2, 1000, None, None]]
    response = client.post("/console/new/", window_post(person, windows[CITY], rowsfile_lines=workbook(rows)))
    assert response.status_code == 422 and "第 2 行" in response.content.decode()
    assert not Case.objects.filter(applicant_id_number=person.id_number).exists()
