"""Shared pytest fixtures."""

import os
from pathlib import Path

import pytest

from yibao.cases import handlers
from yibao.cases.handlers import Effect, ItemHandler
from yibao.catalog.files import CITIES
from yibao.catalog.services import load_catalog


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The published catalog of the three cities is reference data every test
    # may read: load it once into the test database.
    with django_db_blocker.unblock():
        for city in CITIES:
            load_catalog(city=city, actor="test")


@pytest.fixture
def catalog(db):
    """The three cities' catalogs, (re)loaded if a transactional test flushed them."""
    return {city: load_catalog(city=city, actor="test") for city in CITIES}


# The 零星报销 items are served by yibao.reimbursement, whose handler needs an insured person,
# a claim with its lines and the rules parameters. The engine's generic lifecycle tests (cases,
# console, hall, api …) use Jincheng's 住院医疗费用手工报销 as the plain 申请—受理—审核—拨付—办结
# item: outside tests/reimbursement a stand-in serves the reimbursement handler keys of the items
# that had used a stand-in before (national sub-item 00203600600Y). It declares the payment at
# 拨付 and pays nothing, so those tests keep exercising every move of the engine.
STAND_IN_KEY = "reimbursement_inpatient_referral"
STAND_IN_KEYS = (STAND_IN_KEY, "reimbursement_chronic_special_drug", "reimbursement_outpatient",
                 "reimbursement_inpatient")
TESTS_DIR = Path(__file__).parent
REAL_HANDLER_DIRS = frozenset({"reimbursement"})


class StandInPaymentHandler(ItemHandler):
    key = "test_stand_in_payment"
    acts_at = {"拨付": Effect.PAYMENT}


class StandInHandler(ItemHandler):
    """A handler with no effect, for a test that needs some other unhandled item offered."""

    key = "test_stand_in"


def serve_with_stand_in(item):
    """Let ``item`` (an unhandled catalog Item) be offered in this test: its data names the stand-in."""
    # A published item is immutable through save(); the test's transaction undoes this update.
    item.data = {**item.data, "handler": StandInHandler.key}
    type(item).objects.filter(pk=item.pk).update(data=item.data)
    return item


@pytest.fixture(autouse=True)
def stand_in_handler(request, monkeypatch):
    monkeypatch.setitem(handlers._registry, StandInHandler.key, StandInHandler())
    if Path(request.node.path).relative_to(TESTS_DIR).parts[0] not in REAL_HANDLER_DIRS:
        for key in STAND_IN_KEYS:
            monkeypatch.setitem(handlers._registry, key, StandInPaymentHandler())


@pytest.fixture(autouse=True)
def forget_process_caches():
    # The in-process caches (catalog answers, API identities) outlive a test's rolled-back rows.
    yield
    from yibao.api.auth import forget_identities
    from yibao.catalog.cache import forget_answers
    from yibao.enrollment.policies import forget_policies
    from yibao.reference_rows import forget_reference_rows

    forget_answers()
    forget_policies()
    forget_identities()
    forget_reference_rows()


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    # Counters kept in the cache (wrong names tried against an ID number) must not leak between
    # tests, nor between test processes: each test gets its own local-memory cache instead of the
    # data directory's shared one (changing CACHES resets Django's cache handlers).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"test-{os.getpid()}"}}
    from django.core.cache import cache
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness costs ~0.5 s per test user; tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- browser tests (Playwright driving Debian's Chromium) ----------------------------

CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# fixtures make there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run bash scripts/test.sh, which installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()
