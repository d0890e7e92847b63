"""Person lookup and contribution records through the API: clerks of the region, and a person's own record.

The world is the demo's: ``yibao demo``'s agencies, clerks and logins, and its
enrollment data (王建国 in Taiyuan, 李晓梅 in Jincheng, a small city per region).
"""

import json

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.client import ClientHandler
from django.utils import timezone

from tests.api.conftest import Api, obtain
from tests.factories import PersonAccountFactory, UnitAccountFactory
from yibao.accounts.services import load_demo_accounts
from yibao.agencies.models import StaffMember
from yibao.agencies.services import DEMO_PASSWORD, load_demo_agencies
from yibao.api import hot
from yibao.api.auth import forget_identities
from yibao.enrollment.demo import DEMO_EMPLOYEE, DEMO_RESIDENT, load_demo_enrollment
from yibao.enrollment.models import Person
from yibao.enrollment.synthetic import contribution_months
from yibao.ids import make_resident_id, mask_resident_id

pytestmark = pytest.mark.django_db

WANG = DEMO_EMPLOYEE["id_number"]  # 王建国, Taiyuan 小店区, employee of the demo unit
LI = DEMO_RESIDENT["id_number"]  # 李晓梅, Jincheng 泽州县, resident


class HotClientHandler(ClientHandler):
    """The test client's handler with the hot read path in front, as yibao.wsgi_hot serves it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answered = 0

    def __call__(self, environ):
        result = hot.answer(environ)
        if result is None:
            return super().__call__(environ)
        self.answered += 1
        status, body = result
        response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
        response.wsgi_request = WSGIRequest(environ)
        return response


@pytest.fixture(params=["django", "hot"])
def client(request):
    """Every test here runs twice: through Django and django-ninja, and through the hot path
    (yibao.api.hot), which answers the ordinary lookups itself and hands the rest to Django."""
    client = Client()
    if request.param == "hot":
        client.handler = HotClientHandler()
    yield client
    forget_identities()


@pytest.fixture
def demo(catalog):
    load_demo_agencies(actor="test")
    load_demo_accounts(actor="test")
    return load_demo_enrollment(actor="test", city_persons=30, city_units=3)


@pytest.fixture
def login(client, demo):
    """login("staff", "ty-xiaodian-accept") → an Api speaking with that account's token."""
    def as_(kind, identifier, password=DEMO_PASSWORD):
        response = obtain(client, kind, identifier, password=password)
        assert response.status_code == 201, response.content
        return Api(client, response.json()["token"])
    return as_


# --- clerks --------------------------------------------------------------------------------------------

def test_a_clerk_looks_up_a_person_of_the_region_with_the_active_periods(login):
    clerk = login("staff", "ty-xiaodian-accept")

    response = clerk.get(f"/api/persons/{WANG}")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["sex_name"], body["birth_date"]) == ("王建国", "男", "1985-03-12")
    assert (body["region"], body["home_agency"]) == ("太原市", "小店区医疗保障服务中心")
    assert [(p["insurance_type"], p["status_name"], p["category_name"], p["unit_name"], p["unit_uscc"])
            for p in body["periods"]] == [
        ("310", "正常参保", "在职职工", "太原示例科技有限公司", "91140105MA0K123457")]
    assert body["account"] is None  # the account balance is the person's own business


def test_the_city_agency_sees_every_county_of_its_region(login):
    response = login("staff", "ty-city-accept").get(f"/api/persons/{WANG}")

    assert response.status_code == 200 and response.json()["name"] == "王建国"


def test_a_clerk_reads_the_last_twelve_months_of_contributions(login):
    clerk = login("staff", "ty-xiaodian-review")

    response = clerk.get(f"/api/persons/{WANG}/contributions", {"months": 12})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id_number"] == mask_resident_id(WANG) == "140105********2515"
    rows = body["rows"]
    # The demo's contributions are the 12 months up to the month it was loaded.
    assert [row["month"] for row in rows] == [
        f"{m:%Y-%m}" for m in reversed(contribution_months(timezone.localdate()))]
    # Money is a decimal string, never a float: 8 % and 2 % of an 8 000 yuan base.
    assert {(row["base"], row["unit_part"], row["personal_part"], row["paid"]) for row in rows} == {
        ("8000.00", "640.00", "160.00", True)}
    assert len(clerk.get(f"/api/persons/{WANG}/contributions", {"months": 3}).json()["rows"]) == 3


def test_a_clerk_of_another_region_does_not_find_the_person(login):
    clerk = login("staff", "jc-zezhou-accept")

    person = clerk.get(f"/api/persons/{WANG}")
    contributions = clerk.get(f"/api/persons/{WANG}/contributions")

    assert person.status_code == contributions.status_code == 404
    assert person.json()["detail"] == f"晋城市未找到证件号码为 {WANG} 的参保人员"
    assert "王建国" not in person.content.decode() + contributions.content.decode()


