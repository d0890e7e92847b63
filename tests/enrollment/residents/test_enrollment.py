"""城乡居民参保登记: the window, ID documents, 续保 / 新参保, duplicate insurance, newborns."""

import datetime
from decimal import Decimal

import pytest
from stdnum.cn import ric

from tests.enrollment.residents.conftest import (
    IN_WINDOW,
    OUT_OF_WINDOW,
    apply,
    current_item,
    rid,
    run_through,
)
from yibao.audit.models import AuditEntry
from yibao.cases.services import InvalidApplication, MoveNotAllowed
from yibao.enrollment.models import (
    Contribution,
    InsurancePeriod,
    InsuranceStatus,
    Person,
    RegionPolicy,
)
from yibao.enrollment.services.errors import DuplicateInsurance, EnrollmentError, InvalidIdDocument
from yibao.enrollment.services.residents import (
    KEEP_RESIDENT,
    ResidentWindowClosed,
    enroll_newborn,
    enroll_resident,
    person_input,
)

pytestmark = pytest.mark.django_db

ZHANG = rid("14010519850312001")  # a man (odd 17th digit), born 1985-03-12, 小店区


def zhang(**extra):
    return person_input(id_type="01", id_number=ZHANG, name="张建平", **extra)


def enroll(agencies, data, *, day=IN_WINDOW, category="resident", **kwargs):
    return enroll_resident(region=agencies["xiaodian"].region, home_agency=agencies["xiaodian"], data=data,
                           category=category, day=day, actor="clerk", **kwargs)


# --- the window -------------------------------------------------------------------------------

def test_enrollment_outside_the_window_is_refused_naming_the_window(agencies):
    with pytest.raises(ResidentWindowClosed,
                       match=r"城乡居民集中参保期为每年9月1日至12月20日，今天（2026-03-02）不在参保期内"):
        enroll(agencies, zhang(), day=OUT_OF_WINDOW)
    assert not Person.objects.filter(id_number=ZHANG).exists()


def test_the_window_is_configurable_per_region(agencies):
    region = agencies["xiaodian"].region
    RegionPolicy.objects.update_or_create(region=region, defaults={"resident_window_start": "02-01",
                                                                   "resident_window_end": "03-31"})
    _person, period, _owed = enroll(agencies, zhang(), day=OUT_OF_WINDOW)
    assert period.start_date == datetime.date(2027, 1, 1)
    with pytest.raises(ResidentWindowClosed, match="每年2月1日至3月31日，今天（2026-10-15）不在参保期内"):
        enroll(agencies, person_input(id_type="01", id_number=rid("14010519900101002"), name="李二"))


def test_window_enrollment_covers_next_year_and_owes_the_yearly_fee(agencies):
    person, period, owed = enroll(agencies, zhang(phone="13800000001"))
    assert (person.name, person.sex, person.birth_date) == ("张建平", "1", datetime.date(1985, 3, 12))
    assert period.insurance_type == "390" and period.status == InsuranceStatus.INSURED
    assert period.start_date == datetime.date(2027, 1, 1) and period.category == "resident"
    assert owed.month == datetime.date(2027, 1, 1) and owed.unit is None and owed.paid is False
    assert owed.personal_part == Decimal("380.00") and owed.unit_part == Decimal("0.00")
    assert AuditEntry.objects.filter(action="enrollment.contribution.owe", object_id=ZHANG).exists()


def test_renewal_continues_the_period_and_adds_only_next_years_fee(agencies, make_person):
    person = make_person(id_number=ZHANG, name="张建平", periods=("390",))
    _p, period, owed = enroll(agencies, zhang(), situations=["续保人员"])
    assert InsurancePeriod.objects.filter(person=person).count() == 1
    assert period.start_date == datetime.date(2020, 1, 1) and owed.month == datetime.date(2027, 1, 1)
    with pytest.raises(EnrollmentError, match="已登记 2027 年度城乡居民医保缴费，不能重复登记"):
        enroll(agencies, zhang())


