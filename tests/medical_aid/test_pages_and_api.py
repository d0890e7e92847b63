"""The person's aid page and API, the staff's programme pages (roles, upload, totals, export)."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests.factories import PersonAccountFactory, StaffFactory
from tests.medical_aid.conftest import row, workbook
from yibao.api.auth import issue_token
from yibao.medical_aid.models import AidProgramme, AidRecipient, ProgrammeStatus
from yibao.medical_aid.services import (
    approve_programme,
    create_programme,
    import_recipients,
    submit_programme,
)

pytestmark = pytest.mark.django_db


def bearer(user, kind):
    _token, raw = issue_token(user=user, kind=kind, channel="app")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def clerk(agencies):
    return {role: StaffFactory(agency=agencies["taiyuan"], roles=[role])
            for role in ("review", "second_review", "pay", "accept")}


def test_staff_import_approve_and_pay_through_the_pages_and_export_the_totals(client, clerk, resident):
    person = resident(name="王救助")
    client.force_login(clerk["review"].user)
    client.post("/medical-aid/programmes/", {"year": "2026"})
    programme = AidProgramme.objects.get()
    upload = SimpleUploadedFile("list.xlsx", workbook([row(person, "低保对象")]))
    client.post(f"/medical-aid/programmes/{programme.pk}/import/", {"file": upload})
    client.post(f"/medical-aid/programmes/{programme.pk}/submit/")
    client.force_login(clerk["second_review"].user)
    client.post(f"/medical-aid/programmes/{programme.pk}/approve/")
    client.force_login(clerk["pay"].user)
    page = client.post(f"/medical-aid/programmes/{programme.pk}/pay/", follow=True).content.decode()
    assert "已支付：退费 1 人" in page
    assert AidProgramme.objects.get().status == ProgrammeStatus.PAID

    sheet = load_workbook(BytesIO(client.get(f"/medical-aid/programmes/{programme.pk}/export.xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("救助对象类别", "经办机构", "人数")
    assert rows[2][0] == "低保对象" and rows[2][2] == 1 and rows[2][4] == float(AidRecipient.objects.get().subsidy)


def test_a_clerk_without_the_role_cannot_approve_or_pay(client, clerk, regions, resident):
    programme = create_programme(region=regions["taiyuan"], year=2026, actor="someone")
    import_recipients(programme=programme, content=workbook([row(resident(name="王救助"))]), actor="someone")
    submit_programme(programme=programme, actor="someone")
    client.force_login(clerk["accept"].user)
    assert client.post(f"/medical-aid/programmes/{programme.pk}/approve/").status_code == 403
    assert client.post(f"/medical-aid/programmes/{programme.pk}/pay/").status_code == 403
    assert AidProgramme.objects.get().status == ProgrammeStatus.TO_APPROVE


def test_a_bad_upload_is_reported_and_changes_nothing(client, clerk, regions):
    programme = create_programme(region=regions["taiyuan"], year=2026, actor="someone")
    client.force_login(clerk["review"].user)
    bad = SimpleUploadedFile("list.xlsx", workbook([("abc<script>", "某", "低保对象", "2026-01-01", "", "", "")]))
    page = client.post(f"/medical-aid/programmes/{programme.pk}/import/", {"file": bad}, follow=True).content.decode()
    assert "第2行：" in page and "公民身份号码" in page
    assert not AidRecipient.objects.exists()


def test_another_regions_programme_is_a_404(client, agencies, regions):
    programme = create_programme(region=regions["changzhi"], year=2026, actor="cz")
    client.force_login(StaffFactory(agency=agencies["taiyuan"], roles=["review"]).user)
    assert client.get(f"/medical-aid/programmes/{programme.pk}/").status_code == 404
    assert client.get(f"/medical-aid/programmes/{programme.pk}/export.xlsx").status_code == 404


def test_the_person_sees_their_own_aid_on_the_page_and_in_the_api(client, regions, resident):
    person = resident(name="王救助")
    programme = create_programme(region=regions["taiyuan"], year=2026, actor="a")
    import_recipients(programme=programme, content=workbook([row(person, "特困人员/孤儿")]), actor="a")
    submit_programme(programme=programme, actor="a")
    approve_programme(programme=programme, actor="b")
    login = PersonAccountFactory(id_number=person.id_number, name=person.name)
    client.force_login(login.user)
    page = client.get("/medical-aid/my/").content.decode()
    assert "特困人员/孤儿" in page and "2026" in page
    data = client.get("/api/medical-aid/my", **bearer(login.user, "person")).json()
    assert data["subsidies"][0]["category"] == "特困人员/孤儿"


def test_the_totals_api_is_for_staff_of_the_region(client, clerk, regions, resident):
    programme = create_programme(region=regions["taiyuan"], year=2026, actor="a")
    import_recipients(programme=programme, content=workbook([row(resident(name="王救助"))]), actor="a")
    totals = client.get(f"/api/staff/medical-aid/programmes/{programme.pk}/totals",
                        **bearer(clerk["review"].user, "staff")).json()
    assert totals[0]["persons"] == 1 and totals[0]["category"] == "低保对象"
    person = PersonAccountFactory(id_number="140105198503122515", name="王建国")
    assert client.get(f"/api/staff/medical-aid/programmes/{programme.pk}/totals",
                      **bearer(person.user, "person")).status_code == 403
