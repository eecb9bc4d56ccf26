"""`safepassage createuser`: create a user with a role and scope."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from safepassage.access import gate
from safepassage.access.policy import Action, Role
from safepassage.accounts.models import User
from safepassage.core.management.base import AuditedCommand
from safepassage.registry.choices import Province
from safepassage.registry.models import Organisation, ProtectionUnit


class Command(AuditedCommand):
    help = "Create a user. The password is read from SAFEPASSAGE_NEW_PASSWORD or asked for."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--organisation", help="Organisation name.")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--provinces", default="", help="Comma-separated codes (KP,GB,...); empty = all."
        )
        parser.add_argument("--units", default="", help="Comma-separated protection unit codes.")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        if not username or len(username) > 150:
            raise CommandError("A username of 1 to 150 characters is required.")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        organisation = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(name=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"No organisation named {options['organisation']!r}.")
        provinces = [p.strip().upper() for p in options["provinces"].split(",") if p.strip()]
        unknown = sorted(set(provinces) - set(Province.values))
        if unknown:
            raise CommandError(
                f"Unknown province codes: {', '.join(unknown)}. Use {', '.join(Province.values)}."
            )
        unit_codes = [u.strip() for u in options["units"].split(",") if u.strip()]
        units = list(ProtectionUnit.objects.filter(code__in=unit_codes))
        if len(units) != len(set(unit_codes)):
            missing = sorted(set(unit_codes) - {u.code for u in units})
            raise CommandError(f"Unknown protection units: {', '.join(missing)}.")

        password = os.environ.get("SAFEPASSAGE_NEW_PASSWORD") or self._ask_password()
        user = User(
            username=username,
            email=options["email"],
            role=options["role"],
            organisation=organisation,
            provinces=provinces,
            is_staff=options["role"] == Role.ADMINISTRATOR,
        )
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        user.set_password(password)
        with transaction.atomic():
            gate.save(self.user, user, action=Action.ADD)
            user.units.set(units)
        self.stdout.write(self.style.SUCCESS(f"Created {user.role_label.lower()} {username!r}."))

    def _ask_password(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return first
