"""A read-only TAXII 2.1 server: partners' tools pull the incidents their agreement allows.

Endpoints (TAXII 2.1, section numbers of the OASIS specification), all under ``/api/taxii2/``:

* ``GET /api/taxii2/``: discovery (4.1), naming one API root;
* ``GET /api/taxii2/safepassage/``: the API root (4.2);
* ``GET …/collections/`` and ``…/collections/{id}/``: the one collection, "incidents" (5.1, 5.2);
* ``GET …/collections/{id}/objects/``: the STIX objects (5.3), with ``added_after``,
  ``limit`` and ``next`` paging, ``match[id]``, ``match[type]``, ``match[version]`` and
  ``match[spec_version]``; ``…/objects/{object-id}/`` one object (5.5);
* ``GET …/collections/{id}/manifest/``: the manifest (5.4);
* ``GET …/collections/{id}/objects/{object-id}/versions/``: its versions (5.8);
* ``GET …/status/{id}/``: 404 always, since nothing is ever written here (4.3).

Requests authenticate with an API token (``Authorization: Bearer sp_…``). The objects are the
STIX export (``stix.collect``) read *as the caller* through the permission gate, so a partner's
tool sees exactly what the partner's agreements allow and AMBER+STRICT and RED never reach it.
Each object a partner receives is recorded (``ShareRecord``, channel ``taxii``).

This instance keeps only the current version of each object: its ``date_added`` and its
``version`` are the object's ``modified`` (or ``created``) timestamp, so a changed incident is
offered again to a client that pages with ``added_after``.

A page costs what is on it, not the whole collection: ``stix_collection`` reads the order
(``date_added`` and id) of the objects from the database, limited to the page, and builds only
the page's objects; a manifest builds none.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from safepassage.access import gate
from safepassage.access.marking import is_partner
from safepassage.accounts.models import ApiToken
from safepassage.audit.context import set_actor
from safepassage.intel.models import Incident
from safepassage.sharing import services, stix, stix_collection, stix_ids
from safepassage.sharing.models import Channel
from safepassage.sharing.stix_collection import Key

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
API_ROOT = "safepassage"
COLLECTION_ALIAS = "incidents"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_STIX_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}--[0-9a-fA-F-]{36}$")
_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MAX_MATCH_VALUES = 100


class TaxiiError(Exception):
    """An error answered as a TAXII error message (section 3.6.1)."""

    def __init__(self, status: int, title: str, description: str = "") -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.description = description


def taxii_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    """A TAXII 2.1 JSON response."""
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type=TAXII_MEDIA_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response


def error_response(error: TaxiiError) -> HttpResponse:
    """The TAXII error message for ``error``."""
    body: dict[str, Any] = {"title": error.title, "http_status": str(error.status)}
    if error.description:
        body["description"] = error.description
    response = taxii_response(body, error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="safepassage-taxii"'
    return response


def _acceptable(header: str) -> bool:
    """Whether the Accept header lets us answer with TAXII 2.1 JSON."""
    if not header.strip():
        return True
    for part in header.split(","):
        media, *params = [p.strip().lower() for p in part.split(";")]
        if media in {"*/*", "application/*"}:
            return True
        if media == "application/taxii+json":
            versions = [p.split("=", 1)[1].strip() for p in params if p.startswith("version=")]
            if not versions or "2.1" in versions:
                return True
    return False


def _authenticate(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise TaxiiError(401, "Authentication required", "Send an API token as a bearer token.")
    token = ApiToken.authenticate(secret.strip())
    if token is None:
        raise TaxiiError(
            401, "Authentication required", "The token is unknown, revoked or expired."
        )
    user = token.user
    user.api_token = token
    request.user = user
    set_actor(user)
    return user


View = Callable[..., HttpResponse]


def taxii_view(view: View) -> View:
    """Authenticate, negotiate the media type, answer GET only and turn errors into TAXII's."""

    # Exempt from CSRF: no cookie authenticates here (bearer tokens only) and nothing is
    # written, so a refused POST gets the TAXII error a client can read, not Django's page.
    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            user = _authenticate(request)
            if request.method not in {"GET", "HEAD"}:
                raise TaxiiError(
                    405 if request.method not in {"POST", "DELETE"} else 403,
                    "This TAXII server is read-only",
                    "Only GET requests are answered; nothing can be added or deleted.",
                )
            if not _acceptable(request.headers.get("Accept", "")):
                raise TaxiiError(
                    406,
                    "Not acceptable",
                    f"This server answers with {TAXII_MEDIA_TYPE} only.",
                )
            if not gate.can(user, "view", Incident):
                raise TaxiiError(
                    403, "Forbidden", "Your role or token may not read the incident collection."
                )
            return view(request, user, *args, **kwargs)
        except TaxiiError as error:
            return error_response(error)

    return wrapper


