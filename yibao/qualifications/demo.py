"""Demo rows of the 特药 institutions and doctors directory (Jincheng item 8), for `yibao demo`.

Per demo city, three special drugs at the city's demo designated hospital (``yibao.institutions.demo``)
with a responsible doctor each. Every row is labelled 示例: the drug names end in （示例）and the
doctors are 示例医师 — they are not a real hospital's published list. Idempotent (the directory's
upsert), audited like a clerk's entry.
"""

from __future__ import annotations

from django.db import transaction

from yibao.agencies.models import Region
from yibao.institutions.selectors import institution_by_code
from yibao.qualifications.services import save_directory_entry

DEMO_LABEL = "（示例）"
DEMO_DRUGS = (
    # drug, generic name, disease code, disease, doctor, department
    ("奥希替尼片", "甲磺酸奥希替尼片", "M00503", "恶性肿瘤", "示例医师甲", "肿瘤内科"),
    ("曲妥珠单抗注射液", "注射用曲妥珠单抗", "M00503", "恶性肿瘤（乳腺癌）", "示例医师乙", "乳腺外科"),
    ("托法替布片", "枸橼酸托法替布片", "M06900", "类风湿关节炎", "示例医师丙", "风湿免疫科"),
)


def demo_hospital_code(region: Region) -> str:
    """The national code the institutions demo gives the city's designated demo hospital."""
    return f"H{region.code}90001"


def load_demo_special_drugs(*, actor: str) -> int:
    """Add the labelled demo rows for every city whose demo hospital exists; return the rows written."""
    written = 0
    with transaction.atomic():
        for region in Region.objects.filter(slug__in=("taiyuan", "changzhi", "jincheng")).order_by("code"):
            hospital = institution_by_code(demo_hospital_code(region))
            if hospital is None:
                continue
            for drug, generic, code, disease, doctor, department in DEMO_DRUGS:
                save_directory_entry(region=region, actor=actor, drug_name=drug + DEMO_LABEL, generic_name=generic,
                                     disease_code=code, disease_name=disease,
                                     institution_code=hospital.national_code, institution_name=hospital.name,
                                     doctor_name=doctor, doctor_department=department)
                written += 1
    return written
