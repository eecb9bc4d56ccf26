"""Peer instances: another Safe Passage this one syncs incidents with, and how to reach it.

A ``Peer`` names the remote instance's address, the partner organisation it stands for (its
agreements here decide what we push to it; what it accepts from us is decided there), the
direction of the sync and two cursors.

The token we present to the peer is never stored in the database, where a backup or an
administrator's screen could leak it. The peer row names where it lives instead:

* ``token_env``: the name of an environment variable of the process that runs the sync; or
* ``token_file``: a file under ``<data dir>/peers/``, readable by the owner only (mode 0600 or
  stricter; a file readable by others is refused).

Addresses: the one outbound HTTP wrapper (``lib/http.py``) refuses private and loopback
addresses, as it must for news feeds. Two ministries' instances usually talk over a private
network, so sync alone may reach the networks listed in ``SAFEPASSAGE_SYNC_ALLOW_NETWORKS``
(empty by default; never applied to feeds). A token crosses only over HTTPS, except to a
loopback address.
"""

from __future__ import annotations

import ipaddress
import os
import stat
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from safepassage.lib import http

ENV_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
MAX_TOKEN_CHARS = 200


class PeerError(Exception):
    """A peer is misconfigured: its token cannot be read, or its address may not be used."""


class Direction(models.TextChoices):
    PULL = "pull", "Pull: fetch what the peer shares with us"
    PUSH = "push", "Push: send what we share with the peer"
    BOTH = "both", "Both ways"


def peers_dir() -> Path:
    """The folder token files must live in."""
    return Path(settings.DATA_DIR) / "peers"


class Peer(models.Model):
    """Another Safe Passage instance, standing for a partner organisation."""

    name = models.CharField(max_length=200, unique=True)
    partner = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.PROTECT,
        related_name="peers",
        help_text="The organisation the remote instance belongs to.",
    )
    base_url = models.URLField(
        "address", max_length=300, help_text="The peer's root address, e.g. https://sp.example/."
    )
    token_env = models.CharField(
        "token environment variable",
        max_length=100,
        blank=True,
        help_text="Name of the environment variable holding the peer's API token for us.",
    )
    token_file = models.CharField(
        max_length=200,
        blank=True,
        help_text="Or: a file name under <data dir>/peers/ (mode 0600) holding that token.",
    )
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.BOTH)
    accept_push = models.BooleanField(
        "accept pushes",
        default=True,
        help_text="Whether this partner's instance may push incidents to us.",
    )
    active = models.BooleanField(default=True)
    pull_cursor = models.CharField(
        max_length=80,
        blank=True,
        help_text="Where the last pull ended in the peer's stream of changes (time|id).",
    )
    push_cursor = models.DateTimeField(
        null=True, blank=True, help_text="Our clock at the start of the last push."
    )
    last_run = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=16, blank=True)
    last_message = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Gate:
        resource = "sharing"
        org = "partner"

    class Meta:
        app_label = "sharing"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.base_url})"

    @property
    def pulls(self) -> bool:
        return self.direction in (Direction.PULL, Direction.BOTH)

    @property
    def pushes(self) -> bool:
        return self.direction in (Direction.PUSH, Direction.BOTH)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        env_field, file_field = "token_env", "token_file"
        if not self.token_env and not self.token_file:
            errors[env_field] = "Name the environment variable or the token file holding the token."
        elif self.token_env and self.token_file:
            errors[env_field] = "Name either an environment variable or a token file, not both."
        if self.token_env and not set(self.token_env) <= ENV_NAME_CHARS:
            errors[env_field] = "Use capital letters, digits and underscores."
        if self.token_file and (
            "/" in self.token_file or "\\" in self.token_file or self.token_file.startswith(".")
        ):
            errors[file_field] = "A plain file name inside <data dir>/peers/, no folders."
        for name in ("name", env_field, file_field):
            if has_control_characters(getattr(self, name)):
                errors[name] = "Control and invisible characters are not allowed."
        try:
            if self.base_url:  # an empty one is the field's own error ("cannot be blank")
                check_address(self.base_url)
        except PeerError as exc:
            errors["base_url"] = str(exc)
        if errors:
            raise ValidationError(errors)

    def token(self, environ: Any = None) -> str:
        """The API token to present to the peer, read from where the row says it lives."""
        environ = os.environ if environ is None else environ
        if self.token_env:
            value = str(environ.get(self.token_env, "")).strip()
            if not value:
                raise PeerError(f"The environment variable {self.token_env} is not set.")
        elif self.token_file:
            value = _read_token_file(self.token_file)
        else:
            raise PeerError("The peer names no token (environment variable or file).")
        if len(value) > MAX_TOKEN_CHARS or any(ch in value for ch in "\r\n\x00 "):
            raise PeerError("The peer's token is malformed.")
        return value

    def url(self, path: str) -> str:
        """The address of ``path`` (no leading slash) on the peer."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


def _read_token_file(name: str) -> str:
    folder = peers_dir().resolve()
    path = (folder / name).resolve()
    if path.parent != folder:
        raise PeerError("The token file must lie directly in <data dir>/peers/.")
    try:
        info = path.stat()
    except OSError as exc:
        raise PeerError(f"The token file {name} cannot be read: {exc.strerror}.") from exc
    if not stat.S_ISREG(info.st_mode):
        raise PeerError(f"The token file {name} is not a regular file.")
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PeerError(
            f"The token file {name} is readable by others; make it owner-only (chmod 600)."
        )
    return path.read_text(encoding="utf-8").strip()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned characters.
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds a character that has no business in a name or an address."""
    return any(unicodedata.category(ch) in _CONTROL_CATEGORIES for ch in text or "")


def check_address(url: str) -> None:
    """Refuse a peer address that would send the token in the clear or is malformed.

    First the checks the outbound HTTP wrapper makes before any request (``http.check_url``:
    length, spaces and control characters, http(s) only, no credentials, a valid host), then
    the peer's own: no query or fragment, and https unless the peer is on a loopback address.
    """
    try:
        http.check_url(url)
    except http.InvalidURL as exc:
        raise PeerError(f"Not a usable address: {exc.message}.") from exc
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise PeerError("The address cannot be parsed.") from exc
    if parts.query or parts.fragment:
        raise PeerError("The address must not carry a query or a fragment.")
    if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
        raise PeerError("Use https: the token must not cross the network in the clear.")


def allowed_networks() -> tuple[str, ...]:
    """Networks sync may reach although the HTTP guard refuses them for everything else."""
    return tuple(getattr(settings, "SYNC_ALLOW_NETWORKS", ()))
