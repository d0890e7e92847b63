"""Every category of 异地就医备案 through the case engine, in at least one city each."""

import datetime

import pytest

from tests.offsite.conftest import TODAY, apply_and_complete, complete, current_item, submit
from yibao.cases import lifecycle
from yibao.cases.models import CaseStatus
from yibao.cases.services import (
    InvalidApplication,
    MoveNotAllowed,
    accept_case,
    advance_case,
    submit_case,
)
from yibao.ids import make_resident_id, make_uscc
from yibao.offsite.models import FiledBy, FilingCategory, FilingStatus, OffsiteFiling
from yibao.offsite.selectors import filing_in_force, offsite_filing_start

pytestmark = pytest.mark.django_db

TO_SHENZHEN = {"destination_province": "广东省", "destination_city": "深圳市"}
SIX_MONTHS_LATER = datetime.date(2026, 9, 1)  # last day of a filing from 2026-03-02


def only_filing(person):
    return OffsiteFiling.objects.get(person=person)


def test_taiyuan_resettled_retiree_is_filed_long_term_at_completion(make_insured, clerks):
    person = make_insured("taiyuan", category="retired")
    item = current_item("taiyuan", "remote-resettled-retiree")
    case = submit(item, person, {**TO_SHENZHEN, "offsite_address": "深圳市南山区某街道1号"})
    case = accept_case(case=case, staff=clerks["taiyuan"])
    assert not OffsiteFiling.objects.filter(person=person).exists()  # only 办结 files
    case = complete_from_accepted(case, clerks["taiyuan"])
    filing = only_filing(person)
    assert filing.category == FilingCategory.RESETTLED_RETIREE and filing.status == FilingStatus.ACTIVE
    assert filing.insurance_type == "310" and filing.end_date is None and filing.start_date == TODAY
    assert (filing.destination_province_code, filing.destination_city_code) == ("440000", "440300")
    assert filing.offsite_address == "深圳市南山区某街道1号"
    assert filing.case_number == case.number and filing.filed_by == FiledBy.PERSON
    assert offsite_filing_start(person, on=TODAY) == TODAY
    assert filing_in_force(person, datetime.date(2030, 1, 1)) == filing


def complete_from_accepted(case, clerk):
    while case.status != CaseStatus.COMPLETED:
        step = lifecycle.next_step(case.steps, case.status)
        case = advance_case(case=case, staff=clerk, action=step.action)
    return case


def test_taiyuan_employee_long_term_residence_and_resident_long_term_residence(make_insured, clerks):
    flexible = make_insured("taiyuan", category="flexible")
    apply_and_complete(current_item("taiyuan", "remote-long-term-residence"), flexible,
                       {"destination_province": "海南省", "destination_city": "三亚市"}, clerks["taiyuan"])
    resident = make_insured("taiyuan", insurance_type="390", category="resident")
    apply_and_complete(current_item("taiyuan", "remote-long-term-resident"), resident,
                       {"destination_province": "北京市"}, clerks["taiyuan"])
    assert only_filing(flexible).category == FilingCategory.LONG_TERM_RESIDENT
    filing = only_filing(resident)
    assert filing.insurance_type == "390" and filing.destination_city_name == "北京市"


def test_taiyuan_stationed_worker_with_the_construction_unit_proofs(make_insured, clerks):
    person = make_insured("taiyuan", category="employed")
    apply_and_complete(current_item("taiyuan", "remote-stationed-worker"), person,
                       {"destination_province": "四川省", "destination_city": "成都市"}, clerks["taiyuan"],
                       situation={"situations": ["施工类单位"]})
    assert only_filing(person).category == FilingCategory.STATIONED_WORKER


def test_taiyuan_referral_entered_by_the_hospital_medical_insurance_office(make_insured, clerks):
    patient = make_insured("taiyuan", insurance_type="390", category="resident")
    hospital = ("山西医科大学第一医院", make_uscc("12140000MB0000001"))
    apply_and_complete(
        current_item("taiyuan", "remote-referral-transfer"), patient,
        {**TO_SHENZHEN, "person_id_number": patient.id_number, "person_name": patient.name,
         "hospital": "北京大学深圳医院", "reason": "本地不能治疗"},
        clerks["taiyuan"], applicant_kind="institution", applicant=hospital,
        situation={"situations": ["住院病人转诊"]})
    filing = only_filing(patient)
    assert filing.category == FilingCategory.REFERRAL and filing.filed_by == FiledBy.HOSPITAL
    assert filing.filer_name == "山西医科大学第一医院" and filing.hospital == "北京大学深圳医院"
    assert filing.end_date == SIX_MONTHS_LATER  # temporary: 6 months by default
    assert offsite_filing_start(patient, on=TODAY) is None  # not a long-term filing


def test_a_hospital_cannot_file_anything_but_a_referral(make_insured, clerks):
    person = make_insured("jincheng")
    with pytest.raises(InvalidApplication, match="医疗机构只能办理异地转诊备案"):
        submit(current_item("jincheng", "remote-filing"), person,
               {**TO_SHENZHEN, "category": "异地长期居住人员", "person_id_number": person.id_number,
                "person_name": person.name},
               applicant_kind="institution", applicant=("某医院", make_uscc("12140500MB0000001")))