def test_an_unknown_id_number_is_404(login):
    unknown = make_resident_id("14010519990101001")
    assert not Person.objects.filter(id_number=unknown).exists()

    response = login("staff", "ty-xiaodian-accept").get(f"/api/persons/{unknown}")

    assert response.status_code == 404
    assert response.json()["detail"] == f"太原市未找到证件号码为 {unknown} 的参保人员"


@pytest.mark.parametrize(("number", "message"), [
    ("140105198503122510", "公民身份号码校验位错误，应为 5"),
    ("14010519850312", "长度应为 18 位"),
    (make_resident_id("14010519851312251"), "出生日期 19851312 不是有效日期"),
    ("14010519850312251Y", "前 17 位应为数字，最后一位为数字或 X"),
])
def test_a_malformed_id_number_is_400_naming_the_field(login, number, message):
    clerk = login("staff", "ty-xiaodian-accept")

    for path in (f"/api/persons/{number}", f"/api/persons/{number}/contributions"):
        response = clerk.get(path)
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["errors"][0]["field"] == "id_number"
        assert message in body["errors"][0]["message"] and body["detail"].startswith("字段 id_number：")


def test_months_outside_one_to_a_hundred_and_twenty_are_refused(login):
    clerk = login("staff", "ty-xiaodian-accept")

    for months in (0, 121):
        response = clerk.get(f"/api/persons/{WANG}/contributions", {"months": months})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "months"


def test_a_person_or_unit_token_cannot_look_up_persons(login):
    wang = login("person", WANG)
    unit = login("unit", "91140105MA0K123457")

    for api in (wang, unit):
        for path in (f"/api/persons/{WANG}", f"/api/persons/{LI}/contributions"):
            response = api.get(path)
            assert response.status_code == 403 and response.json()["detail"] == "仅限经办人员"


def test_a_deactivated_clerk_is_refused(login):
    clerk = login("staff", "ty-xiaodian-accept")
    StaffMember.objects.filter(user__username="ty-xiaodian-accept").update(is_active=False)

    response = clerk.get(f"/api/persons/{WANG}")

    assert response.status_code == 403 and response.json()["detail"] == "仅限经办人员"


def test_without_a_token_nothing_is_shown(client, demo):
    for path in (f"/api/persons/{WANG}", f"/api/persons/{WANG}/contributions", "/api/me/enrollment",
                 "/api/me/contributions"):
        response = client.get(path)
        assert response.status_code == 401 and "王建国" not in response.content.decode()
        assert "令牌" in response.json()["detail"]


def test_a_lookup_costs_a_handful_of_queries(login, django_assert_max_num_queries):
    clerk = login("staff", "ty-xiaodian-accept")
    clerk.get(f"/api/persons/{WANG}")  # the token's last_used_at is written once a minute, not per request

    # token, clerk's region, person, periods (or contributions)
    with django_assert_max_num_queries(4):
        assert clerk.get(f"/api/persons/{WANG}").status_code == 200
    with django_assert_max_num_queries(4):
        assert clerk.get(f"/api/persons/{WANG}/contributions").status_code == 200


# --- a person's own record ---------------------------------------------------------------------------

def test_a_person_reads_their_own_enrollment_and_account(login):
    response = login("person", WANG).get("/api/me/enrollment")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id_number"] == WANG and body["name"] == "王建国"
    assert [p["insurance_type"] for p in body["periods"]] == ["310"]
    # 1 850.40 carried over + 12 × 160.00 paid in − 126.50 spent at a pharmacy
    assert body["account"] == {"balance": "3643.90", "status": "open", "status_name": "正常"}


def test_each_person_sees_only_their_own_contributions(login):
    wang = login("person", WANG).get("/api/me/contributions").json()
    li = login("person", LI).get("/api/me/contributions").json()

    assert wang["name"] == "王建国" and len(wang["rows"]) == 12
    this_year = timezone.localdate().year
    assert li["name"] == "李晓梅" and li["id_number"] == mask_resident_id(LI)
    assert [(row["month"], row["insurance_type"], row["personal_part"]) for row in li["rows"]] == [
        (f"{this_year}-01", "390", "380.00"), (f"{this_year - 1}-01", "390", "380.00")]
    assert li["rows"][0]["insurance_type_name"] == "城乡居民基本医疗保险"


def test_a_resident_sees_no_personal_account(login):
    body = login("person", LI).get("/api/me/enrollment").json()

    assert body["account"] is None
    assert [(p["insurance_type"], p["category"], p["home_agency"]) for p in body["periods"]] == [
        ("390", "resident", "泽州县医疗保障服务中心")]


