"""What settlement needs to know about a designated institution, read through one seam.

The institutions app (``yibao/institutions``, another helper's) owns the designated
institution, its agreement and its designation periods. Settlement reads it only
here, so that it never writes there and the tests can stand in a provider while the
app is still landing (``use_provider``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class InstitutionInfo:
    code: str  # H/P + 11 digits
    name: str
    agency_id: int  # the agency that settles with it
    bank_name: str = ""
    account_number: str = ""


class Provider(Protocol):
    def info(self, code: str) -> InstitutionInfo | None: ...

    def code_of_applicant(self, identifier: str) -> str: ...

    def designated_on(self, *, code: str, day: datetime.date) -> bool: ...

    def spans(self, codes: set[str]) -> dict[str, list[tuple[datetime.date, datetime.date | None]]]: ...


class InstitutionsApp:
    """The real provider: ``yibao.institutions.selectors``."""

    def info(self, code: str) -> InstitutionInfo | None:
        from yibao.institutions import selectors  # the other domain's reads, imported late

        institution = selectors.institution_by_code(code=code)
        if institution is None:
            return None
        return InstitutionInfo(code=institution.national_code or code, name=institution.name,
                               agency_id=institution.agency_id,
                               bank_name=getattr(institution, "bank_name", ""),
                               account_number=getattr(institution, "bank_account", ""))

    def code_of_applicant(self, identifier: str) -> str:
        """The national code of the institution whose USCC (its login and case applicant number) is given."""
        from yibao.institutions import selectors

        institution = selectors.institution_by_uscc(identifier)
        return (institution.national_code or "") if institution else ""

    def designated_on(self, *, code: str, day: datetime.date) -> bool:
        from yibao.institutions import selectors

        return bool(selectors.designated_on(code=code, day=day))

    def spans(self, codes: set[str]) -> dict[str, list[tuple[datetime.date, datetime.date | None]]]:
        """Every designation span of the given institutions, in one query."""
        from yibao.institutions import selectors

        result: dict[str, list[tuple[datetime.date, datetime.date | None]]] = {}
        rows = (selectors.designated_periods_queryset().filter(institution__national_code__in=list(codes))
                .values_list("institution__national_code", "start", "end"))
        for code, start, end in rows:
            result.setdefault(code or "", []).append((start, end))
        return result


_provider: Provider = InstitutionsApp()


def use_provider(provider: Provider) -> Provider:
    """Replace the provider (tests); returns the previous one."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def institution_info(code: str) -> InstitutionInfo | None:
    return _provider.info(code)


def code_of_applicant(identifier: str) -> str:
    """The national code (H/P + 11 digits) of a case's institution applicant, "" if none."""
    return _provider.code_of_applicant(identifier)


def designation_spans(codes: set[str]) -> dict[str, list[tuple[datetime.date, datetime.date | None]]]:
    """Code → its designation spans (start, end or None), for the institutions of a month."""
    return _provider.spans(codes)


def designated_days(code: str, days: set[datetime.date]) -> set[datetime.date]:
    """The days of ``days`` on which the institution was designated (a month has ≤ 31 care days,
    so this is a handful of look-ups however many records the month holds)."""
    return {day for day in days if _provider.designated_on(code=code, day=day)}
