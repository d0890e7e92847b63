"""Factories of the rules tests: a person to keep a yearly ledger for."""

from tests.enrollment.contributions.conftest import PersonFactory

__all__ = ["PersonFactory"]