def test_taiyuan_cross_province_emergency_may_be_filed_after_the_admission(make_insured, clerks):
    person = make_insured("taiyuan", insurance_type="390", category="resident")
    admitted = TODAY - datetime.timedelta(days=5)
    apply_and_complete(current_item("taiyuan", "remote-emergency-inpatient"), person,
                       {"destination_province": "浙江省", "destination_city": "杭州市",
                        "start_date": admitted.isoformat()}, clerks["taiyuan"])
    filing = only_filing(person)
    assert filing.category == FilingCategory.EMERGENCY and filing.start_date == admitted
    assert filing_in_force(person, admitted) == filing


def test_cross_province_filing_to_a_shanxi_city_is_refused(make_insured):
    person = make_insured("taiyuan", insurance_type="390", category="resident")
    with pytest.raises(InvalidApplication, match="跨省备案，转往地不能在山西省"):
        submit(current_item("taiyuan", "remote-non-emergency-inpatient"), person,
               {"destination_province": "山西省", "destination_city": "大同市"})


def test_taiyuan_non_emergency_unreferred_filing(make_insured, clerks):
    person = make_insured("taiyuan")
    apply_and_complete(current_item("taiyuan", "remote-non-emergency-inpatient"), person,
                       {"destination_province": "上海市"}, clerks["taiyuan"])
    assert only_filing(person).category == FilingCategory.NON_EMERGENCY_UNREFERRED


@pytest.mark.parametrize("key, category, fields", [
    ("remote-resettled-retiree", FilingCategory.RESETTLED_RETIREE, {}),
    ("remote-long-term-residence", FilingCategory.LONG_TERM_RESIDENT, {}),
    ("remote-stationed-worker", FilingCategory.STATIONED_WORKER, {}),
    ("remote-referral", FilingCategory.REFERRAL, {"hospital": "上海市第六人民医院"}),
    ("remote-temporary", FilingCategory.OTHER_TEMPORARY, {"end_date": "2026-12-31"}),
])
def test_every_changzhi_item_files_its_category(make_insured, clerks, key, category, fields):
    person = make_insured("changzhi", category="retired")
    apply_and_complete(current_item("changzhi", key), person, {"destination_province": "上海市", **fields},
                       clerks["changzhi"])
    filing = only_filing(person)
    assert filing.category == category and filing.region.slug == "changzhi"
    if "end_date" in fields:
        assert filing.end_date == datetime.date(2026, 12, 31)


def test_jincheng_self_service_filing_asks_for_the_category(make_insured, clerks):
    person = make_insured("jincheng", insurance_type="390", category="resident")
    item = current_item("jincheng", "remote-filing")
    with pytest.raises(InvalidApplication, match="请选择人员类别"):
        submit(item, person, TO_SHENZHEN)
    apply_and_complete(item, person, {**TO_SHENZHEN, "category": "其他临时外出就医人员"}, clerks["jincheng"])
    assert only_filing(person).category == FilingCategory.OTHER_TEMPORARY


def test_an_item_refuses_a_category_it_does_not_cover(make_insured):
    person = make_insured("jincheng")
    with pytest.raises(InvalidApplication, match="本事项不办理「异地急诊抢救人员」备案"):
        submit(current_item("jincheng", "remote-filing"), person, {**TO_SHENZHEN, "category": "异地急诊抢救人员"})


# --- refusals ---------------------------------------------------------------------------------

def test_a_person_who_is_not_insured_is_refused(make_insured, agencies):
    person = make_insured("taiyuan")
    person.periods.update(status="2", end_date=datetime.date(2025, 12, 31))
    with pytest.raises(InvalidApplication, match="未参保：.*当前没有正常参保的基本医疗保险"):
        submit(current_item("taiyuan", "remote-resettled-retiree"), person, TO_SHENZHEN)


def test_a_person_without_an_enrollment_record_is_refused(catalog, agencies):
    item = current_item("changzhi", "remote-temporary")
    with pytest.raises(InvalidApplication, match="未参保：未查询到 王某 的参保信息"):
        submit_case(item=item, applicant_kind="person", applicant_name="王某",
                    applicant_id_number=make_resident_id("14040319800101001"), applicant_phone="13912345678",
                    channel="online_hall", form_data=TO_SHENZHEN)


def test_an_employee_item_refuses_a_resident(make_insured):
    person = make_insured("taiyuan", insurance_type="390", category="resident")
    with pytest.raises(InvalidApplication, match="本事项仅限参加职工基本医疗保险的人员办理"):
        submit(current_item("taiyuan", "remote-stationed-worker"), person, TO_SHENZHEN,
               situation={"situations": ["单位派驻"]})


def test_resettlement_is_only_for_retirees(make_insured):
    person = make_insured("taiyuan", category="employed")
    with pytest.raises(InvalidApplication, match="本事项仅限退休人员办理，.* 的人员类别为在职职工"):
        submit(current_item("taiyuan", "remote-resettled-retiree"), person, TO_SHENZHEN)


