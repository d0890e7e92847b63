"""Every remaining refusal of contributions, the 报盘 and withdrawals: a Chinese message, nothing changed."""

import dataclasses
import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from tests.enrollment.contributions.conftest import TODAY, UnitFactory, apply, current_item
from tests.factories import UnitAccountFactory
from tests.hostile import workbooks as hostile
from yibao.cases.models import Case
from yibao.cases.services import InvalidApplication
from yibao.enrollment import baopan
from yibao.enrollment.models import (
    AccountMovement,
    BaseDeclaration,
    Contribution,
    PersonalAccount,
    UnitStatus,
)
from yibao.enrollment.services.accounts import AccountError, check_withdrawal, withdraw_account
from yibao.enrollment.services.contributions import (
    BaseRow,
    ContributionError,
    declare_bases,
    post_monthly_contributions,
)
from yibao.ids import make_resident_id

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
MARCH = datetime.date(2026, 3, 1)
BANK = {"insured_bank": "中国银行太原分行", "insured_account_number": "6216600000001234"}
ABANDON = ("主动放弃参加职工基本医疗保险",)


def workbook(rows) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "缴费基数申报"
    ws.append(["标题"])
    ws.append(["证件号码", "姓名", "申报年度", "月缴费基数", "备注"])
    for row in rows:
        ws.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- contributions ---------------------------------------------------------------------------

def test_an_employee_already_charged_by_another_unit_that_month_is_not_charged_twice(unit, employ):
    person = employ(unit, name="钱两处", base=Decimal("5000.00"))
    other = UnitFactory(region=unit.region, home_agency=unit.home_agency)
    Contribution.objects.create(person=person, unit=other, month=MARCH, insurance_type="310",
                                base=Decimal("3000.00"), unit_part=Decimal("240.00"), personal_part=Decimal("60.00"))

    with pytest.raises(ContributionError, match="已在其他单位核定缴费.*钱两处"):
        post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")
    assert Contribution.objects.count() == 1


def test_a_suspended_unit_cannot_declare_bases(unit, employ):
    person = employ(unit)
    unit.status = UnitStatus.SUSPENDED
    unit.save()

    with pytest.raises(ContributionError, match="暂停.*不能申报缴费基数"):
        declare_bases(unit=unit, year=YEAR, rows=[BaseRow(3, person.id_number, person.name, str(YEAR), "5000")],
                      actor="clerk")
    assert not BaseDeclaration.objects.exists()


def test_an_empty_declaration_is_refused(unit):
    with pytest.raises(ContributionError, match="没有数据行"):
        declare_bases(unit=unit, year=YEAR, rows=[], actor="clerk")


# --- the 报盘 file and page ----------------------------------------------------------------------

def test_an_empty_file_is_refused():
    with pytest.raises(baopan.BaopanFileError, match="空文件"):
        baopan.read_baopan(b"")


def test_a_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(baopan, "CAPS", dataclasses.replace(baopan.CAPS, max_bytes=100))

    with pytest.raises(baopan.BaopanFileError, match="文件大小上限"):
        baopan.read_baopan(workbook([("1", "2", "3", "4", "")]))


def test_a_file_over_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(baopan, "MAX_ROWS", 2)

    with pytest.raises(baopan.BaopanFileError, match="最多 2 行"):
        baopan.read_baopan(workbook([("1", "a", "2026", "1", "")] * 3))


@pytest.fixture
def unit_client(client, unit_login):
    client.force_login(unit_login.user)
    return client


def test_checking_without_a_file_is_refused(unit_client):
    response = unit_client.post("/enrollment/baopan/", {"action": "check", "year": str(YEAR)})

    assert response.status_code == 400
    assert "字段 报盘文件" in response.content.decode()


def test_a_unit_account_without_a_registration_cannot_declare(client):
    client.force_login(UnitAccountFactory().user)

    response = client.get("/enrollment/baopan/")

    assert response.status_code == 400
    assert "尚未办理参保登记" in response.content.decode()


