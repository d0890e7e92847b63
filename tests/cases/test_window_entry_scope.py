"""窗口录入 of an item that is not 通办: only its home agency's window may enter it."""

import pytest

from tests.cases.conftest import PDF, current_item
from tests.conftest import serve_with_stand_in
from tests.factories import AgencyFactory, StaffFactory
from yibao.agencies.models import Region
from yibao.api.auth import issue_token
from yibao.audit.models import AuditEntry
from yibao.cases.models import Case
from yibao.cases.services import MoveNotAllowed, Upload, submit_case
from yibao.ids import make_resident_id

pytestmark = pytest.mark.django_db

ID = make_resident_id("14010519850312251")


@pytest.fixture
def taiyuan_two_diseases(catalog):
    """Taiyuan's 两病 registration (not 通办); the applicant lives in 小店区 (home 140105)."""
    taiyuan = Region.objects.get(slug="taiyuan")
    home = AgencyFactory(region=taiyuan, code="140105", slug="ty-xiaodian", name="小店区医疗保障服务中心")
    other = AgencyFactory(region=taiyuan, code="140106", slug="ty-yingze", name="迎泽区医疗保障服务中心")
    item = serve_with_stand_in(current_item("taiyuan", "two-diseases"))
    return item, home, other


def enter(item, clerk):
    return submit_case(item=item, applicant_kind="person", applicant_name="王建国", applicant_id_number=ID,
                       applicant_phone="13900001111", channel="window", staff=clerk,
                       uploads={0: [Upload("登记表.pdf", PDF)]})


def test_another_agencys_window_cannot_enter_a_non_tongban_item(taiyuan_two_diseases):
    item, home, other = taiyuan_two_diseases
    audit_rows = AuditEntry.objects.count()
    with pytest.raises(MoveNotAllowed, match="不在迎泽区医疗保障服务中心的通办范围，请到所属经办机构小店区医疗保障服务中心办理"):
        enter(item, StaffFactory(agency=other, roles=["accept"]))
    assert not Case.objects.exists()
    assert AuditEntry.objects.count() == audit_rows


def test_the_home_agencys_window_enters_it(taiyuan_two_diseases):
    item, home, other = taiyuan_two_diseases
    case = enter(item, StaffFactory(agency=home, roles=["accept"]))
    assert case.home_agency == home and case.channel == "window"


def test_the_api_refuses_it_too_and_stores_nothing(client, taiyuan_two_diseases):
    item, home, other = taiyuan_two_diseases
    clerk = StaffFactory(agency=other, roles=["accept"])
    _, raw = issue_token(user=clerk.user, kind="staff", channel="app")
    response = client.post("/api/staff/cases", {
        "applicant_kind": "person", "applicant_id_number": ID, "applicant_name": "王建国",
        "phone": "13900001111", "item": "two-diseases"}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert 400 <= response.status_code < 500
    assert "小店区医疗保障服务中心" in response.json()["detail"]
    assert not Case.objects.exists()
