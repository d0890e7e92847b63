"""我的参保信息 and 本单位参保信息 in the hall: own data only, printed with verification codes."""

import datetime
from decimal import Decimal

import pytest

from tests.documents.certificates.conftest import pay_months, pdf_text, printed_code
from yibao.documents.models import IssuedDocument
from yibao.enrollment.models import AccountMovement

pytestmark = pytest.mark.django_db


@pytest.fixture
def this_month_paid(xiaomei, coal):
    today = datetime.date.today()
    return pay_months(xiaomei, coal, today.replace(day=1), 1, base="7000.00")


def test_person_sees_periods_recent_contributions_and_account(xiaomei_login, xiaomei, this_month_paid, client):
    AccountMovement.objects.create(account=xiaomei.account, kind="expense",
                                   amount=Decimal("-65.44"), balance_after=Decimal("1234.56"),
                                   reference="test-expense-1", note="门诊购药", actor="system")
    client.force_login(xiaomei_login.user)
    page = client.get("/hall/my/insurance/").content.decode()
    assert "我的参保信息" in page and "职工基本医疗保险" in page and "晋城示例煤业有限公司" in page
    assert "7000.00" in page  # this month's row is within the last 12 months
    assert "1234.56" in page and "门诊购药" in page and "-65.44" in page
    assert xiaomei_login.id_number not in page  # the ID number is masked
    assert "打印《基本医疗保险参保凭证》" in page
    assert "我的参保信息" in client.get("/hall/").content.decode()


def test_person_prints_own_certificate_with_a_code_the_public_page_confirms(xiaomei_login, client):
    client.force_login(xiaomei_login.user)
    response = client.post("/hall/my/insurance/certificate.pdf", {"region": "jincheng"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "基本医疗保险参保凭证" in text and "李晓梅" in text
    code = printed_code(response.content)
    assert IssuedDocument.objects.get(code=code).issued_by == xiaomei_login.user.username
    assert "真实有效" in client.get(f"/documents/verify/{code}/").content.decode()


def test_person_prints_own_contribution_record_for_a_chosen_period(xiaomei_login, client):
    client.force_login(xiaomei_login.user)
    response = client.post("/hall/my/insurance/contributions.pdf", {"start": "2025-01", "end": "2025-06"})
    text = pdf_text(response.content)
    assert "2025-01至2025-06" in text and "2025-06职工基本医疗保险" in text and "2025-07" not in text
    assert "合计已到账6条，欠费0条2,880.00720.003,600.00" in text


def test_a_person_never_gets_another_persons_documents(xiaomei_login, xiaoming, client):
    # Whatever the request says, the record is the logged-in person's own.
    client.force_login(xiaomei_login.user)
    response = client.post("/hall/my/insurance/contributions.pdf",
                           {"start": "2025-01", "end": "2025-06", "id_number": xiaoming.id_number,
                            "person": xiaoming.pk})
    text = pdf_text(response.content)
    assert "李晓梅" in text and "王小明" not in text and xiaoming.id_number not in text
    # 王小明's region-only period (高平市 is in 晋城市 too) does not leak into her certificate either.
    certificate = pdf_text(client.post("/hall/my/insurance/certificate.pdf",
                                       {"region": "jincheng", "id_number": xiaoming.id_number}).content)
    assert "王小明" not in certificate and "城乡居民" not in certificate


def test_a_region_without_a_period_is_refused_naming_the_field(xiaomei_login, client):
    client.force_login(xiaomei_login.user)
    response = client.post("/hall/my/insurance/certificate.pdf", {"region": "taiyuan"})
    assert response.status_code == 400
    assert "字段 参保地：请选择您参保的统筹区" in response.content.decode()
    assert not IssuedDocument.objects.exists()


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2025-06", "2025-01", "字段 截止年月：2025-01 早于起始年月 2025-06"),
    ("2015-01", "2025-01", "字段 截止年月：查询期间最长 5 年"),
    ("一月", "", "字段 起始年月：应为年月"),
])
def test_bad_period_input_is_refused_with_a_chinese_message(xiaomei_login, client, start, end, message):
    client.force_login(xiaomei_login.user)
    response = client.post("/hall/my/insurance/contributions.pdf", {"start": start, "end": end})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not IssuedDocument.objects.exists()


def test_a_person_without_a_record_sees_so_and_cannot_print(person, agencies, client):
    client.force_login(person.user)
    assert "未查询到您的参保记录" in client.get("/hall/my/insurance/").content.decode()
    response = client.post("/hall/my/insurance/certificate.pdf", {"region": "jincheng"})
    assert response.status_code == 404 and not IssuedDocument.objects.exists()


def test_units_and_persons_cannot_open_each_others_pages(xiaomei_login, coal_login, client):
    client.force_login(coal_login.user)
    assert client.get("/hall/my/insurance/").status_code == 403
    assert client.post("/hall/my/insurance/certificate.pdf", {"region": "jincheng"}).status_code == 403
    client.force_login(xiaomei_login.user)
    assert client.get("/hall/my/unit/").status_code == 403
    assert client.post("/hall/my/unit/info.pdf").status_code == 403


def test_anonymous_users_go_to_the_login(client):
    response = client.get("/hall/my/insurance/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_unit_sees_and_prints_its_own_information_and_record(coal_login, xiaomei, client):
    client.force_login(coal_login.user)
    page = client.get("/hall/my/unit/").content.decode()
    assert "晋城示例煤业有限公司" in page and "600.00" in page and "在保职工人数" in page
    info = pdf_text(client.post("/hall/my/unit/info.pdf").content)
    assert "参保单位参保信息" in info and "欠费金额（元）600.00" in info
    record = pdf_text(client.post("/hall/my/unit/contributions.pdf", {"start": "2025-11", "end": "2025-11"}).content)
    assert "2025-11职工基本医疗保险16,000.00480.00120.000.00600.00" in record


def test_a_unit_never_gets_another_units_documents(coal_login, other_unit_login, xiaomei, client):
    client.force_login(other_unit_login.user)
    info = pdf_text(client.post("/hall/my/unit/info.pdf", {"uscc": coal_login.uscc}).content)
    assert "高平示例陶瓷有限公司" in info and "晋城示例煤业有限公司" not in info and "欠费金额（元）0.00" in info
    record = pdf_text(client.post("/hall/my/unit/contributions.pdf",
                                  {"start": "2025-01", "end": "2025-12", "uscc": coal_login.uscc}).content)
    assert "晋城示例煤业" not in record and "合计0.000.000.000.00" in record


def test_unit_bad_period_is_refused(coal_login, client):
    client.force_login(coal_login.user)
    response = client.post("/hall/my/unit/contributions.pdf", {"start": "2025-12", "end": "2025-01"})
    assert response.status_code == 400 and "字段 截止年月" in response.content.decode()


def test_each_account_movement_shows_its_kind_in_chinese(xiaomei_login, xiaomei, client):
    AccountMovement.objects.create(account=xiaomei.account, kind="expense", amount=Decimal("-12.00"),
                                   balance_after=Decimal("88.00"), reference="test-expense-2", actor="system")
    client.force_login(xiaomei_login.user)
    assert "<td>医疗消费</td>" in client.get("/hall/my/insurance/").content.decode()
