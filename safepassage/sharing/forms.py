"""Sharing forms: agreements (lists typed as comma-separated text, checked against choices) and
peer instances (checked by ``Peer.clean``, the same rules the CLI applies).
"""

from __future__ import annotations

from typing import Any

from django import forms

from safepassage.accounts.models import TOKEN_PREFIX
from safepassage.intel.choices import AttackType, EventKind
from safepassage.sharing.models import SharingAgreement
from safepassage.sharing.peers import Peer

MAX_ITEMS = 100


def _split(text: str) -> list[str]:
    return sorted({part.strip() for part in (text or "").split(",") if part.strip()})


class AgreementForm(forms.ModelForm):  # type: ignore[type-arg]
    provinces_text = forms.CharField(
        required=False,
        max_length=4000,
        label="Provinces",
        help_text="Province names, separated by commas. Empty: every province.",
    )
    kinds_text = forms.CharField(
        required=False,
        max_length=2000,
        label="Kinds",
        help_text="Event kinds, separated by commas (attack, operation, meeting …). Empty: all.",
    )
    topics_text = forms.CharField(
        required=False,
        max_length=2000,
        label="Topics (attack types)",
        help_text="Attack types, separated by commas (bombing, suicide_bombing …). Empty: all.",
    )

    class Meta:
        model = SharingAgreement
        fields = [
            "partner",
            "name",
            "max_tlp",
            "personal_data",
            "active",
            "valid_from",
            "valid_until",
            "notes",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("provinces", "kinds", "topics"):
                self.fields[f"{name}_text"].initial = ", ".join(getattr(self.instance, name))

    def _listed(self, name: str, allowed: set[str] | None) -> list[str]:
        items = _split(self.cleaned_data.get(f"{name}_text", ""))
        if len(items) > MAX_ITEMS:
            raise forms.ValidationError(f"List at most {MAX_ITEMS} items.")
        if any(len(item) > 100 for item in items):
            raise forms.ValidationError("An item is longer than 100 characters.")
        if allowed is not None:
            unknown = [i for i in items if i not in allowed]
            if unknown:
                raise forms.ValidationError(
                    f"Unknown: {', '.join(unknown[:10])}. Known: {', '.join(sorted(allowed))}."
                )
        return items

    def clean_provinces_text(self) -> str:
        self.instance.provinces = self._listed("provinces", None)
        return str(self.cleaned_data["provinces_text"])

    def clean_kinds_text(self) -> str:
        self.instance.kinds = self._listed("kinds", set(EventKind.values))
        return str(self.cleaned_data["kinds_text"])

    def clean_topics_text(self) -> str:
        self.instance.topics = self._listed("topics", set(AttackType.values))
        return str(self.cleaned_data["topics_text"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            raise forms.ValidationError("The agreement ends before it starts.")
        return data


TOKEN_FIELDS = ("token_env", "token_file")


class PeerForm(forms.ModelForm):  # type: ignore[type-arg]
    """A peer instance: where it is, whom it stands for, and where its token lives.

    The token itself is never asked for, stored or shown: the peer names an environment
    variable or a file under <data dir>/peers/ that holds it. Everything else is checked by
    ``Peer.clean`` (via ``services.save_peer``), exactly as for ``safepassage sync add-peer``.
    """

    base_url = forms.URLField(
        label="Address",
        max_length=Peer._meta.get_field("base_url").max_length,
        assume_scheme="https",
        help_text="The peer's root address, e.g. https://sp.ministry-b.example/ "
        "(https; plain http only to a loopback address).",
    )

    class Meta:
        model = Peer
        fields = [
            "name",
            "partner",
            "base_url",
            "token_env",
            "token_file",
            "direction",
            "accept_push",
            "active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in TOKEN_FIELDS:
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def _not_a_token(self, name: str) -> str:
        value = str(self.cleaned_data.get(name) or "")
        if value.startswith(TOKEN_PREFIX) and len(value) > 20:
            raise forms.ValidationError(
                "This looks like the token itself. Name where it lives instead: the token is "
                "never stored in the database or shown on a page."
            )
        return value

    def clean_token_env(self) -> str:
        return self._not_a_token("token_env")

    def clean_token_file(self) -> str:
        return self._not_a_token("token_file")

    def _post_clean(self) -> None:
        # ``Peer.clean`` judges the values the instance holds; for a field that failed its own
        # checks that is not what was typed, so such a field keeps its own errors only.
        counts = {name: len(errors) for name, errors in (self._errors or {}).items()}
        super()._post_clean()
        for name, count in counts.items():
            if self._errors and name in self._errors:
                del self._errors[name][count:]

    def full_clean(self) -> None:
        super().full_clean()
        # A refused token location may be a token pasted in the wrong box: never echo it back.
        refused = [name for name in TOKEN_FIELDS if self._errors and name in self._errors]
        if self.is_bound and refused:
            data = self.data.copy()
            for name in refused:
                data[self.add_prefix(name)] = ""
            self.data = data
