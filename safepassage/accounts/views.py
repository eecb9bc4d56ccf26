from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.accounts.forms import IssueTokenForm, LoginForm
from safepassage.accounts.models import ApiToken


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"failure_limit": settings.AXES_FAILURE_LIMIT}


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """The user's own account: role, scope and API tokens."""
    tokens = gate.restrict(ApiToken.objects.filter(user=request.user), request.user, Action.VIEW)
    form = IssueTokenForm()
    return render(request, "accounts/profile.html", {"tokens": tokens, "form": form})


@login_required
@require_POST
def issue_token(request: HttpRequest) -> HttpResponse:
    form = IssueTokenForm(request.POST)
    if not form.is_valid():
        tokens = gate.restrict(
            ApiToken.objects.filter(user=request.user), request.user, Action.VIEW
        )
        return render(
            request, "accounts/profile.html", {"tokens": tokens, "form": form}, status=400
        )
    token, secret = ApiToken.issue(
        request.user,
        form.cleaned_data["name"],
        access=form.cleaned_data["access"],
        resources=form.cleaned_data["resources"],
        expires_at=timezone.now() + timedelta(days=form.cleaned_data["expires_in_days"]),
    )
    gate.save(request.user, token, action=Action.ADD)
    messages.success(request, f"Token created. Copy it now, it will not be shown again: {secret}")
    return redirect("accounts:profile")


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = gate.get_object(request.user, Action.CHANGE, ApiToken, pk=pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        gate.save(request.user, token, action=Action.CHANGE)
        messages.success(request, f"Token {token.prefix}… revoked.")
    return redirect("accounts:profile")
