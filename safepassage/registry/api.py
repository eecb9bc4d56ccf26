"""JSON API for the registry (django-ninja). Filled in by resource routers below."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["registry"])
