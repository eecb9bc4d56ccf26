from django.contrib.auth import views as auth_views
from django.urls import path

from safepassage.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.profile, name="profile"),
    path("me/tokens/", views.issue_token, name="token-issue"),
    path("me/tokens/<int:pk>/revoke/", views.revoke_token, name="token-revoke"),
]