# --- resources ------------------------------------------------------------------------------


def collection_id() -> str:
    """The id of the incident collection: stable for this instance, unique across instances."""
    return str(uuid.uuid5(stix_ids.instance_identity().uuid, "taxii:collection:incidents"))


def collection_resource() -> dict[str, Any]:
    """The collection resource (section 5.2.1)."""
    return {
        "id": collection_id(),
        "title": "Safe Passage incidents",
        "description": (
            "Physical security incidents and official engagements with their places, reports "
            "and sightings, as your sharing agreement allows, in STIX 2.1."
        ),
        "alias": COLLECTION_ALIAS,
        "can_read": True,
        "can_write": False,
        "media_types": [STIX_MEDIA_TYPE],
    }


def connection_details(request: HttpRequest) -> dict[str, str]:
    """What a partner's TAXII client needs to connect, for the sharing pages to show."""
    root = request.build_absolute_uri(reverse("taxii:api-root", args=[API_ROOT]))
    return {
        "discovery": request.build_absolute_uri(reverse("taxii:discovery")),
        "api_root": root,
        "collection_id": collection_id(),
        "objects": request.build_absolute_uri(
            reverse("taxii:objects", args=[API_ROOT, collection_id()])
        ),
        "media_type": TAXII_MEDIA_TYPE,
        "authentication": "Authorization: Bearer <API token of a partner liaison>",
    }


def _check_collection(value: str) -> None:
    if value not in {collection_id(), COLLECTION_ALIAS}:
        raise TaxiiError(404, "Collection not found", "No such collection on this API root.")


@taxii_view
def discovery(request: HttpRequest, user: Any) -> HttpResponse:
    """Server discovery (section 4.1)."""
    root = request.build_absolute_uri(reverse("taxii:api-root", args=[API_ROOT]))
    return taxii_response(
        {
            "title": "Safe Passage TAXII server",
            "description": "Read-only TAXII 2.1 access to the shared incident picture.",
            "default": root,
            "api_roots": [root],
        }
    )


def _check_root(api_root: str) -> None:
    if api_root != API_ROOT:
        raise TaxiiError(404, "API root not found", "This server has one API root.")


@taxii_view
def api_root(request: HttpRequest, user: Any, api_root: str) -> HttpResponse:
    """API root information (section 4.2)."""
    _check_root(api_root)
    return taxii_response(
        {
            "title": "Safe Passage",
            "description": "The incident picture of this instance.",
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0),
        }
    )


@taxii_view
def status(request: HttpRequest, user: Any, api_root: str, status_id: str) -> HttpResponse:
    """Status resources (section 4.3): none, since nothing is ever added here."""
    _check_root(api_root)
    raise TaxiiError(404, "Status not found", "This server accepts no writes.")


@taxii_view
def collections(request: HttpRequest, user: Any, api_root: str) -> HttpResponse:
    """The collections (section 5.1)."""
    _check_root(api_root)
    return taxii_response({"collections": [collection_resource()]})


@taxii_view
def collection(request: HttpRequest, user: Any, api_root: str, collection: str) -> HttpResponse:
    """One collection (section 5.2)."""
    _check_root(api_root)
    _check_collection(collection)
    return taxii_response(collection_resource())


# --- objects --------------------------------------------------------------------------------


def parse_timestamp(value: str, name: str) -> datetime.datetime:
    """A TAXII/STIX timestamp (RFC 3339, UTC); a 400 error when it is not one."""
    text = value.strip()
    if len(text) > 40:
        raise TaxiiError(400, f"Invalid {name}", f"{name} must be an RFC 3339 timestamp.")
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise TaxiiError(400, f"Invalid {name}", f"{name} must be an RFC 3339 timestamp.") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    try:
        # Year 1 at UTC+14 or year 9999 at UTC-14 has no UTC time: out of range, not a crash.
        return parsed.astimezone(datetime.UTC)
    except OverflowError as exc:
        raise TaxiiError(400, f"Invalid {name}", f"{name} is out of range.") from exc


def format_timestamp(value: datetime.datetime) -> str:
    """A timestamp as TAXII writes it: UTC, milliseconds, ``Z``."""
    return stix.timestamp(value)


def _collection(user: Any) -> stix_collection.Collection:
    """The collection ``user`` reads: ``stix.collect`` as ``user``, without what came from a
    partner reading it (no echo), article text only where personal data may cross to it."""
    partner = user.organisation if is_partner(user) else None
    scope = stix_collection.Scope(
        user,
        exclude_origin=partner,
        include_text=(lambda: services.personal_data_allowed(partner))
        if partner is not None
        else True,
    )
    return stix_collection.Collection(scope)


