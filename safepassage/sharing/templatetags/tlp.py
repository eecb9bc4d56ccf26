"""Template filters for TLP markings: ``{% load tlp %}{{ obj.tlp|tlp_class }}``."""

from __future__ import annotations

from django import template

from safepassage.sharing import tlp as markings

register = template.Library()


@register.filter
def tlp_class(value: str) -> str:
    """The badge class of a marking (``tlp-amber-strict``); empty for an unknown value."""
    try:
        return markings.css_class(value)
    except ValueError:
        return ""


@register.filter
def tlp_label(value: str) -> str:
    """The marking as TLP 2.0 writes it (``TLP:AMBER+STRICT``)."""
    try:
        return markings.label(value)
    except ValueError:
        return str(value)
