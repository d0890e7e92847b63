"""Issue 14's institution journey in a real browser: apply, be evaluated, be published, sign;
then declare a month, see deductions, object, confirm, get paid.

A Changzhi hospital logs in as itself and applies in the hall; the receptionist
accepts at the console; the 医药机构服务科 officer scores each criterion, moves the
case to 公示; the public page lists the hospital; once the period has passed the
officer closes it, records the negotiation, signs (认定) and opens the service
(办结); the hospital sees its code and agreement, and the public directory lists it.
Then the settlement half: the hospital declares last month by file; the officer reviews and
deducts by hand with a reason; the hospital objects; another clerk decides; the officer states
the month; both sides confirm; the officer pays and the hospital sees the payment.
"""

import datetime
import io
import re

import pytest
from openpyxl import Workbook

from tests.institutions.conftest import agencies, clerks, make_institution, regions  # noqa: F401  (fixtures)
from tests.settlement.conftest import make_person, record
from yibao.institutions.models import DesignationPeriod, Publicity
from yibao.settlement.records import FIELDS, HEADERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_FILE = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% a scan\n"}


def login(page, base, kind, identifier, password):
    page.goto(f"{base}/accounts/logout/")
    page.goto(f"{base}/accounts/login/?kind={kind}")
    page.fill('input[name="identifier"]', identifier)
    page.fill('input[name="password"]', password)
    page.click('button:has-text("登录")')
    page.wait_for_load_state()


def test_a_hospital_applies_is_evaluated_published_and_signs(live_server, browser, page, regions, agencies, clerks):  # noqa: F811
    from tests.factories import PASSWORD

    base = live_server.url
    hospital = make_institution(regions["changzhi"], "hospital")

    # The hospital logs in as itself and applies with every material.
    login(page, base, "institution", hospital.uscc, "demo-pass-123")
    page.goto(f"{base}/hall/apply/changzhi/hospital-designation/")
    page.fill('input[name="applicant_phone"]', "13912345678")
    page.fill('input[name="field_insurance_head"]', "王主任")
    page.check('input[name="field_business_scope"][value="住院"]')
    page.select_option('select[name="field_commitment"]', "是")
    page.wait_for_load_state("networkidle")  # the checklist partial may be redrawn
    for input_ in page.locator('input[type="file"][name^="material_"]').all():
        input_.set_input_files(files=[PDF_FILE])
    page.click('button:has-text("提交申请")')
    found = re.search(r"\d{19}", page.locator("h1").inner_text())
    assert found, re.findall(r"alert-error[^<]*<?[^<]*", page.content())
    number = found.group(0)
    assert "待受理" in page.content()

    # The receptionist accepts.
    desk = browser.new_context(locale="zh-CN").new_page()
    login(desk, base, "staff", clerks["changzhi"]["accept"].user.username, PASSWORD)
    desk.goto(f"{base}/console/cases/{number}/")
    for radio in desk.locator('input[type="radio"][value="ok"]').all():
        radio.check()
    desk.click('button:has-text("提交受理检查")')
    assert "已受理" in desk.locator("h1").inner_text()

    # The officer evaluates (all criteria met) and moves the case to 公示.
    officer = browser.new_context(locale="zh-CN").new_page()
    login(officer, base, "staff", clerks["changzhi"]["review"].user.username, PASSWORD)
    officer.goto(f"{base}/institutions/staff/cases/{number}/")
    officer.click('button:has-text("记录评估结果")')
    assert "合格" in officer.content()
    officer.goto(f"{base}/console/cases/{number}/")
    officer.fill('textarea[name="opinion"]', "评估合格，予以公示")
    officer.click('button:has-text("提交调查")')
    assert "已调查" in officer.locator("h1").inner_text()

    # Anyone sees it under publicity (the page lists from tomorrow: look at the record instead).
    publicity = Publicity.objects.get(case__number=number)
    # The five working days pass: shift the period into the past (the live server has the real clock).
    Publicity.objects.filter(pk=publicity.pk).update(start=datetime.date.today() - datetime.timedelta(days=8),
                                                     end=datetime.date.today())
    page.goto(f"{base}/institutions/publicity/")
    assert hospital.name in page.content()
    Publicity.objects.filter(pk=publicity.pk).update(end=datetime.date.today() - datetime.timedelta(days=1))

    # The period over with no objection: 审核, then 协商谈判, 认定 (signing) and 办结 (opening).
    officer.goto(f"{base}/console/cases/{number}/")
    officer.fill('textarea[name="opinion"]', "公示期满无异议")
    officer.click('button:has-text("提交审核")')
    assert "已审核" in officer.locator("h1").inner_text()
    officer.goto(f"{base}/institutions/staff/cases/{number}/")
    officer.fill('textarea[name="terms"]', "按长治市定点医疗机构服务协议范本签订，住院、门诊")
    officer.click('button:has-text("记录协商谈判结果")')
    officer.goto(f"{base}/console/cases/{number}/")
    officer.fill('textarea[name="opinion"]', "签订服务协议")
    officer.click('button:has-text("提交认定")')
    assert "已认定" in officer.locator("h1").inner_text()
    officer.fill('textarea[name="opinion"]', "开通定点服务")
    officer.click('button:has-text("提交办结")')
    assert "已办结" in officer.locator("h1").inner_text()

    # The hospital sees its code and its agreement; the public directory lists it.
    page.goto(f"{base}/institutions/mine/")
    assert page.locator("#code").inner_text() == "H14040000001"
    assert page.get_by_role("link", name="下载协议（PDF）").count() == 1
    page.goto(f"{base}/institutions/?city=changzhi")
    assert "H14040000001" in page.locator("#directory").inner_text()

    declare_a_month_and_get_paid(browser, page, base, hospital, agencies["changzhi"], desk, officer)


