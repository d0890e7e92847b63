"""Issue 13 in a real browser.

Maternity: a Taiyuan unit logs in, applies for 生育津贴 for its employee in the hall; the clerks
accept, review and pay at the console; the allowance is paid to the unit, and the unit's page
shows what it must pass on to her.

Medical aid: a clerk creates the year's 参保资助 programme, imports the civil-affairs list and
sends it for approval; a second clerk (复审) approves it and the payer runs it — the one who had paid in full is refunded once, the other has it credited.
"""

import re
from decimal import Decimal

import pytest

from tests.factories import PASSWORD, StaffFactory, UnitAccountFactory
from tests.maternity.conftest import agencies, employ, regions, staff, today, unit  # noqa: F401  (fixtures)
from tests.medical_aid.conftest import resident, row, workbook  # noqa: F401  (fixtures)
from yibao.maternity.models import MaternityBenefit
from yibao.medical_aid.models import AidRecipient, Treatment
from yibao.payments.models import Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_FILE = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% a scan\n"}


def login(page, base, kind, identifier, password=PASSWORD):
    page.goto(f"{base}/accounts/logout/")
    page.goto(f"{base}/accounts/login/?kind={kind}")
    page.fill('input[name="identifier"]', identifier)
    page.fill('input[name="password"]', password)
    page.click('button:has-text("登录")')
    page.wait_for_load_state()


def console_step(page, base, number, button, opinion):
    page.goto(f"{base}/console/cases/{number}/")
    page.fill('textarea[name="opinion"]', opinion)
    page.click(f'button:has-text("{button}")')
    page.wait_for_load_state()


def test_a_unit_applies_for_the_maternity_allowance_it_is_paid_and_sees_what_to_pass_on(
        live_server, browser, page, unit, employ, staff):  # noqa: F811
    base = live_server.url
    mother = employ(unit, name="张丽")
    UnitAccountFactory(uscc=unit.uscc, name=unit.name)

    login(page, base, "unit", unit.uscc)
    page.goto(f"{base}/hall/apply/taiyuan/maternity-allowance/")
    page.fill('input[name="applicant_phone"]', "13912345678")
    page.fill('input[name="field_person_id_number"]', mother.id_number)
    page.fill('input[name="field_person_name"]', "张丽")
    page.select_option('select[name="field_event"]', "分娩")
    page.fill('input[name="field_event_date"]', "2026-10-01")
    page.fill('input[name="field_care_start"]', "2026-09-29")
    page.fill('input[name="field_care_end"]', "2026-10-05")
    page.wait_for_load_state("networkidle")
    for input_ in page.locator('input[type="file"][name^="material_"]').all():
        input_.set_input_files(files=[PDF_FILE])
    page.click('button:has-text("提交申请")')
    found = re.search(r"\d{19}", page.locator("h1").inner_text())
    assert found, re.findall(r"alert-error[^<]*<?[^<]*", page.content())
    number = found.group(0)

    desk = browser.new_context(locale="zh-CN").new_page()
    login(desk, base, "staff", staff["taiyuan"]["accept"].user.username)
    desk.goto(f"{base}/console/cases/{number}/")
    for radio in desk.locator('input[type="radio"][value="ok"]').all():
        radio.check()
    desk.click('button:has-text("提交受理检查")')
    assert "已受理" in desk.locator("h1").inner_text()

    reviewer = browser.new_context(locale="zh-CN").new_page()
    login(reviewer, base, "staff", staff["taiyuan"]["review"].user.username)
    console_step(reviewer, base, number, "提交审核", "材料齐全，同意")
    assert "已审核" in reviewer.locator("h1").inner_text()

    payer = browser.new_context(locale="zh-CN").new_page()
    login(payer, base, "staff", staff["taiyuan"]["pay"].user.username)
    console_step(payer, base, number, "提交拨付", "拨付至单位")
    assert "已拨付" in payer.locator("h1").inner_text()
    # 98 + Shanxi's 60 (待核实) = 158 days; 7 500 ÷ 30 × 158 = 39 500, shown with its working.
    shown = payer.content()
    assert "7500.00 元 ÷ 30 × 158 天 = 39500.00 元" in shown and "待核实" in shown

    payment = Payment.objects.get()
    assert (payment.amount, payment.payee.kind, payment.payee.identifier) == (Decimal("39500.00"), "unit", unit.uscc)
    assert MaternityBenefit.objects.get().amount == Decimal("39500.00")

    page.goto(f"{base}/maternity/unit/")
    listed = page.content()
    assert number in listed and "张丽" in listed and "39500.00" in listed
    assert mother.id_number not in listed  # masked


def test_a_second_clerk_approves_the_aid_list_and_the_run_refunds_the_full_payer_once(
        live_server, browser, page, resident, staff, agencies):  # noqa: F811
    base = live_server.url
    paid = resident(name="王已缴", paid_in_full=True)
    unpaid = resident(name="李未缴", paid_in_full=False)
    importer = staff["taiyuan"]["review"]
    approver = StaffFactory(agency=agencies["taiyuan"], roles=["second_review"])

    login(page, base, "staff", importer.user.username)
    page.goto(f"{base}/medical-aid/programmes/")
    page.fill('input[name="year"]', "2026")
    page.click('button:has-text("新建年度资助计划")')
    page.wait_for_load_state()
    programme_url = page.url
    page.locator('input[type="file"][name="file"]').set_input_files(files=[{
        "name": "救助对象名单.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": workbook([row(paid, "低保对象"), row(unpaid, "特困人员/孤儿", bank=("", ""))])}])
    page.click('button:has-text("导入")')
    page.wait_for_load_state()
    page.click('button:has-text("提交审批")')
    page.wait_for_load_state()
    assert "待审批" in page.content()

    checker = browser.new_context(locale="zh-CN").new_page()
    login(checker, base, "staff", approver.user.username)
    checker.goto(programme_url)
    checker.click('button:has-text("审批通过")')
    checker.wait_for_load_state()
    assert "已审批" in checker.content()

    payer = browser.new_context(locale="zh-CN").new_page()
    login(payer, base, "staff", staff["taiyuan"]["pay"].user.username)
    payer.goto(programme_url)
    payer.click('button:has-text("支付（退费与抵缴）")')
    payer.wait_for_load_state()
    assert "已支付" in payer.content()

    refund = Payment.objects.get()
    assert (refund.fund, refund.payee.identifier) == ("610100", paid.id_number)
    assert AidRecipient.objects.get(id_number=unpaid.id_number).treatment == Treatment.CREDIT
    payer.goto(programme_url)
    assert "支付（退费与抵缴）" not in payer.content()  # a paid programme offers no second run
    assert Payment.objects.count() == 1
