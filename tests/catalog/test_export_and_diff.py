"""`yibao catalog export` and `yibao catalog diff`, and the compare page."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from yibao.catalog.diff import diff_catalogs

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {"code", "name", "parent", "category", "time_limit", "materials", "steps", "legal_basis"}


def run_cli(*args, tmp_path):
    # A fresh, empty database: the CLI must still work from the data files.
    env = {**os.environ, "YIBAO_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
           "YIBAO_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "yibao.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def export(city):
    out = StringIO()
    call_command("catalog", "export", "--city", city, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
@pytest.mark.parametrize("city", ["taiyuan", "changzhi", "jincheng"])
def test_export_lists_every_item_in_the_documented_shape(catalog, city):
    entries = export(city)
    assert len(entries) == catalog[city].items
    names = {e["name"] for e in entries}
    for entry in entries:
        assert REQUIRED <= entry.keys()
        assert entry["code"] is None or isinstance(entry["code"], str)
        assert entry["parent"] is None or entry["parent"] in names
        assert entry["time_limit"]["kind"] in {"instant", "working_days", "natural_days"}
        assert (entry["time_limit"]["days"] is None) == (entry["time_limit"]["kind"] == "instant")
        assert entry["steps"][0] == "申请" and entry["steps"][-1] == "办结"
        for material in entry["materials"]:
            assert material["name"] and isinstance(material["conditions"], dict)


def test_cli_help_lists_the_subcommands(tmp_path):
    result = run_cli("--help", tmp_path=tmp_path)
    assert result.returncode == 0
    for sub in ("catalog", "workdays", "demo", "serve"):
        assert sub in result.stdout


def test_cli_export_works_before_anything_is_loaded(tmp_path):
    result = run_cli("catalog", "export", "--city", "jincheng", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert any("46065" in json.dumps(e, ensure_ascii=False) for e in entries)


def test_cli_refuses_an_unknown_city(tmp_path):
    result = run_cli("catalog", "export", "--city", "beijing", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "beijing" in result.stderr


def entry(name, *, code=None, national=None, limit=("working_days", 5), materials=(), category=1):
    return {"name": name, "code": code, "national_item": national, "is_group": False,
            "category_number": category,
            "time_limit": {"kind": limit[0], "days": limit[1], "text": f"{limit[1]}个工作日"},
            "materials": [{"name": m, "conditions": {}} for m in materials]}


def test_diff_matches_by_code_then_name_then_national_item():
    left = [entry("单位参保登记", materials=["《登记表》", "《营业执照副本》"]),
            entry("职工参保登记（新参）", national="002036001002", limit=("instant", None)),
            entry("职工参保登记（续保）", national="002036001002", limit=("instant", None)),
            entry("缴费基数申报")]
    right = [entry("单位参保登记", code="002036001001", national="002036001001", materials=["登记表"]),
             entry("职工参保登记", code="002036001002", national="002036001002"),
             entry("生育津贴支付", code="002036007004", category=7)]
    rows = diff_catalogs(left, right)
    by_left = {tuple(e["name"] for e in r.left): r for r in rows}
    unit = by_left[("单位参保登记",)]
    assert unit.basis == "名称" and unit.same_time_limit is True
    assert unit.materials.common == ["《登记表》"] and unit.materials.only_left == ["《营业执照副本》"]
    employee = by_left[("职工参保登记（新参）", "职工参保登记（续保）")]
    assert employee.basis == "国家子项" and employee.same_time_limit is False and employee.differs
    assert by_left[("缴费基数申报",)].right == []
    assert [r for r in rows if not r.left][0].right[0]["name"] == "生育津贴支付"


@pytest.mark.django_db
def test_cli_diff_between_taiyuan_and_changzhi(catalog):
    out = StringIO()
    call_command("catalog", "diff", "taiyuan", "changzhi", stdout=out)
    text = out.getvalue()
    assert "事项比对：taiyuan（左） ↔ changzhi（右）" in text
    assert "单位参保登记" in text and "办理时限" in text
    assert "! [" in text  # some rows differ
    summary = text.strip().splitlines()[-1]
    assert summary.startswith("共 ") and "匹配" in summary


@pytest.mark.django_db
def test_compare_page_highlights_differences(client, catalog):
    response = client.get("/guides/compare/", {"left": "taiyuan", "right": "changzhi"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="differs"' in html and "太原市" in html and "长治市" in html


@pytest.mark.django_db
def test_compare_page_refuses_an_unknown_city(client, catalog):
    response = client.get("/guides/compare/", {"left": "taiyuan", "right": "mars"})
    assert response.status_code == 400
    assert "参数 right「mars」不是已载入的城市" in response.content.decode()