def test_renewal_needs_a_resident_record(agencies):
    with pytest.raises(EnrollmentError, match="未找到 张建平.*不能按续保办理，请选择「新参保人员」"):
        enroll(agencies, zhang(), situations=["续保人员"])


def test_a_new_enrollment_of_an_insured_resident_is_refused(agencies, make_person):
    make_person(id_number=ZHANG, name="张建平", periods=("390",))
    with pytest.raises(EnrollmentError, match="已参加城乡居民医保（参保状态正常），请选择「续保人员」"):
        enroll(agencies, zhang(), situations=["新参保人员"])


def test_a_name_that_differs_from_the_record_is_refused(agencies, make_person):
    make_person(id_number=ZHANG, name="张建国")
    with pytest.raises(EnrollmentError, match="参保记录姓名为「张建国」，与填写的「张建平」不符"):
        enroll(agencies, zhang())


def test_school_children_are_enrolled_as_students(agencies):
    _p, period, _o = enroll(agencies, zhang(), category="student")
    assert period.category == "student"


# --- ID documents -------------------------------------------------------------------------------

HMT = "810000" + "19900101" + "123"
NEW_PR = "936000" + "19850101" + "124"


@pytest.mark.parametrize(("id_type", "number", "sex", "birth"), [
    ("01", rid("14010519850312001"), "1", datetime.date(1985, 3, 12)),
    ("02", rid("14010520200101002"), "2", datetime.date(2020, 1, 1)),
    ("03", rid("11010119900101003"), "1", datetime.date(1990, 1, 1)),
    ("17", HMT + ric.calc_check_digit(HMT + "0"), "1", datetime.date(1990, 1, 1)),
    ("07", NEW_PR + ric.calc_check_digit(NEW_PR + "0"), "2", datetime.date(1985, 1, 1)),
])
def test_documents_carrying_sex_and_birth_date_are_accepted(id_type, number, sex, birth):
    data = person_input(id_type=id_type, id_number=number, name="某人")
    assert (data.id_number, data.sex, data.birth_date) == (number, sex, birth)


@pytest.mark.parametrize(("id_type", "number"), [("16", "E12345678"), ("07", "ABC123456789012")])
def test_documents_without_sex_or_birth_date_need_them_in_the_form(id_type, number):
    with pytest.raises(EnrollmentError, match="字段 性别：.*号码不含性别，必填"):
        person_input(id_type=id_type, id_number=number, name="某人")
    data = person_input(id_type=id_type, id_number=number, name="某人", sex="2",
                        birth_date=datetime.date(1980, 5, 6))
    assert (data.sex, data.birth_date) == ("2", datetime.date(1980, 5, 6))


@pytest.mark.parametrize(("id_type", "number", "message"), [
    ("01", rid("14010519850312001")[:-1] + "0", "校验位错误"),
    ("02", "1401052020", "长度应为 18 位"),
    ("03", "14010519900101003Y", "格式错误"),
    ("17", rid("11000019900101123"), "应以 810000、820000 或 830000 开头"),
    ("07", "12345", "应为 9 开头的 18 位号码"),
    ("16", "123456789", "护照号码格式错误"),
    ("42", "123", "证件类型"),
])
def test_a_bad_document_number_is_refused_naming_the_document(id_type, number, message):
    with pytest.raises(InvalidIdDocument, match=message):
        person_input(id_type=id_type, id_number=number, name="某人")


def test_a_sex_that_contradicts_the_id_number_is_refused():
    with pytest.raises(EnrollmentError, match="字段 性别：证件号码表明性别为男，与填写的女不符"):
        zhang(sex="2")


def test_a_passport_holder_is_enrolled_with_the_sex_and_birth_date_given(agencies):
    data = person_input(id_type="16", id_number="E12345678", name="王海外", sex="1",
                        birth_date=datetime.date(1992, 7, 1))
    person, _period, _owed = enroll(agencies, data)
    assert (person.id_type, person.id_number, person.birth_date) == ("16", "E12345678", datetime.date(1992, 7, 1))


# --- duplicate insurance ----------------------------------------------------------------------------

