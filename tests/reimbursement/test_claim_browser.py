"""The claim forms in a real browser: a Taiyuan retiree files a 住院费用报销(职工) in the hall,
typing the 费用明细; the window accepts it; the reviewer adjusts a line on the console's 审核调整
page (seeing the calculation) and reviews; the payer pays and completes; the person sees the
amount the fund paid and downloads the 结算单 PDF."""

import re

import pytest

from tests.factories import PASSWORD, PersonAccountFactory
from tests.reimbursement.conftest import PDF, days_ago
from yibao.reimbursement.models import Claim, ClaimLine

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_FILE = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": PDF}
LINES = "250101001,床位费,甲,500,2\nXA01,注射用头孢曲松钠,乙,100,20,,0.10\nZ99,陪护用品,丙,30,10"


def login(page, base, kind, identifier):
    page.goto(f"{base}/accounts/logout/")
    page.goto(f"{base}/accounts/login/?kind={kind}")
    page.fill('input[name="identifier"]', identifier)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button:has-text("登录")')
    page.wait_for_load_state()


def staff_page(browser, base, clerk):
    page = browser.new_context(locale="zh-CN").new_page()
    login(page, base, "staff", clerk.user.username)
    return page


def test_file_in_the_hall_adjust_review_pay_and_download_the_statement(
        live_server, browser, page, catalog, make_insured, clerks):
    base = live_server.url
    person = make_insured("taiyuan", insurance_type="310", category="retired")
    PersonAccountFactory(id_number=person.id_number, name=person.name)
    people = clerks["taiyuan"]
    admission = days_ago(20)

    # The person files online, typing the lines of the 费用明细清单.
    login(page, base, "person", person.id_number)
    page.goto(f"{base}/hall/apply/taiyuan/inpatient-reimbursement-employee/")
    values = {"insured_name": person.name, "insured_id_number": person.id_number, "med_type": "21",
              "institution_code": "H14010500001", "institution_name": "山西省人民医院",
              "admission_date": f"{admission:%Y-%m-%d}", "discharge_date": f"{days_ago(15):%Y-%m-%d}",
              "diagnosis_code": "J18.9", "diagnosis_name": "肺炎", "bill_numbers": "TY-2026-0001",
              "account_name": person.name, "bank_name": "中国工商银行太原分行", "account_number": "6222020500001234567"}
    for name, value in values.items():
        page.fill(f"#field_{name}", value)
    page.select_option("#field_institution_local", "是")
    page.select_option("#field_hospital_level", "二级")
    page.select_option("#field_referral", "不涉及")
    page.select_option("#field_payee", "本人")
    page.fill("#field_lines", LINES)
    page.fill("#applicant_phone", "13912345678")
    for upload in page.locator('#checklist input[type="file"]').all():
        upload.set_input_files(files=[PDF_FILE])
    page.click('button:has-text("提交申请")')
    number = re.search(r"\d{19}", page.locator("h1").inner_text()).group(0)
    assert "待受理" in page.content()

    # The window accepts it.
    window = staff_page(browser, base, people["accept"])
    window.goto(f"{base}/console/cases/{number}/")
    for radio in window.locator('#actions input[type="radio"][value="ok"]').all():
        radio.check()
    window.click('button:has-text("提交受理检查")')
    assert "已受理" in window.locator("h1").inner_text()

    # The reviewer adjusts line 2 on the 审核调整 page, sees the three stages and the calculation.
    reviewer = staff_page(browser, base, people["review"])
    reviewer.goto(f"{base}/console/cases/{number}/")
    reviewer.get_by_role("link", name="费用明细审核与结算计算").click()
    assert "结算试算" in reviewer.locator("#calculation").inner_text()
    reviewer.select_option('select[name="row"]', "2")
    reviewer.fill('input[name="amount"]', "abc")
    reviewer.select_option('select[name="reason"]', "05")
    reviewer.click('button:has-text("保存调整")')
    assert "字段 第 2 行 调整后金额：须为金额" in reviewer.locator(".alert-error").inner_text()
    reviewer.fill('input[name="amount"]', "1500")
    reviewer.fill('input[name="note"]', "用量超出合理范围")
    reviewer.click('button:has-text("保存调整")')
    assert "1500.00（05 数量超出合理用量：用量超出合理范围）" in reviewer.locator("#line-2").inner_text()
    reviewer.goto(f"{base}/console/cases/{number}/")
    reviewer.fill('textarea[name="opinion"]', "第2行按合理用量核减")
    reviewer.click('button:has-text("提交审核")')
    assert "已审核" in reviewer.locator("h1").inner_text()
    assert ClaimLine.objects.get(claim__case__number=number, row=2).approved_amount == 1500

    # The payer pays and completes.
    payer = staff_page(browser, base, people["pay"])
    payer.goto(f"{base}/console/cases/{number}/")
    payer.fill('textarea[name="opinion"]', "已拨付")
    payer.click('button:has-text("提交拨付")')
    payer.fill('textarea[name="opinion"]', "办结")
    payer.click('button:has-text("提交办结")')
    assert "已办结" in payer.locator("h1").inner_text()
    payer.get_by_role("link", name="费用明细审核与结算计算").click()
    assert "结算结果（拨付时计算）" in payer.locator("#calculation").inner_text()

    # The person sees what the fund paid and downloads the 结算单.
    claim = Claim.objects.get(case__number=number)
    assert claim.fund_paid > 0 and claim.approved_total == 2800
    page.goto(f"{base}/hall/cases/{number}/")
    assert "已办结" in page.content()
    application = page.locator("#application").inner_text()
    assert f"{claim.fund_paid:.2f}" in application and "审核调整 1500.00" in application
    documents = page.locator("#case-documents").inner_text()
    assert "结算单" in documents
    href = page.locator("#case-documents a.button").first.get_attribute("href")
    statement = page.context.request.get(f"{base}{href}")  # the person's own session
    assert statement.ok and statement.headers["content-type"] == "application/pdf"
    assert statement.body().startswith(b"%PDF")
