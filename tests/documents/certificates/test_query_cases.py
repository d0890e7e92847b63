"""Query-and-print items as cases: at 办结 the document is issued, kept and offered on the case page."""

import datetime
import hashlib

import pytest

from tests.cases.conftest import PDF, current_item
from tests.documents.certificates.conftest import pdf_text, printed_code
from tests.factories import AgencyFactory, StaffFactory
from yibao.agencies.models import Region
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.models import Case
from yibao.cases.services import (
    InvalidApplication,
    MoveNotAllowed,
    Upload,
    accept_case,
    advance_case,
    submit_case,
)
from yibao.documents.models import DocumentKind, IssuedDocument

pytestmark = pytest.mark.django_db


def _uploads(item, kind, situation):
    lines = compute_checklist(item.data, Situation(applicant_kind=kind, **situation))
    return {line.position: [Upload(f"{line.position}.pdf", PDF)] for line in lines if line.required}


def apply(item, *, login, kind="person", name=None, id_number=None, form_data=None, situation=None):
    account = login
    return submit_case(
        item=item, applicant_kind=kind, applicant_user=account.user,
        applicant_name=name or account.name,
        applicant_id_number=id_number or (account.id_number if kind == "person" else account.uscc),
        applicant_phone="13912345678", channel="online_hall", situation=situation or {},
        form_data=form_data or {}, uploads=_uploads(item, kind, situation or {}),
    )


def complete(case, clerk):
    case = accept_case(case=case, staff=clerk)
    steps = [step for step in ("审核",) if step in case.steps]
    for _ in steps:
        case = advance_case(case=case, staff=clerk, action="review", opinion="同意")
    return advance_case(case=case, staff=clerk, action="complete", opinion="已打印")


@pytest.fixture
def clerk(staff):
    return staff["zezhou"]["accept_review"]


# --- persons -----------------------------------------------------------------------------

def test_person_payment_record_case_issues_the_record_at_completion_and_offers_it(
        xiaomei_login, clerk, client):
    item = current_item("jincheng", "person-payment-record-query")
    case = apply(item, login=xiaomei_login, form_data={"start_month": "2025-01", "end_month": "2025-12"})
    case = accept_case(case=case, staff=clerk)
    assert not IssuedDocument.objects.filter(case_number=case.number).exists()  # only 办结 prints
    complete_case = advance_case(case=case, staff=clerk, action="complete", opinion="已打印")
    document = IssuedDocument.objects.get(case_number=complete_case.number)
    assert document.kind == DocumentKind.CONTRIBUTION_RECORD and document.issued_by == clerk.user.username

    client.force_login(xiaomei_login.user)
    page = client.get(f"/hall/cases/{case.number}/").content.decode()
    link = f"/documents/cases/{case.number}/issued/{document.code}.pdf"
    assert "办理结果文书" in page and link in page
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(response.content).hexdigest() == document.sha256
    text = pdf_text(response.content)
    assert "李晓梅" in text and "2025-01至2025-12" in text and "欠缴600.00" in text
    assert printed_code(response.content) == document.code
    verified = client.get(f"/documents/verify/{document.code}/").content.decode()
    assert "真实有效" in verified and "李*梅" in verified


def test_another_person_cannot_download_the_document(xiaomei_login, xiaoming_login, clerk, client):
    case = complete(apply(current_item("jincheng", "person-payment-record-query"), login=xiaomei_login), clerk)
    document = IssuedDocument.objects.get(case_number=case.number)
    client.force_login(xiaoming_login.user)
    assert client.get(f"/documents/cases/{case.number}/issued/{document.code}.pdf").status_code == 404
    assert client.get(f"/hall/cases/{case.number}/").status_code == 404
    assert client.get(f"/documents/cases/{case.number}/forms/表7.pdf").status_code == 404


