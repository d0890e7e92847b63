"""The 参保凭证 (职工 / 居民), contribution records and unit information as verified PDFs."""

import datetime
import hashlib
from decimal import Decimal

import pytest

from tests.documents.certificates.conftest import (
    EnrolledPersonFactory,
    PeriodFactory,
    pay_months,
    pdf_text,
    printed_code,
)
from yibao.agencies.models import Region
from yibao.audit.models import AuditEntry
from yibao.documents.certificates import (
    CertificateRefused,
    issue_insurance_certificate,
    issue_person_record,
    issue_unit_info,
    issue_unit_record,
)
from yibao.documents.models import DocumentKind, IssuedDocument
from yibao.documents.records import RecordRefused, parse_period, person_record
from yibao.documents.verification import group_code

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)


def verify_page(client, code: str) -> str:
    response = client.get(f"/documents/verify/{code}/")
    assert response.status_code == 200
    return response.content.decode()


# --- 参保凭证 ----------------------------------------------------------------------------

def test_employee_certificate_prints_periods_months_per_year_unit_agency_and_balance(xiaomei, jincheng, client):
    content, document = issue_insurance_certificate(person=xiaomei, region=jincheng, actor="clerk")
    text = pdf_text(content)
    assert "基本医疗保险参保凭证" in text and "（职工基本医疗保险）" in text
    assert "李晓梅" in text and xiaomei.id_number in text
    assert "2024-03-01" in text and "至今" in text
    # 10 months paid in 2024, 11 of 12 in 2025 (November owed).
    assert "2024年10个月；2025年11个月（合计21个月）" in text
    assert "晋城示例煤业有限公司" in text
    assert "泽州县医疗保障服务中心（行政区划代码140525）" in text
    assert "个人账户余额（元）1,234.56" in text
    assert printed_code(content) == document.code
    assert document.kind == DocumentKind.CERTIFICATE and document.issuer == "泽州县医疗保障服务中心"
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    page = verify_page(client, document.code)
    assert "真实有效" in page and "李*梅" in page and "参保凭证" in page
    assert "李晓梅" not in page and xiaomei.id_number not in page
    assert AuditEntry.objects.filter(action="document.issue", object_id=document.code).exists()


def test_resident_certificate_counts_contribution_years_and_has_no_account_balance(xiaoming, jincheng):
    # Residents pay once a year (one row per 缴费年度).
    for year in (2024, 2025):
        pay_months(xiaoming, None, datetime.date(year, 1, 1), 1, base="380.00", insurance_type="390")
    content, document = issue_insurance_certificate(person=xiaoming, region=jincheng, actor="clerk")
    text = pdf_text(content)
    assert "（城乡居民基本医疗保险）" in text and "王小明" in text
    assert "城乡居民基本医疗保险正常参保2023-01-01至今—2024年度、2025年度" in text
    assert "已缴费年度" in text and "个月" not in text
    assert "个人账户余额" not in text
    assert "高平市医疗保障服务中心（行政区划代码140581）" in text
    assert document.title == "基本医疗保险参保凭证（城乡居民基本医疗保险）"


def test_the_latest_basic_period_decides_the_variant(xiaoming, coal, jincheng):
    # The resident stopped in 2025 and became an employee: the employee certificate, without the 390 period.
    period = xiaoming.periods.get()
    period.status, period.end_date = "4", datetime.date(2025, 5, 31)
    period.save()
    PeriodFactory(person=xiaoming, unit=coal, start_date=datetime.date(2025, 6, 1))
    text = pdf_text(issue_insurance_certificate(person=xiaoming, region=jincheng, actor="clerk")[0])
    assert "（职工基本医疗保险）" in text and "城乡居民基本医疗保险" not in text
    assert "个人账户余额（元）0.00" in text


def test_a_person_without_a_period_in_the_region_is_refused(xiaomei):
    taiyuan = Region.objects.get(slug="taiyuan")
    with pytest.raises(CertificateRefused, match="李晓梅在太原市没有参保记录，不能出具参保凭证"):
        issue_insurance_certificate(person=xiaomei, region=taiyuan, actor="clerk")
    assert not IssuedDocument.objects.exists()


