"""The JSON API root: django-ninja, OpenAPI at /api/docs, one router per domain app."""

from __future__ import annotations

from ninja import NinjaAPI

from safepassage.api.auth import SessionOrToken

api = NinjaAPI(
    title="Safe Passage API",
    version="1",
    description=(
        "Registry, accounts and audit. Authenticate with `Authorization: Bearer <token>` "
        "(tokens are issued on the account page or with `safepassage token issue`) or a "
        "signed-in browser session. Every call passes through the same permission gate as "
        "the web pages."
    ),
    auth=SessionOrToken(),
    urls_namespace="api",
)


def _register_routers() -> None:
    from safepassage.registry.api import router as registry_router

    api.add_router("/registry/", registry_router)


_register_routers()
