"""Each category-五 item taken to 办结 grants the person a qualification the selector sees."""

import datetime

import pytest

from tests.qualifications.conftest import (
    HOSPITAL,
    TODAY,
    complete,
    current_item,
    enter_at_window,
    submit,
)
from yibao.qualifications.models import Qualification, QualificationKind, QualificationStatus
from yibao.qualifications.selectors import holds_qualification, qualification_on

pytestmark = pytest.mark.django_db

HYPERTENSION = {"disease_code": "M03900", "institution_code": HOSPITAL[0], "institution_name": HOSPITAL[1],
                "criteria_met": ["有高血压病史且在二级及以上医疗机构确诊"]}


def test_a_taiyuan_retiree_is_granted_chronic_hypertension_after_expert_review(make_insured, clerks):
    person = make_insured("taiyuan")
    case = complete(submit(current_item("taiyuan", "chronic-disease-benefit"), person, HYPERTENSION),
                    clerks["taiyuan"])
    assert case.outcome == "approved"
    qualification = Qualification.objects.get(person=person)
    assert qualification.kind == QualificationKind.CHRONIC
    assert qualification.status == QualificationStatus.ACTIVE
    assert qualification.case_number == case.number
    assert qualification.valid_from == TODAY
    assert qualification.valid_to == datetime.date(2028, 3, 1)  # 24 months, a demo parameter
    assert qualification.criteria_met == HYPERTENSION["criteria_met"]
    assert [e.action for e in qualification.events.all()] == ["认定"]
    assert holds_qualification(person, "M03900", TODAY)
    assert holds_qualification(person=person, disease_code="M03900", on=TODAY, institution_code=HOSPITAL[0])
    assert not holds_qualification(person, "M03900", TODAY, institution_code="H14010500099")
    assert not holds_qualification(person, "M01600", TODAY)
    assert not holds_qualification(person, "M03900", TODAY - datetime.timedelta(days=1))
    assert qualification_on(person.id_number, "m03900", datetime.date(2028, 3, 1)) == qualification
    assert not holds_qualification(person, "M03900", datetime.date(2028, 3, 2))


def test_changzhi_grants_chronic_at_completion_after_one_review(make_insured, clerks):
    person = make_insured("changzhi")
    case = submit(current_item("changzhi", "chronic-disease"), person, {"disease_code": "M01600"})
    assert not Qualification.objects.exists()
    complete(case, clerks["changzhi"])
    assert holds_qualification(person, "M01600", TODAY)


def test_a_resident_is_granted_two_diseases_at_a_window(make_insured, clerks):
    person = make_insured("taiyuan", insurance_type="390", category="resident")
    case = enter_at_window(current_item("taiyuan", "two-diseases"), {"disease_code": "M01600"},
                           clerks["taiyuan"][0], person=person)
    complete(case, clerks["taiyuan"])
    assert Qualification.objects.get(person=person).kind == QualificationKind.TWO_DISEASES


def test_a_hospital_applies_for_its_young_patient_and_the_case_belongs_to_the_patients_agency(
        make_insured, clerks, agencies, hospitals):
    child = make_insured("taiyuan", insurance_type="390", category="student", birth_date=datetime.date(2015, 6, 1))
    form = {"person_id_number": child.id_number, "person_name": child.name, "disease_code": "MX0005",
            "criteria_met": ["骨髓细胞学检查确诊"], "institution_code": HOSPITAL[0]}
    item = current_item("taiyuan", "minor-major-diseases")
    case = enter_at_window(item, form, clerks["taiyuan"][0], hospital=(HOSPITAL[1], hospitals["taiyuan"].uscc))
    assert case.home_agency == agencies["taiyuan"]
    complete(case, clerks["taiyuan"])
    qualification = Qualification.objects.get(person=child)
    assert (qualification.institution_code, qualification.institution_name) == HOSPITAL
    assert qualification.disease_name == "儿童急性淋巴细胞白血病"


@pytest.mark.parametrize("city", ["taiyuan", "changzhi"])
def test_a_special_drug_qualification_names_the_institution_and_doctor_from_the_directory(
        city, make_insured, clerks, directory):
    person = make_insured(city)
    complete(submit(current_item(city, "special-drug"), person,
                    {"drug_name": "奥希替尼片", "institution_code": HOSPITAL[0], "doctor_name": "张医生"}),
             clerks[city])
    qualification = Qualification.objects.get(person=person)
    assert qualification.kind == QualificationKind.SPECIAL_DRUG
    assert qualification.drug == directory[city]
    assert (qualification.doctor_name, qualification.doctor_department) == ("张医生", "肿瘤内科")
    assert holds_qualification(person, "M00503", TODAY, institution_code=HOSPITAL[0])


def test_the_jincheng_query_is_answered_from_the_directory(make_insured, clerks, regions):
    from yibao.qualifications.services import save_directory_entry

    save_directory_entry(region=regions["jincheng"], actor="staff", drug_name="奥希替尼片", generic_name="",
                         disease_code="M00503", disease_name="恶性肿瘤", institution_code="H14050000001",
                         institution_name="晋城市人民医院", doctor_name="李医生", doctor_department="肿瘤科")
    person = make_insured("jincheng")
    item = current_item("jincheng", "special-drug-institution-query")
    case = complete(submit(item, person, {"drug_name": "奥希替尼"}), clerks["jincheng"])
    from yibao.cases.handlers import handler_for
    handler = handler_for(item)
    described = dict(handler.describe(case=case, fields=handler.parse_fields(case.form_data)))
    assert described["奥希替尼片"] == "晋城市人民医院（H14050000001）：李医生（肿瘤科）"


