import pytest

from yibao.workdays.calendar import clear_caches


@pytest.fixture(autouse=True)
def fresh_workday_caches():
    """Each test starts without a cached holiday table or remembered warnings.

    The table is cached per process and each test's rows are rolled back, so a
    copy left from one test would leak into the next.
    """
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def write_holidays(tmp_path):
    """Write holidays.yaml text into a temporary folder and return its path."""

    def write(text: str, name: str = "holidays.yaml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
