"""`safepassage guidelines import FILE.yaml | export | list`: movement guidelines as YAML."""

from __future__ import annotations

from typing import Any

import yaml
from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.core.management.base import AuditedCommand
from safepassage.guidelines import RuleSpecError, load_rules
from safepassage.movements.models import GuidelineRule

FIELDS = ("name", "kind", "params", "severity", "enabled", "description")


class Command(AuditedCommand):
    help = "Import, export or list the movement guidelines (rules kept as data)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Create or update rules from a YAML file, by code.")
        imp.add_argument("file")
        imp.add_argument(
            "--dry-run", action="store_true", help="Check the file and report, change nothing."
        )
        sub.add_parser("export", help="Print every rule as YAML.")
        sub.add_parser("list", help="List the rules.")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _import(self, options: dict[str, Any]) -> None:
        try:
            specs = load_rules(options["file"])
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror or exc}") from exc
        except (RuleSpecError, UnicodeDecodeError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        created = updated = unchanged = 0
        with transaction.atomic():
            for spec in specs:
                values = {
                    "name": spec.name,
                    "kind": spec.kind,
                    "params": dict(spec.params),
                    "severity": spec.severity,
                    "enabled": spec.enabled,
                    "description": spec.description,
                }
                rule = GuidelineRule.objects.filter(code=spec.code).first()
                if rule is None:
                    rule, action = GuidelineRule(code=spec.code, **values), Action.ADD
                    created += 1
                elif any(getattr(rule, k) != v for k, v in values.items()):
                    for key, value in values.items():
                        setattr(rule, key, value)
                    action = Action.CHANGE
                    updated += 1
                else:
                    unchanged += 1
                    continue
                gate.save(self.user, rule, action=action)
            if options["dry_run"]:
                transaction.set_rollback(True)
        verb = "would be" if options["dry_run"] else "were"
        self.stdout.write(
            f"{created} rule(s) {verb} created, {updated} updated, {unchanged} unchanged."
        )

    def _export(self, options: dict[str, Any]) -> None:
        rules = gate.restrict(GuidelineRule.objects.all(), self.user, Action.VIEW)
        data = {"rules": [{"code": r.code, **{f: getattr(r, f) for f in FIELDS}} for r in rules]}
        self.stdout.write(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))

    def _list(self, options: dict[str, Any]) -> None:
        for r in gate.restrict(GuidelineRule.objects.all(), self.user, Action.VIEW):
            state = "on " if r.enabled else "off"
            self.stdout.write(f"{state} {r.severity:4} {r.code:24} {r.kind:18} {r.name}")
