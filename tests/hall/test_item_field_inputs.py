"""The hall draws each item's own fields from the handler's schema, with the input that fits."""

import datetime

import pytest
from django.http import QueryDict
from pydantic import BaseModel, Field

from tests.factories import PersonAccountFactory
from yibao.hall.forms import FormError, field_specs, parse_item_fields
from yibao.ids import make_resident_id


class Episode(BaseModel):
    insured_name: str = Field(title="参保人姓名")
    admitted: datetime.date = Field(title="入院日期")
    discharged: datetime.date | None = Field(None, title="出院日期")
    difficult_birth: bool = Field(False, title="难产")
    attachments: int = Field(0, title="附件张数")


def test_dates_numbers_and_yes_no_get_their_own_inputs():
    kinds = {spec.name: spec.kind for spec in field_specs(Episode)}
    assert kinds == {"insured_name": "text", "admitted": "date", "discharged": "date",
                     "difficult_birth": "yesno", "attachments": "number"}


def test_yes_no_reaches_the_handler_as_a_boolean():
    specs = field_specs(Episode)
    data = QueryDict(mutable=True)
    data.update({"field_insured_name": "李晓梅", "field_admitted": "2026-11-02", "field_difficult_birth": "是"})
    values = parse_item_fields(specs, data)
    assert values["difficult_birth"] is True
    assert Episode.model_validate(values).difficult_birth is True


def test_a_yes_no_answer_other_than_yes_or_no_is_named():
    data = QueryDict(mutable=True)
    data.update({"field_insured_name": "李晓梅", "field_admitted": "2026-11-02", "field_difficult_birth": "true"})
    with pytest.raises(FormError, match="字段 难产：「true」无效，可选：是、否"):
        parse_item_fields(field_specs(Episode), data)


@pytest.mark.django_db
def test_a_person_finds_their_own_name_and_number_filled_in_on_a_claim(client, catalog):
    person = PersonAccountFactory(id_number=make_resident_id("14010519850312251"), name="王建国")
    client.force_login(person.user)
    html = client.get("/hall/apply/taiyuan/outpatient-reimbursement-employee/").content.decode()
    assert 'name="field_insured_name" value="王建国"' in html
    assert f'name="field_insured_id_number" value="{person.id_number}"' in html
    assert 'type="date"' in html and 'id="field_admission_date"' in html
    assert '<select id="field_institution_local"' in html


@pytest.mark.django_db
def test_the_claim_form_offers_the_national_medical_categories_while_typing(client, catalog):
    person = PersonAccountFactory(id_number=make_resident_id("14010519850312251"), name="王建国")
    client.force_login(person.user)
    html = client.get("/hall/apply/taiyuan/outpatient-reimbursement-employee/").content.decode()
    assert 'list="field_med_type_list"' in html
    assert '<option value="21">21 普通住院</option>' in html and '<option value="11">11 普通门诊</option>' in html
