"""The authorization matrix: every endpoint × every persona answers as declared.

The endpoints are read from the URL configuration (HTML pages, the admin site)
and from the API's OpenAPI document (one entry per operation), so a new endpoint
is part of the matrix the day it is added — and this test fails until
``access_matrix.yaml`` says who may use it. How to record the expectations of
new endpoints is explained at the top of that file.
"""

import fnmatch
import functools
import os
import re
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import yaml
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver

from tests.cases.conftest import PDF, current_item
from tests.factories import AgencyFactory, PersonAccountFactory, StaffFactory, UnitAccountFactory
from yibao.agencies.models import Region
from yibao.agencies.services import _sync_admin_access
from yibao.api.api import api
from yibao.api.auth import issue_token
from yibao.cases.models import CaseFile
from yibao.cases.services import Upload, submit_case
from yibao.ids import make_resident_id, make_uscc

MATRIX = Path(__file__).with_name("access_matrix.yaml")
RECORD = os.environ.get("YIBAO_MATRIX_RECORD") == "1"
RECORDED = MATRIX.with_name("access_matrix.recorded.yaml")

PERSONAS = ("anonymous", "person_a", "person_b", "unit_a", "unit_b",
            "accept", "review", "second_review", "pay", "supervise", "administer",
            "other_agency", "other_city")
OUTCOMES = ("allowed", "login", "forbidden", "missing")
# The API's own routes in the URL configuration are its operations, listed from
# the OpenAPI document instead; these three are pages, not operations.
API_PAGES = {"api:openapi-json", "api:openapi-view", "api:api-root"}
LOGIN_PAGES = ("/accounts/login/", "/admin/login/")


# --- the endpoints ---------------------------------------------------------------------------

def _readable(route: str) -> str:
    """``admin/^(?P<app_label>auth|…)/$`` → ``/admin/<app_label>/``: one spelling for the data file."""
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    return "/" + route.replace("^", "").replace("$", "")


def _walk(patterns, prefix="", namespaces=()):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        else:
            yield prefix + str(pattern.pattern), ":".join(namespaces + (pattern.name or "",))


def html_endpoints() -> list[str]:
    """Every page of the URL configuration, as ``/path/<param>/`` (API operations excluded)."""
    found = []
    for route, name in _walk(get_resolver().url_patterns):
        if name.startswith("api:") and name not in API_PAGES:
            continue
        found.append(_readable(route))
    return sorted(set(found))


def api_endpoints() -> list[str]:
    """Every operation of the OpenAPI document, as ``METHOD /api/path/{param}``."""
    schema = api.get_openapi_schema(path_prefix="/api")
    return sorted(f"{method.upper()} {path}" for path, operations in schema["paths"].items()
                  for method in operations)


@functools.cache
def all_endpoints() -> list[str]:
    return html_endpoints() + api_endpoints()


def section(endpoint: str) -> str:
    """Four parts of about equal cost, one test each (xdist spreads them; each builds its objects once)."""
    first = endpoint.split(" ")[-1].strip("/").split("/")[0]
    if first in ("admin", "api"):
        return first
    return "staff pages" if first in ("console", "ledger", "evaluations", "offsite", "documents") else "public and hall"


# --- the data file ---------------------------------------------------------------------------

def load_matrix() -> list[dict]:
    return yaml.safe_load(MATRIX.read_text(encoding="utf-8"))["rules"]


def rules_for(endpoint: str, rules: list[dict]) -> list[dict]:
    """Every rule naming the endpoint exactly (each asks with its own objects), else the first matching glob."""
    exact = [rule for rule in rules if endpoint in rule["endpoints"]]
    if exact:
        return exact
    for rule in rules:
        if any(fnmatch.fnmatchcase(endpoint, glob) for glob in rule["endpoints"] if "*" in glob):
            return [rule]
    return []


def expected(rule: dict, persona: str) -> str:
    expect = rule["expect"]
    return str(expect.get(persona, expect["default"]))


# --- the personas and their objects ----------------------------------------------------------

