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
    path("api/", api.urls),
]
