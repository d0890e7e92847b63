"""城乡居民参保登记(多号合并): everything moves to the kept record; the duplicate is retired."""

import datetime
from decimal import Decimal

import pytest

from tests.enrollment.residents.conftest import (
    ContributionFactory,
    PeriodFactory,
    apply,
    current_item,
    rid,
    run_through,
)
from yibao.audit.models import AuditEntry
from yibao.cases.models import Case
from yibao.cases.services import InvalidApplication, MoveNotAllowed, accept_case, advance_case
from yibao.enrollment.models import (
    AccountMovement,
    AccountStatus,
    InsuranceStatus,
    MovementKind,
    Person,
    PersonalAccount,
)
from yibao.enrollment.services.accounts import post_movement
from yibao.enrollment.services.errors import EnrollmentError
from yibao.enrollment.services.periods import ensure_person
from yibao.enrollment.services.persons import MergeRefused, id_numbers_of, merge_persons

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 5, 6)
SUN = rid("14010519700202007")


@pytest.fixture
def pair(make_person):
    """孙立: the record under the 公民身份号码 and an old one under a passport number."""
    kept = make_person(id_number=SUN, name="孙立")
    duplicate = make_person(id_type="16", id_number="E87654321", name="孙立", sex=kept.sex,
                            birth_date=kept.birth_date)
    return kept, duplicate


def credit(person, amount, reference):
    account, _ = PersonalAccount.objects.get_or_create(person=person)
    post_movement(account=account, kind=MovementKind.CONTRIBUTION, amount=Decimal(amount), reference=reference,
                  actor="test")


def test_merge_moves_periods_contributions_and_the_account_balance_exactly(pair):
    kept, duplicate = pair
    PeriodFactory(person=duplicate, insurance_type="390", status=InsuranceStatus.SUSPENDED,
                  start_date=datetime.date(2015, 1, 1), end_date=datetime.date(2019, 12, 31))
    PeriodFactory(person=kept, insurance_type="390", start_date=datetime.date(2020, 1, 1))
    for year in (2016, 2017):
        ContributionFactory(person=duplicate, month=datetime.date(year, 1, 1))
    ContributionFactory(person=kept, month=datetime.date(2026, 1, 1))
    credit(kept, "100.10", "k1")
    credit(duplicate, "0.20", "d1")
    credit(duplicate, "1234.05", "d2")

    merge_persons(kept=kept, duplicate=duplicate, on=DAY, actor="clerk")

    assert kept.periods.count() == 2 and kept.contributions.count() == 3
    assert not duplicate.periods.exists() and not duplicate.contributions.exists()
    assert PersonalAccount.objects.get(person=kept).balance == Decimal("1334.35")
    old = PersonalAccount.objects.get(person=duplicate)
    assert (old.balance, old.status, old.closed_on, old.close_reason) == (
        Decimal("0.00"), AccountStatus.CLOSED, DAY, "多号合并")
    assert AccountMovement.objects.get(reference=f"merge-{duplicate.pk}-in").amount == Decimal("1234.25")
    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept
    assert AuditEntry.objects.get(action="enrollment.person.merge").before["duplicate"] == "E87654321"


def test_an_account_of_the_duplicate_alone_follows_with_its_movements(pair):
    kept, duplicate = pair
    credit(duplicate, "55.55", "d1")
    merge_persons(kept=kept, duplicate=duplicate, on=DAY, actor="clerk")
    account = PersonalAccount.objects.get(person=kept)
    assert account.balance == Decimal("55.55") and account.movements.count() == 1


def test_the_merged_record_cannot_be_used_again_and_its_cases_stay_findable(pair, agencies):
    kept, duplicate = pair
    merge_persons(kept=kept, duplicate=duplicate, on=DAY, actor="clerk")
    with pytest.raises(EnrollmentError, match="证件号码 E87654321 的记录已合并至另一记录，请使用保留的记录办理"):
        ensure_person(id_number="E87654321", name="孙立", sex="1", birth_date=kept.birth_date,
                      region=kept.region, home_agency=kept.home_agency, actor="clerk", id_type="16")
    with pytest.raises(EnrollmentError, match="已合并至另一记录"):
        merge_persons(kept=kept, duplicate=duplicate, on=DAY, actor="clerk")
    assert id_numbers_of(kept) == [SUN, "E87654321"]


