"""Demo institutions for `yibao demo`: per demo city one hospital and one pharmacy with a login.

The hospital is already designated (code, open designation period from 2024-01-01,
no agreement document: it predates the system), so the settlement demo has an
institution to declare for; the pharmacy is 申请中, so the designation journey can be
walked from the hall. USCCs are built with a correct check digit and belong to nobody.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from yibao.agencies.models import Region
from yibao.agencies.services import DEMO_PASSWORD, DemoLogin
from yibao.audit.services import record_audit
from yibao.ids import make_uscc
from yibao.institutions.models import DesignationPeriod, Institution, InstitutionStatus
from yibao.institutions.services import InstitutionData, register_institution

DEMO_DESIGNATED_FROM = datetime.date(2024, 1, 1)
COUNTIES = {"taiyuan": "小店区", "changzhi": "潞州区", "jincheng": "城区"}


def _demo_data(region: Region, kind: str) -> InstitutionData:
    body = f"12{region.code}MB{'H' if kind == 'hospital' else 'P'}000001"
    uscc = make_uscc(body)
    city = region.name.removesuffix("市")
    if kind == "hospital":
        return InstitutionData(kind=kind, name=f"{city}示例人民医院", uscc=uscc, operator_uscc=uscc,
                               licence_number=f"PDY{region.code}01", legal_representative="张示例",
                               address=f"{region.name}示例路1号", county=COUNTIES.get(region.slug, ""),
                               opened_on=datetime.date(2010, 1, 1), phone="03510000001", level="2",
                               hospital_type="综合医院", beds=150, departments=("内科", "外科", "妇产科"),
                               services=("11", "14", "21", "51", "52"), bank_name="示例银行",
                               bank_account=f"6222{region.code}0001")
    return InstitutionData(kind=kind, name=f"{city}示例大药房", uscc=uscc, operator_uscc=uscc,
                           licence_number=f"晋AA{region.code}01", legal_representative="刘示例",
                           address=f"{region.name}示例路2号", county=COUNTIES.get(region.slug, ""),
                           opened_on=datetime.date(2020, 1, 1), phone="03510000002", pharmacists=2,
                           services=("41",), bank_name="示例银行", bank_account=f"6222{region.code}0002")


def load_demo_institutions(*, actor: str) -> list[DemoLogin]:
    """Create the demo institutions if missing (idempotent); return their logins."""
    logins = []
    with transaction.atomic():
        for region in Region.objects.filter(slug__in=list(COUNTIES)).order_by("code"):
            if not region.agencies.exists():
                continue
            for kind in ("hospital", "pharmacy"):
                data = _demo_data(region, kind)
                institution = Institution.objects.filter(uscc=data.uscc).first()
                if institution is None:
                    institution = register_institution(data=data, region=region, password=DEMO_PASSWORD,
                                                       actor=actor)
                    if kind == "hospital":
                        institution.national_code = f"H{region.code}90001"
                        institution.status = InstitutionStatus.DESIGNATED
                        institution.save(update_fields=["national_code", "status"])
                        DesignationPeriod.objects.create(institution=institution, start=DEMO_DESIGNATED_FROM)
                        record_audit(actor=actor, action="institutions.demo_designated", object_type="Institution",
                                     object_id=institution.pk, after={"national_code": institution.national_code})
                state = (f"定点，编码 {institution.national_code}" if institution.national_code
                         else institution.get_status_display())
                logins.append(DemoLogin(kind="医药机构", login=institution.uscc, password=DEMO_PASSWORD,
                                        description=f"{institution.name}（{state}）"))
    return logins
