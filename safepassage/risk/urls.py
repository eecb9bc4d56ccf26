from django.urls import path

from safepassage.risk import views

app_name = "risk"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("district/", views.district, name="district"),
    path("sites/", views.site_list, name="site-list"),
    path("sites/<int:pk>/", views.site_detail, name="site-detail"),
]