def test_a_unit_of_a_city_without_the_item_cannot_declare(client, agencies):
    agency = agencies["changzhi"]
    changzhi = UnitFactory(region=agency.region, home_agency=agency)
    client.force_login(UnitAccountFactory(uscc=changzhi.uscc, name=changzhi.name).user)

    response = client.get("/enrollment/baopan/")

    assert response.status_code == 400
    assert "长治市的事项清单中没有职工医保缴费基数申报事项" in response.content.decode()


def test_a_submission_the_case_engine_refuses_is_shown_and_nothing_is_filed(unit_client, unit, employ):
    person = employ(unit, name="王建国")
    unit_client.post("/enrollment/baopan/", {"action": "check", "year": str(YEAR), "baopan": SimpleUploadedFile(
        "b.xlsx", workbook([(person.id_number, "王建国", str(YEAR), "5000", "")]))})

    response = unit_client.post("/enrollment/baopan/", {"action": "submit", "phone": "12345"})

    assert response.status_code == 400
    assert "字段 联系电话" in response.content.decode()
    assert not Case.objects.exists()


# --- the base_declaration handler ----------------------------------------------------------------

def test_a_person_cannot_file_a_base_declaration(unit, make_person):
    item = current_item("taiyuan", "contribution-base-declaration")
    person = make_person()

    with pytest.raises(InvalidApplication, match="由参保单位办理"):
        apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
              form_data={"year": YEAR, "rows": [{"row": 3, "id_number": person.id_number, "name": person.name,
                                                  "year": str(YEAR), "base": "5000"}]})


def test_an_unregistered_unit_cannot_file_a_base_declaration(agencies):
    item = current_item("taiyuan", "contribution-base-declaration")
    stranger = UnitAccountFactory()

    with pytest.raises(InvalidApplication, match="尚未办理单位参保登记"):
        apply(item, applicant_kind="unit", applicant_id=stranger.uscc, applicant_name=stranger.name, form_data={})


# --- the account_withdrawal handler ---------------------------------------------------------------

@pytest.fixture
def withdrawal(unit, employ, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, name="周放弃", balance=Decimal("50.00"))

    def submit(form: dict, situations=ABANDON, applicant=None):
        applicant = applicant or person
        return apply(item, applicant_kind="person", applicant_id=applicant.id_number, applicant_name=applicant.name,
                     form_data={"insured_name": person.name, "insured_id_number": person.id_number, **form},
                     situations=situations)

    submit.person = person
    return submit


@pytest.mark.parametrize(("form", "situations", "message"), [
    (BANK, ("主动放弃参加职工基本医疗保险", "异地备案满两年个人帐户一次性支付"), "一次只能选择一种支取情形"),
    ({**BANK, "withdrawal_reason": "死亡"}, ABANDON, "「死亡」与所选办理情形不一致"),
    (BANK, (), "请选择办理情形或填写支取原因"),
    ({}, ABANDON, "参保人开户银行、参保人银行账号：支取款项退付至参保人本人银行账户，必填"),
    ({**BANK, "insured_id_number": make_resident_id("14010519500101001")}, ABANDON, "没有参保登记记录"),
    ({**BANK, "withdrawal_reason": "搬家"}, ABANDON, "支取原因"),
])
def test_an_application_that_does_not_add_up_is_refused(withdrawal, form, situations, message):
    with pytest.raises(InvalidApplication, match=message):
        withdrawal(form, situations)
    assert not Case.objects.exists()


def test_the_insured_cannot_apply_as_their_own_heir(withdrawal):
    with pytest.raises(InvalidApplication, match="申请人不能是参保人本人"):
        withdrawal({"death_date": "2026-10-01", "heir_name": "周放弃", "heir_relationship": "本人",
                    "heir_id_number": withdrawal.person.id_number, "heir_phone": "13811112222",
                    "heir_address": "太原", "heir_bank": "银行", "heir_account_number": "1234"},
                   situations=("死亡人员账户一次性支付",))


