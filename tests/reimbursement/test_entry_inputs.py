"""The window's entry form draws a claim's fields with the inputs that fit them."""

from yibao.catalog.models import Item
from yibao.console.forms import field_inputs


def claim_item(city, key):
    return Item.objects.get(version__region__slug=city, version__is_current=True, key=key)


def test_a_clerk_gets_date_pickers_yes_no_boxes_and_the_medical_categories(catalog):
    inputs = {spec.name: spec for spec in field_inputs(claim_item("jincheng", "inpatient-reimbursement"))}
    assert inputs["admission_date"].widget == "date" and inputs["discharge_date"].widget == "date"
    assert inputs["institution_local"].widget == "checkbox"
    assert ("21", "普通住院") in inputs["med_type"].suggestions
    assert inputs["lines"].widget == "rows"


def test_the_accident_date_is_a_date_picker(catalog):
    inputs = {spec.name: spec for spec in field_inputs(claim_item("jincheng", "accident-injury-determination"))}
    assert inputs["accident_date"].widget == "date"