@pytest.fixture
def world(catalog, django_capture_on_commit_callbacks):
    """Jincheng's 泽州县 is the home agency; 高平市 is another agency of the city, 小店区 of Taiyuan."""
    jincheng = Region.objects.get(slug="jincheng")
    taiyuan = Region.objects.get(slug="taiyuan")
    home = AgencyFactory(region=jincheng, code="140525", slug="jc-zezhou", name="泽州县医疗保障服务中心")
    AgencyFactory(region=jincheng, code="140500", slug="jc-city", name="晋城市医疗保险事务中心", level="city")
    neighbour = AgencyFactory(region=jincheng, code="140581", slug="jc-gaoping", name="高平市医疗保障服务中心")
    far = AgencyFactory(region=taiyuan, code="140105", slug="ty-xiaodian", name="小店区医疗保障服务中心")

    accounts = {
        "person_a": PersonAccountFactory(id_number=make_resident_id("14052519900101123"), name="李晓梅",
                                         phone="13912345678"),
        "person_b": PersonAccountFactory(id_number=make_resident_id("14052519850505223"), name="王建国",
                                         phone="13987654321"),
        "unit_a": UnitAccountFactory(uscc=make_uscc("91140525MA0L00009"), name="晋城市测试机械有限公司"),
        "unit_b": UnitAccountFactory(uscc=make_uscc("91140525MA0L00017"), name="晋城市另一家有限公司"),
    }
    users = {name: account.user for name, account in accounts.items()}
    for role in ("accept", "review", "second_review", "pay", "supervise", "administer"):
        clerk = StaffFactory(agency=home, roles=[role])
        _sync_admin_access(clerk, [role])
        users[role] = clerk.user
    users["other_agency"] = StaffFactory(agency=neighbour, roles=["accept", "review"]).user
    users["other_city"] = StaffFactory(agency=far, roles=["accept", "review"]).user

    person_a, unit_a = accounts["person_a"], accounts["unit_a"]
    with django_capture_on_commit_callbacks(execute=True):  # the scans are stored at commit
        person_case = submit_case(
            item=current_item("jincheng", "inpatient-reimbursement"), applicant_kind="person",
            applicant_user=person_a.user, applicant_name=person_a.name, applicant_id_number=person_a.id_number,
            applicant_phone=person_a.phone, channel="online_hall",
            uploads={i: [Upload(f"{i}.pdf", PDF)] for i in range(4)})
    unit_case = submit_case(
        item=current_item("jincheng", "unit-enrollment"), applicant_kind="unit", applicant_user=unit_a.user,
        applicant_name=unit_a.name, applicant_id_number=unit_a.uscc, applicant_phone="0356-2345678",
        channel="online_hall", situation={"unit_type": "企业"},
        form_data={"unit_name": unit_a.name, "unit_type": "企业", "insurance_types": ["职工基本医疗保险"]},
        uploads={0: [Upload("信用代码证.pdf", PDF)]})
    person_a_token, _ = issue_token(user=person_a.user, kind="person", channel="app")
    objects = {
        "person_a_case": person_case.number,
        "unit_a_case": unit_case.number,
        "person_a_file": CaseFile.objects.filter(material__case=person_case).first().pk,
        "person_a_token": person_a_token.pk,
        "person_a_id_number": person_a.id_number,
    }

    clients = {"anonymous": (Client(), {})}
    for persona in PERSONAS[1:]:
        client = Client()
        client.force_login(users[persona])
        kind = "staff" if persona not in accounts else persona.split("_")[0]
        _, raw = issue_token(user=users[persona], kind=kind, channel="app")
        clients[persona] = (client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"})
    return clients, objects


# --- asking --------------------------------------------------------------------------------

# What a path parameter is unless a rule says otherwise: person A's things.
DEFAULT_PARAMS = {"number": "person_a_case", "case_number": "person_a_case", "file_id": "person_a_file",
                  "token_id": "person_a_token", "id_number": "person_a_id_number",
                  "city": "jincheng", "key": "inpatient-reimbursement", "app_label": "cases",
                  "object_id": "999999999", "content_type_id": "999999999"}


def _url(path: str, rule: dict, objects: dict) -> str:
    params = DEFAULT_PARAMS | rule.get("params", {})

    def value(match):
        name = match.group(1)
        given = params.get(name, objects.get(name, "1"))
        return str(objects.get(given, given))
    return re.sub(r"[<{](?:\w+:)?(\w+)[>}]", value, path)


def outcome(response) -> str:
    status = response.status_code
    if status == 401 or (status in (301, 302) and response["Location"].startswith(LOGIN_PAGES)):
        return "login"
    if status == 403:
        return "forbidden"
    if status == 404:
        return "missing"
    # A refusal of the request's content (400/409/422) means it got past the access checks.
    if status < 400 or status in (400, 409, 422):
        return "allowed"
    return str(status)


def ask(clients: dict, persona: str, endpoint: str, rule: dict, objects: dict) -> str:
    client, headers = clients[persona]
    method, path = endpoint.split(" ") if " " in endpoint else (rule.get("method", "GET"), endpoint)
    url = _url(path, rule, objects)
    cookies = SimpleCookie(client.cookies)
    # Every request runs in a savepoint undone afterwards, so an action one persona
    # may take (advance, withdraw, revoke) never changes what the next one sees.
    with transaction.atomic():
        send = getattr(client, method.lower())
        data = {key: objects.get(v, v) if isinstance(v, str) else v for key, v in rule.get("data", {}).items()}
        if endpoint.startswith(("POST /api", "PUT /api", "PATCH /api", "DELETE /api")):
            response = send(url, data=data, content_type="application/json", **headers)
        else:
            response = send(url, data=data, **headers)
        transaction.set_rollback(True)
    client.cookies = cookies  # a logout page must not log the persona out for the next request
    return outcome(response)


# --- the tests -----------------------------------------------------------------------------

def test_every_endpoint_has_an_expectation(db):
    if RECORD:
        pytest.skip("recording: the missing expectations are written by the section tests")
    rules = load_matrix()
    missing = [endpoint for endpoint in all_endpoints() if not rules_for(endpoint, rules)]
    assert not missing, (
        "这些接口在 tests/security/access_matrix.yaml 中没有预期（谁可以访问）；"
        "用 YIBAO_MATRIX_RECORD=1 记录后人工核对：\n" + "\n".join(missing))


def test_every_rule_is_well_formed_and_names_an_endpoint(db):
    endpoints = all_endpoints()
    for rule in load_matrix():
        assert set(rule["expect"]) <= {"default", *PERSONAS}, rule
        assert "default" in rule["expect"] or set(rule["expect"]) >= set(PERSONAS), rule
        for value in rule["expect"].values():
            assert str(value) in OUTCOMES or str(value).isdigit(), rule
        for name in rule["endpoints"]:
            if "*" in name:
                assert any(fnmatch.fnmatchcase(e, name) for e in endpoints), f"规则不匹配任何接口：{name}"
            else:
                assert name in endpoints, f"规则中的接口已不存在：{name}"


SECTIONS = sorted({section(endpoint) for endpoint in all_endpoints()})


@pytest.mark.parametrize("part", SECTIONS)
def test_each_persona_gets_the_declared_answer(world, part):
    clients, objects = world
    rules = load_matrix()
    wrong, unknown = [], {}
    for endpoint in (e for e in all_endpoints() if section(e) == part):
        declared = rules_for(endpoint, rules)
        if not declared and RECORD:
            probe = {"endpoints": [endpoint], "expect": {"default": "missing"}}
            unknown[endpoint] = {p: ask(clients, p, endpoint, probe, objects) for p in PERSONAS}
        for rule in declared:
            for persona in PERSONAS:
                got = ask(clients, persona, endpoint, rule, objects)
                if got != expected(rule, persona):
                    wrong.append(f"{endpoint} {rule.get('params', '')} 对 {persona}："
                                 f"预期 {expected(rule, persona)}，实际 {got}")
    if unknown:
        _record(part, unknown)
    assert not wrong, "\n".join(wrong)


def _record(part: str, seen: dict[str, dict[str, str]]) -> None:
    """Print, and append to access_matrix.recorded.yaml, a rule per endpoint: what was observed."""
    rules = []
    for endpoint, answers in sorted(seen.items()):
        default = Counter(answers.values()).most_common(1)[0][0]
        expect = {"default": default} | {p: a for p, a in answers.items() if a != default}
        rules.append({"endpoints": [endpoint], "expect": expect})
    text = f"# 记录于 section {part}：观察到的结果，须人工核对后移入 access_matrix.yaml\n" + yaml.safe_dump(
        rules, allow_unicode=True, sort_keys=False, default_flow_style=None)
    print(text)
    with RECORDED.open("a", encoding="utf-8") as out:
        out.write(text)
