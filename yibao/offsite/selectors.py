"""Reads of off-site filings (异地就医备案); other domains ask these."""

from __future__ import annotations

from datetime import date


def offsite_filing_start(person, *, on: date | None = None) -> date | None:
    """Start date of the person's current, uninterrupted long-term off-site filing
    (异地安置 / 长期居住 / 常驻异地工作) in force on ``on`` (default today), or None.

    Placeholder until the filing records exist: no person has a filing yet.
    """
    return None