# --- 缴费记录 -----------------------------------------------------------------------------

def test_person_record_lists_each_month_with_decimal_totals(xiaomei, client):
    content, document = issue_person_record(person=xiaomei, start=datetime.date(2025, 1, 1),
                                            end=datetime.date(2025, 12, 1), actor="clerk")
    text = pdf_text(content)
    assert "参保人员参保缴费记录" in text and "2025-01至2025-12" in text
    assert "2025-01职工基本医疗保险6,000.00480.00120.00600.00已到账" in text
    assert "2025-11职工基本医疗保险6,000.00480.00120.00600.00欠费" in text
    assert "2024-12" not in text  # outside the period
    # 12 × 480 = 5,760 unit; 12 × 120 = 1,440 personal; 11 × 600 paid, 600 owed.
    assert "合计已到账11条，欠费1条5,760.001,440.007,200.00已缴6,600.00；欠缴600.00" in text
    assert printed_code(content) == document.code
    page = verify_page(client, document.code)
    assert "缴费记录" in page and "李*梅" in page


def test_unit_record_sums_each_month_over_employees(xiaomei, coal, agencies, client):
    colleague = EnrolledPersonFactory(name="张三", home_agency=agencies["zezhou"])
    PeriodFactory(person=colleague, unit=coal)
    pay_months(colleague, coal, datetime.date(2025, 1, 1), 3, base="4000.00", unpaid=(2,))
    content, document = issue_unit_record(unit=coal, start=datetime.date(2025, 1, 1),
                                          end=datetime.date(2025, 3, 1), actor="clerk")
    text = pdf_text(content)
    assert "晋城示例煤业有限公司" in text and coal.uscc in text
    # January: two persons, bases 6000+4000, unit 480+320, personal 120+80, all paid.
    assert "2025-01职工基本医疗保险210,000.00800.00200.001,000.000.00" in text
    # March: 张三's 400 is owed.
    assert "2025-03职工基本医疗保险210,000.00800.00200.00600.00400.00" in text
    assert "合计2,400.00600.002,600.00400.00" in text
    assert "张三" not in text  # the unit's record is per month, not a roster
    assert "晋城示例煤业有限公司" in verify_page(client, document.code)


def test_unit_info_shows_types_employee_count_and_arrears(xiaomei, coal):
    coal.insurance_types = ["310", "510"]  # stored as codes by some loaders: printed as labels
    coal.save()
    content, document = issue_unit_info(unit=coal, actor="clerk")
    text = pdf_text(content)
    assert "参保单位参保信息" in text and "晋城示例煤业有限公司" in text
    assert "职工基本医疗保险、生育保险" in text
    assert "在保职工人数1人（职工基本医疗保险1人）" in text
    assert "欠费金额（元）600.00" in text and "欠费所属期2025-11" in text
    assert f"验证码{group_code(document.code)}" in text


# --- periods -----------------------------------------------------------------------------

def test_an_empty_period_means_the_last_twelve_months():
    assert parse_period("", "", today=TODAY) == (datetime.date(2025, 12, 1), datetime.date(2026, 11, 1))


def test_a_period_accepts_common_spellings():
    assert parse_period("2025-1", "2025年12月", today=TODAY) == (datetime.date(2025, 1, 1),
                                                                datetime.date(2025, 12, 1))


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2025-06", "2025-01", "字段 截止年月：2025-01 早于起始年月 2025-06"),
    ("2019-01", "2025-12", "字段 截止年月：查询期间最长 5 年"),
    ("2025/13", "2025-12", "字段 起始年月："),
    ("abc", "", "字段 起始年月：应为年月"),
    ("2025-01", "2027-01", "字段 截止年月：2027-01 尚未到来"),
    ("", "2025-01", "字段 起始年月：必填"),
])
def test_bad_periods_are_refused_naming_the_field(start, end, message):
    with pytest.raises(RecordRefused, match=message.replace("（", r"\（").replace("）", r"\）")):
        parse_period(start, end, today=TODAY)


def test_money_is_decimal_in_the_record(xiaomei):
    record = person_record(person=xiaomei, start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 1))
    assert record.totals.owed == Decimal("600.00") and isinstance(record.totals.paid, Decimal)
