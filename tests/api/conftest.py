"""API personas: the case-engine personas (Jincheng, zezhou/gaoping, a person) with tokens."""

import base64
import datetime

import pytest

from tests.cases.conftest import *  # noqa: F401,F403
from tests.cases.conftest import PDF
from tests.factories import PASSWORD
from yibao import clock

PDF_B64 = base64.b64encode(PDF).decode()


def obtain(client, kind, identifier, password=PASSWORD, channel="app"):
    return client.post("/api/auth/token", {"kind": kind, "identifier": identifier, "password": password,
                                           "channel": channel}, content_type="application/json")


class Api:
    """A test client speaking JSON with one bearer token."""

    def __init__(self, client, token):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path, params=None):
        return self.client.get(path, params or {}, headers=self.headers)

    def post(self, path, body=None):
        return self.client.post(path, body or {}, content_type="application/json", headers=self.headers)

    def delete(self, path):
        return self.client.delete(path, headers=self.headers)


@pytest.fixture
def as_person(client, person, agencies):
    response = obtain(client, "person", person.id_number, channel="wechat")
    assert response.status_code == 201, response.content
    return Api(client, response.json()["token"])


@pytest.fixture
def as_staff(client, staff, windows):
    """as_staff("gaoping", "accept") → an Api with that clerk's token."""
    def login(agency, role):
        clerk = staff[agency][role]
        response = obtain(client, "staff", clerk.user.username)
        assert response.status_code == 201, response.content
        return Api(client, response.json()["token"])
    return login


@pytest.fixture
def day(monkeypatch):
    """Freeze the case engine's calendar on a known working day (inside chinese-calendar's years)."""
    today = datetime.date(2026, 9, 28)
    monkeypatch.setattr(clock, "_fixed", clock.at_noon(today))
    return today


def pdf_file(position, name="扫描件.pdf"):
    return {"position": position, "name": name, "content_base64": PDF_B64}
