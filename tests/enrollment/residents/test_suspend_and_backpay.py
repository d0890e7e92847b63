"""城乡居民参保登记(停保) and (补缴): reasons, and the 补缴 eligibility rule of the Taiyuan guide."""

import datetime
from decimal import Decimal

import pytest

from tests.enrollment.residents.conftest import (
    ContributionFactory,
    apply,
    current_item,
    rid,
    run_through,
)
from yibao.audit.models import AuditEntry
from yibao.cases.services import InvalidApplication
from yibao.enrollment.models import Contribution, InsuranceStatus, Person
from yibao.enrollment.services.errors import DuplicateInsurance, EnrollmentError, NotInsured
from yibao.enrollment.services.residents import (
    BackpayNotEligible,
    BackpayRequest,
    backpay_resident,
    person_input,
    suspend_resident,
)
from yibao.ids import make_uscc

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 4, 10)
MOVED = "上年度参加省内异地城乡居民医保或参加省内职工医保(户口迁至太原市)"
ELSEWHERE = "上年度参加省内异地城乡居民医保或参加省内职工医保(户籍在异地)"
ZHAO = rid("14040219880808005")  # 户口 formerly in 长治
PERMIT = rid("14040219880808005")


# --- 停保 -------------------------------------------------------------------------------------

def test_suspension_stops_the_resident_period_with_its_reason(make_person):
    person = make_person(periods=("390",))
    period = suspend_resident(person=person, on=DAY, reason="参加职工医保", note="入职太原某公司", actor="clerk")
    assert (period.status, period.end_date, period.stop_reason) == (
        InsuranceStatus.SUSPENDED, DAY, "参加职工医保：入职太原某公司")


def test_death_terminates_the_insurance(make_person):
    period = suspend_resident(person=make_person(periods=("390",)), on=DAY, reason="死亡", actor="clerk")
    assert period.status == InsuranceStatus.TERMINATED


def test_suspension_cancels_unpaid_fees_of_later_years_and_keeps_paid_ones(make_person):
    person = make_person(periods=("390",))
    ContributionFactory(person=person, month=datetime.date(2026, 1, 1), paid=True)
    ContributionFactory(person=person, month=datetime.date(2027, 1, 1), paid=False)
    suspend_resident(person=person, on=datetime.date(2026, 11, 1), reason="参军", actor="clerk")
    assert list(Contribution.objects.filter(person=person).values_list("month", flat=True)) == [
        datetime.date(2026, 1, 1)]
    assert AuditEntry.objects.get(action="enrollment.contribution.cancel").before == {"years": ["2027"]}


def test_suspending_someone_without_resident_insurance_is_refused(make_person):
    with pytest.raises(NotInsured, match="没有正常参保的城乡居民基本医疗保险，不能停保"):
        suspend_resident(person=make_person(periods=("310",)), on=DAY, reason="其他", actor="clerk")


def test_an_unknown_reason_is_refused(make_person):
    with pytest.raises(EnrollmentError, match="字段 停保原因：「搬家」无效"):
        suspend_resident(person=make_person(periods=("390",)), on=DAY, reason="搬家", actor="clerk")


def test_taiyuan_suspension_case_by_a_unit_for_its_new_employee(agencies, staff, on_day, make_person):
    on_day(DAY)
    person = make_person(periods=("390",))
    item = current_item("taiyuan", "resident-enrollment-suspend")
    unit = make_uscc("91140105MA0L00001")
    with pytest.raises(InvalidApplication, match="字段 身份证件号码：单位代为办理时必填"):
        apply(item, applicant_kind="unit", applicant_id=unit, applicant_name="太原某公司",
              form_data={"stop_reason": "参加职工医保"}, phone="0351-1234567")
    case = apply(item, applicant_kind="unit", applicant_id=unit, applicant_name="太原某公司", phone="0351-1234567",
                 form_data={"stop_reason": "参加职工医保", "id_number": person.id_number})
    run_through(case, staff["xiaodian"])
    period = person.periods.get()
    assert period.status == InsuranceStatus.SUSPENDED and period.stopped_by_case == case.number


def test_a_suspension_date_in_the_future_is_refused(on_day, make_person, agencies):
    on_day(DAY)
    person = make_person(periods=("390",))
    with pytest.raises(InvalidApplication, match="字段 停保日期：2026-05-01 晚于今天"):
        apply(current_item("taiyuan", "resident-enrollment-suspend"), applicant_id=person.id_number,
              applicant_name=person.name, form_data={"stop_reason": "其他", "stop_date": "2026-05-01"})


