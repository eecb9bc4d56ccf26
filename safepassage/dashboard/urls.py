"""Pages of the dashboard app."""

from django.urls import URLPattern, URLResolver, path

from safepassage.dashboard import sitrep_views, views
from safepassage.dashboard.map_views import map_patterns

app_name = "dashboard"

urlpatterns: list[URLPattern | URLResolver] = []

# Persona dashboards, charts and the engagements timeline.
urlpatterns += [
    path("", views.home, name="home"),
    path("charts/", views.charts_page, name="charts"),
    path("charts/incidents.json", views.chart_incidents, name="chart-incidents"),
    path("charts/deaths.json", views.chart_deaths, name="chart-deaths"),
    path("charts/risk-bands.json", views.chart_risk, name="chart-risk"),
    path("timeline/", views.timeline_page, name="timeline"),
    path("timeline.json", views.timeline_json, name="timeline-json"),
]

# The offline map and the JSON endpoints of its layers.
urlpatterns += map_patterns

# The daily situation report (safepassage/dashboard/sitrep*.py).
urlpatterns += [
    path("sitrep/", sitrep_views.sitrep_page, name="sitrep"),
    path("sitrep.pdf", sitrep_views.sitrep_pdf, name="sitrep-pdf"),
    path("sitrep/issued/<int:pk>/", sitrep_views.issued_page, name="sitrep-issued"),
    path("sitrep/issued/<int:pk>.pdf", sitrep_views.issued_pdf, name="sitrep-issued-pdf"),
    path("sitrep/subscription/", sitrep_views.subscription, name="sitrep-subscription"),
]
