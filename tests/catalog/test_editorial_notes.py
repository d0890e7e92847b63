"""The transcribers' notes about the seed text stay in the data, out of what the public reads."""

import io
import json
import re

import pytest
from pypdf import PdfReader

from yibao.catalog.editorial import public_notes, public_text
from yibao.catalog.files import CITIES, city_path, read_city_file

pytestmark = pytest.mark.django_db

EDITORIAL = ("原文", "合并单元格", "流程图标题", "days按")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_data_files_keep_the_editorial_notes():
    taiyuan = read_city_file(city_path("taiyuan")).catalog
    item = next(i for i in taiyuan.items if i.key == "inpatient-reimbursement-employee")
    assert any("流程图标题为" in note for note in item.notes)
    assert any((m.note or "").startswith("选择材料。原文") for m in item.materials)


def test_an_editorial_sentence_goes_and_the_public_part_stays():
    assert public_text("选择材料。原文:“1.转外就医备案材料(到转出医院报销)”") == "选择材料。"
    assert public_text("流程图标题为“住院费用报销(职工)(未直接联网结算)办事流程图”。") == ""
    assert public_text("现场办理需携带申办材料;网上自助办理的原文未列材料。") == "现场办理需携带申办材料。"
    assert public_text("办理时限分两种:定额20个工作日办结(days按此填写);非定额即时办结。") == \
        "办理时限分两种:定额20个工作日办结;非定额即时办结。"
    assert public_text("注：原文本行设定依据栏为空（合并单元格），设定依据同本类其他子项。") == ""
    # The seed's own notes pass unchanged, list punctuation included.
    seed_note = "（1）港澳台人员参加在职职工医保的，需提供港澳居民来往内地通行证或港澳台居民居住证以及建立劳动关系的证明；"
    assert public_text(seed_note) == seed_note
    assert public_notes(["原文本事项无“查询方式”一项。", "温馨提示:请开通医保电子凭证。"]) == \
        ["温馨提示:请开通医保电子凭证。"]


def test_the_guide_page_shows_no_editorial_note(client, catalog):
    page = client.get("/guides/taiyuan/inpatient-reimbursement-employee/").content.decode()
    assert "选择材料" in page
    for word in EDITORIAL:
        assert word not in page, word
    changzhi = client.get("/guides/changzhi/resident-enrollment/").content.decode()
    assert "合并单元格" not in changzhi and "注：原文" not in changzhi


def test_the_guide_pdf_shows_no_editorial_note(client, catalog):
    response = client.get("/guides/taiyuan/inpatient-reimbursement-employee/guide.pdf")
    reader = PdfReader(io.BytesIO(response.content))
    text = squeeze("".join(page.extract_text() for page in reader.pages))
    assert "申办材料" in text
    for word in EDITORIAL:
        assert word not in text, word


@pytest.mark.parametrize("city", CITIES)
def test_the_export_shows_no_editorial_note(client, catalog, city):
    body = json.dumps(client.get(f"/api/items/{city}").json(), ensure_ascii=False)
    for word in ("原文", "合并单元格", "流程图标题"):
        assert word not in body, word


def test_the_application_checklist_shows_no_editorial_note(client, catalog):
    page = client.get("/hall/apply/taiyuan/inpatient-reimbursement-employee/checklist/").content.decode()
    assert "原文" not in page