def test_anonymous_download_goes_to_the_login(xiaomei_login, clerk, client):
    case = complete(apply(current_item("jincheng", "person-payment-record-query"), login=xiaomei_login), clerk)
    document = IssuedDocument.objects.get(case_number=case.number)
    response = client.get(f"/documents/cases/{case.number}/issued/{document.code}.pdf")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_staff_of_the_agency_download_and_staff_of_another_region_get_404(xiaomei_login, clerk, client):
    case = complete(apply(current_item("jincheng", "person-payment-record-query"), login=xiaomei_login), clerk)
    document = IssuedDocument.objects.get(case_number=case.number)
    url = f"/documents/cases/{case.number}/issued/{document.code}.pdf"
    client.force_login(clerk.user)
    assert client.get(url).status_code == 200
    assert url in client.get(f"/console/cases/{case.number}/").content.decode()
    stranger = StaffFactory(agency__region=Region.objects.get(slug="changzhi"), roles=["accept", "review"])
    client.force_login(stranger.user)
    assert client.get(url).status_code == 404


def test_a_code_of_another_case_is_not_served_under_this_case(xiaomei_login, xiaoming_login, clerk, staff, client):
    mine = complete(apply(current_item("jincheng", "person-payment-record-query"), login=xiaomei_login), clerk)
    theirs = complete(apply(current_item("jincheng", "person-payment-record-query"), login=xiaoming_login),
                      staff["gaoping"]["accept_review"])
    their_code = IssuedDocument.objects.get(case_number=theirs.number).code
    client.force_login(xiaomei_login.user)
    assert client.get(f"/documents/cases/{mine.number}/issued/{their_code}.pdf").status_code == 404


def test_certificate_case_prints_the_employee_certificate_with_the_contact(xiaomei_login, clerk, client):
    item = current_item("jincheng", "insurance-certificate-out")
    case = complete(apply(item, login=xiaomei_login, form_data={"contact": "张科长 0356-1234567"}), clerk)
    document = IssuedDocument.objects.get(case_number=case.number)
    assert document.kind == DocumentKind.CERTIFICATE
    client.force_login(xiaomei_login.user)
    content = client.get(f"/documents/cases/{case.number}/issued/{document.code}.pdf").content
    text = pdf_text(content)
    assert "（职工基本医疗保险）" in text and "转出地经办机构联系人张科长0356-1234567" in text
    assert "个人账户余额（元）1,234.56" in text


def test_certificate_for_a_region_without_a_period_is_refused_at_submission(xiaomei_login, catalog):
    AgencyFactory(region=Region.objects.get(slug="taiyuan"), code="140100", level="city")
    item = current_item("taiyuan", "insurance-certificate-employee")
    with pytest.raises(InvalidApplication, match="李晓梅在太原市没有参保记录，不能出具参保凭证"):
        apply(item, login=xiaomei_login)
    assert not Case.objects.exists()


def test_a_person_without_any_record_is_refused(person, agencies):
    item = current_item("jincheng", "person-payment-record-query")
    with pytest.raises(InvalidApplication, match="没有参保记录，无可查询打印的信息"):
        apply(item, login=person)


def test_a_bad_period_is_refused_naming_the_field(xiaomei_login):
    item = current_item("jincheng", "person-payment-record-query")
    with pytest.raises(InvalidApplication, match="字段 截止年月：2024-01 早于起始年月 2025-01"):
        apply(item, login=xiaomei_login, form_data={"start_month": "2025-01", "end_month": "2024-01"})
    with pytest.raises(InvalidApplication, match="字段 截止年月：查询期间最长 5 年"):
        apply(item, login=xiaomei_login, form_data={"start_month": "2015-01", "end_month": "2025-01"})
    with pytest.raises(InvalidApplication, match="字段 起始年月：应为年月"):
        apply(item, login=xiaomei_login, form_data={"start_month": "去年", "end_month": ""})


def test_a_record_vanished_before_completion_stops_the_move(xiaomei_login, xiaomei, clerk):
    item = current_item("jincheng", "person-payment-record-query")
    case = accept_case(case=apply(item, login=xiaomei_login), staff=clerk)
    xiaomei.contributions.all().delete()
    xiaomei.periods.all().delete()
    xiaomei.account.delete()
    xiaomei.delete()
    with pytest.raises(MoveNotAllowed, match="没有参保记录"):
        advance_case(case=case, staff=clerk, action="complete")
    assert not IssuedDocument.objects.exists()