def test_a_person_without_an_enrollment_record_is_told_so(client, demo):
    account = PersonAccountFactory()
    api = Api(client, obtain(client, "person", account.id_number).json()["token"])

    response = api.get("/api/me/enrollment")

    assert response.status_code == 404
    assert response.json()["detail"] == "未找到您的参保记录：您尚未参保登记，或登记信息尚未同步"


def test_clerks_and_units_have_no_own_enrollment(login, client):
    unit = UnitAccountFactory()
    unit_api = Api(client, obtain(client, "unit", unit.uscc).json()["token"])

    for api in (login("staff", "ty-xiaodian-accept"), unit_api):
        for path in ("/api/me/enrollment", "/api/me/contributions"):
            response = api.get(path)
            assert response.status_code == 403 and response.json()["detail"] == "仅限参保个人账号"


# --- other ID documents -------------------------------------------------------------------------------

def test_a_clerk_finds_a_passport_holder_by_document_type_and_number(login):
    wang = Person.objects.get(id_number=WANG)
    Person.objects.create(id_type="16", id_number="E12345678", name="张护照", sex="1",
                          birth_date=wang.birth_date, region=wang.region, home_agency=wang.home_agency)
    clerk = login("staff", "ty-xiaodian-accept")

    found = clerk.get("/api/persons/E12345678", {"id_type": "16"})
    malformed = clerk.get("/api/persons/E123", {"id_type": "16"})
    unknown_type = clerk.get("/api/persons/E12345678", {"id_type": "XX"})

    assert found.status_code == 200 and found.json()["id_type_name"] == "中国护照"
    assert found.json()["periods"] == []
    assert malformed.status_code == 400 and malformed.json()["errors"][0]["field"] == "id_number"
    assert "中国护照号码格式错误" in malformed.json()["detail"]
    assert unknown_type.status_code == 422 and unknown_type.json()["errors"][0]["field"] == "id_type"


# --- the hot path answers as the API does ---------------------------------------------------------------

def test_the_hot_path_answers_the_ordinary_lookups_byte_for_byte_as_the_api(login, client):
    clerk = login("staff", "ty-city-accept")
    paths = [f"/api/persons/{WANG}", f"/api/persons/{WANG}/contributions",
             f"/api/persons/{WANG}/contributions?months=3", f"/api/persons/{WANG}?id_type=01"]
    fast = Client()
    fast.handler = HotClientHandler()

    for path in paths:
        slow = clerk.client.get(path, headers=clerk.headers)
        quick = fast.get(path, headers=clerk.headers)
        assert quick.status_code == slow.status_code == 200
        assert quick.content == slow.content
    assert fast.handler.answered == len(paths)


def test_the_hot_application_sends_the_headers_django_sent_and_hands_over_the_rest(login):
    clerk = login("staff", "ty-city-accept")
    calls = []

    def django_app(environ, start_response):
        calls.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "application/json; charset=utf-8"), ("X-Frame-Options", "DENY"),
                                  ("Content-Length", "2")])
        return [b"{}"]

    app = hot.HotApplication(django_app)
    factory = RequestFactory()
    statuses = []

    def call(path, **extra):
        environ = factory.get(path, headers={"Authorization": clerk.headers["Authorization"]}, **extra).environ
        return b"".join(app(environ, lambda status, headers: statuses.append((status, dict(headers)))))

    call(f"/api/persons/{WANG}")  # the first hot request goes to Django: its headers are learnt
    body = call(f"/api/persons/{WANG}")
    call(f"/api/persons/{WANG}/contributions", data={"months": "0"})  # refused by the API itself
    call("/api/regions")

    assert calls == [f"/api/persons/{WANG}", f"/api/persons/{WANG}/contributions", "/api/regions"]
    assert json.loads(body)["name"] == "王建国"
    assert statuses[1][1] == {"Content-Type": "application/json; charset=utf-8", "X-Frame-Options": "DENY",
                              "Content-Length": str(len(body))}


def test_a_revoked_token_stops_working_on_the_hot_path_at_once(login, client):
    clerk = login("staff", "ty-city-accept")
    assert clerk.get(f"/api/persons/{WANG}").status_code == 200

    assert clerk.client.delete("/api/auth/token", headers=clerk.headers).status_code == 204

    assert clerk.get(f"/api/persons/{WANG}").status_code == 401


def test_a_clerk_moved_to_another_region_sees_it_on_the_hot_path_at_once(login, client):
    clerk = login("staff", "ty-city-accept")
    assert clerk.get(f"/api/persons/{WANG}").status_code == 200
    member = StaffMember.objects.get(user__username="ty-city-accept")
    member.agency = StaffMember.objects.get(user__username="jc-zezhou-accept").agency
    member.save()

    assert clerk.get(f"/api/persons/{WANG}").status_code == 404
