from django.urls import path

from safepassage.risk import views

app_name = "risk"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("districts/<str:admin1>/<str:admin2>/", views.district, name="district"),
    path("sites/", views.site_list, name="site-list"),
    path("sites/<int:pk>/", views.site_detail, name="site-detail"),
]
