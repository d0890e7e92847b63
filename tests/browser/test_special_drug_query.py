"""A visitor on a phone looks up which hospitals and doctors may prescribe a special drug (Jincheng item 8)."""

import pytest

from yibao.agencies.models import Region
from yibao.qualifications.services import save_directory_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_on_a_phone_searches_the_special_drug_directory(live_server, page, catalog):
    jincheng = Region.objects.get(slug="jincheng")
    for drug, doctor in (("奥希替尼片", "李医生"), ("伊马替尼片", "王医生")):
        save_directory_entry(region=jincheng, actor="staff", drug_name=drug, generic_name="", disease_code="M00503",
                             disease_name="恶性肿瘤", institution_code="H14050000001", institution_name="晋城市人民医院",
                             doctor_name=doctor, doctor_department="肿瘤科")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/qualifications/special-drugs/")
    assert page.locator("h1").inner_text() == "特药定点医疗机构和责任医师查询"
    page.get_by_label("特药名称").fill("奥希替尼")
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()
    results = page.locator("#drug-results section.drug")
    assert results.count() == 1
    assert "晋城市人民医院" in results.inner_text() and "李医生（肿瘤科）" in results.inner_text()
    assert "伊马替尼片" not in page.locator("#drug-results").inner_text()
