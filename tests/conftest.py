"""Shared pytest fixtures."""

import pytest

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


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness costs ~0.5 s per test user; tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
