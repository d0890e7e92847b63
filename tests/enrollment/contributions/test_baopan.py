"""缴费基数申报 by 报盘: template, upload, row report, case, and the bases written at 办结."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tests.enrollment.contributions.conftest import PDF, UnitFactory, apply, current_item
from tests.factories import PersonAccountFactory, UnitAccountFactory
from yibao.cases.models import Case, CaseStatus
from yibao.cases.services import InvalidApplication, MoveNotAllowed, accept_case, advance_case
from yibao.enrollment.baopan import BaopanFileError, read_baopan
from yibao.enrollment.models import BaseDeclaration
from yibao.enrollment.services.contributions import (
    BaseRow,
    ContributionError,
    check_base_declarations,
    declare_bases,
)

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
PAGE = "/enrollment/baopan/"


def workbook(rows, *, header=("证件号码", "姓名", "申报年度", "月缴费基数", "备注"), sheet="缴费基数申报") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(["职工医保缴费基数申报表（报盘）"])
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, content: bytes, *, year: int = YEAR, name: str = "baopan.xlsx"):
    return client.post(PAGE, {"action": "check", "year": str(year),
                              "baopan": SimpleUploadedFile(name, content)})


def submit(client, *, apply_good: bool = False):
    data = {"action": "submit", "phone": "0351-7654321",
            # 《医疗保险缴费申报承诺书》 and, for an enterprise, the retirees' 待遇证明
            "material_0": SimpleUploadedFile("promise.pdf", PDF),
            "material_2": SimpleUploadedFile("retired.pdf", PDF)}
    if apply_good:
        data["apply_good"] = "1"
    return client.post(PAGE, data)


@pytest.fixture
def logged_in_unit(client, unit_login):
    client.force_login(unit_login.user)
    return client


@pytest.fixture
def bad_file(unit, employ, agencies):
    """A 报盘 with one good row and a bad row of every kind."""
    good = employ(unit, name="王建国")
    named = employ(unit, name="李晓梅")
    other_unit = UnitFactory(region=unit.region, home_agency=unit.home_agency)
    stranger = employ(other_unit, name="外单位")
    twice = employ(unit, name="张重复")
    late = employ(unit, name="赵年度")
    text_base = employ(unit, name="钱文字")
    low_base = employ(unit, name="孙过低")
    rows = [
        (good.id_number, "王建国", str(YEAR), "5000.00", ""),          # 3 good
        ("140105198001011230", "错号码", str(YEAR), "5000", ""),       # 4 bad check digit
        (named.id_number, "李小梅", str(YEAR), "5000", ""),            # 5 name differs
        (stranger.id_number, "外单位", str(YEAR), "5000", ""),         # 6 not this unit's
        (good.id_number[:-1], "半个号", str(YEAR), "5000", ""),        # 7 17 characters
        (twice.id_number, "张重复", str(YEAR), "5000", ""),            # 8 duplicate of 9
        (twice.id_number, "张重复", str(YEAR), "5200", ""),            # 9
        (late.id_number, "赵年度", str(YEAR - 1), "5000", ""),         # 10 wrong year
        (text_base.id_number, "钱文字", str(YEAR), "五千", ""),        # 11 not a number
        (low_base.id_number, "孙过低", str(YEAR), "100", ""),          # 12 below the range
        (None, None, None, None, "只有备注的行不算数据行"),             # 13 skipped
    ]
    return workbook(rows), good


def test_the_template_round_trip_files_a_case_and_writes_the_bases_at_completion(
        logged_in_unit, unit, employ, staff):
    wang = employ(unit, name="王建国")
    li = employ(unit, name="李晓梅")

    response = logged_in_unit.get(reverse("enrollment:baopan_template"), {"year": YEAR})
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    sheet = book["缴费基数申报"]
    assert [c.value for c in sheet[2]] == ["证件号码", "姓名", "申报年度", "月缴费基数", "备注"]
    filled = {}
    for row in sheet.iter_rows(min_row=3):
        if row[0].value:
            row[3].value = 6000.5 if row[1].value == "王建国" else 4800
            filled[row[0].value] = (row[1].value, row[2].value)
    assert filled == {wang.id_number: ("王建国", str(YEAR)), li.id_number: ("李晓梅", str(YEAR))}
    out = BytesIO()
    book.save(out)

    report = upload(logged_in_unit, out.getvalue())
    assert report.status_code == 200
    assert "无误 2 行；不符合条件 0 行" in report.content.decode()

    response = submit(logged_in_unit)
    case = Case.objects.get(item__data__handler="base_declaration")
    assert response.status_code == 302 and response["Location"] == reverse("hall:case", args=[case.number])
    assert case.applicant_id_number == unit.uscc and case.status == CaseStatus.SUBMITTED
    assert case.materials.get(position=1).files.get().content_type == "application/pdf"
    assert not BaseDeclaration.objects.exists()

    clerk = staff["taiyuan"]["accept"]
    case = accept_case(case=case, staff=clerk)
    advance_case(case=case, staff=clerk, action="complete", opinion="申报已核")

    bases = dict(BaseDeclaration.objects.filter(unit=unit, year=YEAR).values_list("person__name", "base"))
    assert bases == {"王建国": Decimal("6000.50"), "李晓梅": Decimal("4800.00")}
    assert set(BaseDeclaration.objects.values_list("case_number", flat=True)) == {case.number}

    original = logged_in_unit.get(reverse("enrollment:baopan_file", args=[case.number]))
    assert original.status_code == 200 and original.content == out.getvalue()
    logged_in_unit.force_login(clerk.user)
    assert logged_in_unit.get(reverse("enrollment:baopan_file", args=[case.number])).content == out.getvalue()


def test_every_bad_row_is_reported_with_its_row_number_and_nothing_is_filed(logged_in_unit, unit, bad_file):
    content, _good = bad_file

    report = upload(logged_in_unit, content)
    text = report.content.decode()

    assert report.status_code == 200
    assert "无误 1 行；不符合条件 9 行" in text
    for expected in ("第 4 行", "校验位错误", "第 5 行", "姓名「李小梅」与参保登记姓名不符",
                     "第 6 行", "不是本单位（晋阳机械有限公司）正常参保的职工", "第 7 行", "长度应为 18 位",
                     "第 8 行", "证件号码与第 9 行重复", "第 9 行", "证件号码与第 8 行重复",
                     "第 10 行", f"申报年度「{YEAR - 1}」与本次申报年度 {YEAR} 不符",
                     "第 11 行", "月缴费基数「五千」不是数字", "第 12 行", "超出申报范围"):
        assert expected in text, expected

    refused = submit(logged_in_unit)
    assert refused.status_code == 400
    assert "未提交任何申报" in refused.content.decode()
    assert not Case.objects.exists()
    assert not BaseDeclaration.objects.exists()


def test_the_service_refuses_a_file_with_bad_rows_and_writes_nothing(unit, bad_file):
    rows = read_baopan(bad_file[0]).rows

    with pytest.raises(ContributionError, match="第 4 行.*第 12 行"):
        declare_bases(unit=unit, year=YEAR, rows=rows, actor="clerk")
    assert not BaseDeclaration.objects.exists()


def test_asking_to_apply_the_good_rows_files_only_those(logged_in_unit, unit, bad_file, staff):
    content, good = bad_file
    upload(logged_in_unit, content)

    response = submit(logged_in_unit, apply_good=True)

    assert response.status_code == 302
    case = Case.objects.get()
    assert [r["row"] for r in case.form_data["rows"]] == [3]
    assert case.form_data["skipped_rows"] == [4, 5, 6, 7, 8, 9, 10, 11, 12]
    clerk = staff["taiyuan"]["accept"]
    advance_case(case=accept_case(case=case, staff=clerk), staff=clerk, action="complete")
    assert list(BaseDeclaration.objects.values_list("person", "base")) == [(good.pk, Decimal("5000.00"))]


def test_rows_that_went_bad_after_submission_stop_the_completion(logged_in_unit, unit, employ, staff):
    person = employ(unit, name="王建国")
    upload(logged_in_unit, workbook([(person.id_number, "王建国", str(YEAR), "5000", "")]))
    submit(logged_in_unit)
    case = accept_case(case=Case.objects.get(), staff=staff["taiyuan"]["accept"])
    person.periods.update(status="2")

    with pytest.raises(MoveNotAllowed, match="第 3 行：不是本单位"):
        advance_case(case=case, staff=staff["taiyuan"]["accept"], action="complete")
    assert not BaseDeclaration.objects.exists()


@pytest.mark.parametrize(("content", "message"), [
    (b"not a workbook at all", "无法读取"),
    (workbook([], header=("身份证", "姓名")), "表头应为：证件号码、姓名、申报年度、月缴费基数、备注"),
    (workbook([("1", "2", "3", "4", "")], sheet="Sheet1"), "缺少工作表「缴费基数申报」"),
    (workbook([]), "没有数据行"),
])
def test_a_file_that_is_not_a_baopan_is_refused_as_a_whole(logged_in_unit, content, message):
    response = upload(logged_in_unit, content)

    assert response.status_code == 400
    assert message in response.content.decode()
    with pytest.raises(BaopanFileError, match=message):
        read_baopan(content)


def test_an_id_number_typed_as_a_number_is_reported_on_its_row(unit, employ):
    person = employ(unit)
    read = read_baopan(workbook([(int(person.id_number[:17] + "1"), person.name, str(YEAR), "5000", "")]))

    assert read.errors == [(3, "证件号码以数字格式填写，末几位已丢失，请把该列设为文本格式后重新填写")]


def test_a_year_outside_this_and_next_year_is_refused(logged_in_unit):
    response = upload(logged_in_unit, workbook([("x", "y", "z", "1", "")]), year=YEAR - 1)

    assert response.status_code == 400
    assert "字段 申报年度" in response.content.decode()


def test_submitting_before_uploading_is_refused(logged_in_unit):
    response = submit(logged_in_unit)

    assert response.status_code == 400
    assert "请先上传报盘文件" in response.content.decode()


def test_the_page_is_for_units_only(client, unit):
    anonymous = client.get(PAGE)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    person = PersonAccountFactory()
    client.force_login(person.user)
    assert client.get(PAGE).status_code == 403


def test_a_unit_cannot_download_another_units_baopan(client, logged_in_unit, unit, employ):
    person = employ(unit, name="王建国")
    upload(logged_in_unit, workbook([(person.id_number, "王建国", str(YEAR), "5000", "")]))
    submit(logged_in_unit)
    number = Case.objects.get().number
    other = UnitFactory(region=unit.region, home_agency=unit.home_agency)
    client.force_login(UnitAccountFactory(uscc=other.uscc, name=other.name).user)

    assert client.get(reverse("enrollment:baopan_file", args=[number])).status_code == 404


def test_check_names_the_rows_of_an_empty_required_cell(unit):
    checked = check_base_declarations(unit=unit, year=YEAR, rows=[BaseRow(3, "", "", "", "")])

    assert checked.errors == [(3, f"证件号码必填；姓名必填；申报年度「空」与本次申报年度 {YEAR} 不符；月缴费基数必填")]


def test_the_generic_form_cannot_file_a_declaration_without_a_baopan(unit, unit_login):
    item = current_item("taiyuan", "contribution-base-declaration")
    with pytest.raises(InvalidApplication, match="上传报盘文件后提交"):
        apply(item, applicant_kind="unit", applicant_id=unit.uscc, applicant_name=unit.name, form_data={})


# --- a declaration may cite only its own unit's workbook (issue 9 §2) ---------------------------------

def test_a_unit_cannot_cite_another_units_workbook_by_its_digest(client, logged_in_unit, unit, employ):
    person = employ(unit, name="王建国")
    upload(logged_in_unit, workbook([(person.id_number, "王建国", str(YEAR), "5000", "")]))
    submit(logged_in_unit)
    victim = Case.objects.get()
    digest = victim.form_data["file_sha256"]
    other = UnitFactory(region=unit.region, home_agency=unit.home_agency)
    own = employ(other, name="李四")
    rows = [{"row": 2, "id_number": own.id_number, "name": "李四", "year": str(YEAR), "base": "5000"}]
    item = current_item("taiyuan", "contribution-base-declaration")

    with pytest.raises(InvalidApplication, match="字段 报盘文件：所引用的报盘文件不是本单位上传的，不能引用"):
        apply(item, applicant_kind="unit", applicant_id=other.uscc, applicant_name=other.name,
              form_data={"year": YEAR, "rows": rows, "file_name": "x.xlsx", "file_sha256": digest})
    assert Case.objects.count() == 1


def test_a_case_citing_a_foreign_workbook_never_serves_it(client, logged_in_unit, unit, employ):
    person = employ(unit, name="王建国")
    upload(logged_in_unit, workbook([(person.id_number, "王建国", str(YEAR), "5000", "")]))
    submit(logged_in_unit)
    digest = Case.objects.get().form_data["file_sha256"]
    other = UnitFactory(region=unit.region, home_agency=unit.home_agency)
    own = employ(other, name="李四")
    rows = [{"row": 2, "id_number": own.id_number, "name": "李四", "year": str(YEAR), "base": "5000"}]
    item = current_item("taiyuan", "contribution-base-declaration")
    # Filed before ownership was checked: the digest is written in afterwards.
    case = apply(item, applicant_kind="unit", applicant_id=other.uscc, applicant_name=other.name,
                 form_data={"year": YEAR, "rows": rows, "file_name": "x.xlsx"})
    login = UnitAccountFactory(uscc=other.uscc, name=other.name)
    Case.objects.filter(pk=case.pk).update(form_data={**case.form_data, "file_sha256": digest},
                                           applicant_user=login.user)
    client.force_login(login.user)

    response = client.get(reverse("enrollment:baopan_file", args=[case.number]))
    assert response.status_code == 403
    assert "王建国" not in response.content.decode(errors="ignore")


def test_declaring_again_replaces_the_base_of_the_year_and_keeps_one_row(unit, employ):
    from decimal import Decimal

    from yibao.enrollment.services.contributions import BaseRow

    person = employ(unit)
    declare_bases(unit=unit, year=YEAR, rows=[BaseRow(2, person.id_number, person.name, str(YEAR), "5000")],
                  actor="clerk", case_number="C-1")
    declare_bases(unit=unit, year=YEAR, rows=[BaseRow(2, person.id_number, person.name, str(YEAR), "6200.50")],
                  actor="clerk", case_number="C-2")
    row = BaseDeclaration.objects.get(unit=unit, person=person, year=YEAR)
    assert (row.base, row.case_number) == (Decimal("6200.50"), "C-2")
    assert row.declared_at is not None
