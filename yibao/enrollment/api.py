"""Enrollment API: person lookup and contribution records (django-ninja router under /api/)."""

from ninja import Router

router = Router(tags=["enrollment"])
