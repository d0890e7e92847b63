"""Each refusal with its Chinese message; the daily sweep, its notice, and renewal keeping history."""

import datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from tests.qualifications.conftest import HOSPITAL, TODAY, complete, current_item, submit
from yibao import clock
from yibao.cases.services import InvalidApplication
from yibao.notifications.models import SmsMessage
from yibao.qualifications.models import Qualification, QualificationStatus
from yibao.qualifications.selectors import holds_qualification
from yibao.qualifications.services import terminate_qualification

pytestmark = pytest.mark.django_db

DIABETES = {"disease_code": "M01600", "institution_code": HOSPITAL[0], "institution_name": HOSPITAL[1]}


def test_a_person_not_insured_on_the_day_is_refused(make_insured):
    person = make_insured("taiyuan")
    person.periods.update(status="4", end_date=datetime.date(2025, 12, 31))
    with pytest.raises(InvalidApplication, match="在 2026-03-02 没有正常参保的基本医疗保险"):
        submit(current_item("taiyuan", "chronic-disease-benefit"), person, DIABETES)


def test_an_employee_is_refused_the_two_diseases_which_are_for_residents(make_insured):
    person = make_insured("taiyuan", insurance_type="310", category="employed")
    with pytest.raises(InvalidApplication, match="待遇仅限城乡居民基本医疗保险参保人员.*参加的是职工基本医疗保险"):
        submit(current_item("taiyuan", "two-diseases"), person, {"disease_code": "M03900"})


def test_an_adult_is_refused_the_six_major_diseases_of_minors(make_insured):
    adult = make_insured("taiyuan", insurance_type="390", category="resident", birth_date=datetime.date(2000, 1, 1))
    with pytest.raises(InvalidApplication, match="仅限未满18周岁的未成年人（含参保大学生）.*已满18周岁"):
        submit(current_item("taiyuan", "minor-major-diseases"), adult, {"disease_code": "MX0001"})


def test_a_duplicate_of_an_active_qualification_is_refused(make_insured, clerks):
    person = make_insured("changzhi")
    complete(submit(current_item("changzhi", "chronic-disease"), person, DIABETES), clerks["changzhi"])
    with pytest.raises(InvalidApplication, match="已有有效的「糖尿病」待遇资格（至 2028-03-01.*不能重复申请"):
        submit(current_item("changzhi", "chronic-disease"), person, DIABETES)


def test_the_database_refuses_two_active_qualifications_for_one_disease(make_insured, clerks):
    person = make_insured("changzhi")
    complete(submit(current_item("changzhi", "chronic-disease"), person, DIABETES), clerks["changzhi"])
    first = Qualification.objects.get()
    first.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()


def test_a_disease_not_in_the_catalog_and_a_foreign_criterion_are_refused(make_insured):
    person = make_insured("taiyuan")
    item = current_item("taiyuan", "chronic-disease-benefit")
    with pytest.raises(InvalidApplication, match="病种编码：「M99999」不在门诊慢特病病种目录中"):
        submit(item, person, {"disease_code": "M99999"})
    with pytest.raises(InvalidApplication, match="申报病种情况：「随便写的」不是糖尿病的认定标准"):
        submit(item, person, {**DIABETES, "criteria_met": ["随便写的"]})


def test_a_special_drug_outside_the_directory_or_with_another_doctor_is_refused(make_insured, directory):
    person = make_insured("taiyuan")
    item = current_item("taiyuan", "special-drug")
    with pytest.raises(InvalidApplication, match="特药名称：「某某片」不在太原.*特药目录中"):
        submit(item, person, {"drug_name": "某某片", "institution_code": HOSPITAL[0], "doctor_name": "张医生"})
    with pytest.raises(InvalidApplication, match="责任医师：「王医生」不是山西省人民医院「奥希替尼片」的责任医师"):
        submit(item, person, {"drug_name": "奥希替尼片", "institution_code": HOSPITAL[0], "doctor_name": "王医生"})


def test_a_unit_cannot_apply_for_an_employee(make_insured):
    from tests.qualifications.conftest import HOSPITAL_USCC

    person = make_insured("taiyuan")
    with pytest.raises(InvalidApplication, match="单位不能代为申请"):
        submit(current_item("taiyuan", "chronic-disease-benefit"), person,
               {**DIABETES, "person_id_number": person.id_number, "person_name": person.name},
               applicant_kind="unit", applicant=("某单位", HOSPITAL_USCC))


def test_the_sweep_texts_beforehand_then_ends_the_qualification_and_a_renewal_keeps_the_history(
        make_insured, clerks):
    person = make_insured("changzhi", phone="13800001111")
    complete(submit(current_item("changzhi", "chronic-disease"), person, DIABETES), clerks["changzhi"])
    qualification = Qualification.objects.get()

    with clock.override(datetime.date(2028, 2, 10)):  # 20 days before the end (notice: 30 days)
        call_command("qualifications", "sweep")
        call_command("qualifications", "sweep")  # once only
    texts = SmsMessage.objects.filter(purpose="qualification_expiry")
    assert [t.phone for t in texts] == ["13800001111"]
    assert "2028年03月01日到期" in texts[0].text

    with clock.override(datetime.date(2028, 2, 20)):  # renewal inside the window
        renewal = complete(submit(current_item("changzhi", "chronic-disease"), person, DIABETES),
                           clerks["changzhi"])
    qualification.refresh_from_db()
    renewed = Qualification.objects.get(status=QualificationStatus.ACTIVE)
    assert renewed.renews == qualification and renewed.case_number == renewal.number
    assert (renewed.valid_from, renewed.valid_to) == (datetime.date(2028, 3, 2), datetime.date(2030, 3, 1))
    assert qualification.status == QualificationStatus.EXPIRED
    assert [e.action for e in qualification.events.all()] == ["认定", "到期提醒", "续办"]
    assert holds_qualification(person, "M01600", datetime.date(2028, 3, 1))
    assert holds_qualification(person, "M01600", datetime.date(2028, 3, 2))

    with clock.override(datetime.date(2030, 3, 2)):
        call_command("qualifications", "sweep")
    renewed.refresh_from_db()
    assert renewed.status == QualificationStatus.EXPIRED and renewed.ended_on == datetime.date(2030, 3, 2)
    assert not holds_qualification(person, "M01600", datetime.date(2030, 3, 2))


def test_a_terminated_qualification_holds_until_the_day_before(make_insured, clerks):
    person = make_insured("changzhi")
    complete(submit(current_item("changzhi", "chronic-disease"), person, DIABETES), clerks["changzhi"])
    qualification = Qualification.objects.get()
    with pytest.raises(Exception, match="终止原因：不能为空"):
        terminate_qualification(qualification_id=qualification.pk, reason=" ", actor="staff")
    terminate_qualification(qualification_id=qualification.pk, reason="参保人死亡", actor="staff",
                            on=datetime.date(2026, 6, 1))
    assert holds_qualification(person, "M01600", datetime.date(2026, 5, 31))
    assert not holds_qualification(person, "M01600", datetime.date(2026, 6, 1))
    assert TODAY < datetime.date(2026, 6, 1)
