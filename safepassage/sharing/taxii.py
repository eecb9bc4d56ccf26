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
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from safepassage.access import gate
from safepassage.access.marking import is_partner
from safepassage.accounts.models import ApiToken
from safepassage.audit.context import set_actor
from safepassage.intel.models import Incident
from safepassage.sharing import services, stix, stix_ids
from safepassage.sharing.models import Channel

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
API_ROOT = "safepassage"
COLLECTION_ALIAS = "incidents"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# ``added_after`` reaches the database as "updated since": a margin keeps the reports and
# relationships that were written just after their incident's last change in the page.
SINCE_MARGIN = datetime.timedelta(hours=1)
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


@dataclass(frozen=True)
class Entry:
    """One STIX object as the collection holds it."""

    obj: dict[str, Any]
    date_added: datetime.datetime

    @property
    def id(self) -> str:
        return str(self.obj["id"])

    @property
    def version(self) -> str:
        return str(self.obj.get("modified") or self.obj.get("created") or "")


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


def _entries(
    user: Any, since: datetime.datetime | None
) -> tuple[list[Entry], dict[str, models.Model]]:
    """Every object the collection holds for ``user``, oldest addition first, and the local
    rows (incidents, reports) behind them by STIX id."""
    partner = user.organisation if is_partner(user) else None
    include_text = services.personal_data_allowed(partner) if partner is not None else True
    # Near the first representable time there is nothing older: read everything.
    early = since is None or since < datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
    export = stix.collect(
        user,
        since=None if early else since - SINCE_MARGIN,
        include_text=include_text,
        # What came from the partner is not offered back to it (no echo).
        exclude_origin=partner,
    )
    entries = []
    # An incident, its place and its relationship (a report and its sightings) share one
    # stamp: each distinct stamp is parsed once.
    parsed: dict[str, datetime.datetime] = {}
    for obj in export.objects:
        stamp = obj.get("modified") or obj.get("created")
        if stamp:
            text = str(stamp)
            added = parsed.get(text)
            if added is None:
                added = parsed[text] = parse_timestamp(text, "date_added")
        else:
            added = timezone.now()
        entries.append(Entry(obj, added))
    entries.sort(key=lambda e: (e.date_added, e.id))
    return entries, {sid: row for row, sid in export.rows}


def _match_values(request: HttpRequest, name: str) -> list[str] | None:
    raw = request.GET.getlist(f"match[{name}]")
    if not raw:
        return None
    values = [v.strip() for item in raw for v in item.split(",") if v.strip()]
    if len(values) > MAX_MATCH_VALUES:
        raise TaxiiError(400, f"Too many match[{name}] values", f"At most {MAX_MATCH_VALUES}.")
    return values


def _filter(
    request: HttpRequest, entries: Iterable[Entry], object_id: str | None = None
) -> list[Entry]:
    """Apply ``added_after`` and the ``match[…]`` filters (section 3.4)."""
    result = list(entries)
    added_after = request.GET.get("added_after")
    if added_after is not None:
        after = parse_timestamp(added_after, "added_after")
        result = [e for e in result if e.date_added > after]
    ids = _match_values(request, "id")
    if object_id is not None:
        ids = [object_id]
    if ids is not None:
        for value in ids:
            if not _STIX_ID.fullmatch(value):
                raise TaxiiError(400, "Invalid match[id]", "Ids are STIX ids: type--uuid.")
        wanted = set(ids)
        result = [e for e in result if e.id in wanted]
    types = _match_values(request, "type")
    if types is not None:
        for value in types:
            if not _TYPE.fullmatch(value):
                raise TaxiiError(400, "Invalid match[type]", "Types are STIX type names.")
        result = [e for e in result if e.obj.get("type") in set(types)]
    spec_versions = _match_values(request, "spec_version")
    if spec_versions is not None:
        result = [e for e in result if str(e.obj.get("spec_version", "2.1")) in spec_versions]
    result = _match_version(request, result)
    return result


def _match_version(request: HttpRequest, entries: list[Entry]) -> list[Entry]:
    versions = _match_values(request, "version") or ["last"]
    keywords = {"first", "last", "all"}
    stamps = set()
    for value in versions:
        if value not in keywords:
            stamps.add(parse_timestamp(value, "match[version]"))
    if keywords & set(versions):
        # One version of each object is held: it is the first, the last and all of them.
        return entries
    return [e for e in entries if e.version and parse_timestamp(e.version, "version") in stamps]


