"""URLs of the read-only TAXII 2.1 server (``safepassage.sharing.taxii``), under /api/taxii2/."""

from django.urls import URLPattern, path

from safepassage.sharing import taxii

app_name = "taxii"

_COLLECTION = "<str:api_root>/collections/<str:collection>/"

urlpatterns: list[URLPattern] = [
    path("", taxii.discovery, name="discovery"),
    path("<str:api_root>/", taxii.api_root, name="api-root"),
    path("<str:api_root>/status/<str:status_id>/", taxii.status, name="status"),
    path("<str:api_root>/collections/", taxii.collections, name="collections"),
    path(_COLLECTION, taxii.collection, name="collection"),
    path(_COLLECTION + "objects/", taxii.objects, name="objects"),
    path(_COLLECTION + "objects/<str:object_id>/", taxii.object_detail, name="object"),
    path(_COLLECTION + "objects/<str:object_id>/versions/", taxii.versions, name="versions"),
    path(_COLLECTION + "manifest/", taxii.manifest, name="manifest"),
]