def test_the_reviewers_record_of_criteria_met_is_kept_and_a_refusal_gives_its_reason(make_insured, clerks, client):
    from yibao.cases import lifecycle
    from yibao.cases.services import accept_case, advance_case
    from yibao.qualifications.models import CriteriaReview

    person = make_insured("taiyuan")
    accept, review, second = clerks["taiyuan"]
    case = accept_case(case=submit(current_item("taiyuan", "chronic-disease-benefit"), person, HYPERTENSION),
                       staff=accept)
    client.force_login(review.user)
    url = f"/qualifications/staff/review/{case.number}/"
    assert "有高血压病史且在二级及以上医疗机构确诊（申请人申报）" in client.get(url).content.decode()
    bad = client.post(url, {"criteria": ["编造的标准"]})
    assert bad.status_code == 422 and "「编造的标准」不是高血压的认定标准" in bad.content.decode()
    met = ["有高血压病史且在二级及以上医疗机构确诊", "伴有心、脑、肾等靶器官损害之一"]
    assert client.post(url, {"criteria": met, "opinion": "血压记录齐全"}).status_code == 302
    client.force_login(accept.user)  # 复审 comes later; the acceptor may not review
    assert client.post(url, {"criteria": met}).status_code == 403
    case = advance_case(case=case, staff=review, action=lifecycle.next_step(case.steps, case.status).action,
                        opinion="同意")
    denied = advance_case(case=case, staff=second, action=lifecycle.next_step(case.steps, case.status).action,
                                 opinion="专家组复审：不符合", approve=False)
    assert denied.outcome == "denied" and denied.refusal_reason == "专家组复审：不符合"
    assert not Qualification.objects.exists()
    assert CriteriaReview.objects.get().criteria_met == met


def test_a_granted_qualification_copies_the_reviewers_criteria(make_insured, clerks):
    from yibao.cases import lifecycle
    from yibao.cases.services import accept_case, advance_case
    from yibao.qualifications.services import record_criteria_review

    person = make_insured("changzhi")
    accept, review, _second = clerks["changzhi"]
    case = accept_case(case=submit(current_item("changzhi", "chronic-disease"), person, {"disease_code": "M01600"}),
                       staff=accept)
    record_criteria_review(case=case, staff=review, criteria_met=["需长期药物治疗"])
    while case.status != "completed":
        case = advance_case(case=case, staff=review, action=lifecycle.next_step(case.steps, case.status).action,
                            opinion="同意")
    assert Qualification.objects.get(person=person).criteria_met == ["需长期药物治疗"]


def test_form_10_is_prefilled_for_the_patient_a_hospital_applies_for(make_insured, clerks, hospitals):
    from tests.qualifications.conftest import enter_at_window
    from yibao.documents.prefill import forms_for_case, prefill_values

    person = make_insured("changzhi")
    hospital = hospitals["changzhi"]
    form = {"person_id_number": person.id_number, "person_name": person.name, "disease_code": "M01600",
            "institution_code": hospital.national_code, "institution_name": hospital.name,
            "criteria_met": ["需长期药物治疗"]}
    case = enter_at_window(current_item("changzhi", "chronic-disease"), form, clerks["changzhi"][0],
                           hospital=(hospital.name, hospital.uscc))
    assert "表10" in forms_for_case(case)
    values = prefill_values(case, "表10")
    assert values["name"] == person.name and values["id_number"] == person.id_number
    assert values["designated_hospital"] == hospital.name and values["disease_code"] == "M01600"
    assert values["disease_condition"] == "需长期药物治疗"
    # The boxes the case knows beyond the form: 险种 (the patient is a retired employee), age,
    # disease name, the certifying hospital; 审批意见 stays empty until a reviewer decides.
    assert values["insurance_type"] == "职工医保" and values["disease_name"] == "糖尿病"
    assert values["certifying_institution"] == hospital.name and values["age"].isdigit()
    assert values.get("approval_opinion") in (None, "")


def test_form_10_carries_the_approval_opinion_and_the_validity_once_granted(make_insured, clerks):
    from yibao.documents.prefill import prefill_values, render_case_form

    person = make_insured("changzhi", insurance_type="390", category="resident")
    case = complete(submit(current_item("changzhi", "chronic-disease"), person, {"disease_code": "M01600"}),
                    clerks["changzhi"])
    values = prefill_values(case, "表10")
    assert values["insurance_type"] == "城乡居民医保"
    assert "审核：符合认定标准" in values["approval_opinion"]
    granted = Qualification.objects.get(person=person)
    assert f"予以认定，有效期 {granted.valid_from:%Y-%m-%d} 至 {granted.valid_to:%Y-%m-%d}" in values["approval_opinion"]
    assert render_case_form(case, "表10").startswith(b"%PDF")
