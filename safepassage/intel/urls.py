"""Pages of the intelligence side. Other pages append their patterns to ``urlpatterns``."""

from django.urls import path

from safepassage.intel import views_sources as sources
from safepassage.intel.views_incidents import incident_patterns

app_name = "intel"

source_patterns = [
    path("sources/", sources.source_list, name="source-list"),
    path("sources/new/", sources.source_create, name="source-create"),
    path("sources/<int:pk>/", sources.source_detail, name="source-detail"),
    path("sources/<int:pk>/edit/", sources.source_edit, name="source-edit"),
    path("sources/<int:pk>/delete/", sources.source_delete, name="source-delete"),
    path("sources/<int:pk>/poll/", sources.source_poll, name="source-poll"),
    path("field-report/", sources.field_report, name="field-report"),
    path("field-report/<int:pk>/", sources.field_report_done, name="field-report-done"),
]

urlpatterns = source_patterns + incident_patterns
