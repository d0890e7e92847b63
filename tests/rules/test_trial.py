"""试算: the public page and POST /api/rules/trial compute without filing or storing anything,
say when demo values were used, and refuse bad input naming the field or row."""

import io
import json
from decimal import Decimal as D

import pytest
from openpyxl import Workbook

from yibao.rules.lines_upload import HEADERS, template_xlsx
from yibao.rules.models import UsageEntry, YearUsage

FORM = {"region": "jincheng", "insurance_type": "310", "person_category": "在职", "med_type": "21",
        "hospital_level": "三级", "care_date": "2025-03-01", "amount_a": "5000", "amount_b": "1000",
        "amount_c": "300"}


def workbook(rows, header=HEADERS):
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "明细.xlsx"
    return out


@pytest.mark.django_db
def test_the_page_shows_what_the_fund_would_pay_and_why_without_a_login(client):
    page = client.post("/rules/trial/", FORM).content.decode()
    # No 转诊转院审批表 (box unticked): Jincheng lowers 80 % by 20 points (demo split) → 60 %.
    # 政策范围内 5000 + 1000 − 100 = 5900; (5900 − 900) × 0.6 = 3000.
    assert 'id="fund-total"><strong>3000.00' in page
    assert "示例参数，须按本地现行文件核定" in page
    assert "住院未办理《转诊转院审批表》" in page
    assert not YearUsage.objects.exists() and not UsageEntry.objects.exists()


@pytest.mark.django_db
def test_the_page_takes_an_uploaded_itemized_bill(client):
    upload = workbook([["A1", "床位费", "甲", 40, 5, 200, None, None], ["B1", "某药", "乙", 10, 10, 100, None, 0.2]])
    page = client.post("/rules/trial/", {**FORM, "referral": "1", "lines": upload}).content.decode()
    # 政策范围内 200 + 80 = 280, below the 900 deductible → the fund pays nothing.
    assert 'id="total">300.00' in page and 'id="fund-total"><strong>0.00' in page


@pytest.mark.django_db
def test_every_bad_row_of_the_upload_is_named_and_nothing_is_computed(client):
    upload = workbook([["A1", "床位费", "丁", 40, 5, 200], ["B1", "", "乙", "十", 1, 10], ["C1", "药", "甲", 1, 1, 5]])
    response = client.post("/rules/trial/", {**FORM, "lines": upload})
    page = response.content.decode()
    assert response.status_code == 422
    assert "第 2 行：等级须为 甲、乙 或 丙" in page
    assert "第 3 行：项目名称不能为空" in page and "第 3 行：单价“十”不是数字" in page
    assert "第 4 行：金额 5 与 单价 × 数量（1.00）不符" in page
    assert "试算结果" not in page


@pytest.mark.django_db
def test_a_file_that_is_not_a_workbook_is_refused(client):
    fake = io.BytesIO(b"\x00not a workbook")
    fake.name = "x.xlsx"
    response = client.post("/rules/trial/", {**FORM, "lines": fake})
    assert response.status_code == 422 and "费用明细清单无法读取" in response.content.decode()


@pytest.mark.django_db
def test_the_template_downloads_with_its_header(client):
    response = client.get("/rules/trial/template.xlsx")
    assert response.status_code == 200 and response.content == template_xlsx()[: len(response.content)]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "message"), [
    ("care_date", "2019-12-31", "就医日期须在 2020-01-01"),
    ("care_date", "9999-99-99", "就医日期须为日期"),
    ("amount_a", "-5", "甲类费用须在 0 到"),
    ("amount_a", "1e400", "甲类费用须在 0 到"),
    ("person_category", "居民", "请选择人员类别"),
    ("region", "beijing", "请选择统筹区"),
])
def test_bad_input_is_refused_naming_the_field(client, field, value, message):
    response = client.post("/rules/trial/", {**FORM, field: value})
    assert response.status_code == 422
    assert message in response.content.decode()


@pytest.mark.django_db
def test_the_api_returns_the_settlement_with_its_steps(client):
    body = {**FORM, "referral": True, "amount_a": "5000.00", "amount_b": "1000.00", "amount_c": "300.00"}
    response = client.post("/api/rules/trial", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    # With the form: 5900 − 900 = 5000 × 0.8 = 4000.
    assert D(str(data["fund_total"])) == D("4000.00")
    assert D(str(data["total"])) == D(str(data["fund_total"])) + D(str(data["personal_total"]))
    assert data["uses_demo_values"] and data["demo_note"] == "示例参数，须按本地现行文件核定"
    assert any(s["parameter"] == "deductible" and s["demo"] for s in data["steps"])


@pytest.mark.django_db
def test_the_api_takes_lines_and_refuses_a_bad_one_with_a_4xx(client):
    body = {**FORM, "lines": [{"name": "床位费", "grade": "甲", "unit_price": "40", "quantity": "5", "amount": "200.00"}]}
    ok = client.post("/api/rules/trial", json.dumps(body), content_type="application/json")
    assert ok.status_code == 200 and D(str(ok.json()["total"])) == D("200.00")
    body["lines"][0]["grade"] = "丁"
    bad = client.post("/api/rules/trial", json.dumps(body), content_type="application/json")
    assert bad.status_code == 422
    body = {**FORM, "person_category": "居民"}
    refused = client.post("/api/rules/trial", json.dumps(body), content_type="application/json")
    assert refused.status_code == 422 and "人员类别" in refused.json()["detail"]
