import pytest

from tests.cases.conftest import PDF
from yibao.cases.services import Upload, submit_case

pytestmark = pytest.mark.django_db


def test_admin_shows_cases_read_only(admin_client, reimbursement, person):
    case = submit_case(item=reimbursement, applicant_kind="person", applicant_user=person.user,
                       applicant_name=person.name, applicant_id_number=person.id_number,
                       applicant_phone=person.phone, channel="online_hall", uploads={0: [Upload("0.pdf", PDF)]})
    listing = admin_client.get("/admin/cases/case/")
    assert listing.status_code == 200 and case.number in listing.content.decode()
    detail = admin_client.get(f"/admin/cases/case/{case.pk}/change/")
    assert detail.status_code == 200 and "submit" in detail.content.decode()
    assert admin_client.post(f"/admin/cases/case/{case.pk}/delete/", {"post": "yes"}).status_code == 403
    for url in ("/admin/evaluations/evaluation/", "/admin/evaluations/followup/", "/admin/cases/casenotice/"):
        assert admin_client.get(url).status_code == 200
