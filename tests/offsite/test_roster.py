"""单位批量备案: the 花名表 template, every bad row reported at once, all-or-nothing, the page."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from tests.factories import PersonAccountFactory
from tests.offsite.conftest import PDF, TODAY, complete, current_item, insured
from yibao.cases.models import Case
from yibao.cases.services import MoveNotAllowed, accept_case
from yibao.offsite.models import FiledBy, FilingCategory, OffsiteFiling
from yibao.offsite.roster import COLUMNS, RosterFileError, check_roster_file, template
from yibao.offsite.rules import item_rule
from yibao.offsite.views import _other_materials

pytestmark = pytest.mark.django_db

HEADER = [h for h, _, _ in COLUMNS]


def workbook(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["花名表"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def row(person, province="广东省", city="深圳市", **extra):
    values = {"name": person.name, "id_number": person.id_number, "category": "",
              "destination_province": province, "destination_city": city, **extra}
    return [values.get(name, "") for _, name, _ in COLUMNS]


@pytest.fixture
def stationed(catalog, agencies):
    item = current_item("taiyuan", "remote-stationed-worker")
    return item, item_rule(item)


@pytest.fixture
def staff_of_unit(unit, agencies):
    record, _account = unit
    return [insured(agencies["taiyuan"], category="employed", unit=record) for _ in range(3)]


def test_the_template_has_the_header_and_the_item_title(stationed):
    item, rule = stationed
    book = load_workbook(BytesIO(template(title="山西省太原市异地就医登记备案花名表", rule=rule)))
    sheet = book["花名表"]
    assert sheet["A1"].value == "山西省太原市异地就医登记备案花名表"
    assert [c.value.rstrip("*") for c in sheet[2]] == HEADER


def test_every_bad_row_is_reported_with_its_row_number(stationed, staff_of_unit, unit, agencies, make_insured):
    item, rule = stationed
    a, b, c = staff_of_unit
    outsider = make_insured("taiyuan", category="employed")
    content = workbook([
        row(a),
        row(b, province="火星省"),
        ["", b.id_number, "", "广东省", "深圳市"],
        row(a),
        row(outsider),
        [c.name, "140105195001011234", "", "广东省", "深圳市"],
        row(c, start_date="2026-13-01"),
    ])
    good, errors = check_roster_file(content=content, rule=rule, region=item.version.region,
                                     unit_uscc=unit[0].uscc, today=TODAY)
    assert [r.row for r in good] == [3]
    reasons = dict(errors)
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9]
    assert "「火星省」不是有效的省级行政区" in reasons[4]
    assert "姓名必填" in reasons[5]
    assert "与第3行重复" in reasons[6]
    assert "不是本单位正常参保的职工" in reasons[7]
    assert "校验码" in reasons[8] or "公民身份号码" in reasons[8]
    assert "开始日期「2026-13-01」不是有效日期" in reasons[9]


def test_a_file_that_is_not_excel_is_refused(stationed, unit):
    item, rule = stationed
    with pytest.raises(RosterFileError, match="花名表文件无法读取"):
        check_roster_file(content=b"not a workbook", rule=rule, region=item.version.region,
                          unit_uscc=unit[0].uscc, today=TODAY)
    with pytest.raises(RosterFileError, match="第2行表头应为"):
        check_roster_file(content=_bad_header(), rule=rule,
                          region=item.version.region, unit_uscc=unit[0].uscc, today=TODAY)


def _bad_header():
    book = Workbook()
    book.active.append(["花名表"])
    book.active.append(["姓名", "身份证"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def login(client, account):
    client.force_login(account.user)
    return client


def test_the_page_with_bad_rows_submits_nothing(client, stationed, staff_of_unit, unit):
    item, _rule = stationed
    a, b, _c = staff_of_unit
    content = workbook([row(a), row(b, city="苏州市"), row(a)])
    response = post_roster(client, unit, content)
    assert response.status_code == 400
    text = response.content.decode()
    assert "第4行" in text and "第5行" in text and "未提交任何备案" in text
    assert not Case.objects.filter(item=item).exists() and not OffsiteFiling.objects.exists()


def _file(content, name="roster.xlsx"):
    return SimpleUploadedFile(name, content)


def post_roster(client, unit, content, **extra):
    """The unit uploads the 花名表 with a scan of every other material of the checklist."""
    item = current_item("taiyuan", "remote-stationed-worker")
    scans = {f"material_{line.position}": SimpleUploadedFile(f"{line.position}.pdf", PDF)
             for line in _other_materials(item, item_rule(item))}
    return login(client, unit[1]).post("/offsite/batch/", {
        "item": "taiyuan/remote-stationed-worker", "phone": "0351-1234567", "roster": _file(content),
        **scans, **extra})


def test_a_good_file_files_everyone_at_completion(client, stationed, staff_of_unit, unit, clerks):
    item, _rule = stationed
    content = workbook([row(p) for p in staff_of_unit])
    response = post_roster(client, unit, content)
    assert response.status_code == 302
    case = Case.objects.get(item=item)
    assert response["Location"] == f"/hall/cases/{case.number}/"
    assert case.applicant_kind == "unit" and case.situation["situations"] == ["单位批量办理"]
    assert case.materials.get(name="《山西省太原市异地就医登记备案花名表》").files.count() == 1
    assert not OffsiteFiling.objects.exists()  # only 办结 files
    complete(case, clerks["taiyuan"])
    filings = OffsiteFiling.objects.filter(case_number=case.number)
    assert filings.count() == 3
    assert {f.filed_by for f in filings} == {FiledBy.UNIT}
    assert {f.category for f in filings} == {FilingCategory.STATIONED_WORKER}


def test_the_unit_may_ask_to_apply_only_the_good_rows(client, stationed, staff_of_unit, unit):
    item, _rule = stationed
    a, b, c = staff_of_unit
    content = workbook([row(a), row(b, province="火星省"), row(c)])
    response = post_roster(client, unit, content, apply_good="1")
    assert response.status_code == 302
    case = Case.objects.get(item=item)
    assert [r["id_number"] for r in case.form_data["roster"]] == [a.id_number, c.id_number]


def test_rows_that_became_bad_after_submission_stop_acceptance_and_nothing_is_filed(
        client, stationed, staff_of_unit, unit, clerks):
    item, _rule = stationed
    content = workbook([row(p) for p in staff_of_unit])
    post_roster(client, unit, content)
    case = Case.objects.get(item=item)
    staff_of_unit[1].periods.update(status="2")
    with pytest.raises(MoveNotAllowed, match="第4行：未参保"):
        accept_case(case=case, staff=clerks["taiyuan"])
    assert not OffsiteFiling.objects.exists()


def test_the_batch_page_is_for_units_only(client, make_insured):
    account = PersonAccountFactory()
    assert login(client, account).get("/offsite/batch/").status_code == 403


def test_the_template_download(client, catalog):
    response = client.get("/offsite/batch/template/taiyuan/remote-stationed-worker.xlsx")
    assert response.status_code == 200
    assert load_workbook(BytesIO(response.content))["花名表"]["A2"].value == "姓名*"
    assert client.get("/offsite/batch/template/changzhi/remote-temporary.xlsx").status_code == 404


def test_the_batch_page_lists_the_batch_items_and_the_form_of_one(client, unit):
    page = login(client, unit[1]).get("/offsite/batch/").content.decode()
    assert "常驻异地工作人员备案" in page and "异地安置退休人员备案" in page and "其他临时外出就医人员备案" not in page
    page = client.get("/offsite/batch/", {"item": "taiyuan/remote-stationed-worker"}).content.decode()
    assert "《山西省太原市异地就医登记备案花名表》" in page and "认定材料(花名表中的所有人)" in page
