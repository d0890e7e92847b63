"""The declaration file: the template, CSV and .xlsx read alike, every bad row named with its
number and nothing stored, hostile files refused with a message (never a 500)."""

import csv
import io

import pytest
from openpyxl import Workbook

from tests.settlement.conftest import MONTH, record
from yibao.settlement import services, upload
from yibao.settlement.errors import InvalidDeclaration
from yibao.settlement.models import SettlementRecord
from yibao.settlement.records import FIELDS, HEADERS


@pytest.fixture
def draft(hospital):
    return services.open_declaration(actor="hospital", institution_code=hospital.national_code, month=MONTH)


def as_csv(rows, encoding="utf-8-sig"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([row.get(f, "") for f in FIELDS])
    return out.getvalue().encode(encoding)


def as_xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.title = upload.SHEET
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(f, "") for f in FIELDS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def send(hospital, draft, name, content):
    return upload.import_file(actor="hospital", institution_code=hospital.national_code, declaration=draft,
                              name=name, content=content)


def test_a_good_csv_is_stored_whole(hospital, draft, employee):
    report = send(hospital, draft, "2026-11.csv", as_csv([record(f"JS{i}", employee, day=f"2026-11-{i:02d}")
                                                          for i in range(1, 6)]))
    assert (report.accepted, report.problems) == (5, [])
    assert list(SettlementRecord.objects.filter(declaration=draft).order_by("row").values_list("row", flat=True)) \
        == [2, 3, 4, 5, 6]


def test_a_gb18030_csv_is_read(hospital, draft, employee):
    assert send(hospital, draft, "m.csv", as_csv([record("JS1", employee)], encoding="gb18030")).accepted == 1


def test_one_bad_row_stores_nothing_and_every_bad_row_is_named(hospital, draft, employee):
    report = send(hospital, draft, "m.csv", as_csv([
        record("JS1", employee), {**record("JS2", employee), "total": "abc"}, record("JS1", employee),
        record("JS4", employee, insurance_type="999")]))
    assert report.lines == ["第 3 行 医疗费总额：须为 0 至 99999999.99 的金额",
                            "第 4 行 结算编号：JS1 与第 2 行重复",
                            "第 5 行 险种：须为 310（职工）或 390（居民）"]
    assert not SettlementRecord.objects.filter(declaration=draft).exists()


def test_the_xlsx_template_and_a_filled_workbook_are_read(hospital, draft, employee):
    assert upload.template()[:2] == b"PK"
    assert send(hospital, draft, "m.xlsx", as_xlsx([record("JS1", employee), record("JS2", employee)])).accepted == 2


def test_a_wrong_header_is_refused_naming_the_expected_one(hospital, draft):
    with pytest.raises(InvalidDeclaration, match="第1行表头应为：结算编号、公民身份号码"):
        send(hospital, draft, "m.csv", "编号,姓名\n1,张三\n".encode())


@pytest.mark.parametrize("name, content, message", [
    ("m.csv", b"\xff\xfe\x00\x00garbage", "NUL|编码"),
    ("m.txt", b"a,b\n", "须为 .xlsx 或 .csv"),
    ("m.xlsx", b"PK\x03\x04not a zip at all", "结算明细文件"),
])
def test_hostile_files_are_refused(hospital, draft, name, content, message):
    with pytest.raises(InvalidDeclaration, match=message):
        send(hospital, draft, name, content)


def test_a_file_after_api_batches_adds_only_what_is_new(hospital, draft, employee):
    services.add_records(actor="h", institution_code=hospital.national_code, declaration=draft,
                         records=[record("JS1", employee)])
    report = send(hospital, draft, "m.csv", as_csv([record("JS1", employee), record("JS2", employee)]))
    assert (report.accepted, report.repeated) == (1, 1)


def test_the_dip_group_column_is_optional_and_checked(hospital, draft, employee):
    with_group = send(hospital, draft, "m.csv", as_csv([{**record("JS1", employee), "diagnosis_code": "dip-i21.0"}]))
    assert with_group.accepted == 1
    assert SettlementRecord.objects.get(settlement_id="JS1").diagnosis_code == "DIP-I21.0"
    # A file made from the older 21-column template is read as before.
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS[:-1])
    writer.writerow([record("JS2", employee).get(f, "") for f in FIELDS[:-1]])
    assert send(hospital, draft, "old.csv", out.getvalue().encode()).accepted == 1
    assert SettlementRecord.objects.get(settlement_id="JS2").diagnosis_code == ""
    bad = send(hospital, draft, "bad.csv", as_csv([{**record("JS3", employee), "diagnosis_code": "病种 甲"}]))
    assert bad.accepted == 0 and "病种组合（DIP，可空）" in bad.problems[0][1]
