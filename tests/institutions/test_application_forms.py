"""表13 / 表14: the designation application's reference form, prefilled (yibao.documents.prefill) from the
institution's record and its application, for the applicant institution and the clerks who may handle it."""

import io

import pytest
from pypdf import PdfReader

from tests.institutions.conftest import apply, make_institution
from yibao.documents.prefill import forms_for_case, prefill_values

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_hospitals_application_prefills_table_13(hospital):
    case = apply(hospital)
    assert "表13" in forms_for_case(case)
    values = prefill_values(case, "表13")
    assert values["institution_name"] == hospital.name and values["uscc"] == hospital.uscc
    assert values["practice_license_number"] == hospital.licence_number
    assert (values["insurance_head"], values["insurance_head_phone"]) == ("王主任", "13912345678")
    assert values["business_scope"] == ["住院", "门诊"] and values["approved_beds"] == str(hospital.beds)


def test_a_hospital_prints_table_13_from_its_own_page(client, hospital):
    case = apply(hospital)
    client.force_login(hospital.account.user)
    assert "表13 定点医疗机构申请表" in client.get("/institutions/mine/").content.decode()
    response = client.get(f"/documents/cases/{case.number}/forms/表13.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    for expected in ("定点医疗机构申请表", hospital.name, hospital.uscc, hospital.licence_number, "王主任"):
        assert expected in text, expected


def test_a_pharmacy_prints_table_14(client, pharmacy):
    case = apply(pharmacy)
    values = prefill_values(case, "表14")
    assert values["pharmacy_name"] == pharmacy.name and values["pharmacy_nature"] == "单体"
    client.force_login(pharmacy.account.user)
    response = client.get(f"/documents/cases/{case.number}/forms/表14.pdf")
    assert response.status_code == 200 and pharmacy.name in text_of(response.content)


def test_another_institution_does_not_get_the_form(client, hospital, regions):
    case = apply(hospital)
    other = make_institution(regions["changzhi"], "hospital")
    client.force_login(other.account.user)
    assert client.get(f"/documents/cases/{case.number}/forms/表13.pdf").status_code == 404
