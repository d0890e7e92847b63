"""A demo 零星报销 claim, for `yibao demo`: something for a new clerk to walk from 受理 to 拨付.

王建国 (the Taiyuan demo employee) files a 门诊费用报销(职工) online for a visit to the Taiyuan demo
hospital four weeks ago, with four lines (甲, 乙 with 先行自付, 丙) and his scans. The claim waits
at 小店区 for 受理. Idempotent: a second run finds the claim by its bill number and adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

from yibao import clock
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.models import Case
from yibao.cases.services import Upload, submit_case
from yibao.catalog.models import Item

DEMO_PERSON = ("王建国", "140105198503122515", "13800000001")
DEMO_BILL = "TY2026DEMO01"
DEMO_ITEM = ("taiyuan", "outpatient-reimbursement-employee")
# A one-page PDF: uploads are checked by content, so the demo scan must be a real PDF header.
DEMO_SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DEMO_LINES = [
    # 甲 200; 乙 975 with 10 % 先行自付; 丙 20: above the (demo) deductible, so the fund pays a part.
    {"row": 1, "item_code": "110200001", "item_name": "门诊诊查费", "grade": "甲", "unit_price": "20", "quantity": "1"},
    {"row": 2, "item_code": "220201001", "item_name": "彩色多普勒超声检查", "grade": "甲", "unit_price": "180",
     "quantity": "1"},
    {"row": 3, "item_code": "XC09AA", "item_name": "硝苯地平控释片", "grade": "乙", "unit_price": "32.5",
     "quantity": "30", "self_pay_ratio": "0.10"},
    {"row": 4, "item_code": "Z01", "item_name": "医用口罩", "grade": "丙", "unit_price": "2", "quantity": "10"},
]


def load_demo_claims(*, actor: str) -> str:
    """File the demo claim unless it is there; return a line for the demo's output."""
    name, id_number, phone = DEMO_PERSON
    # JSON containment is not portable to SQLite: the person has few cases, look at each.
    for case in Case.objects.filter(applicant_id_number=id_number).only("number", "form_data"):
        if DEMO_BILL in (case.form_data or {}).get("bill_numbers", ()):
            return f"演示报销办件 {case.number} 已存在"
    city, key = DEMO_ITEM
    item = Item.objects.select_related("version__region").filter(
        version__region__slug=city, version__is_current=True, key=key).first()
    if item is None:
        return "未载入太原市事项清单，未生成演示报销办件"
    visit = clock.today() - timedelta(days=28)
    form = {
        "insured_name": name, "insured_id_number": id_number, "med_type": "11",
        "institution_code": "H14010090001", "institution_name": "太原示例人民医院", "institution_local": True,
        "hospital_level": "二级", "admission_date": visit.isoformat(), "discharge_date": visit.isoformat(),
        "diagnosis_code": "I10.x00", "diagnosis_name": "原发性高血压", "bill_numbers": [DEMO_BILL],
        "payee": "本人", "account_name": name, "bank_name": "中国工商银行太原分行（示例账户）",
        "account_number": "6222020200009999001", "lines": DEMO_LINES,
    }
    situation = {"situations": []}
    needed = compute_checklist(item.data, Situation.model_validate({**situation, "applicant_kind": "person"}))
    uploads = {line.position: [Upload(f"演示材料{line.position}.pdf", DEMO_SCAN)] for line in needed}
    case = submit_case(item=item, applicant_kind="person", applicant_name=name, applicant_id_number=id_number,
                       applicant_phone=phone, channel="online_hall", situation=situation,
                       form_data=form, uploads=uploads)
    return f"演示报销办件 {case.number}（{item.name}，待小店区受理）"
