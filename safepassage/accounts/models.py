"""Users, their role and scope, and API tokens.

A user belongs to one organisation and holds one role (``access.policy.Role``). Their scope
is the organisation, the provinces they cover (none = all) and the protection units they
serve in. API tokens are stored as SHA-256 digests and can only narrow the owner's rights.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from safepassage.access.policy import Action, Role

ROLE_CHOICES = [(role.value, role.label) for role in Role]
TOKEN_PREFIX = "sp_"  # noqa: S105 (a public marker, not a secret)


class User(AbstractUser):
    """A person who signs in to Safe Passage."""

    organisation = models.ForeignKey(
        "registry.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(max_length=32, choices=ROLE_CHOICES, default=Role.VIEWER)
    provinces = models.JSONField(
        default=list, blank=True, help_text="Province codes this user covers; empty means all."
    )
    units = models.ManyToManyField(
        "registry.ProtectionUnit",
        blank=True,
        related_name="members",
        help_text="Protection units this user serves in.",
    )

    audit_exclude = frozenset({"last_login"})
    audit_redact = frozenset({"password"})

    class Gate:
        resource = "user"
        org = "organisation"
        owner = "pk"

    class Meta:
        ordering = ["username"]

    @property
    def role_label(self) -> str:
        return Role(self.role).label


class ApiToken(models.Model):
    """A revocable API credential. Only its digest is stored; the secret is shown once."""

    class Access(models.TextChoices):
        READ = "read", "Read only"
        READ_WRITE = "read_write", "Read and write"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for.")
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    access = models.CharField(max_length=16, choices=Access.choices, default=Access.READ)
    resources = models.JSONField(
        default=list, blank=True, help_text="Resources the token may touch; empty means all."
    )
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    audit_exclude = frozenset({"last_used"})
    audit_redact = frozenset({"digest"})

    class Gate:
        resource = "token"
        owner = "user"

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode("utf-8")).hexdigest()

    @classmethod
    def issue(
        cls,
        user: User,
        name: str,
        access: str = Access.READ,
        resources: list[str] | None = None,
        expires_at: datetime | None = None,
    ) -> tuple[ApiToken, str]:
        """Create a token and return it with its secret, which is not stored anywhere."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls(
            user=user,
            name=name,
            prefix=secret[: len(TOKEN_PREFIX) + 8],
            digest=cls.hash_secret(secret),
            access=access,
            resources=resources or [],
            expires_at=expires_at,
        )
        return token, secret

    @classmethod
    def authenticate(cls, secret: str) -> ApiToken | None:
        """The live token matching ``secret``, or None (unknown, revoked, expired, inactive user)."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
            return None
        token = (
            cls.objects.select_related("user", "user__organisation")
            .filter(digest=cls.hash_secret(secret))
            .first()
        )
        if token is None or not token.is_live or not token.user.is_active:
            return None
        # Touch last_used at most once a minute so reads do not turn into writes.
        now = timezone.now()
        if token.last_used is None or (now - token.last_used).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used=now)
        return token

    @property
    def is_live(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def allows(self, resource: str, action: str) -> bool:
        """Whether this token lets its owner perform ``action`` on ``resource``."""
        if action != Action.VIEW and self.access != self.Access.READ_WRITE:
            return False
        return not self.resources or resource in self.resources
