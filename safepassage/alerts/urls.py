"""Pages of the alerts app."""

from django.urls import path

from safepassage.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.alert_detail, name="alert-detail"),
    path("<int:pk>/read/", views.alert_read, name="alert-read"),
    path("read-all/", views.read_all, name="read-all"),
    path("held/", views.held, name="held"),
    path("preferences/", views.preferences, name="preferences"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_form, name="rule-create"),
    path("rules/<int:pk>/", views.rule_form, name="rule-edit"),
]
