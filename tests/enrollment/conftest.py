"""Personas shared by the enrollment suites (residents, units and employees).

Taiyuan (太原市, 140100) with 小店区 (140105), Changzhi (140400) and Jincheng
(140500), each with a city agency; every agency has a clerk who accepts, two
reviewers and a clerk who may both accept and review. A suite may override
any of these fixtures in its own conftest (contributions does).
"""

import pytest

from tests.factories import AgencyFactory, StaffFactory
from yibao.agencies.models import Region


@pytest.fixture
def regions(catalog):
    return {slug: Region.objects.get(slug=slug) for slug in ("taiyuan", "changzhi", "jincheng")}


@pytest.fixture
def agencies(regions):
    return {
        "taiyuan": AgencyFactory(region=regions["taiyuan"], code="140100", slug="ty-city",
                                 name="太原市医疗保障事务中心", level="city"),
        "xiaodian": AgencyFactory(region=regions["taiyuan"], code="140105", slug="ty-xiaodian",
                                  name="小店区医疗保障服务中心"),
        "changzhi": AgencyFactory(region=regions["changzhi"], code="140400", slug="cz-city",
                                  name="长治市医疗保障事务中心", level="city"),
        "jincheng": AgencyFactory(region=regions["jincheng"], code="140500", slug="jc-city",
                                  name="晋城市医疗保险事务中心", level="city"),
    }


@pytest.fixture
def staff(agencies):
    """staff[agency][role]: accept, review, review2 and accept_review (one clerk with both roles)."""
    return {
        name: {
            "accept": StaffFactory(agency=agency, roles=["accept"]),
            "review": StaffFactory(agency=agency, roles=["review"]),
            "review2": StaffFactory(agency=agency, roles=["review"]),
            "accept_review": StaffFactory(agency=agency, roles=["accept", "review"]),
        }
        for name, agency in agencies.items()
    }