def test_the_insuring_city_itself_is_not_a_destination(make_insured):
    person = make_insured("changzhi")
    with pytest.raises(InvalidApplication, match="长治市是参保地，不属于异地就医"):
        submit(current_item("changzhi", "remote-temporary"), person,
               {"destination_province": "山西省", "destination_city": "长治市"})


def test_an_unknown_destination_names_the_field(make_insured):
    person = make_insured("changzhi")
    with pytest.raises(InvalidApplication, match="转往地区\\(市、州\\)：「苏州市」不是广东省的地级市"):
        submit(current_item("changzhi", "remote-temporary"), person,
               {"destination_province": "广东省", "destination_city": "苏州市"})
    with pytest.raises(InvalidApplication, match="转往省\\(市、区\\)：「火星省」不是有效的省级行政区"):
        submit(current_item("changzhi", "remote-temporary"), person, {"destination_province": "火星省"})


def test_a_temporary_filing_shorter_than_six_months_is_refused(make_insured):
    person = make_insured("changzhi")
    with pytest.raises(InvalidApplication, match="有效期不少于6个月.*结束日期不能早于 2026-09-01"):
        submit(current_item("changzhi", "remote-temporary"), person, {**TO_SHENZHEN, "end_date": "2026-08-31"})


def test_a_long_term_filing_takes_no_end_date(make_insured):
    person = make_insured("changzhi")
    with pytest.raises(InvalidApplication, match="长期有效，不填结束日期"):
        submit(current_item("changzhi", "remote-resettled-retiree"), person,
               {**TO_SHENZHEN, "end_date": "2027-12-31"})


def test_a_referral_needs_the_hospital(make_insured):
    person = make_insured("changzhi")
    with pytest.raises(InvalidApplication, match="字段 就医医院"):
        submit(current_item("changzhi", "remote-referral"), person, TO_SHENZHEN)


def test_a_past_start_date_is_refused_except_for_emergencies(make_insured):
    person = make_insured("changzhi")
    with pytest.raises(InvalidApplication, match="早于今天，其他临时外出就医人员备案不能补办以前的日期"):
        submit(current_item("changzhi", "remote-temporary"), person, {**TO_SHENZHEN, "start_date": "2026-01-01"})


def test_an_overlapping_filing_is_refused_naming_the_existing_one(make_insured, clerks):
    person = make_insured("changzhi")
    apply_and_complete(current_item("changzhi", "remote-resettled-retiree"), person, TO_SHENZHEN,
                       clerks["changzhi"])
    existing = only_filing(person)
    with pytest.raises(InvalidApplication, match=f"已有备案 {existing.number}（异地安置退休人员，广东省深圳市，"
                                                 "2026-03-02起长期有效）与本次备案时间重叠"):
        submit(current_item("changzhi", "remote-temporary"), person,
               {"destination_province": "上海市", "start_date": "2026-06-01"})


def test_a_filing_made_between_submission_and_acceptance_stops_the_second(make_insured, clerks):
    person = make_insured("changzhi")
    item = current_item("changzhi", "remote-temporary")
    first, second = submit(item, person, TO_SHENZHEN), submit(item, person, {"destination_province": "上海市"})
    complete(first, clerks["changzhi"])
    with pytest.raises(MoveNotAllowed, match="与本次备案时间重叠"):
        accept_case(case=second, staff=clerks["changzhi"])
    assert OffsiteFiling.objects.filter(person=person).count() == 1


def test_a_person_files_only_for_themself(make_insured):
    person, other = make_insured("changzhi"), make_insured("changzhi")
    with pytest.raises(InvalidApplication, match="个人只能为本人办理备案"):
        submit(current_item("changzhi", "remote-temporary"), person,
               {**TO_SHENZHEN, "person_id_number": other.id_number, "person_name": other.name})


def test_a_person_insured_in_another_city_is_sent_to_the_insuring_city(make_insured):
    person = make_insured("jincheng")
    with pytest.raises(InvalidApplication, match="不在长治市参保"):
        submit(current_item("changzhi", "remote-temporary"), person, TO_SHENZHEN)


def test_a_hospital_referral_belongs_to_the_patients_home_agency(agencies, clerks):
    from tests.factories import AgencyFactory
    from tests.offsite.conftest import insured

    xiaodian = AgencyFactory(region=agencies["taiyuan"].region, code="140105", name="小店区医疗保障服务中心")
    patient = insured(xiaodian, insurance_type="390", category="resident")
    # The hospital's USCC names 晋源区 (140110), which has no agency here; the patient is 小店区's.
    case = submit(current_item("taiyuan", "remote-referral-transfer"), patient,
                  {**TO_SHENZHEN, "person_id_number": patient.id_number, "person_name": patient.name,
                   "hospital": "北京大学深圳医院", "reason": "本地不能治疗"},
                  applicant_kind="institution", applicant=("某医院", make_uscc("12140110MB0000001")),
                  situation={"situations": ["住院病人转诊"]})
    assert case.home_agency == xiaodian
