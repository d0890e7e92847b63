"""The case engine, the item handlers and the payments ledger type-check (mypy with django-stubs, config in pyproject.toml).

Only these modules are checked: other apps are followed for their types but their
own errors are not reported (``follow_imports = "silent"``)."""

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[2]
TYPED = ["yibao/cases", "yibao/payments", "yibao/errors.py", "yibao/clock.py", "yibao/enrollment/handlers", "yibao/offsite/handlers.py", "yibao/transfers/handlers.py"]


def test_the_case_engine_and_the_handlers_type_check():
    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), *(str(ROOT / p) for p in TYPED)])
    assert status == 0, out + err