def _match_values(request: HttpRequest, name: str) -> list[str] | None:
    raw = request.GET.getlist(f"match[{name}]")
    if not raw:
        return None
    values = [v.strip() for item in raw for v in item.split(",") if v.strip()]
    if len(values) > MAX_MATCH_VALUES:
        raise TaxiiError(400, f"Too many match[{name}] values", f"At most {MAX_MATCH_VALUES}.")
    return values


@dataclass(frozen=True)
class Filters:
    """``added_after`` and the ``match[…]`` filters of a request (section 3.4)."""

    added_after: datetime.datetime | None
    ids: list[str] | None
    types: list[str] | None
    versions: set[datetime.datetime] | None
    # match[spec_version] without 2.1: every object here is STIX 2.1, so none matches.
    none: bool = False

    def page(
        self,
        held: stix_collection.Collection,
        position: tuple[datetime.datetime, str] | None = None,
        limit: int | None = None,
    ) -> tuple[list[Key], bool]:
        """The page of ``held`` these filters leave (``Collection.page``)."""
        if self.none:
            return [], False
        return held.page(
            added_after=self.added_after,
            position=position,
            ids=self.ids,
            types=self.types,
            versions=self.versions,
            limit=limit,
        )


def _filters(request: HttpRequest, object_id: str | None = None) -> Filters:
    """The request's filters (section 3.4), checked; ``object_id`` stands for ``match[id]``."""
    added_after = request.GET.get("added_after")
    after = parse_timestamp(added_after, "added_after") if added_after is not None else None
    ids = _match_values(request, "id")
    if object_id is not None:
        ids = [object_id]
    if ids is not None:
        for value in ids:
            if not _STIX_ID.fullmatch(value):
                raise TaxiiError(400, "Invalid match[id]", "Ids are STIX ids: type--uuid.")
    types = _match_values(request, "type")
    if types is not None:
        for value in types:
            if not _TYPE.fullmatch(value):
                raise TaxiiError(400, "Invalid match[type]", "Types are STIX type names.")
    spec_versions = _match_values(request, "spec_version")
    versions = _match_version(request)
    none = spec_versions is not None and stix_collection.SPEC_VERSION not in spec_versions
    return Filters(after, ids, types, versions, none)


def _match_version(request: HttpRequest) -> set[datetime.datetime] | None:
    """The versions ``match[version]`` asks for; None for every one (the default, "last")."""
    versions = _match_values(request, "version") or ["last"]
    keywords = {"first", "last", "all"}
    stamps = set()
    for value in versions:
        if value not in keywords:
            stamps.add(parse_timestamp(value, "match[version]"))
    if keywords & set(versions):
        # One version of each object is held: it is the first, the last and all of them.
        return None
    # An object's one version is its date added.
    return stamps


def _limit(request: HttpRequest) -> int:
    raw = request.GET.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    text = raw.strip()
    # ASCII digits only: str.isdigit also accepts "²", which int() refuses.
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or int(text) < 1:
        raise TaxiiError(400, "Invalid limit", "limit must be a positive whole number.")
    return min(int(text), MAX_LIMIT)


def encode_next(entry: Key) -> str:
    """The ``next`` value that resumes after ``entry`` (opaque to clients)."""
    text = f"{format_timestamp(entry.date_added)}|{entry.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_next(value: str) -> tuple[datetime.datetime, str]:
    """The position a ``next`` value names; a 400 error when it was not made here."""
    bad = TaxiiError(400, "Invalid next", "Use the next value of the previous page unchanged.")
    if len(value) > 300:
        raise bad
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise bad from exc
    stamp, _, object_id = text.partition("|")
    if not _STIX_ID.fullmatch(object_id):
        raise bad
    try:
        return parse_timestamp(stamp, "next"), object_id
    except TaxiiError as exc:
        raise bad from exc


def _position(request: HttpRequest) -> tuple[datetime.datetime, str] | None:
    """Where the ``next`` value of the request resumes, if it has one."""
    value = request.GET.get("next")
    return decode_next(value) if value is not None else None


def _query(
    request: HttpRequest,
) -> tuple[Filters, tuple[datetime.datetime, str] | None, int]:
    """The filters, the ``next`` position and the limit of a page request, checked in the
    order their errors are answered: ``added_after``, ``next``, ``match[…]``, ``limit``."""
    value = request.GET.get("added_after")
    if value is not None:
        parse_timestamp(value, "added_after")
    position = _position(request)
    filters = _filters(request)
    return filters, position, _limit(request)


def _page(request: HttpRequest, entries: Sequence[Key]) -> tuple[list[Key], str | None]:
    """One page of ``entries`` and the ``next`` value, if more follow (section 3.5)."""
    limit = _limit(request)
    position = _position(request)
    remaining = [e for e in entries if position is None or (e.date_added, e.id) > position]
    page = remaining[:limit]
    more = len(remaining) > limit
    return page, encode_next(page[-1]) if more and page else None