def test_a_resident_enrollment_of_an_employee_is_refused_as_duplicate_insurance(agencies, make_person):
    make_person(id_number=ZHANG, name="张建平", periods=("310",))
    with pytest.raises(DuplicateInsurance, match=f"重复参保：张建平 正在参加职工基本医疗保险.*「{KEEP_RESIDENT}」"):
        enroll(agencies, zhang())
    assert not InsurancePeriod.objects.filter(insurance_type="390").exists()


def test_keeping_the_resident_insurance_stops_the_employee_period_the_day_before(agencies, make_person):
    person = make_person(id_number=ZHANG, name="张建平", periods=("310",))
    _p, period, _owed = enroll(agencies, zhang(), duplicate_resolution=KEEP_RESIDENT)
    employee = InsurancePeriod.objects.get(person=person, insurance_type="310")
    assert employee.status == InsuranceStatus.SUSPENDED and employee.end_date == datetime.date(2026, 12, 31)
    assert employee.stop_reason == f"重复参保处理：{KEEP_RESIDENT}"
    assert period.start_date == datetime.date(2027, 1, 1)


# --- newborns -----------------------------------------------------------------------------------------

BABY = rid("14010520260801002")  # born 2026-08-01, a girl, 小店区


def baby(**extra):
    return person_input(id_type="02", id_number=BABY, name="张小妹", **extra)


def test_a_newborn_is_enrolled_outside_the_window_from_the_day_of_birth_owing_nothing(agencies):
    day = datetime.date(2026, 3, 2)  # outside the window
    person, period = enroll_newborn(region=agencies["xiaodian"].region, home_agency=agencies["xiaodian"],
                                    data=person_input(id_type="02", id_number=rid("14010520260201001"),
                                                      name="张小弟"), day=day, actor="clerk")
    assert period.start_date == datetime.date(2026, 2, 1) and period.category == "newborn"
    assert not Contribution.objects.filter(person=person).exists()


def test_a_child_past_the_newborn_age_is_refused(agencies):
    with pytest.raises(EnrollmentError, match="新生儿参保登记限出生 365 日内办理：张小妹 出生于 2026-08-01，已满 366 日"):
        enroll_newborn(region=agencies["xiaodian"].region, home_agency=agencies["xiaodian"], data=baby(),
                       day=datetime.date(2027, 8, 2), actor="clerk")


def test_a_newborn_of_another_citys_household_register_is_refused(agencies):
    data = person_input(id_type="02", id_number=rid("14040320260801002"), name="外地娃")
    with pytest.raises(EnrollmentError, match="新生儿参保登记限太原市户籍"):
        enroll_newborn(region=agencies["xiaodian"].region, home_agency=agencies["xiaodian"], data=data,
                       day=datetime.date(2026, 9, 1), actor="clerk")


# --- through the case engine ----------------------------------------------------------------------------

def test_taiyuan_resident_enrollment_case_for_a_household_member(agencies, staff, on_day):
    on_day(IN_WINDOW)
    item = current_item("taiyuan", "resident-enrollment-register")
    case = apply(item, applicant_id=ZHANG, applicant_name="张建平", situations=("新参保人员",),
                 form_data={"name": "张小妹", "id_type": "02", "id_number": BABY,
                            "applicant_identity": ["中小学儿童"], "household_registration": "山西省太原市小店区"})
    case = run_through(case, staff["xiaodian"])
    person = Person.objects.get(id_number=BABY)
    period = person.periods.get()
    assert (period.start_date, period.category, period.started_by_case) == (
        datetime.date(2027, 1, 1), "student", case.number)
    assert person.contributions.get().case_number == case.number


def test_taiyuan_enrollment_outside_the_window_is_refused_at_submit_and_at_accept(agencies, staff, on_day):
    item = current_item("taiyuan", "resident-enrollment-register")
    on_day(OUT_OF_WINDOW)
    with pytest.raises(InvalidApplication, match="城乡居民集中参保期为每年9月1日至12月20日，今天（2026-03-02）不在参保期内"):
        apply(item, applicant_id=ZHANG, applicant_name="张建平", situations=("新参保人员",), form_data={})
    on_day(datetime.date(2026, 12, 20))
    case = apply(item, applicant_id=ZHANG, applicant_name="张建平", situations=("新参保人员",), form_data={})
    on_day(datetime.date(2026, 12, 21))
    with pytest.raises(MoveNotAllowed, match="今天（2026-12-21）不在参保期内"):
        run_through(case, staff["xiaodian"])


