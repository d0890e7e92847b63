"""The demo command's 特药 directory rows: labelled 示例, at each city's demo designated hospital."""

import pytest

from yibao.institutions.demo import load_demo_institutions
from yibao.qualifications.demo import load_demo_special_drugs
from yibao.qualifications.models import DrugInstitution, SpecialDrug

pytestmark = pytest.mark.django_db


def test_the_demo_directory_lists_labelled_drugs_at_the_demo_hospitals(client, agencies):
    load_demo_institutions(actor="demo")
    assert load_demo_special_drugs(actor="demo") == 9
    assert load_demo_special_drugs(actor="demo") == 9  # idempotent
    assert SpecialDrug.objects.count() == 9
    assert all(name.endswith("（示例）") for name in SpecialDrug.objects.values_list("name", flat=True))
    place = DrugInstitution.objects.get(drug__region__slug="jincheng", drug__name="奥希替尼片（示例）")
    assert place.institution_code == "H14050090001" and place.institution_name == "晋城示例人民医院"

    page = client.get("/qualifications/special-drugs/", {"q": "奥希替尼", "region": "jincheng"}).content.decode()
    assert "奥希替尼片（示例）" in page and "晋城示例人民医院" in page and "示例医师甲" in page
