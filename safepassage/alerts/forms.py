"""Forms of the alerts pages: the rule editor (administrators) and channel preferences."""

from __future__ import annotations

from typing import Any

from django import forms

from safepassage.alerts.models import AlertRule, Channel, ChannelPreference, Responsible
from safepassage.intel.choices import INCIDENT_KINDS, AttackType, EventKind


class AlertRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    """An alert rule; the list fields are offered as checkboxes of their allowed values."""

    channels = forms.MultipleChoiceField(
        choices=Channel.choices, widget=forms.CheckboxSelectMultiple, required=True
    )
    responsible = forms.MultipleChoiceField(
        choices=Responsible.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave empty for the default of the subject.",
    )
    incident_kinds = forms.MultipleChoiceField(
        choices=[(k.value, k.label) for k in EventKind if k in INCIDENT_KINDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave empty for all.",
    )
    attack_types = forms.MultipleChoiceField(
        choices=AttackType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave empty for all.",
    )

    class Meta:
        model = AlertRule
        fields = [
            "name",
            "subject",
            "radius_km",
            "min_severity",
            "incident_kinds",
            "attack_types",
            "max_age_days",
            "channels",
            "responsible",
            "dedupe_minutes",
            "group_minutes",
            "enabled",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["radius_km"].widget.attrs.update(min="0.1", max="500", step="0.1")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        subject = data.get("subject")
        responsible = data.get("responsible") or []
        site_only = {Responsible.UNIT_COMMANDERS}
        movement_only = {Responsible.ESCORT_COMMANDERS, Responsible.ESCORT_OFFICERS}
        if subject == "site" and set(responsible) & movement_only:
            self.add_error("responsible", "Escort units belong to movements, not to sites.")
        if subject in ("movement_position", "planned_route") and set(responsible) & site_only:
            self.add_error("responsible", "A site's responsible unit does not apply to movements.")
        return data


class PreferenceForm(forms.ModelForm):  # type: ignore[type-arg]
    """Which outside channels a person receives alerts on."""

    class Meta:
        model = ChannelPreference
        fields = ["email", "webhook"]