def test_records_with_different_names_need_review(make_person):
    kept = make_person(id_number=SUN, name="孙立")
    other = make_person(id_type="02", id_number=rid("14010519700202015"), name="孙丽")
    with pytest.raises(MergeRefused, match="姓名或出生日期不一致（孙立 1970-02-02 / 孙丽 1970-02-02），须经审核确认为同一人后方可合并"):
        merge_persons(kept=kept, duplicate=other, on=DAY, actor="clerk")
    merge_persons(kept=kept, duplicate=other, on=DAY, actor="clerk", reviewed=True)
    other.refresh_from_db()
    assert other.merged_into == kept


def test_two_active_resident_periods_are_refused(pair):
    kept, duplicate = pair
    PeriodFactory(person=kept, insurance_type="390")
    PeriodFactory(person=duplicate, insurance_type="390")
    with pytest.raises(MergeRefused, match="两条记录同时有正常参保的险种 390（参保期间重叠），请先对其中一条办理停保后再合并"):
        merge_persons(kept=kept, duplicate=duplicate, on=DAY, actor="clerk")
    assert duplicate.periods.count() == 1


def test_contributions_of_the_same_month_are_refused(pair):
    kept, duplicate = pair
    ContributionFactory(person=kept, month=datetime.date(2024, 1, 1))
    ContributionFactory(person=duplicate, month=datetime.date(2024, 1, 1))
    with pytest.raises(MergeRefused, match=r"相同所属期的缴费记录：2024-01（险种 390）"):
        merge_persons(kept=kept, duplicate=duplicate, on=DAY, actor="clerk")


def test_a_record_cannot_be_merged_into_itself(pair):
    kept, _duplicate = pair
    with pytest.raises(MergeRefused, match="与保留记录相同，无需合并"):
        merge_persons(kept=kept, duplicate=kept, on=DAY, actor="clerk")


def test_taiyuan_merge_case_of_identical_records_is_instant(pair, staff, on_day):
    on_day(DAY)
    kept, duplicate = pair
    item = current_item("taiyuan", "resident-enrollment-merge")
    with pytest.raises(InvalidApplication, match="该记录的证件类型为「中国护照」，与填写的「户口簿」不符"):
        apply(item, applicant_id=SUN, applicant_name="孙立", form_data={"duplicate_id_number": "E87654321"})
    case = apply(item, applicant_id=SUN, applicant_name="孙立",
                 form_data={"duplicate_id_type": "16", "duplicate_id_number": "E87654321"})
    assert case.extra_steps == []
    run_through(case, staff["xiaodian"])
    assert Person.objects.get(pk=duplicate.pk).merged_into_id == kept.pk
    assert Case.objects.filter(applicant_id_number__in=id_numbers_of(kept)).count() == 1


def test_taiyuan_merge_case_of_differing_records_goes_to_a_second_person(make_person, staff, on_day):
    on_day(DAY)
    kept = make_person(id_number=SUN, name="孙立")
    other = make_person(id_type="02", id_number=rid("14010519700202015"), name="孙丽")
    item = current_item("taiyuan", "resident-enrollment-merge")
    case = apply(item, applicant_id=SUN, applicant_name="孙立",
                 form_data={"duplicate_id_type": "02", "duplicate_id_number": other.id_number})
    assert case.extra_steps == ["审核"]
    clerks = staff["xiaodian"]
    case = accept_case(case=case, staff=clerks["accept_review"])
    with pytest.raises(MoveNotAllowed, match="受理人不能审核自己受理的办件"):
        advance_case(case=case, staff=clerks["accept_review"], action="review")
    case = advance_case(case=case, staff=clerks["review"], action="review", opinion="户籍证明核实为同一人")
    advance_case(case=case, staff=clerks["review"], action="complete")
    other.refresh_from_db()
    assert other.merged_into == kept
    assert AuditEntry.objects.get(action="enrollment.person.merge").after["reviewed"] is True


def test_a_merge_that_would_leave_both_basic_insurances_active_is_refused(pair):
    kept, duplicate = pair
    PeriodFactory(person=kept, insurance_type="310", category="employed")
    PeriodFactory(person=duplicate, insurance_type="390")
    with pytest.raises(MergeRefused, match="合并后将同时参加职工医保（310）和城乡居民医保（390），属于重复参保"):
        merge_persons(kept=kept, duplicate=duplicate, on=DAY, actor="clerk")
