"""The remaining refusals, each with its Chinese message naming the field or row."""

import datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.hostile import workbooks as hostile
from tests.offsite.conftest import (
    TODAY,
    apply_and_complete,
    complete,
    current_item,
    insured,
    submit,
)
from tests.offsite.test_roster import HEADER, post_roster, row, workbook
from yibao.cases.services import InvalidApplication
from yibao.enrollment.models import Person
from yibao.offsite.models import OffsiteFiling
from yibao.offsite.roster import MAX_BYTES, RosterFileError, read_roster
from yibao.offsite.services import FilingError, cancel_filing

pytestmark = pytest.mark.django_db

TO_SHENZHEN = {"destination_province": "广东省", "destination_city": "深圳市"}


def test_a_deceased_person_is_refused(make_insured):
    person = make_insured("changzhi")
    Person.objects.filter(pk=person.pk).update(death_date=datetime.date(2026, 1, 5))
    with pytest.raises(InvalidApplication, match="已于 2026-01-05 死亡，不能办理异地就医备案"):
        submit(current_item("changzhi", "remote-temporary"), person, TO_SHENZHEN)


def test_a_merged_record_is_refused(make_insured):
    kept, duplicate = make_insured("changzhi"), make_insured("changzhi")
    Person.objects.filter(pk=duplicate.pk).update(merged_into=kept)
    with pytest.raises(InvalidApplication, match="参保记录已合并至另一记录"):
        submit(current_item("changzhi", "remote-temporary"), duplicate, TO_SHENZHEN)


def test_an_emergency_filing_cannot_start_before_the_insurance(make_insured):
    person = make_insured("taiyuan")
    person.periods.update(start_date=TODAY)
    with pytest.raises(InvalidApplication, match="开始日期：2026-02-01 早于参保开始日期 2026-03-02"):
        submit(current_item("taiyuan", "remote-emergency-inpatient"), person,
               {"destination_province": "上海市", "start_date": "2026-02-01"})


def test_cancelling_a_filing_past_its_end_date_is_refused(make_insured, clerks):
    person = make_insured("changzhi")
    apply_and_complete(current_item("changzhi", "remote-temporary"), person, TO_SHENZHEN, clerks["changzhi"])
    filing = OffsiteFiling.objects.get(person=person)
    with pytest.raises(FilingError, match="已于 2026-09-01 到期，不能取消"):
        cancel_filing(filing=filing, actor="p:x", today=datetime.date(2026, 9, 2))


# --- a unit or a hospital filing for someone --------------------------------------------------

def unit_submit(item, unit, form_data, situation=None):
    record, account = unit
    return submit(item, None, form_data, applicant_kind="unit", applicant=(account.name, account.uscc),
                  situation=situation or {})


def test_a_unit_files_for_its_own_employee_only(unit, agencies, clerks):
    item = current_item("taiyuan", "remote-stationed-worker")
    employee = insured(agencies["taiyuan"], category="employed", unit=unit[0])
    stranger = insured(agencies["taiyuan"], category="employed")
    situation = {"situations": ["单位派驻"]}
    with pytest.raises(InvalidApplication, match="不是本单位正常参保的职工，单位不能为其办理备案"):
        unit_submit(item, unit, {**TO_SHENZHEN, "person_id_number": stranger.id_number,
                                 "person_name": stranger.name}, situation)
    case = unit_submit(item, unit, {**TO_SHENZHEN, "person_id_number": employee.id_number,
                                    "person_name": employee.name}, situation)
    complete(case, clerks["taiyuan"])
    assert OffsiteFiling.objects.get(person=employee).filed_by == "unit"


def test_a_unit_must_name_the_person(unit, catalog, agencies):
    item = current_item("taiyuan", "remote-stationed-worker")
    with pytest.raises(InvalidApplication, match="参保人公民身份号码、参保人姓名：单位或医疗机构代为办理时必填"):
        unit_submit(item, unit, TO_SHENZHEN, {"situations": ["单位派驻"]})
    with pytest.raises(InvalidApplication, match="参保人公民身份号码"):
        unit_submit(item, unit, {**TO_SHENZHEN, "person_id_number": "140105195001011230", "person_name": "某人"},
                    {"situations": ["单位派驻"]})


def test_the_named_person_must_match_the_record(unit, agencies):
    employee = insured(agencies["taiyuan"], category="employed", unit=unit[0], name="孙立")
    with pytest.raises(InvalidApplication, match="参保人姓名：「孙力」与参保记录不符"):
        unit_submit(current_item("taiyuan", "remote-stationed-worker"), unit,
                    {**TO_SHENZHEN, "person_id_number": employee.id_number, "person_name": "孙力"},
                    {"situations": ["单位派驻"]})