# --- units -------------------------------------------------------------------------------

def test_unit_payment_record_case_prints_the_units_record(coal_login, xiaomei, clerk, client):
    item = current_item("jincheng", "unit-payment-record-query")
    case = complete(apply(item, login=coal_login, kind="unit",
                          form_data={"start_month": "2025-10", "end_month": "2025-12"}), clerk)
    document = IssuedDocument.objects.get(case_number=case.number)
    client.force_login(coal_login.user)
    text = pdf_text(client.get(f"/documents/cases/{case.number}/issued/{document.code}.pdf").content)
    assert "晋城示例煤业有限公司" in text and "2025-10至2025-12" in text
    assert "2025-11职工基本医疗保险16,000.00480.00120.000.00600.00" in text


def test_another_unit_cannot_download_the_units_record(coal_login, other_unit_login, xiaomei, clerk, client):
    case = complete(apply(current_item("jincheng", "unit-payment-record-query"), login=coal_login, kind="unit"),
                    clerk)
    document = IssuedDocument.objects.get(case_number=case.number)
    client.force_login(other_unit_login.user)
    assert client.get(f"/documents/cases/{case.number}/issued/{document.code}.pdf").status_code == 404


def test_a_person_cannot_apply_for_a_units_record(xiaomei_login):
    with pytest.raises(InvalidApplication, match="只出具参保单位本单位的信息"):
        apply(current_item("jincheng", "unit-payment-record-query"), login=xiaomei_login)


def test_an_unregistered_unit_is_refused(coal_login, other_unit_login):
    from yibao.enrollment.models import Unit

    Unit.objects.filter(uscc=other_unit_login.uscc).delete()
    with pytest.raises(InvalidApplication, match="没有参保登记记录"):
        apply(current_item("jincheng", "unit-payment-record-query"), login=other_unit_login, kind="unit")


def test_taiyuan_unit_payment_proof_situation_prints_information_and_record(catalog, coal_login, xiaomei):
    taiyuan = Region.objects.get(slug="taiyuan")
    clerk = StaffFactory(agency__region=taiyuan, agency__code="140100", roles=["accept", "review"])
    reviewer = StaffFactory(agency=clerk.agency, roles=["review"])
    coal = xiaomei.periods.get().unit
    coal.home_agency = clerk.agency
    coal.region = taiyuan
    coal.save()
    item = current_item("taiyuan", "unit-info-query")
    case = apply(item, login=coal_login, kind="unit", situation={"situations": ["办理出具单位缴费证明"]},
                 form_data={"start_month": "2025-01", "end_month": "2025-12"})
    case = accept_case(case=case, staff=clerk)
    case = advance_case(case=case, staff=reviewer, action="review", opinion="同意")
    advance_case(case=case, staff=reviewer, action="complete", opinion="已出具")
    titles = sorted(IssuedDocument.objects.filter(case_number=case.number).values_list("title", flat=True))
    assert titles == ["参保单位医疗、生育保险缴费记录", "参保单位参保信息"]


def test_the_same_item_without_the_situation_prints_only_the_information(catalog, coal_login, xiaomei, agencies):
    changzhi_item = current_item("changzhi", "unit-info-query")
    changzhi = Region.objects.get(slug="changzhi")
    clerk = StaffFactory(agency__region=changzhi, agency__code="140400", roles=["accept", "review"])
    coal = xiaomei.periods.get().unit
    coal.home_agency, coal.region = clerk.agency, changzhi
    coal.save()
    case = complete(apply(changzhi_item, login=coal_login, kind="unit"), clerk)
    document = IssuedDocument.objects.get(case_number=case.number)
    assert document.title == "参保单位参保信息" and document.issued_at.date() <= datetime.date.today()
