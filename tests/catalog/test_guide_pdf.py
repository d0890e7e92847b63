"""Guides as PDFs: Chinese renders with an embedded font and can be extracted."""

import io
import re

import pytest
from pypdf import PdfReader

from yibao.catalog.models import Item

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def fonts_of(reader: PdfReader) -> list[dict]:
    found = []
    for page in reader.pages:
        resources = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            found.append({"name": str(font.get("/BaseFont")),
                          "embedded": descriptor is not None and any(
                              k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))})
    return found


@pytest.mark.parametrize("city", ["taiyuan", "changzhi", "jincheng"])
def test_the_guide_pdf_has_extractable_chinese_in_an_embedded_font(client, catalog, city):
    items = Item.objects.filter(version__region__slug=city, version__is_current=True)
    item = max(items, key=lambda i: len(i.data.get("materials", [])))
    response = client.get(f"/guides/{city}/{item.key}/guide.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = squeeze("".join(page.extract_text() for page in reader.pages))
    assert squeeze(item.name) in text
    assert "申办材料" in text and "办理流程图" in text
    first_material = item.data["materials"][0]["name"]
    assert squeeze(first_material)[:12] in text
    fonts = fonts_of(reader)
    assert fonts and all(f["embedded"] for f in fonts)
    assert reader.metadata.title == f"{item.name} 办事指南"
