"""Forms of the analyst's review actions on the web pages.

They check shape and range only; the review service (``intel.services.review``) applies the
rules and writes the decision, so the web and the API accept exactly the same decisions.
"""

from __future__ import annotations

from typing import Any

from django import forms

from safepassage.intel.choices import TLP, AttackType, DatePrecision
from safepassage.intel.services.review import MAX_ID, MAX_REASON

ACTIONS = ("confirm", "edit", "merge", "split", "reject", "relocate", "mark")


def _reason(required: bool = False) -> forms.CharField:
    return forms.CharField(
        required=required,
        max_length=MAX_REASON,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason" if required else "Note (optional)",
    )


class ConfirmForm(forms.Form):
    reason = _reason()


class RejectForm(forms.Form):
    reason = _reason(required=True)


class EditForm(forms.Form):
    """Only the fields given are changed; a blank field leaves the value as it is."""

    attack_type = forms.ChoiceField(
        choices=[("", "— unchanged —"), *AttackType.choices], required=False
    )
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_precision = forms.ChoiceField(
        choices=[("", "— unchanged —"), *DatePrecision.choices], required=False
    )
    deaths = forms.IntegerField(required=False, min_value=0, max_value=100_000)
    injured = forms.IntegerField(required=False, min_value=0, max_value=100_000)
    perpetrators_killed = forms.IntegerField(required=False, min_value=0, max_value=100_000)
    reason = _reason()

    def changes(self) -> dict[str, Any]:
        """The fields the analyst filled in."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "reason" and value not in (None, "")
        }


class MergeForm(forms.Form):
    other = forms.IntegerField(
        min_value=1, max_value=MAX_ID, label="Incident to fold into this one (id)"
    )
    reason = _reason()


class SplitForm(forms.Form):
    """Check the reports that describe a different event; they move to a new incident."""

    reports = forms.TypedMultipleChoiceField(
        coerce=int, widget=forms.CheckboxSelectMultiple, label="Reports to split off"
    )
    reason = _reason()

    def __init__(self, *args: Any, report_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reports"].choices = report_choices


class RelocateForm(forms.Form):
    """A gazetteer place chosen from the search, or a point typed in."""

    gazetteer_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, label="Latitude")
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, label="Longitude")
    name = forms.CharField(required=False, max_length=200, label="Place name")
    reason = _reason()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_point = data.get("lat") is not None and data.get("lon") is not None
        if not data.get("gazetteer_id") and not has_point:
            raise forms.ValidationError("Choose a place from the search or give lat and lon.")
        return data


class PlaceSearchForm(forms.Form):
    place = forms.CharField(max_length=200, label="Search the gazetteer")


class MarkForm(forms.Form):
    """The TLP marking, and for RED the people (usernames) it reaches."""

    tlp = forms.ChoiceField(choices=TLP.choices, label="Marking")
    recipients = forms.CharField(
        required=False,
        max_length=2000,
        label="Recipients (TLP:RED only)",
        help_text="Usernames, separated by commas. You are always one of them.",
    )
    reason = _reason()

    def clean_recipients(self) -> list[Any]:
        from safepassage.accounts.models import User

        names = sorted({n.strip() for n in self.cleaned_data["recipients"].split(",") if n.strip()})
        if len(names) > 200:
            raise forms.ValidationError("Name at most 200 recipients.")
        found = list(User.objects.filter(username__in=names, is_active=True))
        missing = sorted(set(names) - {u.username for u in found})
        if missing:
            raise forms.ValidationError(f"No active user named {', '.join(missing[:10])}.")
        return found


FORMS: dict[str, type[forms.Form]] = {
    "confirm": ConfirmForm,
    "edit": EditForm,
    "merge": MergeForm,
    "split": SplitForm,
    "reject": RejectForm,
    "relocate": RelocateForm,
    "mark": MarkForm,
}
