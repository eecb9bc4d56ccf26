from django.urls import path

from safepassage.registry import views

app_name = "registry"
urlpatterns = views.urlpatterns()
