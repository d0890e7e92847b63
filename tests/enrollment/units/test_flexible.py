"""灵活就业人员参保登记 (Jincheng 46065, Taiyuan 2.(4), Changzhi 新增 by a person): period, declaration, 补缴."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.enrollment.units.conftest import ContributionFactory, apply, current_item, run_through
from yibao.cases.services import InvalidApplication
from yibao.enrollment.models import (
    Contribution,
    InsurancePeriod,
    InsuranceStatus,
    Person,
    PersonCategory,
)
from yibao.enrollment.policies import policy_for
from yibao.enrollment.services.employees import KEEP_EMPLOYEE, FlexibleRefused, check_flexible
from yibao.ids import make_resident_id

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 16)
WORKER = SimpleNamespace(id_number=make_resident_id("14050019880808102"), name="周敏")


def owed(person):
    return list(Contribution.objects.filter(person=person).order_by("month")
                .values_list("month", "base", "unit_part", "personal_part", "paid", "unit"))


def test_jincheng_flexible_worker_declares_a_quarter(agencies, staff):
    case = apply(current_item("jincheng", "flexible-enrollment"), applicant=WORKER, applicant_kind="person",
                 form_data={"payment_period": "按季", "base": "5000"})
    run_through(case, staff["jincheng"])
    person = Person.objects.get(id_number=WORKER.id_number)
    period = InsurancePeriod.objects.get(person=person)
    assert (period.insurance_type, period.status, period.unit, period.unit_code, period.category, period.start_date) == (
        "310", InsuranceStatus.INSURED, None, "46065", PersonCategory.FLEXIBLE, datetime.date(2026, 3, 1))
    assert policy_for(agencies["jincheng"].region).flexible_unit_code == "46065"
    amount = Decimal("400.00")  # 5000 × 8 % (RegionPolicy.flexible_rate), all personal
    assert owed(person) == [(datetime.date(2026, month, 1), Decimal("5000.00"), Decimal("0.00"), amount, False, None)
                            for month in (3, 4, 5)]


def test_taiyuan_flexible_worker_declares_a_year_from_next_month(agencies, staff):
    worker = SimpleNamespace(id_number=make_resident_id("14010519880808103"), name="吴强")
    case = apply(current_item("taiyuan", "employee-enrollment-flexible"), applicant=worker, applicant_kind="person",
                 form_data={"payment_period": "按年", "base": "4000", "start_month": "2026-04"})
    run_through(case, staff["xiaodian"])
    months = [m for m, *_ in owed(Person.objects.get(id_number=worker.id_number))]
    assert months[0] == datetime.date(2026, 4, 1) and months[-1] == datetime.date(2027, 3, 1) and len(months) == 12


def test_flexible_worker_still_at_a_unit_is_refused(units, make_person):
    person = make_person(at=units["jincheng"], agency="jincheng")
    with pytest.raises(InvalidApplication, match=f"{person.name} 仍在「晋城示例电力有限公司」参保，请原单位先办理停保"):
        apply(current_item("jincheng", "flexible-enrollment"), applicant=person, applicant_kind="person",
              form_data={"base": "5000"})


def test_an_active_flexible_worker_cannot_enroll_twice(agencies, staff):
    item = current_item("jincheng", "flexible-enrollment")
    run_through(apply(item, applicant=WORKER, applicant_kind="person", form_data={"base": "5000"}), staff["jincheng"])
    with pytest.raises(InvalidApplication, match="已以灵活就业人员（单位编号 46065）参保，不能重复登记"):
        apply(item, applicant=WORKER, applicant_kind="person", form_data={"base": "5000"})


@pytest.mark.parametrize(("form", "message"), [
    ({"base": "3999.99"}, "月缴费基数：3999.99 超出范围 4000.00–20000.00 元"),
    ({"base": "20000.01"}, "超出范围"),
    ({"base": "五千"}, "月缴费基数：「五千」不是有效金额"),
    ({"base": "5000", "start_month": "2026-02"}, "申报起始月份：2026-02 早于本月，以前月份请选择补缴"),
    ({"base": "5000", "start_month": "2026-05"}, "申报起始月份：2026-05 晚于下月"),
    ({"base": "5000", "start_month": "2026-13"}, "申报起始月份：「2026-13」不是有效月份"),
    ({"base": "5000", "payment_period": "按周"}, "字段 申报方式（按月、按季、按年）：取值无效"),
])
def test_bad_declarations_are_refused_naming_the_field(agencies, form, message):
    with pytest.raises(InvalidApplication, match=message):
        apply(current_item("jincheng", "flexible-enrollment"), applicant=WORKER, applicant_kind="person",
              form_data=form)


def test_a_unit_cannot_apply_as_a_flexible_worker(units):
    with pytest.raises(InvalidApplication, match="灵活就业人员参保登记须由本人申请"):
        apply(current_item("jincheng", "flexible-enrollment"), applicant=units["jincheng"], form_data={"base": "5000"})


def test_backpay_covers_only_months_in_which_the_person_was_insured(units, make_person, staff):
    unit = units["jincheng"]
    person = make_person(at=unit, agency="jincheng", start=datetime.date(2025, 6, 1))
    period = InsurancePeriod.objects.get(person=person)
    period.status, period.end_date = InsuranceStatus.SUSPENDED, datetime.date(2026, 2, 28)
    period.save()
    ContributionFactory(person=person, unit=unit, month=datetime.date(2026, 1, 1))
    region = unit.region
    with pytest.raises(FlexibleRefused, match="补缴起始月份：2025-05 没有职工医保参保记录，只能补缴曾参保期间的月份"):
        check_flexible(region=region, person_row={"id_number": person.id_number, "name": person.name},
                       payment_period="按月", base="5000", start_month=datetime.date(2026, 3, 1),
                       backpay_from=datetime.date(2025, 5, 1), today=TODAY)
    with pytest.raises(FlexibleRefused, match="2026-01 已有缴费记录，不能重复补缴"):
        check_flexible(region=region, person_row={"id_number": person.id_number, "name": person.name},
                       payment_period="按月", base="5000", start_month=datetime.date(2026, 3, 1),
                       backpay_from=datetime.date(2025, 12, 1), today=TODAY)
    # Once the period ends in January, February 2026 lies after it: not insured then.
    InsurancePeriod.objects.filter(pk=period.pk).update(end_date=datetime.date(2026, 1, 31))
    with pytest.raises(FlexibleRefused, match="2026-02 没有职工医保参保记录"):
        check_flexible(region=region, person_row={"id_number": person.id_number, "name": person.name},
                       payment_period="按月", base="5000", start_month=datetime.date(2026, 3, 1),
                       backpay_from=datetime.date(2026, 2, 1), today=TODAY)


def test_backpay_months_are_owed_with_the_declaration(units, make_person, staff):
    person = make_person(agency="jincheng", insurance_types=("310",), start=datetime.date(2025, 1, 1),
                         category=PersonCategory.FLEXIBLE)
    period = InsurancePeriod.objects.get(person=person)
    period.status, period.end_date, period.unit_code = InsuranceStatus.SUSPENDED, datetime.date(2026, 2, 28), "46065"
    period.save()
    case = apply(current_item("jincheng", "flexible-enrollment"), applicant=person, applicant_kind="person",
                 form_data={"base": "6000", "backpay_from": "2025-12"})
    run_through(case, staff["jincheng"])
    assert [(m, p) for m, _b, _u, p, _paid, _unit in owed(person)] == [
        (datetime.date(2025, 12, 1), Decimal("480.00")), (datetime.date(2026, 1, 1), Decimal("480.00")),
        (datetime.date(2026, 2, 1), Decimal("480.00")), (datetime.date(2026, 3, 1), Decimal("480.00"))]


def test_flexible_duplicate_insurance_refusal_and_resolution(agencies, make_person, staff):
    resident = make_person(agency="jincheng", insurance_types=("390",))
    item = current_item("jincheng", "flexible-enrollment")
    with pytest.raises(InvalidApplication, match=f"重复参保：{resident.name} 正在参加城乡居民基本医疗保险"):
        apply(item, applicant=resident, applicant_kind="person", form_data={"base": "5000"})
    run_through(apply(item, applicant=resident, applicant_kind="person",
                      form_data={"base": "5000", "duplicate_resolution": KEEP_EMPLOYEE}), staff["jincheng"])
    old = InsurancePeriod.objects.get(person=resident, insurance_type="390")
    assert old.status == InsuranceStatus.SUSPENDED and old.end_date == datetime.date(2026, 2, 28)
    assert InsurancePeriod.objects.get(person=resident, insurance_type="310").unit_code == "46065"


def test_changzhi_person_applying_for_new_enrollment_is_a_flexible_worker(agencies, staff):
    worker = SimpleNamespace(id_number=make_resident_id("14040019880808104"), name="郑洁")
    item = current_item("changzhi", "employee-enrollment")
    with pytest.raises(InvalidApplication, match="个人申请只办理灵活就业人员新增"):
        apply(item, applicant=worker, applicant_kind="person", situations=("暂停",), form_data={})
    run_through(apply(item, applicant=worker, applicant_kind="person", situations=("新增",),
                      form_data={"base": "4500", "payment_period": "按月"}), staff["changzhi"])
    period = InsurancePeriod.objects.get(person__id_number=worker.id_number)
    assert period.category == PersonCategory.FLEXIBLE and period.unit is None
    assert period.unit_code == policy_for(agencies["changzhi"].region).flexible_unit_code
