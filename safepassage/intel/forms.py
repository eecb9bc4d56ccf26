"""Forms of the intelligence side: the officer's field report and the source configuration."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.utils import timezone

from safepassage.access import gate
from safepassage.access.policy import Action, Reach
from safepassage.intel.choices import TLP, AttackType, EventKind, SourceKind
from safepassage.intel.models import Source
from safepassage.intel.sources.base import inside_watch_roots

# Enough for a long debrief; longer text belongs in an attached document, not the form.
MAX_FIELD_TEXT = 20_000
MAX_CASUALTIES = 10_000
EARLIEST_DATE = datetime.date(1970, 1, 1)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FieldReportForm(forms.Form):
    """What an officer saw: structured fields (what, when, where, casualties) plus free text."""

    kind = forms.ChoiceField(label="What happened", choices=EventKind.choices)
    attack_type = forms.ChoiceField(
        label="Attack type",
        choices=[("", "Not an attack / unknown"), *AttackType.choices],
        required=False,
    )
    date = forms.DateField(label="When", widget=_date_input())
    place = forms.CharField(
        label="Where",
        max_length=200,
        required=False,
        help_text="A town, district or site name, e.g. “Dasu” or “Bisham”. Or give coordinates.",
    )
    lat = forms.FloatField(label="Latitude", required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label="Longitude", required=False, min_value=-180, max_value=180)
    deaths = forms.IntegerField(
        label="Killed", required=False, min_value=0, max_value=MAX_CASUALTIES
    )
    injured = forms.IntegerField(
        label="Injured", required=False, min_value=0, max_value=MAX_CASUALTIES
    )
    title = forms.CharField(label="Headline", max_length=300, required=False)
    text = forms.CharField(
        label="What you saw and heard",
        max_length=MAX_FIELD_TEXT,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    tlp = forms.ChoiceField(label="Sharing", choices=TLP.choices, initial=TLP.AMBER)

    def clean_date(self) -> datetime.date:
        value: datetime.date = self.cleaned_data["date"]
        # A day of slack: the officer's clock may run ahead of the server's time zone.
        if value > timezone.localdate() + datetime.timedelta(days=1):
            raise forms.ValidationError("The date is in the future.")
        if value < EARLIEST_DATE:
            raise forms.ValidationError(f"Give a date after {EARLIEST_DATE:%Y}.")
        return value

    def clean_text(self) -> str:
        value: str = self.cleaned_data["text"]
        if "\x00" in value:
            raise forms.ValidationError("The text contains NUL characters.")
        return value.strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("attack_type") and data.get("kind") != EventKind.ATTACK:
            self.add_error("attack_type", "An attack type applies to attacks only.")
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            self.add_error("lon" if lon is None else "lat", "Give both latitude and longitude.")
            return data
        place = (data.get("place") or "").strip()
        if not place and lat is None:
            if "place" not in self.errors:
                self.add_error("place", "Say where it happened: a place name or coordinates.")
            return data
        data["location"] = self._location(place, lat, lon)
        return data

    def _location(self, place: str, lat: float | None, lon: float | None) -> dict[str, Any] | None:
        """The location in the events schema's shape, from the gazetteer or the coordinates."""
        from safepassage.geo import Gazetteer

        found = Gazetteer.default().resolve(place) if place else None
        if found is None and lat is None:
            self.add_error(
                "place",
                "This place is not in the gazetteer. Check the spelling, name the district "
                "instead, or give coordinates.",
            )
            return None
        if lat is not None and lon is not None:
            # Coordinates the officer gave win; the gazetteer only names the province.
            gazetteer = Gazetteer.default()
            near = gazetteer.nearest(lat, lon)
            return {
                "name": place or (near.name if near else f"{lat:.4f}, {lon:.4f}"),
                "country": near.country if near else "",
                "admin1": (near.admin1 if near else None) or gazetteer.province_of(lat, lon),
                "admin2": near.admin2 if near else None,
                "lat": lat,
                "lon": lon,
                "precision": "point",
                "gazetteer_id": None,
            }
        assert found is not None
        return {
            "name": found.name,
            "country": found.country,
            "admin1": found.admin1,
            "admin2": found.admin2,
            "lat": found.lat,
            "lon": found.lon,
            "precision": found.precision,
            "gazetteer_id": found.id,
        }

    def structured(self) -> dict[str, Any]:
        """The report's structured fields, shaped as one event of ``events.schema.json``."""
        data = self.cleaned_data
        deaths, injured = data.get("deaths"), data.get("injured")
        return {
            "kind": data["kind"],
            "background": False,
            "attack_type": data.get("attack_type") or None,
            "date": {"value": data["date"].isoformat(), "precision": "day", "text": None},
            "location": data.get("location"),
            "fatalities": None if deaths is None else {"total": deaths, "min": None, "max": None},
            "injured": None if injured is None else {"total": injured, "min": None, "max": None},
        }

    def headline(self) -> str:
        """The officer's headline, or one made from the structured fields."""
        data = self.cleaned_data
        if data.get("title"):
            return str(data["title"])
        what = AttackType(data["attack_type"]).label if data.get("attack_type") else None
        what = what or EventKind(data["kind"]).label
        where = (data.get("location") or {}).get("name") or "unknown place"
        return f"Field report: {what}, {where}, {data['date']:%Y-%m-%d}"


