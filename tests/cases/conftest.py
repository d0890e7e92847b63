"""Personas for the case engine: Jincheng, its city agency and two counties.

The applicant lives in 泽州县 (home agency 140525); 高平市 (140581) is "another
county's window" where a 通办 item may be accepted.
"""

import pytest

from tests.factories import AgencyFactory, PersonAccountFactory, StaffFactory, WindowFactory
from yibao.agencies.models import Region
from yibao.catalog.models import Item
from yibao.ids import make_resident_id

PDF = b"%PDF-1.4\n% a scan\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def current_item(city, key):
    return Item.objects.select_related("version__region", "category").get(
        version__region__slug=city, version__is_current=True, key=key)


@pytest.fixture
def jincheng(catalog):
    return Region.objects.get(slug="jincheng")


@pytest.fixture
def agencies(jincheng):
    return {
        "city": AgencyFactory(region=jincheng, code="140500", slug="jc-city", name="晋城市医疗保险事务中心", level="city"),
        "zezhou": AgencyFactory(region=jincheng, code="140525", slug="jc-zezhou", name="泽州县医疗保障服务中心"),
        "gaoping": AgencyFactory(region=jincheng, code="140581", slug="jc-gaoping", name="高平市医疗保障服务中心"),
    }


@pytest.fixture
def windows(agencies):
    return {name: WindowFactory(agency=agency, number="A01") for name, agency in agencies.items()}


@pytest.fixture
def staff(agencies):
    """staff[agency][role] — one clerk per role at each agency, plus a second reviewer."""
    people = {}
    for name, agency in agencies.items():
        people[name] = {role: StaffFactory(agency=agency, roles=[role])
                        for role in ("accept", "review", "second_review", "pay", "supervise")}
        people[name]["review2"] = StaffFactory(agency=agency, roles=["review"])
        people[name]["accept_review"] = StaffFactory(agency=agency, roles=["accept", "review"])
    return people


@pytest.fixture
def person():
    return PersonAccountFactory(id_number=make_resident_id("14052519900101123"), name="李晓梅",
                                phone="13912345678")


@pytest.fixture
def reimbursement(catalog, agencies):
    """Jincheng 住院医疗费用手工报销: 通办, 20 working days, 申请—受理—审核—拨付—办结."""
    return current_item("jincheng", "inpatient-reimbursement")