def test_changzhi_enrollment_case_with_duplicate_insurance_refused_then_resolved(agencies, staff, on_day, make_person):
    on_day(IN_WINDOW)
    wang = rid("14040219800101003")
    make_person(id_number=wang, name="王长治", periods=("310",), agency="changzhi")
    item = current_item("changzhi", "resident-enrollment")
    with pytest.raises(InvalidApplication, match="重复参保：王长治 正在参加职工基本医疗保险"):
        apply(item, applicant_id=wang, applicant_name="王长治", form_data={"business_type": "新增"})
    case = apply(item, applicant_id=wang, applicant_name="王长治",
                 form_data={"business_type": "新增", "duplicate_resolution": KEEP_RESIDENT})
    case = run_through(case, staff["changzhi"])
    periods = {p.insurance_type: p for p in Person.objects.get(id_number=wang).periods.all()}
    assert periods["310"].status == InsuranceStatus.SUSPENDED and periods["390"].status == InsuranceStatus.INSURED


def test_changzhi_form_3_suspension_business_type(agencies, staff, on_day, make_person):
    on_day(OUT_OF_WINDOW)  # 暂停 needs no window
    li = rid("14040219800101011")
    make_person(id_number=li, name="李长治", periods=("390",), agency="changzhi")
    item = current_item("changzhi", "resident-enrollment")
    with pytest.raises(InvalidApplication, match="字段 停保原因：业务类型为终止时必填"):
        apply(item, applicant_id=li, applicant_name="李长治", form_data={"business_type": "终止"})
    case = apply(item, applicant_id=li, applicant_name="李长治",
                 form_data={"business_type": "终止", "stop_reason": "出国（境）定居"})
    run_through(case, staff["changzhi"])
    period = Person.objects.get(id_number=li).periods.get()
    assert period.status == InsuranceStatus.TERMINATED and period.end_date == OUT_OF_WINDOW


def test_taiyuan_newborn_case_outside_the_window(agencies, staff, on_day):
    on_day(datetime.date(2026, 8, 20))
    item = current_item("taiyuan", "resident-enrollment-newborn")
    case = apply(item, applicant_id=ZHANG, applicant_name="张建平",
                 form_data={"name": "张小妹", "id_type": "02", "id_number": BABY})
    run_through(case, staff["xiaodian"])
    period = Person.objects.get(id_number=BABY).periods.get()
    assert period.start_date == datetime.date(2026, 8, 1) and period.category == "newborn"


def test_a_newborn_case_needs_the_household_register_number(agencies, on_day):
    on_day(datetime.date(2026, 8, 20))
    item = current_item("taiyuan", "resident-enrollment-newborn")
    with pytest.raises(InvalidApplication, match="请填写新生儿的姓名和户口簿上的公民身份号码"):
        apply(item, applicant_id=ZHANG, applicant_name="张建平", form_data={})
    with pytest.raises(InvalidApplication, match="新生儿参保登记凭户口簿办理"):
        apply(item, applicant_id=ZHANG, applicant_name="张建平",
              form_data={"name": "张小妹", "id_type": "16", "id_number": "E12345678"})


def test_two_enrollment_cases_of_one_person_cannot_both_complete(agencies, staff, on_day):
    on_day(IN_WINDOW)
    item = current_item("taiyuan", "resident-enrollment-register")
    first, second = (apply(item, applicant_id=ZHANG, applicant_name="张建平", situations=("新参保人员",), form_data={})
                     for _ in range(2))
    run_through(first, staff["xiaodian"])
    with pytest.raises(MoveNotAllowed, match="已参加城乡居民医保（参保状态正常），请选择「续保人员」"):
        run_through(second, staff["xiaodian"])
    assert Contribution.objects.filter(person__id_number=ZHANG).count() == 1
