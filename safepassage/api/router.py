"""The JSON API root: django-ninja, OpenAPI at /api/docs, one router per domain app."""

from __future__ import annotations

from ninja import NinjaAPI

from safepassage.api.auth import API_AUTH

api = NinjaAPI(
    title="Safe Passage API",
    version="1",
    description=(
        "Registry, accounts, audit and intelligence. Authenticate with `Authorization: Bearer <token>` "
        "(tokens are issued on the account page or with `safepassage token issue`) or a "
        "signed-in browser session. Every call passes through the same permission gate as "
        "the web pages."
    ),
    auth=API_AUTH,
    urls_namespace="api",
)


def _register_routers() -> None:
    from safepassage.accounts.api import router as accounts_router
    from safepassage.alerts.api import router as alerts_router
    from safepassage.api import errors
    from safepassage.audit.api import router as audit_router
    from safepassage.intel.api import router as intel_router
    from safepassage.intel.api_push import router as intel_push_router
    from safepassage.movements.api import router as movements_router
    from safepassage.registry.api import router as registry_router
    from safepassage.risk.api import router as risk_router
    from safepassage.sharing.misp_api import router as misp_router
    from safepassage.sharing.stix_api import router as stix_router
    from safepassage.sharing.sync_api import router as sync_router
    from safepassage.tracking.api import router as tracking_router

    errors.install(api)
    api.add_router("/registry/", registry_router)
    api.add_router("/accounts/", accounts_router)
    api.add_router("/audit/", audit_router)
    api.add_router("/intel/", intel_push_router)
    api.add_router("/intel/", intel_router)
    api.add_router("/tracking/", tracking_router)
    api.add_router("/alerts/", alerts_router)
    api.add_router("/movements/", movements_router)
    api.add_router("/risk/", risk_router)
    api.add_router("/sharing/", stix_router)
    api.add_router("/sharing/", misp_router)
    api.add_router("/sharing/", sync_router)


_register_routers()