def _limit(request: HttpRequest) -> int:
    raw = request.GET.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    text = raw.strip()
    # ASCII digits only: str.isdigit also accepts "²", which int() refuses.
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or int(text) < 1:
        raise TaxiiError(400, "Invalid limit", "limit must be a positive whole number.")
    return min(int(text), MAX_LIMIT)


def encode_next(entry: Entry) -> str:
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


def _page(request: HttpRequest, entries: Sequence[Entry]) -> tuple[list[Entry], str | None]:
    """One page of ``entries`` and the ``next`` value, if more follow (section 3.5)."""
    limit = _limit(request)
    after = request.GET.get("next")
    remaining = list(entries)
    if after is not None:
        position = decode_next(after)
        remaining = [e for e in remaining if (e.date_added, e.id) > position]
    page = remaining[:limit]
    more = len(remaining) > limit
    return page, encode_next(page[-1]) if more and page else None


def _with_date_headers(response: HttpResponse, page: Sequence[Entry]) -> HttpResponse:
    if page:
        response["X-TAXII-Date-Added-First"] = format_timestamp(page[0].date_added)
        response["X-TAXII-Date-Added-Last"] = format_timestamp(page[-1].date_added)
    return response


def _record(user: Any, page: Sequence[Entry], rows: dict[str, models.Model]) -> None:
    """Record what crossed to a partner: one share record per incident or report served."""
    if not is_partner(user) or user.organisation_id is None:
        return
    crossed = [(rows[e.id], e.id) for e in page if e.id in rows]
    for model in {type(row) for row, _ in crossed}:
        of_model = [(row, sid) for row, sid in crossed if type(row) is model]
        services.record(
            user.organisation_id,
            Channel.TAXII,
            [row for row, _ in of_model],
            actor=user,
            stix_ids={int(row.pk): sid for row, sid in of_model},
        )


def _since(request: HttpRequest) -> datetime.datetime | None:
    """The earliest ``date_added`` the page can hold: ``added_after`` or the ``next`` cursor's.

    It bounds the export read from the database, so paging through a large collection does
    not rebuild the objects of the pages already served.
    """
    bounds = []
    value = request.GET.get("added_after")
    if value is not None:
        bounds.append(parse_timestamp(value, "added_after"))
    cursor = request.GET.get("next")
    if cursor is not None:
        bounds.append(decode_next(cursor)[0])
    return max(bounds) if bounds else None


@taxii_view
def objects(request: HttpRequest, user: Any, api_root: str, collection: str) -> HttpResponse:
    """Get objects (section 5.3): an envelope of STIX objects, paged."""
    _check_root(api_root)
    _check_collection(collection)
    held, rows = _entries(user, _since(request))
    page, next_value = _page(request, _filter(request, held))
    _record(user, page, rows)
    body: dict[str, Any] = {"more": next_value is not None}
    if next_value:
        body["next"] = next_value
    if page:
        body["objects"] = [e.obj for e in page]
    return _with_date_headers(taxii_response(body), page)


@taxii_view
def object_detail(
    request: HttpRequest, user: Any, api_root: str, collection: str, object_id: str
) -> HttpResponse:
    """Get an object (section 5.5): the envelope holding it, or 404."""
    _check_root(api_root)
    _check_collection(collection)
    if not _STIX_ID.fullmatch(object_id):
        raise TaxiiError(404, "Object not found", "Object ids are STIX ids: type--uuid.")
    held, rows = _entries(user, None)
    entries = _filter(request, held, object_id=object_id)
    if not entries:
        raise TaxiiError(404, "Object not found", "No such object in this collection for you.")
    page, next_value = _page(request, entries)
    _record(user, page, rows)
    body: dict[str, Any] = {"more": next_value is not None, "objects": [e.obj for e in page]}
    if next_value:
        body["next"] = next_value
    return _with_date_headers(taxii_response(body), page)


@taxii_view
def manifest(request: HttpRequest, user: Any, api_root: str, collection: str) -> HttpResponse:
    """Get object manifests (section 5.4): id, date added, version and media type of each."""
    _check_root(api_root)
    _check_collection(collection)
    held, _ = _entries(user, _since(request))
    page, next_value = _page(request, _filter(request, held))
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
    held, _ = _entries(user, None)
    entries = [e for e in held if e.id == object_id]
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