def month_file(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "结算明细"
    sheet.append(HEADERS)
    for values in rows:
        sheet.append([str(values.get(name, "0")) for name in FIELDS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def declare_a_month_and_get_paid(browser, page, base, hospital, agency, desk, officer):
    """The settlement half: last month's direct settlements, from the file to the payment."""
    hospital.refresh_from_db()  # its national code came with the designation
    today = datetime.date.today()  # the live server has the real clock
    last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    month = f"{last:%Y-%m}"
    # The hospital was designated today in the journey: its period is taken back to cover last month.
    DesignationPeriod.objects.filter(institution=hospital).update(start=last)
    employee = make_person(agency, 11, insurance_type="310")
    resident = make_person(agency, 12, insurance_type="390")
    day = f"{last + datetime.timedelta(days=9):%Y-%m-%d}"
    content = month_file([record("JS0001", employee, day=day), record("JS0002", resident, insurance="390", day=day)])

    # The hospital opens last month, uploads its file and declares.
    page.goto(f"{base}/settlement/")
    page.fill('input[name="month"]', month)
    page.click('button:has-text("开始申报该月")')
    page.set_input_files('input[name="file"]', files=[{
        "name": f"{month}.xlsx", "buffer": content,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.click('button:has-text("上传明细")')
    assert page.locator("#record-count").inner_text() == "2", page.locator("body").inner_text()[:500]
    page.click("#declare")
    assert page.locator("#status").inner_text() == "已申报"

    # The officer finds it on the to-do list, reviews by rule and deducts by hand with a reason.
    officer.goto(f"{base}/console/settlement/")
    officer.click(f'a:has-text("{hospital.name}")')
    officer.click("#review")
    assert officer.locator("#status").inner_text() == "已审核"
    officer.fill('#deduct input[name="settlement_id"]', "JS0001")
    officer.select_option('#deduct select[name="fund"]', "310100")
    officer.fill('#deduct input[name="amount"]', "50.00")
    officer.select_option('#deduct select[name="reason_code"]', "EXCESSIVE")
    officer.fill('#deduct input[name="note"]', "CT 检查无指征")
    officer.click('button:has-text("记录人工扣款")')
    assert "CT 检查无指征" in officer.locator("#deductions").inner_text()

    # The hospital sees the deduction and objects once, with its reason.
    page.goto(f"{base}/settlement/{month}/")
    assert "过度诊疗" in page.locator("#deductions").inner_text()
    page.fill('form.objection input[name="reason"]', "CT 有指征，附病程记录")
    page.click('form.objection button:has-text("申诉")')
    assert "申诉待复核" in page.locator("#deductions").inner_text()

    # Another clerk (not the one who deducted) decides: the deduction is reversed.
    desk.goto(f"{base}/console/settlement/")
    desk.click(f'a:has-text("{hospital.name}")')
    desk.select_option('form.objection select[name="decision"]', "reverse")
    desk.fill('form.objection input[name="note"]', "病程记录核实，撤销扣款")
    desk.click('form.objection button:has-text("提交复核")')
    assert "撤销扣款" in desk.locator("#deductions").inner_text()

    # The officer states the month; the hospital confirms with its account; the agency confirms.
    officer.reload()
    officer.click("#make-statement")
    assert officer.locator("#status").inner_text() == "已出结算单"
    page.goto(f"{base}/settlement/{month}/")
    page.fill('#confirm input[name="bank_name"]', "中国工商银行长治分行")
    page.fill('#confirm input[name="account_number"]', "6222020200012345678")
    page.click('#confirm button:has-text("确认结算单")')
    assert "中国工商银行长治分行" in page.locator("#statement").locator("xpath=..").inner_text()
    with page.expect_download() as download:
        page.click('#statement a:has-text("下载（PDF）") >> nth=0')
    assert download.value.suggested_filename.endswith(".pdf")
    officer.reload()
    officer.click("#agency-confirm")
    assert officer.locator("#status").inner_text() == "双方已确认"

    # 拨付 within the 30 working days; the hospital sees its payments.
    officer.click("#pay")
    assert officer.locator("#status").inner_text() == "已拨付"
    page.goto(f"{base}/settlement/{month}/")
    assert page.locator("#status").inner_text() == "已拨付"
    payments = page.locator("#payments").inner_text()
    assert f"settlement:{month}:{hospital.national_code}:310100" in payments
    assert f"settlement:{month}:{hospital.national_code}:390100" in payments
