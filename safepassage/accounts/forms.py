from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from safepassage.access.policy import RESOURCES
from safepassage.accounts.models import ApiToken

TOKEN_RESOURCES = [r for r in RESOURCES if r not in {"admin_site", "token"}]


class IssueTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the token is for, e.g. 'ops room script'."
    )
    access = forms.ChoiceField(choices=ApiToken.Access.choices, initial=ApiToken.Access.READ)
    resources = forms.MultipleChoiceField(
        choices=[(r, r) for r in TOKEN_RESOURCES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty to allow everything your role allows.",
    )
    expires_in_days = forms.IntegerField(min_value=1, max_value=365, initial=90)


class LoginForm(AuthenticationForm):
    """The sign-in form; refuses impossible usernames before any lookup or throttle record."""

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        if not isinstance(username, str) or len(username) > 150 or "\x00" in username:
            raise self.get_invalid_login_error()
        return super().clean()
