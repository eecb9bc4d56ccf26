"""`safepassage token issue|list|revoke`: manage API tokens from the shell."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from safepassage.access import gate
from safepassage.access.policy import RESOURCES, Action
from safepassage.accounts.models import ApiToken, User
from safepassage.core.management.base import AuditedCommand


class Command(AuditedCommand):
    help = "Issue, list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="Issue a token; the secret is printed once.")
        issue.add_argument("username")
        issue.add_argument("--name", required=True)
        issue.add_argument(
            "--write", action="store_true", help="Allow writes (default: read only)."
        )
        issue.add_argument(
            "--resources", default="", help="Comma-separated resources; empty = all."
        )
        issue.add_argument(
            "--days", type=int, default=90, help="Days until it expires (0 = never)."
        )
        listing = sub.add_parser("list", help="List a user's tokens.")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _owner(self, username: str) -> User:
        owner = User.objects.filter(username=username).first()
        if owner is None:
            raise CommandError(f"No user named {username!r}.")
        return owner

    def _issue(self, options: dict[str, Any]) -> None:
        owner = self._owner(options["username"])
        resources = [r.strip() for r in options["resources"].split(",") if r.strip()]
        unknown = sorted(set(resources) - set(RESOURCES))
        if unknown:
            raise CommandError(f"Unknown resources: {', '.join(unknown)}.")
        if options["days"] < 0:
            raise CommandError("--days must be 0 (never) or more.")
        expires = timezone.now() + timedelta(days=options["days"]) if options["days"] else None
        token, secret = ApiToken.issue(
            owner,
            options["name"],
            access=ApiToken.Access.READ_WRITE if options["write"] else ApiToken.Access.READ,
            resources=resources,
            expires_at=expires,
        )
        # The operator issues on behalf of the owner; the gate checks the operator's reach.
        gate.save(self.user, token, action=Action.ADD)
        self.stdout.write(secret)

    def _list(self, options: dict[str, Any]) -> None:
        owner = self._owner(options["username"])
        for token in ApiToken.objects.filter(user=owner):
            state = "revoked" if token.revoked_at else ("live" if token.is_live else "expired")
            self.stdout.write(f"{token.prefix}…  {token.name}  {token.access}  {state}")

    def _revoke(self, options: dict[str, Any]) -> None:
        token = ApiToken.objects.filter(prefix=options["prefix"]).first()
        if token is None:
            raise CommandError(f"No token with prefix {options['prefix']!r}.")
        token = gate.get_object(self.user, Action.CHANGE, ApiToken, pk=token.pk)
        token.revoked_at = timezone.now()
        gate.save(self.user, token, action=Action.CHANGE)
        self.stdout.write(f"Revoked {token.prefix}….")
