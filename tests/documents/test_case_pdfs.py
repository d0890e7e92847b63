"""The case receipt and the one-time notice as PDFs: Chinese text in an embedded font."""

import io
import re

import pytest
from pypdf import PdfReader

from tests.cases.conftest import PDF
from yibao.cases.services import Upload, accept_case, issue_notice, submit_case
from yibao.documents.case_pdfs import issue_receipt, render_notice, render_receipt
from yibao.documents.models import IssuedDocument
from yibao.ids import make_resident_id, mask_resident_id

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def read(content: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(content))
    return squeeze("".join(page.extract_text() for page in reader.pages)), reader


def font_names(reader: PdfReader) -> list[str]:
    names = []
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.append(str(font.get_object().get("/BaseFont")))
    return names


@pytest.fixture
def case(reimbursement, person):
    return submit_case(
        item=reimbursement, applicant_kind="person", applicant_user=person.user,
        applicant_name=person.name, applicant_id_number=person.id_number, applicant_phone=person.phone,
        channel="online_hall", uploads={0: [Upload("票据.pdf", PDF), Upload("票据2.pdf", PDF + b"2")]},
    )


def test_the_application_receipt(case, person, reimbursement):
    text, reader = read(render_receipt(case))
    assert text.startswith("申请回执")
    assert case.number in text and squeeze(reimbursement.name) in text
    assert reimbursement.national_item in text  # the item's code (Jincheng has no provincial code)
    assert person.name in text and mask_resident_id(person.id_number) in text
    assert person.id_number not in text
    assert "网上服务大厅" in text and "已上传2个文件" in text and "未提供" in text
    assert "凭办件编号和手机号在/hall/progress/查询" in text
    assert "办结期限" not in text  # not accepted yet
    assert font_names(reader) and not any("Helvetica" in name for name in font_names(reader))


def test_the_acceptance_receipt_has_the_due_date(case, staff):
    for position in (1, 2, 3):
        case.materials.get(position=position).files.create(
            sha256="0" * 64, content_type="application/pdf", size=1, original_name="x.pdf",
            storage_path="cases/x.pdf", uploaded_by="test")
    case = accept_case(case=case, staff=staff["zezhou"]["accept"])
    text, _ = read(render_receipt(case))
    assert text.startswith("受理回执")
    assert f"办结期限{case.due_date:%Y-%m-%d}" in text and "泽州县医疗保障服务中心" in text


def test_downloading_the_receipt_again_reuses_its_document_until_the_case_is_accepted(case, staff, settings,
                                                                                     tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first = issue_receipt(case, actor="applicant")
    assert issue_receipt(case, actor="applicant") == first
    assert IssuedDocument.objects.filter(case_number=case.number, kind="receipt").count() == 1
    for position in (1, 2, 3):
        case.materials.get(position=position).files.create(
            sha256="0" * 64, content_type="application/pdf", size=1, original_name="x.pdf",
            storage_path="cases/x.pdf", uploaded_by="test")
    case = accept_case(case=case, staff=staff["zezhou"]["accept"])
    accepted = issue_receipt(case, actor="applicant")
    assert accepted != first and issue_receipt(case, actor="applicant") == accepted
    titles = IssuedDocument.objects.filter(case_number=case.number, kind="receipt").values_list("title", flat=True)
    assert sorted(t.split()[0] for t in titles) == ["受理回执", "申请回执"]


def test_a_proxy_is_shown_masked(reimbursement, person):
    agent = make_resident_id("14052519800303222")
    case = submit_case(
        item=reimbursement, applicant_kind="person", applicant_user=person.user,
        applicant_name=person.name, applicant_id_number=person.id_number, applicant_phone=person.phone,
        channel="online_hall", situation={"proxy": True}, agent_name="张三", agent_id_number=agent,
    )
    text, _ = read(render_receipt(case))
    assert "代办人张三" in text and mask_resident_id(agent) in text and agent not in text


def test_the_one_time_notice(case, staff, person):
    notice = issue_notice(case=case, staff=staff["zezhou"]["accept"],
                          problems={2: "缺少住院病历复印件", 3: "社保卡复印件不清晰"}, defective={3})
    text, reader = read(render_notice(notice))
    assert text.startswith("一次性告知书")
    assert notice.number in text and case.number in text and person.name in text
    assert "住院病历(复印件)" in text and "缺少住院病历复印件" in text
    assert "社保卡(复印件)" in text and "不符合要求" in text and "社保卡复印件不清晰" in text
    assert "泽州县医疗保障服务中心" in text
    assert "请一次性补齐上述材料后重新提交；补正期间不计入办理时限" in text
    assert person.id_number not in text
    assert not any("Helvetica" in name for name in font_names(reader))