# --- 补缴 -------------------------------------------------------------------------------------

def zhao():
    return person_input(id_type="01", id_number=ZHAO, name="赵迁入")


def backpay(agencies, request, *, day=DAY, data=None):
    return backpay_resident(region=agencies["xiaodian"].region, home_agency=agencies["xiaodian"],
                            data=data or zhao(), request=request, day=day, actor="clerk")


def moved_in(**kwargs):
    values = {"situation": MOVED, "previous_region_code": "140402", "previous_insurance_type": "390",
              "household_moved_on": datetime.date(2026, 3, 1)}
    return BackpayRequest(**{**values, **kwargs})


def test_a_resident_who_moved_the_household_register_in_pays_this_year(agencies):
    person, period, owed = backpay(agencies, moved_in())
    assert period.start_date == DAY and period.insurance_type == "390"
    assert owed.month == datetime.date(2026, 1, 1) and owed.personal_part == Decimal("380.00") and not owed.paid
    assert person.region.slug == "taiyuan"


def test_a_resident_with_a_residence_permit_and_last_year_in_employee_insurance_may_pay(agencies):
    _person, period, _owed = backpay(agencies, BackpayRequest(
        situation=ELSEWHERE, previous_region_code="140100", previous_insurance_type="310",
        residence_permit_number=PERMIT))
    assert period.status == InsuranceStatus.INSURED


@pytest.mark.parametrize(("request_", "message"), [
    (moved_in(situation=""), "请选择补缴情形"),
    (moved_in(previous_region_code="110101"), "补缴规则：上年度须在山西省内参保，上年度参保地 110101 不在省内"),
    (moved_in(previous_region_code="140105"), "补缴规则：上年度参加的须为省内异地城乡居民医保"),
    (moved_in(previous_region_code="1404"), "字段 上年度参保地区划代码：应为 6 位行政区划代码"),
    (moved_in(previous_insurance_type="510"), "补缴规则：上年度须参加省内城乡居民医保（390）或职工医保（310）"),
    (moved_in(household_moved_on=None), "字段 户口迁入日期：户口迁至本市的补缴人员必填"),
    (moved_in(household_moved_on=datetime.date(2025, 12, 1)), "补缴规则：户口迁至本市的，须在迁入后 90 日内办理补缴"),
    (moved_in(year=2025), "字段 补缴年度：补缴限 2026 年度（补缴规则：只补缴当年度），不能补缴 2025 年度"),
    (BackpayRequest(situation=ELSEWHERE, previous_region_code="140402", previous_insurance_type="390",
                    residence_permit_number="12345"), "字段 居住证号码：户籍在异地的补缴人员须持本市居住证"),
])
def test_backpay_outside_the_rule_is_refused_naming_the_rule(agencies, request_, message):
    with pytest.raises(BackpayNotEligible, match=message):
        backpay(agencies, request_)
    assert not Person.objects.filter(id_number=ZHAO).exists()


def test_backpay_of_an_insured_resident_is_refused(agencies, make_person):
    make_person(id_number=ZHAO, name="赵迁入", periods=("390",))
    with pytest.raises(BackpayNotEligible, match="已参加本市城乡居民医保（参保状态正常），无需补缴"):
        backpay(agencies, moved_in())


def test_backpay_of_an_employee_is_refused_as_duplicate_insurance(agencies, make_person):
    make_person(id_number=ZHAO, name="赵迁入", periods=("310",))
    with pytest.raises(DuplicateInsurance, match="重复参保"):
        backpay(agencies, moved_in())


def test_taiyuan_backpay_case(agencies, staff, on_day):
    on_day(DAY)
    item = current_item("taiyuan", "resident-enrollment-backpay")
    fields = {"previous_region_code": "140402", "previous_insurance_type": "390", "household_moved_on": "2026-03-01"}
    with pytest.raises(InvalidApplication, match="须在迁入后 90 日内办理补缴"):
        apply(item, applicant_id=ZHAO, applicant_name="赵迁入", situations=(MOVED,),
              form_data={**fields, "household_moved_on": "2025-11-01"})
    case = apply(item, applicant_id=ZHAO, applicant_name="赵迁入", situations=(MOVED,), form_data=fields)
    run_through(case, staff["taiyuan"])  # an applicant from elsewhere belongs to the city agency
    person = Person.objects.get(id_number=ZHAO)
    assert person.contributions.get().month == datetime.date(2026, 1, 1)
    assert person.periods.get().started_by_case == case.number
