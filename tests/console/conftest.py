"""Console personas: the case-engine personas (Jincheng, three agencies, a clerk per role)."""

import datetime

import pytest

from tests.cases.conftest import *  # noqa: F401,F403
from tests.cases.conftest import PDF
from yibao import clock
from yibao.cases.services import Upload, submit_case


@pytest.fixture
def on_day(monkeypatch):
    """Freeze the engine's calendar day (due dates are computed from it)."""
    def set_day(day: datetime.date):
        monkeypatch.setattr(clock, "_fixed", clock.at_noon(day))
    return set_day


@pytest.fixture
def page_day(monkeypatch):
    """Freeze the day the console pages see (deadline flags)."""
    def set_day(day: datetime.date):
        monkeypatch.setattr(clock, "_fixed", clock.at_noon(day))
    return set_day


def full_uploads():
    return {i: [Upload(f"{i}.pdf", PDF)] for i in range(4)}


@pytest.fixture
def apply(person):
    """File an online application for ``item`` by the persona (all required scans unless told)."""
    def file(item, uploads=None, **extra):
        return submit_case(
            item=item, applicant_kind="person", applicant_user=person.user, applicant_name=person.name,
            applicant_id_number=person.id_number, applicant_phone=person.phone, channel="online_hall",
            uploads=full_uploads() if uploads is None else uploads, **extra,
        )
    return file
