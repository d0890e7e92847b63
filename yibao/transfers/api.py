"""The transfers API (django-ninja router, mounted under /api/)."""

from ninja import Router

router = Router(tags=["transfers"])
