"""参保人员个人账户一次性支取 through the case engine: 受理 → 审核 (a second person) → 拨付 → 办结."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from tests.enrollment.contributions.conftest import TODAY, UnitFactory, apply, current_item
from tests.factories import PersonAccountFactory, StaffFactory
from yibao.audit.services import record_audit
from yibao.cases.models import Case, CaseStatus
from yibao.cases.selectors import described_application
from yibao.cases.services import InvalidApplication, MoveNotAllowed, accept_case, advance_case
from yibao.enrollment.account_selectors import movements_of
from yibao.enrollment.models import (
    AccountMovement,
    AccountStatus,
    Contribution,
    DeathVerification,
    InsuranceStatus,
    MovementKind,
    PersonalAccount,
)
from yibao.enrollment.services.accounts import AccountError, post_movement, withdraw_account
from yibao.enrollment.services.deaths import DeathCheckRefused, record_death_verification
from yibao.ids import make_resident_id
from yibao.notifications.models import SmsMessage

pytestmark = pytest.mark.django_db
HEIR_ID = make_resident_id("14040219650505123")
BANK = {"insured_bank": "中国银行太原分行", "insured_account_number": "6216600000001234"}


def insured(person) -> dict:
    return {"insured_name": person.name, "insured_id_number": person.id_number}


def verify_death(case, clerk, deceased):
    record_death_verification(case=case, person=deceased, staff=clerk, document_type="medical",
                              document_number="Q140402-2026-001234")


def run_to_payment(case, clerks, *, deceased=None):
    """受理 by one clerk, 审核 by another (who records how a death was verified), 拨付 by a payer, 办结."""
    case = accept_case(case=case, staff=clerks["accept"])
    case = advance_case(case=case, staff=clerks["review"], action="review", opinion="材料齐全，同意支取")
    if deceased is not None:
        verify_death(case, clerks["review"], deceased)
    case = advance_case(case=case, staff=clerks["pay"], action="pay", opinion="已拨付")
    return advance_case(case=case, staff=clerks["pay"], action="complete", opinion="办结")


@pytest.fixture
def changzhi_unit(agencies):
    agency = agencies["changzhi"]
    return UnitFactory(region=agency.region, home_agency=agency, name="潞安化工有限公司")


def test_death_with_a_personal_commitment_pays_the_heir_and_closes_the_account(
        changzhi_unit, employ, staff, on_day):
    item = current_item("changzhi", "personal-account-withdrawal")
    deceased = employ(changzhi_unit, name="刘德厚", balance=Decimal("1234.56"))
    certificate = next(i for i, m in enumerate(item.data["materials"]) if m.get("commitment_alternative"))
    form = {**insured(deceased), "withdrawal_reason": "死亡", "death_date": "2026-10-03",
            "heir_name": "刘小兰", "heir_relationship": "女儿", "heir_id_number": HEIR_ID,
            "heir_phone": "13811112222", "heir_address": "长治市潞州区英雄南路1号",
            "heir_bank": "长治银行", "heir_account_number": "6230000000009876"}

    case = apply(item, applicant_kind="person", applicant_id=HEIR_ID, applicant_name="刘小兰", form_data=form,
                 situations=("死亡",), commitments=frozenset({certificate}))
    assert case.materials.get(position=certificate).use_commitment
    case = run_to_payment(case, staff["changzhi"], deceased=deceased)

    assert case.status == CaseStatus.COMPLETED
    account = PersonalAccount.objects.get(person=deceased)
    assert (account.balance, account.status, account.closed_on, account.close_reason) == (
        Decimal("0.00"), AccountStatus.CLOSED, TODAY, "一次性支取：死亡")
    movement = AccountMovement.objects.get(account=account)
    assert (movement.kind, movement.amount, movement.reference, movement.case_number) == (
        MovementKind.WITHDRAWAL, Decimal("-1234.56"), f"withdrawal:{case.number}", case.number)
    assert "继承人 刘小兰 长治银行 尾号9876" in movement.note
    deceased.refresh_from_db()
    assert deceased.death_date == datetime.date(2026, 10, 3)
    period = deceased.periods.get()
    assert (period.status, period.end_date) == (InsuranceStatus.TERMINATED, datetime.date(2026, 10, 3))


def test_taiyuan_does_not_allow_a_commitment_for_the_death_certificate(unit, employ, staff, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    deceased = employ(unit, balance=Decimal("100.00"))

    with pytest.raises(InvalidApplication, match="不能以承诺书代替"):
        apply(item, applicant_kind="unit", applicant_id=unit.uscc, applicant_name=unit.name,
              form_data={**insured(deceased), "death_date": "2026-10-03"},
              situations=("死亡人员账户一次性支付",), commitments=frozenset({0}))


def test_death_needs_the_heirs_details_and_the_date_of_death(changzhi_unit, employ, on_day):
    item = current_item("changzhi", "personal-account-withdrawal")
    deceased = employ(changzhi_unit, balance=Decimal("100.00"))

    with pytest.raises(InvalidApplication, match="继承人\\(代表人\\)姓名.*必填"):
        apply(item, applicant_kind="person", applicant_id=HEIR_ID, applicant_name="刘小兰",
              form_data={**insured(deceased), "death_date": "2026-10-03"}, situations=("死亡",))
    heirs = {"heir_name": "刘小兰", "heir_relationship": "女儿", "heir_id_number": HEIR_ID,
             "heir_phone": "13811112222", "heir_address": "长治市潞州区英雄南路1号", "heir_bank": "长治银行",
             "heir_account_number": "6230000000009876"}
    with pytest.raises(InvalidApplication, match="字段 死亡日期"):
        apply(item, applicant_kind="person", applicant_id=HEIR_ID, applicant_name="刘小兰",
              form_data={**insured(deceased), **heirs}, situations=("死亡",))


def test_abandonment_closes_the_account_and_ends_the_310_period(unit, employ, staff, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, name="周放弃", balance=Decimal("800.00"))
    login = PersonAccountFactory(id_number=person.id_number, name=person.name)

    case = apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
                 form_data={**insured(person), **BANK}, situations=("主动放弃参加职工基本医疗保险",),
                 user=login.user)
    run_to_payment(case, staff["taiyuan"])

    account = PersonalAccount.objects.get(person=person)
    assert (account.balance, account.status, account.close_reason) == (
        Decimal("0.00"), AccountStatus.CLOSED, "一次性支取：主动放弃")
    period = person.periods.get()
    assert (period.status, period.end_date, period.stopped_by_case) == (
        InsuranceStatus.TERMINATED, TODAY, case.number)
    assert "主动放弃" in period.stop_reason


def test_under_two_years_of_offsite_filing_is_refused_with_the_date(unit, employ, monkeypatch, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, balance=Decimal("500.00"))
    monkeypatch.setattr("yibao.offsite.selectors.offsite_filing_start",
                        lambda person, **kwargs: datetime.date(2025, 6, 1))

    with pytest.raises(InvalidApplication, match="异地备案开始于 2025-06-01，至 2027-06-01 方满2年"):
        apply(item, applicant_kind="unit", applicant_id=unit.uscc, applicant_name=unit.name,
              form_data={**insured(person), **BANK}, situations=("异地备案满两年个人帐户一次性支付",))


def test_no_long_term_offsite_filing_is_refused(unit, employ, monkeypatch, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, balance=Decimal("500.00"))
    monkeypatch.setattr("yibao.offsite.selectors.offsite_filing_start", lambda person, **kwargs: None)

    with pytest.raises(InvalidApplication, match="没有有效的异地长期居住"):
        apply(item, applicant_kind="unit", applicant_id=unit.uscc, applicant_name=unit.name,
              form_data={**insured(person), **BANK}, situations=("异地备案满两年个人帐户一次性支付",))


def test_two_full_years_of_offsite_filing_pay_the_balance_and_keep_the_account(
        unit, employ, staff, monkeypatch, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, balance=Decimal("500.00"))
    monkeypatch.setattr("yibao.offsite.selectors.offsite_filing_start",
                        lambda person, **kwargs: datetime.date(2024, 11, 20))

    case = apply(item, applicant_kind="unit", applicant_id=unit.uscc, applicant_name=unit.name,
                 form_data={**insured(person), **BANK}, situations=("异地备案满两年个人帐户一次性支付",))
    run_to_payment(case, staff["taiyuan"])

    account = PersonalAccount.objects.get(person=person)
    assert (account.balance, account.status) == (Decimal("0.00"), AccountStatus.OPEN)
    assert person.periods.get().status == InsuranceStatus.INSURED


def test_the_zhiqing_yearly_payment_keeps_the_account_and_happens_once_a_year(unit, employ, staff, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, balance=Decimal("300.00"))
    situation = ('"北京知青"每年个人账户一次性支付',)
    form = {**insured(person), **BANK}

    case = apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
                 form_data=form, situations=situation)
    run_to_payment(case, staff["taiyuan"])
    account = PersonalAccount.objects.get(person=person)
    assert (account.balance, account.status) == (Decimal("0.00"), AccountStatus.OPEN)
    PersonalAccount.objects.filter(pk=account.pk).update(balance=Decimal("50.00"))

    with pytest.raises(InvalidApplication, match=f"{TODAY.year} 年度的北京知青每年支付已办理"):
        apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
              form_data=form, situations=situation)


def test_emigration_is_a_reason_where_no_situation_names_it(changzhi_unit, employ, staff, on_day):
    item = current_item("changzhi", "personal-account-withdrawal")
    assert all("出国" not in s for s in item.data["situations"])
    person = employ(changzhi_unit, balance=Decimal("66.60"))

    case = apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
                 form_data={**insured(person), **BANK, "withdrawal_reason": "出国(境)定居"})
    run_to_payment(case, staff["changzhi"])

    account = PersonalAccount.objects.get(person=person)
    assert (account.status, account.close_reason) == (AccountStatus.CLOSED, "一次性支取：出国(境)定居")
    assert person.periods.get().status == InsuranceStatus.TERMINATED


def test_a_reason_that_has_a_situation_must_be_chosen_through_it(changzhi_unit, employ, on_day):
    item = current_item("changzhi", "personal-account-withdrawal")
    person = employ(changzhi_unit, balance=Decimal("66.60"))

    with pytest.raises(InvalidApplication, match="请选择办理情形「主动放弃」"):
        apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
              form_data={**insured(person), **BANK, "withdrawal_reason": "主动放弃"})


def test_a_closed_account_is_refused(unit, employ, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, balance=Decimal("10.00"))
    PersonalAccount.objects.filter(person=person).update(status=AccountStatus.CLOSED, closed_on=TODAY,
                                                         close_reason="一次性支取：主动放弃")

    with pytest.raises(InvalidApplication, match="个人账户已于 2026-11-20 注销（一次性支取：主动放弃），不能再支取"):
        apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
              form_data={**insured(person), **BANK}, situations=("主动放弃参加职工基本医疗保险",))


def test_a_zero_balance_is_refused(unit, employ, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit)

    with pytest.raises(InvalidApplication, match="余额为 0.00 元，没有可支取的金额"):
        apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
              form_data={**insured(person), **BANK}, situations=("主动放弃参加职工基本医疗保险",))


def test_a_person_cannot_withdraw_someone_elses_account(unit, employ, make_person, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    owner = employ(unit, balance=Decimal("10.00"))
    other = make_person()

    with pytest.raises(InvalidApplication, match="个人只能申请支取本人的个人账户"):
        apply(item, applicant_kind="person", applicant_id=other.id_number, applicant_name=other.name,
              form_data={**insured(owner), **BANK}, situations=("主动放弃参加职工基本医疗保险",))


def test_a_unit_cannot_apply_for_another_units_employee(unit, employ, agencies, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    elsewhere = UnitFactory(region=unit.region, home_agency=unit.home_agency)
    person = employ(elsewhere, balance=Decimal("10.00"))

    with pytest.raises(InvalidApplication, match="不是本单位参保职工"):
        apply(item, applicant_kind="unit", applicant_id=unit.uscc, applicant_name=unit.name,
              form_data={**insured(person), **BANK}, situations=("主动放弃参加职工基本医疗保险",))


def test_the_insured_name_must_match_the_record(unit, employ, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, balance=Decimal("10.00"))

    with pytest.raises(InvalidApplication, match="字段 参保人姓名"):
        apply(item, applicant_kind="unit", applicant_id=unit.uscc, applicant_name=unit.name,
              form_data={**insured(person), "insured_name": "别人", **BANK},
              situations=("主动放弃参加职工基本医疗保险",))


def test_paying_the_same_case_again_changes_nothing(unit, employ):
    person = employ(unit, balance=Decimal("40.00"))
    first = withdraw_account(person=person, reason="abandonment", case_number="14010020261120000001",
                             actor="pay", today=TODAY)

    again = withdraw_account(person=person, reason="abandonment", case_number="14010020261120000001",
                             actor="pay", today=TODAY)

    assert again.movement.pk == first.movement.pk and again.amount == Decimal("40.00")
    assert AccountMovement.objects.filter(kind=MovementKind.WITHDRAWAL).count() == 1


def test_a_second_case_for_a_closed_account_is_refused_at_payment(unit, employ):
    person = employ(unit, balance=Decimal("40.00"))
    withdraw_account(person=person, reason="abandonment", case_number="A1", actor="pay", today=TODAY)

    with pytest.raises(AccountError, match="已于 2026-11-20 注销"):
        withdraw_account(person=person, reason="emigration", case_number="A2", actor="pay", today=TODAY)


def test_a_person_sees_their_own_balance_and_movements(client, unit, employ):
    person = employ(unit, balance=Decimal("40.00"))
    withdraw_account(person=person, reason="abandonment", case_number="A1", actor="pay", today=TODAY)
    login = PersonAccountFactory(id_number=person.id_number, name=person.name)
    client.force_login(login.user)

    page = client.get("/enrollment/account/").content.decode()

    assert "已注销（2026-11-20，一次性支取：主动放弃）" in page
    assert "-40.00" in page and "一次性支取" in page
    assert person.id_number not in page
    assert [m["kind_label"] for m in movements_of(person.pk)] == ["一次性支取"]


def test_the_account_page_is_for_persons_only(client, unit_login):
    assert client.get("/enrollment/account/").status_code == 302
    client.force_login(unit_login.user)
    assert client.get("/enrollment/account/").status_code == 403


def test_the_acceptor_cannot_review_their_own_withdrawal(unit, employ, staff, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, balance=Decimal("10.00"))
    both = StaffFactory(agency=unit.home_agency, roles=["accept", "review"])
    case = apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
                 form_data={**insured(person), **BANK}, situations=("主动放弃参加职工基本医疗保险",))
    case = accept_case(case=case, staff=both)

    with pytest.raises(MoveNotAllowed, match="受理人不能审核自己受理的办件"):
        advance_case(case=case, staff=both, action="review")
    assert PersonalAccount.objects.get(person=person).balance == Decimal("10.00")


def test_a_person_applies_in_the_hall_with_the_form_7_fields(client, unit, employ, on_day):
    person = employ(unit, name="周放弃", balance=Decimal("25.00"))
    login = PersonAccountFactory(id_number=person.id_number, name=person.name)
    client.force_login(login.user)
    url = "/hall/apply/taiyuan/personal-account-withdrawal/"

    form = client.get(url).content.decode()
    assert "参保人身份证件号码" in form and "继承人(代表人)姓名" in form and "出国(境)定居" in form

    response = client.post(url, {
        "situations": "主动放弃参加职工基本医疗保险", "applicant_phone": "13912345678",
        "field_insured_name": person.name, "field_insured_id_number": person.id_number,
        "field_insured_bank": "中国银行太原分行", "field_insured_account_number": "6216600000001234",
    })
    assert response.status_code == 302, response.content.decode()[-1500:]


def test_the_heir_prints_the_form_12_commitment_and_nobody_else_can(client, changzhi_unit, employ, on_day):
    item = current_item("changzhi", "personal-account-withdrawal")
    deceased = employ(changzhi_unit, balance=Decimal("10.00"))
    heir = PersonAccountFactory(id_number=HEIR_ID, name="刘小兰")
    form = {**insured(deceased), "death_date": "2026-10-03", "heir_name": "刘小兰", "heir_relationship": "女儿",
            "heir_id_number": HEIR_ID, "heir_phone": "13811112222", "heir_address": "长治市潞州区英雄南路1号",
            "heir_bank": "长治银行", "heir_account_number": "6230000000009876"}
    case = apply(item, applicant_kind="person", applicant_id=HEIR_ID, applicant_name="刘小兰", form_data=form,
                 situations=("死亡",), commitments=frozenset({3}), user=heir.user)
    url = f"/enrollment/withdrawal/{case.number}/commitment.pdf"

    client.force_login(heir.user)
    response = client.get(url)
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages).replace("\n", "")
    assert "长治市医疗保障事务中心" in text and f"本人刘小兰（身份证号码：{HEIR_ID}）" in text
    assert f"参保人{deceased.name}的死亡日期为：2026年10月3日" in text

    client.force_login(PersonAccountFactory().user)
    assert client.get(url).status_code == 404


def test_the_case_page_shows_the_bank_account_and_the_amount_to_pay(changzhi_unit, employ, on_day):
    item = current_item("changzhi", "personal-account-withdrawal")
    person = employ(changzhi_unit, name="王秀英", balance=Decimal("2345.60"))
    case = apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
                 form_data={**insured(person), "withdrawal_reason": "出国(境)定居", **BANK})
    described = dict(described_application(case))
    assert described["参保人银行账号"] == "6216600000001234"  # in full: the case page is the applicant's and staff's
    assert described["个人账户余额（拨付时全额支取，元）"] == "2345.60"


def test_the_once_a_year_rule_reads_the_reason_not_the_free_text_of_the_note(unit, employ, staff, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, balance=Decimal("300.00"))
    account = PersonalAccount.objects.get(person=person)
    # A correction whose note happens to begin like the yearly payment is not that payment.
    post_movement(account=account, kind=MovementKind.WITHDRAWAL, amount=Decimal("-1.00"), reference="fix-1",
                  actor="clerk", note="北京知青每年支付 误记冲正")
    case = apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
                 form_data={**insured(person), **BANK}, situations=('"北京知青"每年个人账户一次性支付',))
    run_to_payment(case, staff["taiyuan"])
    assert AccountMovement.objects.get(case_number=case.number).withdrawal_reason == "zhiqing_yearly"


# --- a death claim is paid only after the death is verified (issue 9 §2) ------------------------------

def file_death_claim(changzhi_unit, employ, *, phone="13900000007", death_date="2026-10-03"):
    item = current_item("changzhi", "personal-account-withdrawal")
    deceased = employ(changzhi_unit, name="刘德厚", balance=Decimal("1234.56"), phone=phone)
    certificate = next(i for i, m in enumerate(item.data["materials"]) if m.get("commitment_alternative"))
    form = {**insured(deceased), "withdrawal_reason": "死亡", "death_date": death_date,
            "heir_name": "刘小兰", "heir_relationship": "女儿", "heir_id_number": HEIR_ID,
            "heir_phone": "13811112222", "heir_address": "长治市潞州区英雄南路1号",
            "heir_bank": "长治银行", "heir_account_number": "6230000000009876"}
    case = apply(item, applicant_kind="person", applicant_id=HEIR_ID, applicant_name="刘小兰", form_data=form,
                 situations=("死亡",), commitments=frozenset({certificate}))
    return case, deceased


def to_payment_step(case, clerks):
    case = accept_case(case=case, staff=clerks["accept"])
    return advance_case(case=case, staff=clerks["review"], action="review", opinion="同意")


def test_filing_a_death_claim_texts_the_persons_registered_phones(changzhi_unit, employ, on_day):
    case, deceased = file_death_claim(changzhi_unit, employ)
    message = SmsMessage.objects.get(purpose="death_claim")
    assert (message.phone, message.reference) == ("13900000007", case.number)
    assert "刘德厚已于 2026-10-03 死亡为由申请一次性支取" in message.text


def test_a_death_claim_against_a_living_person_is_not_paid(changzhi_unit, employ, staff, on_day):
    case, deceased = file_death_claim(changzhi_unit, employ)
    Contribution.objects.create(person=deceased, unit=changzhi_unit, month=datetime.date(2026, 11, 1),
                                insurance_type="310", base=Decimal("5000"), unit_part=Decimal("400"),
                                personal_part=Decimal("100"), paid=True)
    record_audit(actor="p:" + deceased.id_number, action="accounts.login.success", object_type="Login",
                 object_id="p:" + deceased.id_number)
    case = to_payment_step(case, staff["changzhi"])
    verify_death(case, staff["changzhi"]["review"], deceased)

    with pytest.raises(MoveNotAllowed) as exc:
        advance_case(case=case, staff=staff["changzhi"]["pay"], action="pay", opinion="拨付")
    assert "死亡人员账户支付前须核实，以下情况不能拨付" in str(exc.value)
    assert "死亡日期之后仍有缴费到账（费款所属期 2026-11）" in str(exc.value)
    assert "死亡日期之后仍有本人账号登录" in str(exc.value)
    assert PersonalAccount.objects.get(person=deceased).balance == Decimal("1234.56")
    deceased.refresh_from_db()
    assert deceased.death_date is None


def test_a_case_the_person_filed_after_the_claimed_death_stops_the_payment(changzhi_unit, employ, staff, on_day):
    case, deceased = file_death_claim(changzhi_unit, employ)
    later = Case.objects.create(number=case.number[:-5] + "99999", item=case.item, region=case.region,
                                channel="online_hall", applicant_kind="person", applicant_name=deceased.name,
                                applicant_id_number=deceased.id_number, applicant_phone="13900000007",
                                home_agency=case.home_agency)
    case = to_payment_step(case, staff["changzhi"])
    verify_death(case, staff["changzhi"]["review"], deceased)
    with pytest.raises(MoveNotAllowed, match=f"死亡日期之后仍以本人名义申请办件（{later.number}）"):
        advance_case(case=case, staff=staff["changzhi"]["pay"], action="pay", opinion="拨付")


def test_payment_waits_for_the_reviewers_death_verification(changzhi_unit, employ, staff, on_day):
    case, deceased = file_death_claim(changzhi_unit, employ)
    case = to_payment_step(case, staff["changzhi"])
    with pytest.raises(MoveNotAllowed, match="审核人尚未登记死亡核验方式（证明类型和编号）"):
        advance_case(case=case, staff=staff["changzhi"]["pay"], action="pay", opinion="拨付")
    verify_death(case, staff["changzhi"]["review"], deceased)
    case = advance_case(case=case, staff=staff["changzhi"]["pay"], action="pay", opinion="拨付")
    assert case.status == CaseStatus.PAID


def test_payment_waits_for_the_notice_to_the_registered_phone(changzhi_unit, employ, staff, on_day):
    case, deceased = file_death_claim(changzhi_unit, employ)
    case = to_payment_step(case, staff["changzhi"])
    SmsMessage.objects.filter(purpose="death_claim").delete()  # say the gateway lost it
    verify_death(case, staff["changzhi"]["review"], deceased)
    with pytest.raises(MoveNotAllowed, match=r"尚未向参保人登记的手机号码 139\*\*\*\*0007 发送支取通知"):
        advance_case(case=case, staff=staff["changzhi"]["pay"], action="pay", opinion="拨付")


@pytest.mark.parametrize(("role", "doc_type", "number", "message"), [
    ("accept", "medical", "Q1", "没有「审核」权限，不能登记死亡核验"),
    ("review", "photo", "Q1", "字段 核验证明类型：可选 居民死亡医学证明（推断）书"),
    ("review", "medical", "  ", "字段 证明编号：必填"),
])
def test_death_verification_refusals_write_nothing(changzhi_unit, employ, staff, on_day, role, doc_type, number,
                                                   message):
    case, deceased = file_death_claim(changzhi_unit, employ)
    case = accept_case(case=case, staff=staff["changzhi"]["accept"])
    with pytest.raises(DeathCheckRefused, match=message):
        record_death_verification(case=case, person=deceased, staff=staff["changzhi"][role], document_type=doc_type,
                                  document_number=number)
    assert not DeathVerification.objects.exists()


def test_the_reviewer_records_the_verification_on_its_page(client, changzhi_unit, employ, staff, on_day):
    case, deceased = file_death_claim(changzhi_unit, employ)
    case = accept_case(case=case, staff=staff["changzhi"]["accept"])
    url = f"/enrollment/withdrawal/{case.number}/death-verification/"
    client.force_login(staff["changzhi"]["review"].user)
    page = client.get(url).content.decode()
    assert "审核人尚未登记死亡核验方式（证明类型和编号）" in page
    response = client.post(url, {"document_type": "medical", "document_number": ""})
    assert response.status_code == 400 and "字段 证明编号：必填" in response.content.decode()
    assert client.post(url, {"document_type": "cremation", "document_number": "HH-2026-88"}).status_code == 302
    assert DeathVerification.objects.get().document_number == "HH-2026-88"
    assert "审核人尚未登记死亡核验方式" not in client.get(url).content.decode()

    client.force_login(PersonAccountFactory(id_number=HEIR_ID).user)
    assert client.get(url).status_code == 404