class SourceForm(forms.ModelForm):  # type: ignore[type-arg]
    """A feed, folder or API source. Field-report sources are created by the form itself."""

    url = forms.URLField(
        label="Feed address",
        max_length=1000,
        required=False,
        assume_scheme="https",
        help_text="RSS or Atom address (feeds only).",
    )

    class Meta:
        model = Source
        fields = [
            "name",
            "kind",
            "organisation",
            "url",
            "path",
            "fetch_pages",
            "reliability",
            "default_tlp",
            "enabled",
            "poll_minutes",
        ]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.is_form_source = bool(self.instance.pk) and self.instance.kind == SourceKind.FORM
        if self.is_form_source:
            # The field-report source keeps its kind; only its name, grading and sharing change.
            for name in ("kind", "url", "path", "fetch_pages", "poll_minutes", "organisation"):
                self.fields[name].disabled = True
        else:
            self.fields["kind"].choices = [
                (value, label) for value, label in SourceKind.choices if value != SourceKind.FORM
            ]
        self.fields["poll_minutes"].min_value = 1
        self.fields["poll_minutes"].max_value = 7 * 24 * 60
        self.fields["poll_minutes"].widget.attrs.update(min=1, max=7 * 24 * 60)
        organisations = self.fields["organisation"]
        queryset = organisations.queryset  # type: ignore[attr-defined]
        if user is not None and gate.reach(user, Action.ADD, Source) is not Reach.ALL:
            queryset = queryset.filter(pk=getattr(user, "organisation_id", None))
            organisations.initial = getattr(user, "organisation_id", None)
        organisations.queryset = queryset  # type: ignore[attr-defined]

    def clean_poll_minutes(self) -> int:
        value = self.cleaned_data["poll_minutes"]
        if not 1 <= value <= 7 * 24 * 60:
            raise forms.ValidationError("Poll between every minute and once a week.")
        return int(value)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == SourceKind.FORM and not self.is_form_source:
            self.add_error("kind", "Field report sources are created by the field report form.")
        if kind == SourceKind.FEED:
            url = (data.get("url") or "").strip()
            if not url:
                self.add_error("url", "A feed needs its address.")
            else:
                try:
                    URLValidator(schemes=["http", "https"])(url)
                except forms.ValidationError:
                    self.add_error("url", "Give an http or https address.")
        else:
            data["url"] = ""
            data["fetch_pages"] = False
        if kind == SourceKind.FOLDER:
            path = (data.get("path") or "").strip()
            if not path:
                self.add_error("path", "A watched folder needs its path.")
            elif inside_watch_roots(path) is None:
                self.add_error(
                    "path",
                    "The folder must be an absolute path inside a watch root "
                    "(INTEL_WATCH_ROOTS); ask the operator.",
                )
        else:
            data["path"] = ""
        return data
