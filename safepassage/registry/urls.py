from safepassage.registry import views

app_name = "registry"
urlpatterns = views.urlpatterns()
