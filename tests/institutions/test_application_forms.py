"""表13 / 表14: the designation application's reference form, prefilled from the record and the application,
for the applicant institution and the clerks who may handle the case only."""

import io

import pytest
from pypdf import PdfReader

from tests.institutions.conftest import apply, make_institution

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_hospital_prints_table_13_prefilled_from_its_application(client, hospital):
    case = apply(hospital)
    client.force_login(hospital.account.user)
    assert "表13 定点医疗机构申请表" in client.get("/institutions/mine/").content.decode()
    response = client.get(f"/institutions/forms/{case.number}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    for expected in ("定点医疗机构申请表", hospital.name, hospital.uscc, hospital.licence_number, "王主任",
                     "13912345678", "国家医疗保障局令第2号"):
        assert expected in text, expected


def test_a_pharmacy_prints_table_14(client, pharmacy):
    case = apply(pharmacy)
    client.force_login(pharmacy.account.user)
    text = text_of(client.get(f"/institutions/forms/{case.number}.pdf").content)
    assert "定点零售药店申请表" in text and pharmacy.name in text and "国家医疗保障局令第3号" in text


def test_only_the_applicant_and_its_clerks_get_the_form(client, hospital, regions, clerks):
    case = apply(hospital)
    assert client.get(f"/institutions/forms/{case.number}.pdf").status_code == 302
    other = make_institution(regions["changzhi"], "hospital")
    client.force_login(other.account.user)
    assert client.get(f"/institutions/forms/{case.number}.pdf").status_code == 404
    client.force_login(clerks["taiyuan"]["accept"].user)
    assert client.get(f"/institutions/forms/{case.number}.pdf").status_code == 404
    client.force_login(clerks["changzhi"]["accept"].user)
    assert client.get(f"/institutions/forms/{case.number}.pdf").status_code == 200
    assert client.get("/institutions/forms/0000.pdf").status_code == 404
