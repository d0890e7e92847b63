
"""Who may use the console, and who may see which case."""

import pytest
from django.core.files.storage import default_storage

from tests.cases.conftest import PDF
from tests.factories import AgencyFactory, StaffFactory, UserFactory
from yibao.agencies.models import Region
from yibao.cases.models import CaseFile

pytestmark = pytest.mark.django_db

PAGES = ["/console/", "/console/cases/", "/console/new/"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_users_are_sent_to_the_staff_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?kind=staff&next=")
    assert "console" in response["Location"]


@pytest.mark.parametrize("url", PAGES)
def test_a_logged_in_non_staff_user_is_forbidden(client, person, url):
    client.force_login(person.user)
    response = client.get(url)
    assert response.status_code == 403
    assert "仅限在岗经办人员" in response.content.decode()


def test_a_non_staff_user_cannot_post_an_action(client, person, reimbursement, apply):
    case = apply(reimbursement)
    client.force_login(UserFactory())
    response = client.post(f"/console/cases/{case.number}/refuse/", {"reason": "x"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "submitted"


def test_the_header_shows_the_clerk(client, staff, windows):
    clerk = staff["zezhou"]["accept_review"]
    clerk.default_window = windows["zezhou"]
    clerk.save()
    client.force_login(clerk.user)
    html = client.get("/console/").content.decode()
    assert clerk.name in html and "泽州县医疗保障服务中心" in html
    assert "受理" in html and "审核" in html and "A01" in html


def _taiyuan_clerk():
    taiyuan = Region.objects.get(slug="taiyuan")
    agency = AgencyFactory(region=taiyuan, code="140105", slug="ty-xiaodian", name="小店区医疗保障服务中心")
    return StaffFactory(agency=agency, roles=["accept", "review"])


def test_a_clerk_of_another_region_cannot_open_or_download(client, reimbursement, apply, staff):
    case = apply(reimbursement)
    scan = CaseFile.objects.filter(material__case=case).first()
    client.force_login(_taiyuan_clerk().user)
    assert client.get(f"/console/cases/{case.number}/").status_code == 404
    assert client.get(f"/console/files/{scan.pk}/").status_code == 404
    response = client.post(f"/console/cases/{case.number}/refuse/", {"reason": "不属于本市"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == "submitted"


def test_another_county_cannot_open_an_accepted_case_of_the_home_county(client, reimbursement, apply, staff):
    from yibao.cases.services import accept_case
    case = accept_case(case=apply(reimbursement), staff=staff["zezhou"]["accept"])
    scan = CaseFile.objects.filter(material__case=case).first()
    client.force_login(staff["gaoping"]["review"].user)
    assert client.get(f"/console/cases/{case.number}/").status_code == 404
    assert client.get(f"/console/files/{scan.pk}/").status_code == 404
    response = client.get(f"/console/find/?number={case.number}")
    assert response.status_code == 404 and "未找到或无权查看该办件" in response.content.decode()


def test_the_home_clerk_downloads_a_scan_as_an_attachment(client, reimbursement, apply, staff,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # scans are written when the case commits
        case = apply(reimbursement)
    scan = CaseFile.objects.filter(material__case=case, material__position=0).first()
    client.force_login(staff["zezhou"]["accept"].user)
    response = client.get(f"/console/files/{scan.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_a_scan_whose_stored_content_is_gone_is_a_404_not_a_500(client, reimbursement, apply, staff):
    case = apply(reimbursement)  # never committed: nothing was written under this path
    scan = CaseFile.objects.filter(material__case=case, material__position=0).first()
    default_storage.delete(scan.storage_path)
    client.force_login(staff["zezhou"]["accept"].user)
    response = client.get(f"/console/files/{scan.pk}/")
    assert response.status_code == 404


def test_an_unknown_file_is_not_found(client, staff):
    client.force_login(staff["zezhou"]["accept"].user)
    assert client.get("/console/files/999999/").status_code == 404


def test_the_lookup_box_finds_a_case_of_the_agency(client, reimbursement, apply, staff):
    case = apply(reimbursement)
    client.force_login(staff["zezhou"]["accept"].user)
    response = client.get(f"/console/find/?number={case.number}")
    assert response.status_code == 302 and response["Location"] == f"/console/cases/{case.number}/"
    response = client.get("/console/find/?number=000")
    assert response.status_code == 404 and "未找到或无权查看该办件" in response.content.decode()
    assert client.get("/console/find/?number=").status_code == 400


def test_a_tongban_case_awaiting_acceptance_opens_at_another_county(client, reimbursement, apply, staff):
    case = apply(reimbursement)
    client.force_login(staff["gaoping"]["accept"].user)
    response = client.get(f"/console/cases/{case.number}/")
    assert response.status_code == 200
    assert "受理检查" in response.content.decode()
