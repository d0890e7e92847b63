"""A visitor, without logging in, tries out what the fund would pay for a Jincheng hospital stay
(试算): fills the form, sees the split, the explanation and the demo-value warning; then uploads
an itemized bill from the template layout."""

import io

import pytest
from openpyxl import Workbook

from yibao.rules.lines_upload import HEADERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_visitor_tries_out_a_hospital_stay_and_sees_why(live_server, page):
    page.goto(f"{live_server.url}/rules/trial/")
    assert page.locator("h1").inner_text() == "医疗费用报销试算"
    page.get_by_label("统筹区").select_option("jincheng")
    page.get_by_label("医院等级").select_option("三级")
    page.get_by_label("就医日期").fill("2025-03-01")
    page.get_by_label("有《转诊转院审批表》").uncheck()
    page.get_by_label("甲类费用").fill("5000")
    page.get_by_label("乙类费用").fill("1000")
    page.get_by_label("丙类及目录外费用").fill("300")
    page.get_by_role("button", name="试算").click()
    page.wait_for_load_state()
    # 政策范围内 5000 + 1000 × 0.9 = 5900; 起付 900; 80 % − 20 points (no 审批表, 三级) = 60 % → 3000.
    assert page.locator("#fund-total").inner_text() == "3000.00"
    assert page.locator("#personal-total").inner_text() == "3300.00"
    assert "示例参数，须按本地现行文件核定" in page.locator("#demo-warning").inner_text()
    steps = page.locator("#steps").inner_text()
    assert "住院未办理《转诊转院审批表》" in steps and "实际支付起付线" in steps

    # The same visitor uploads the itemized bill instead of totals.
    page.get_by_label("甲类费用").fill("")
    page.get_by_label("乙类费用").fill("")
    page.get_by_label("丙类及目录外费用").fill("")
    page.get_by_label("或上传费用明细清单").set_input_files(
        {"name": "明细.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "buffer": xlsx([["A", "床位费", "甲", 100, 20, 2000], ["B", "检查费", "甲", 500, 2, 1000]])})
    page.get_by_role("button", name="试算").click()
    page.wait_for_load_state()
    # 3000 in policy: (3000 − 900) × 0.6 = 1260 (the 审批表 box stays unticked).
    assert page.locator("#total").inner_text() == "3000.00"
    assert page.locator("#fund-total").inner_text() == "1260.00"


def test_a_bad_row_in_the_upload_is_named(live_server, page):
    page.goto(f"{live_server.url}/rules/trial/")
    page.get_by_label("或上传费用明细清单").set_input_files(
        {"name": "明细.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "buffer": xlsx([["A", "床位费", "丁", 100, 1, 100]])})
    page.get_by_role("button", name="试算").click()
    page.wait_for_load_state()
    assert "第 2 行：等级须为 甲、乙 或 丙" in page.get_by_role("alert").inner_text()
