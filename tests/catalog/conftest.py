import copy

import pytest
import yaml

MINIMAL = {
    "city": "taiyuan",
    "name": "太原市",
    "region_code": "140100",
    "source": {"title": "测试用办事指南", "seed_file": "test.txt"},
    "items": [
        {
            "key": "unit-enrollment",
            "name": "单位参保登记",
            "category": 1,
            "situations": ["参保登记", "注销登记"],
            "materials": [
                {"name": "《基本医疗保险单位参保信息登记表》", "copies": "2份"},
                {"name": "《营业执照副本》", "conditions": {"unit_types": ["企业"], "situations": ["参保登记"]}},
            ],
            "time_limit": {"kind": "working_days", "days": 3, "text": "3个工作日"},
            "steps": ["申请", "受理", "审核", "办结"],
        },
        {"key": "employee-enrollment", "name": "职工参保登记", "category": 1},
        {
            "key": "employee-enrollment-new",
            "name": "职工参保登记（新参）",
            "parent": "employee-enrollment",
            "category": 1,
            "materials": [{"name": "《职工基本医疗保险参保登记表》"}],
            "time_limit": {"kind": "instant", "text": "即时办结"},
            "steps": ["申请", "受理", "办结"],
        },
    ],
}


@pytest.fixture
def minimal_catalog():
    return copy.deepcopy(MINIMAL)


@pytest.fixture
def write_catalog(tmp_path):
    """Write a catalog dict as <city>.yaml in a temporary folder and return its path."""

    def write(data, name=None):
        path = tmp_path / f"{name or data.get('city', 'taiyuan')}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write
