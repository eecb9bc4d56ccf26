"""``demo_data``: load the fictional demo data (once) and print how to sign in."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from safepassage.core.demo import load_demo_data


class Command(BaseCommand):
    help = "Load fictional demo organisations, sites, people, units and one user per role."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo_data()
        password = logins.pop("password")
        self.stdout.write("Demo data is loaded. Sign in as any of these users:")
        for username, role in logins.items():
            self.stdout.write(f"  {username:<12} ({role})")
        self.stdout.write(f"Every demo user's password is: {password}")
