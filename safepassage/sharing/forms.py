"""The sharing agreement form: lists typed as comma-separated text, checked against choices."""

from __future__ import annotations

from typing import Any

from django import forms

from safepassage.intel.choices import AttackType, EventKind
from safepassage.sharing.models import SharingAgreement

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
