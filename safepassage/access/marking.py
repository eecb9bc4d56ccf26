"""TLP 2.0 enforcement: which marked objects a reader may see.

The gate (``access.gate.restrict``) adds this filter to every read of a model whose ``Gate``
descriptor names ``marking`` paths: ``""`` for a marked model itself (incident, report,
engagement), or relation paths to marked objects (a claim through its incident and its
report, an alert through its incident). For each path the reader must be allowed the object
at its end; a null relation (a claim typed by an analyst, with no report) passes.

Inside one instance (one community of agencies):

* CLEAR, GREEN and AMBER reach every member whose role reads the resource;
* AMBER+STRICT reaches only users of the organisation that owns the object;
* RED reaches only the users named as its recipients.

A partner liaison (a user of a partner organisation, or a peer instance's sync account) reads
only through the partner's sharing agreements in force: markings up to the agreement's highest
one, inside its provinces, kinds and topics (an incident's attack type, an engagement's
topics). TLP:CLEAR is public and always readable. A RED
object still reaches a partner user who is named on it.

Jobs and the CLI (``SystemActor``) see everything; what they produce for a reader is filtered
for that reader again.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.db.models import Q

from safepassage.access.policy import Role
from safepassage.access.principals import SystemActor
from safepassage.sharing import tlp

_NOTHING = Q(pk__in=[])


def is_system(user: Any) -> bool:
    """True for the CLI operator and background jobs (no user account behind them)."""
    return isinstance(user, SystemActor)


def is_partner(user: Any) -> bool:
    """True when ``user`` reads as a partner organisation, through sharing agreements."""
    return getattr(user, "role", None) == Role.PARTNER_LIAISON.value


def marking_paths(model: type[models.Model]) -> tuple[str, ...]:
    """The ``Gate.marking`` paths of ``model``; empty when it carries no marking."""
    gate = getattr(model, "Gate", None)
    paths = getattr(gate, "marking", ())
    return (paths,) if isinstance(paths, str) else tuple(paths)


def _target(model: type[models.Model], path: str) -> type[models.Model]:
    """The model at the end of a relation ``path`` from ``model``."""
    current = model
    for name in path.split("__") if path else ():
        related = current._meta.get_field(name).related_model
        assert isinstance(related, type)
        current = related
    return current


def _nullable(model: type[models.Model], path: str) -> bool:
    """True when some relation along ``path`` may be empty."""
    current = model
    for name in path.split("__"):
        field = current._meta.get_field(name)
        if field.null:
            return True
        related = field.related_model
        assert isinstance(related, type)
        current = related
    return False


def _recipients_subquery(target: type[models.Model], user: Any) -> Any:
    """The pks of ``target`` objects naming ``user`` as a recipient (a subquery, no join)."""
    field = target._meta.get_field("recipients")
    through = field.remote_field.through  # type: ignore[union-attr]
    source_fk = field.m2m_field_name()  # type: ignore[union-attr]
    target_fk = field.m2m_reverse_field_name()  # type: ignore[union-attr]
    return through.objects.filter(**{target_fk: user.pk}).values(source_fk)


def _agreement_q(target: type[models.Model], user: Any, prefix: str) -> Q:
    """What the partner's agreements in force let ``user`` read of ``target`` objects."""
    from safepassage.sharing.models import SharingAgreement

    org_id = getattr(user, "organisation_id", None)
    if org_id is None:
        return _NOTHING
    names = {f.name for f in target._meta.get_fields()}
    allowed = _NOTHING
    for agreement in SharingAgreement.objects.filter(partner_id=org_id, active=True):
        if not agreement.in_force():
            continue
        levels = [m for m in tlp.at_most(agreement.max_tlp) if m in tlp.SHAREABLE]
        clause = Q(**{f"{prefix}tlp__in": levels})
        if agreement.provinces and "admin1" in names:
            clause &= Q(**{f"{prefix}admin1__in": list(agreement.provinces)})
        if agreement.kinds and "kind" in names:
            clause &= Q(**{f"{prefix}kind__in": list(agreement.kinds)})
        if agreement.topics and "attack_type" in names:
            clause &= Q(**{f"{prefix}attack_type__in": list(agreement.topics)})
        elif agreement.topics and "topics" in names:
            # An engagement crosses when one of its topics is named (fail closed: an agreement
            # narrowed to topics shares no engagement that has none of them).
            clause &= _any_topic(prefix, agreement.topics)
        allowed |= clause
    return allowed


def _any_topic(prefix: str, topics: list[str]) -> Q:
    """Objects whose ``topics`` JSON list holds one of ``topics`` (on SQLite and PostgreSQL)."""
    found = _NOTHING
    for topic in topics:
        # The list is stored as JSON text: a quoted item matches one whole element.
        found |= Q(**{f"{prefix}topics__icontains": json.dumps(str(topic))})
    return found


def readable_q(target: type[models.Model], user: Any, path: str = "") -> Q:
    """The filter for marked ``target`` objects, reached from the queried model by ``path``."""
    prefix = f"{path}__" if path else ""
    red_named = Q(**{f"{prefix}tlp": tlp.RED}) & Q(
        **{f"{prefix}pk__in": _recipients_subquery(target, user)}
    )
    if is_partner(user):
        return Q(**{f"{prefix}tlp": tlp.CLEAR}) | _agreement_q(target, user, prefix) | red_named
    community = Q(**{f"{prefix}tlp__in": list(tlp.COMMUNITY)})
    org_id = getattr(user, "organisation_id", None)
    own = (
        Q(**{f"{prefix}tlp": tlp.AMBER_STRICT, f"{prefix}organisation_id": org_id})
        if org_id is not None
        else _NOTHING
    )
    return community | own | red_named


def marking_q(user: Any, model: type[models.Model]) -> Q:
    """The TLP filter for reading ``model`` as ``user`` (empty when it carries no marking)."""
    paths = marking_paths(model)
    if not paths or is_system(user):
        return Q()
    combined = Q()
    for path in paths:
        clause = readable_q(_target(model, path), user, path)
        if path and _nullable(model, path):
            clause = Q(**{f"{path}__isnull": True}) | clause
        combined &= clause
    return combined


def may_read(user: Any, obj: models.Model) -> bool:
    """True when ``user`` may read the marked ``obj`` (a saved instance)."""
    model = type(obj)
    if not marking_paths(model) or is_system(user):
        return True
    return model._base_manager.filter(Q(pk=obj.pk) & marking_q(user, model)).exists()
