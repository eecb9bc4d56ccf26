"""Pages of the sharing app."""

from django.urls import URLPattern, URLResolver, path

from safepassage.sharing import views

app_name = "sharing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.agreement_list, name="agreement-list"),
    path("agreements/new/", views.agreement_create, name="agreement-create"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement-edit"),
    path("agreements/<int:pk>/delete/", views.agreement_delete, name="agreement-delete"),
    path("records/", views.record_list, name="record-list"),
    path("peers/new/", views.peer_create, name="peer-create"),
    path("peers/<int:pk>/edit/", views.peer_edit, name="peer-edit"),
    path("peers/<int:pk>/disable/", views.peer_disable, name="peer-disable"),
    path("peers/<int:pk>/sync/", views.peer_sync, name="peer-sync"),
]