def test_batch_situation_without_a_roster_is_sent_to_the_import_page(unit, catalog, agencies):
    with pytest.raises(InvalidApplication, match="花名表没有数据行，请通过「单位批量备案」页面导入花名表"):
        unit_submit(current_item("taiyuan", "remote-stationed-worker"), unit, {},
                    {"situations": ["单位批量办理"]})


def test_a_roster_needs_the_batch_situation_a_unit_and_a_batch_item(unit, agencies, make_insured):
    person = make_insured("taiyuan")
    roster = [{"row": 3, "name": person.name, "id_number": person.id_number, "destination_province": "上海市"}]
    with pytest.raises(InvalidApplication, match="导入花名表时请选择「单位批量办理」"):
        unit_submit(current_item("taiyuan", "remote-stationed-worker"), unit, {"roster": roster},
                    {"situations": ["单位派驻"]})
    with pytest.raises(InvalidApplication, match="花名表只能由参保单位申报"):
        submit(current_item("taiyuan", "remote-resettled-retiree"), person, {"roster": roster})
    with pytest.raises(InvalidApplication, match="不办理单位批量备案"):
        unit_submit(current_item("changzhi", "remote-temporary"), unit, {"roster": roster})


# --- 花名表 file and rows ------------------------------------------------------------------------

def test_a_roster_row_with_another_name_or_an_unknown_category_is_reported(client, unit, agencies):
    employee = insured(agencies["taiyuan"], category="employed", unit=unit[0], name="周敏")
    bad_name = row(employee)
    bad_name[0] = "周民"
    bad_category = row(employee, category="随便写")
    response = post_roster(client, unit, workbook([bad_name, bad_category]))
    text = response.content.decode()
    assert response.status_code == 400
    assert "第3行" in text and "姓名「周民」与参保记录不符" in text
    assert "第4行" in text and "人员类别「随便写」无效" in text


def test_an_empty_roster_is_refused(client, unit, agencies):
    response = post_roster(client, unit, workbook([]))
    assert response.status_code == 400 and "花名表没有数据行" in response.content.decode()


def test_a_roster_too_big_or_too_long_is_refused():
    with pytest.raises(RosterFileError, match="花名表文件超过 5 MB"):
        read_roster(b"x" * (MAX_BYTES + 1))
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["花名表"])
    sheet.append(HEADER)
    for n in range(10_001):
        sheet.append(["某人", str(n)])
    out = BytesIO()
    book.save(out)
    with pytest.raises(RosterFileError, match="花名表最多 10000 行，实际 10001 行"):
        read_roster(out.getvalue())


def test_the_batch_page_needs_a_file(client, unit, catalog):
    client.force_login(unit[1].user)
    response = client.post("/offsite/batch/", {"item": "taiyuan/remote-stationed-worker", "phone": "0351-1234567"})
    assert response.status_code == 400 and "字段 花名表：请选择填好的花名表文件" in response.content.decode()


def test_the_staff_query_refuses_an_unknown_category(client, clerks):
    client.force_login(clerks["changzhi"].user)
    response = client.get("/offsite/staff/", {"category": "vip"})
    assert response.status_code == 400 and "字段 人员类别：「vip」无效" in response.content.decode()


def test_a_filing_is_changed_or_cancelled_through_an_item_of_its_category(make_insured, clerks):
    person = make_insured("changzhi")
    apply_and_complete(current_item("changzhi", "remote-resettled-retiree"), person, TO_SHENZHEN, clerks["changzhi"])
    filing = OffsiteFiling.objects.get(person=person)
    with pytest.raises(InvalidApplication, match=f"备案 {filing.number} 是「异地安置退休人员」备案，请通过该类别的备案事项取消"):
        submit(current_item("changzhi", "remote-temporary"), person,
               {"registration": "取消", "filing_number": filing.number})


def test_a_cancellation_is_asked_of_the_insuring_city(make_insured):
    person = make_insured("jincheng")
    with pytest.raises(InvalidApplication, match="不在长治市参保"):
        submit(current_item("changzhi", "remote-temporary"), person, {"registration": "取消", "filing_number": "YD0000000001"})


@pytest.mark.parametrize(("hostile_file", "message"), [
    ("xfd_only", "超过行数上限"), ("last_row", "到第 1048576 行，超过行数上限"),
    ("deflate_bomb", "解压大小上限"), ("wide_row", "超过列数上限")])
def test_a_hostile_roster_is_refused_before_the_excel_reader_sees_it(client, unit, catalog, hostile_file, message):
    client.force_login(unit[1].user)
    response = client.post("/offsite/batch/", {
        "item": "taiyuan/remote-stationed-worker", "phone": "0351-1234567",
        "roster": SimpleUploadedFile("roster.xlsx", hostile.CORPUS[hostile_file]())})
    assert response.status_code == 400
    assert message in response.content.decode()