def test_the_heir_must_be_the_applicant(withdrawal, make_person):
    applicant = make_person(name="申请人")
    heir = make_person(name="另一人")

    with pytest.raises(InvalidApplication, match="字段 继承人身份证件号码：须为申请人本人"):
        withdrawal({"death_date": "2026-10-01", "heir_name": heir.name, "heir_relationship": "子",
                    "heir_id_number": heir.id_number, "heir_phone": "13811112222", "heir_address": "太原",
                    "heir_bank": "银行", "heir_account_number": "1234"},
                   situations=("死亡人员账户一次性支付",), applicant=applicant)


# --- check_withdrawal and withdraw_account ---------------------------------------------------------

def test_an_unknown_reason_is_refused(unit, employ):
    with pytest.raises(AccountError, match="字段 支取原因：「holiday」无效"):
        check_withdrawal(person=employ(unit, balance=Decimal("1.00")), reason="holiday", today=TODAY)


def test_a_merged_record_is_refused(unit, employ):
    kept = employ(unit)
    duplicate = employ(unit, balance=Decimal("1.00"))
    duplicate.merged_into = kept
    duplicate.save()

    with pytest.raises(AccountError, match="已合并至另一记录"):
        check_withdrawal(person=duplicate, reason="abandonment", today=TODAY)


def test_a_person_without_an_account_is_refused(make_person):
    with pytest.raises(AccountError, match="没有职工医保个人账户"):
        check_withdrawal(person=make_person(), reason="abandonment", today=TODAY)


def test_a_death_date_in_the_future_is_refused(unit, employ):
    person = employ(unit, balance=Decimal("1.00"))

    with pytest.raises(AccountError, match="死亡日期：2026-12-01 晚于今天"):
        check_withdrawal(person=person, reason="death", today=TODAY, death_date=datetime.date(2026, 12, 1))


def test_a_death_date_before_birth_is_refused(unit, employ):
    person = employ(unit, balance=Decimal("1.00"))

    with pytest.raises(AccountError, match="早于出生日期"):
        check_withdrawal(person=person, reason="death", today=TODAY, death_date=datetime.date(1900, 1, 1))


def test_a_deceased_persons_account_is_paid_only_as_a_death(unit, employ):
    person = employ(unit, balance=Decimal("1.00"))
    person.death_date = datetime.date(2026, 9, 1)
    person.save()

    with pytest.raises(AccountError, match="已于 2026-09-01 死亡，请按“死亡”办理支取"):
        check_withdrawal(person=person, reason="abandonment", today=TODAY)


def test_a_payment_without_a_case_is_refused(unit, employ):
    person = employ(unit, balance=Decimal("1.00"))

    with pytest.raises(AccountError, match="须关联办件编号"):
        withdraw_account(person=person, reason="abandonment", case_number="", actor="pay", today=TODAY)
    assert PersonalAccount.objects.get(person=person).balance == Decimal("1.00")
    assert not AccountMovement.objects.exists()


def test_the_commitment_needs_a_login_and_a_case_one_may_see(client, unit_login):
    url = "/enrollment/withdrawal/14010020261120000001/commitment.pdf"
    assert client.get(url).status_code == 302
    client.force_login(unit_login.user)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("hostile_file", "message"), [
    ("xfd_only", "超过行数上限"), ("last_row", "到第 1048576 行，超过行数上限"),
    ("deflate_bomb", "解压大小上限"), ("lying_bomb", "解压大小上限"), ("not_a_zip", "报盘文件无法读取")])
def test_a_hostile_workbook_is_refused_before_the_excel_reader_sees_it(unit_client, hostile_file, message):
    content = hostile.CORPUS[hostile_file]()

    response = unit_client.post("/enrollment/baopan/", {"action": "check", "year": str(YEAR), "baopan":
                                                        SimpleUploadedFile("b.xlsx", content)})

    assert response.status_code == 400
    assert message in response.content.decode()