def _with_date_headers(response: HttpResponse, page: Sequence[Key]) -> HttpResponse:
    if page:
        response["X-TAXII-Date-Added-First"] = format_timestamp(page[0].date_added)
        response["X-TAXII-Date-Added-Last"] = format_timestamp(page[-1].date_added)
    return response


def _record(user: Any, page: Sequence[Key], rows: dict[str, models.Model]) -> None:
    """Record what crossed to a partner: one share record per incident, report or engagement
    served."""
    if not is_partner(user) or user.organisation_id is None:
        return
    crossed = [(rows[e.id], e.id) for e in page if e.id in rows]
    for model in {type(row) for row, _ in crossed}:
        of_model = [(row, sid) for row, sid in crossed if type(row) is model]
        services.record(
            user.organisation,
            Channel.TAXII,
            [row for row, _ in of_model],
            actor=user,
            stix_ids={int(row.pk): sid for row, sid in of_model},
        )


def _envelope(
    user: Any,
    held: stix_collection.Collection,
    page: list[Key],
    next_value: str | None,
    always_objects: bool = False,
) -> HttpResponse:
    """The envelope (section 3.7) of ``page``, its objects built for it alone, recorded."""
    built = held.objects(page)
    _record(user, page, held.rows)
    body: dict[str, Any] = {"more": next_value is not None}
    if next_value:
        body["next"] = next_value
    if page or always_objects:
        body["objects"] = [built[e.id] for e in page]
    return _with_date_headers(taxii_response(body), page)


@taxii_view
def objects(request: HttpRequest, user: Any, api_root: str, collection: str) -> HttpResponse:
    """Get objects (section 5.3): an envelope of STIX objects, paged."""
    _check_root(api_root)
    _check_collection(collection)
    filters, position, limit = _query(request)
    held = _collection(user)
    page, more = filters.page(held, position, limit)
    return _envelope(user, held, page, encode_next(page[-1]) if more and page else None)


def _one(request: HttpRequest, user: Any, object_id: str) -> tuple[Any, list[Key]]:
    """The collection and the keys it holds for ``object_id`` (at most one) that the
    request's filters leave; 404 for an id that is no STIX id."""
    if not _STIX_ID.fullmatch(object_id):
        raise TaxiiError(404, "Object not found", "Object ids are STIX ids: type--uuid.")
    held = _collection(user)
    return held, _filters(request, object_id=object_id).page(held)[0]


@taxii_view
def object_detail(
    request: HttpRequest, user: Any, api_root: str, collection: str, object_id: str
) -> HttpResponse:
    """Get an object (section 5.5): the envelope holding it, or 404."""
    _check_root(api_root)
    _check_collection(collection)
    held, entries = _one(request, user, object_id)
    if not entries:
        raise TaxiiError(404, "Object not found", "No such object in this collection for you.")
    page, next_value = _page(request, entries)
    return _envelope(user, held, page, next_value, always_objects=True)


@taxii_view
def manifest(request: HttpRequest, user: Any, api_root: str, collection: str) -> HttpResponse:
    """Get object manifests (section 5.4): id, date added, version and media type of each.

    Only the keys are read: no object is built."""
    _check_root(api_root)
    _check_collection(collection)
    filters, position, limit = _query(request)
    page, more = filters.page(_collection(user), position, limit)
    next_value = encode_next(page[-1]) if more and page else None
    body: dict[str, Any] = {"more": next_value is not None}
    if next_value:
        body["next"] = next_value
    if page:
        body["objects"] = [
            {
                "id": e.id,
                "date_added": format_timestamp(e.date_added),
                "version": e.version,
                "media_type": STIX_MEDIA_TYPE,
            }
            for e in page
        ]
    return _with_date_headers(taxii_response(body), page)


@taxii_view
def versions(
    request: HttpRequest, user: Any, api_root: str, collection: str, object_id: str
) -> HttpResponse:
    """Get object versions (section 5.8): the one version held, or 404."""
    _check_root(api_root)
    _check_collection(collection)
    if not _STIX_ID.fullmatch(object_id):
        raise TaxiiError(404, "Object not found", "Object ids are STIX ids: type--uuid.")
    entries, _ = _collection(user).page(ids=[object_id])
    added_after = request.GET.get("added_after")
    if added_after is not None:
        after = parse_timestamp(added_after, "added_after")
        entries = [e for e in entries if e.date_added > after]
    if not entries:
        raise TaxiiError(404, "Object not found", "No such object in this collection for you.")
    _limit(request)
    return _with_date_headers(
        taxii_response({"more": False, "versions": [e.version for e in entries]}), entries
    )
