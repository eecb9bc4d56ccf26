from django.urls import include, path

from safepassage.api.router import api
from safepassage.core.admin_site import site as admin_site

urlpatterns = [
    path("", include("safepassage.core.urls")),
    path("accounts/", include("safepassage.accounts.urls")),
    path("registry/", include("safepassage.registry.urls")),
    path("audit/", include("safepassage.audit.urls")),
    path("intel/", include("safepassage.intel.urls")),
    path("alerts/", include("safepassage.alerts.urls")),
    path("movements/", include("safepassage.movements.urls")),
    path("tracking/", include("safepassage.tracking.urls")),
    path("risk/", include("safepassage.risk.urls")),
    path("sharing/", include("safepassage.sharing.urls")),
    path("dashboard/", include("safepassage.dashboard.urls")),
    path("admin/", admin_site.urls),
    # TAXII 2.1 (plain views: its media type and paging are not the JSON API's).
    path("api/taxii2/", include("safepassage.sharing.taxii_urls")),
    path("api/", api.urls),
]

# Unmatched paths under /api/ answer JSON like every other API error (safepassage/api/errors.py).
handler404 = "safepassage.api.errors.not_found_handler"
