"""A designated hospital applies for its patient, logged in as itself (hall form and API).

Changzhi's 本地门诊慢特病 is applied for at the hospital "一站式"; the case belongs to the patient's
home agency, the hospital sees the cases it filed and only those, the patient sees it in their hall.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import PersonAccountFactory
from tests.qualifications.conftest import complete, current_item, designated_hospital, uploads_for
from yibao.cases.models import Case
from yibao.cases.services import InvalidApplication, submit_case
from yibao.qualifications.models import Qualification

pytestmark = pytest.mark.django_db


def _form(person, hospital, **extra):
    return {"person_id_number": person.id_number, "person_name": person.name, "disease_code": "M01600",
            "institution_code": hospital.national_code, "criteria_met": ["需长期药物治疗"], **extra}


def _file(hospital, person, *, key="chronic-disease", city="changzhi", form=None):
    item = current_item(city, key)
    return submit_case(item=item, applicant_kind="institution", applicant_name=hospital.name,
                       applicant_id_number=hospital.uscc, applicant_phone="13912345678", channel="online_hall",
                       situation={}, form_data=form or _form(person, hospital),
                       uploads=uploads_for(item, {}, "institution"), applicant_user=hospital.account.user)


def test_a_hospital_files_in_the_hall_for_its_patient_and_the_case_goes_to_the_patients_agency(
        client, make_insured, hospitals, agencies, clerks):
    hospital = hospitals["changzhi"]
    patient = make_insured("changzhi")
    item = current_item("changzhi", "chronic-disease")
    client.force_login(hospital.account.user)
    files = {f"material_{p}": SimpleUploadedFile(f"{p}.pdf", b"%PDF-1.4\n% scan\n", "application/pdf")
             for p in uploads_for(item, {}, "institution")}
    response = client.post(f"/hall/apply/changzhi/{item.key}/", {
        "applicant_phone": "13912345678", "field_person_id_number": patient.id_number,
        "field_person_name": patient.name, "field_disease_code": "M01600",
        "field_criteria_met": "需长期药物治疗\n", **files})
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get(item=item)
    assert (case.applicant_kind, case.applicant_id_number) == ("institution", hospital.uscc)
    assert case.home_agency == agencies["changzhi"]

    complete(case, clerks["changzhi"])
    granted = Qualification.objects.get(person=patient)
    assert (granted.institution_code, granted.institution_name) == (hospital.national_code, hospital.name)


def test_the_hospital_sees_the_cases_it_filed_and_another_hospital_does_not(client, make_insured, hospitals, regions):
    hospital = hospitals["changzhi"]
    case = _file(hospital, make_insured("changzhi"))
    other = designated_hospital(regions["changzhi"], code="H14040000002", name="长治市第二人民医院")

    client.force_login(hospital.account.user)
    assert case.number in client.get("/hall/").content.decode()
    assert client.get(f"/hall/cases/{case.number}/").status_code == 200
    client.force_login(other.account.user)
    assert case.number not in client.get("/hall/").content.decode()
    assert client.get(f"/hall/cases/{case.number}/").status_code == 404


def test_the_patient_sees_the_hospitals_application_in_their_hall(client, make_insured, hospitals):
    patient = make_insured("changzhi")
    case = _file(hospitals["changzhi"], patient)
    account = PersonAccountFactory(id_number=patient.id_number, name=patient.name)
    client.force_login(account.user)

    page = client.get("/qualifications/mine/").content.decode()
    assert case.number in page and "长治市人民医院" in page
    hall = client.get("/hall/").content.decode()
    assert "定点医疗机构为我申请的待遇认定" in hall and case.number in hall
    stranger = PersonAccountFactory()
    client.force_login(stranger.user)
    assert case.number not in client.get("/qualifications/mine/").content.decode()
    assert case.number not in client.get("/hall/").content.decode()


def test_a_hospital_files_through_the_case_api_with_its_institution_token(client, make_insured, hospitals):
    hospital = hospitals["changzhi"]
    patient = make_insured("changzhi")
    token = client.post("/api/auth/token", {"kind": "institution", "identifier": hospital.uscc,
                                            "password": "demo-pass-123", "channel": "app"},
                        content_type="application/json")
    assert token.status_code == 201, token.content
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.json()['token']}"}
    response = client.post("/api/cases", {"city": "changzhi", "item": "chronic-disease", "phone": "13912345678",
                                          "form_data": _form(patient, hospital)},
                           content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert case.applicant_kind == "institution" and case.home_agency == patient.home_agency

    wrong = client.post("/api/cases", {"city": "changzhi", "item": "chronic-disease", "phone": "13912345678",
                                       "form_data": _form(patient, hospital, person_name="张冒名")},
                        content_type="application/json", **auth)
    assert wrong.status_code in (400, 422) and "与参保记录不符" in wrong.json()["detail"]


def test_a_pharmacy_cannot_file_for_a_patient(make_insured, regions, agencies):
    pharmacy = designated_hospital(regions["changzhi"], code="P14040000001", kind="pharmacy")
    with pytest.raises(InvalidApplication, match="是零售药店，只有定点医疗机构可以代参保人申请"):
        _file(pharmacy, make_insured("changzhi"))


def test_a_suspended_hospital_cannot_file(make_insured, regions, agencies):
    suspended = designated_hospital(regions["changzhi"], code="H14040000003", status="suspended")
    with pytest.raises(InvalidApplication, match="定点协议已暂停"):
        _file(suspended, make_insured("changzhi"))


def test_a_hospital_not_designated_cannot_file(make_insured, regions, agencies):
    applying = designated_hospital(regions["changzhi"], code="H14040000004", status="applying", designated=False)
    with pytest.raises(InvalidApplication, match="不是定点医疗机构，不能代参保人申请"):
        _file(applying, make_insured("changzhi"))


def test_the_patients_name_must_match_the_record(make_insured, hospitals):
    patient = make_insured("changzhi")
    with pytest.raises(InvalidApplication, match="字段 参保人姓名：「李冒名」与参保记录不符"):
        _file(hospitals["changzhi"], patient, form=_form(patient, hospitals["changzhi"], person_name="李冒名"))


def test_a_hospital_of_another_city_is_sent_to_the_insuring_agency(make_insured, hospitals):
    patient = make_insured("changzhi")
    with pytest.raises(InvalidApplication, match="不是长治市的定点医疗机构"):
        _file(hospitals["taiyuan"], patient, form=_form(patient, hospitals["taiyuan"]))


def test_a_hospital_applies_only_for_treatment_at_itself(make_insured, hospitals):
    patient = make_insured("changzhi")
    with pytest.raises(InvalidApplication, match="医疗机构只能为在本院治疗的参保人申请"):
        _file(hospitals["changzhi"], patient, form=_form(patient, hospitals["changzhi"], institution_code="H14040000099"))
