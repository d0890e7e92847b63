"""Issue 14's institution journey, first half, in a real browser: apply, be evaluated, be published, sign.

A Changzhi hospital logs in as itself and applies in the hall; the receptionist
accepts at the console; the 医药机构服务科 officer scores each criterion, moves the
case to 公示; the public page lists the hospital; once the period has passed the
officer closes it, records the negotiation, signs (认定) and opens the service
(办结); the hospital sees its code and agreement, and the public directory lists it.
The settlement half (declare a month … get paid) belongs to yibao/settlement.
"""

import datetime
import re

import pytest

from tests.institutions.conftest import agencies, clerks, make_institution, regions  # noqa: F401  (fixtures)
from yibao.institutions.models import Publicity

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
