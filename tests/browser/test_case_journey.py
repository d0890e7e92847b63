"""The journey of issue 3, in a real browser.

A person logs in, applies online for a 通办 item, receives the one-time notice,
resubmits, is accepted at another county's window, reviewed and paid at the
home agency, completed, rates the case, and the bureau sees it in the ledger.
"""

import re

import pytest

from tests.cases.conftest import PDF
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_FILE = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": PDF}


def login(page, base, kind, identifier):
    page.goto(f"{base}/accounts/logout/")  # a fresh session each time
    page.goto(f"{base}/accounts/login/?kind={kind}")
    page.fill('input[name="identifier"]', identifier)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button:has-text("登录")')
    page.wait_for_load_state()


def staff_page(browser, base, clerk):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    login(page, base, "staff", clerk.user.username)
    return page


def test_apply_notice_resubmit_accept_elsewhere_review_pay_complete_rate_ledger(
        live_server, browser, page, reimbursement, person, staff, windows):
    base = live_server.url

    # A person logs in and applies online, sending only two of the four scans.
    login(page, base, "person", person.id_number)
    page.goto(f"{base}/guides/jincheng/inpatient-reimbursement/")
    page.get_by_role("link", name="在线申请").click()
    page.set_input_files('input[name="material_0"]', files=[PDF_FILE])
    page.set_input_files('input[name="material_1"]', files=[PDF_FILE])
    page.click('button:has-text("提交申请")')
    heading = page.locator("h1").inner_text()
    number = re.search(r"\d{19}", heading).group(0)
    assert "待受理" in page.content()

    # A clerk at another county's window (高平市) checks the materials: one notice lists both gaps.
    gaoping = staff_page(browser, base, staff["gaoping"]["accept"])
    gaoping.goto(f"{base}/console/find/?number={number}")
    gaoping.check('input[name="state_0"][value="ok"]')
    gaoping.check('input[name="state_1"][value="ok"]')
    gaoping.check('input[name="state_2"][value="missing"]')
    gaoping.fill('input[name="reason_2"]', "缺少住院病历复印件")
    gaoping.check('input[name="state_3"][value="missing"]')
    gaoping.fill('input[name="reason_3"]', "缺少社保卡复印件")
    gaoping.check('input[name="state_4"][value="ok"]')
    gaoping.click('button:has-text("提交受理检查")')
    assert "待补正" in gaoping.locator("h1").inner_text()

    # The person sees the notice and resubmits the two missing scans.
    page.goto(f"{base}/hall/cases/{number}/")
    assert "缺少住院病历复印件" in page.content() and "缺少社保卡复印件" in page.content()
    page.set_input_files('input[name="material_2"]', files=[PDF_FILE])
    page.set_input_files('input[name="material_3"]', files=[PDF_FILE])
    page.click('button:has-text("提交补正材料")')
    assert "待受理" in page.content()

    # 高平市 accepts it (通办); the case goes to 泽州县, the person's home agency.
    gaoping.goto(f"{base}/console/cases/{number}/")
    for position in range(5):
        gaoping.check(f'input[name="state_{position}"][value="ok"]')
    gaoping.click('button:has-text("提交受理检查")')
    header = gaoping.locator("h1").inner_text()
    assert "已受理" in header and "通办" in header

    # 泽州县: review, then pay, then complete.
    reviewer = staff_page(browser, base, staff["zezhou"]["review"])
    reviewer.goto(f"{base}/console/")
    reviewer.get_by_role("link", name=number).click()
    reviewer.fill('textarea[name="opinion"]', "材料齐全，同意")
    reviewer.click('button:has-text("提交审核")')
    assert "已审核" in reviewer.locator("h1").inner_text()
    payer = staff_page(browser, base, staff["zezhou"]["pay"])
    payer.goto(f"{base}/console/cases/{number}/")
    payer.fill('textarea[name="opinion"]', "已拨付")
    payer.click('button:has-text("提交拨付")')
    payer.fill('textarea[name="opinion"]', "办结")
    payer.click('button:has-text("提交办结")')
    assert "已办结" in payer.locator("h1").inner_text()

    # The person sees the whole history and rates the case.
    page.goto(f"{base}/hall/cases/{number}/")
    history = page.content()
    for step in ("一次性告知", "受理", "审核", "拨付", "办结"):
        assert step in history
    page.get_by_role("link", name="评价").click()
    page.check('input[name="level"][value="2"]')
    page.fill('textarea[name="comment"]', "异地也能受理，很方便")
    page.click('button:has-text("提交评价")')
    assert "感谢" in page.content()

    # The city agency's supervisor sees it in the ledger as a 通办 case with one evaluation.
    supervisor = staff_page(browser, base, staff["city"]["supervise"])
    supervisor.goto(f"{base}/ledger/")
    total = supervisor.locator("#total").inner_text().split()
    # 合计 申请 受理 不予受理 撤回 办结 超期 按时办结率 通办受理 通办转入 评价数 满意率 差评率
    assert total[:7] == ["合计", "1", "1", "0", "0", "1", "0"]
    assert total[8:11] == ["1", "1", "1"]
    assert "100.00%" in total[11]
