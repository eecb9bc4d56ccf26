"""`safepassage sync`: sync incidents with peer instances now, list peers, or add one.

    safepassage sync [--peer NAME ...]      pull from and push to every active peer (or those)
    safepassage sync peers                  list the peers, their cursors and last status
    safepassage sync add-peer NAME --partner ORG --url URL (--token-env VAR | --token-file FILE)
                     [--direction both|pull|push] [--no-accept-push]

The token a peer gave us is never stored in the database: name the environment variable or the
file under <data dir>/peers/ (mode 0600) that holds it. The same sync runs hourly in the worker.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from safepassage.access import gate
from safepassage.core.management.base import AuditedCommand
from safepassage.registry.models import Organisation
from safepassage.sharing.peers import Direction, Peer
from safepassage.sharing.services import save_peer
from safepassage.sharing.sync import sync_all


class Command(AuditedCommand):
    help = "Sync incidents and engagements with peers (pull and push), list peers or add one."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "action", nargs="?", default="run", choices=["run", "peers", "add-peer"]
        )
        parser.add_argument("name", nargs="?", help="add-peer: the peer's name.")
        parser.add_argument("--peer", action="append", default=[], help="run: only this peer.")
        parser.add_argument("--partner", help="add-peer: the partner organisation (name or id).")
        parser.add_argument("--url", help="add-peer: the peer's root address.")
        parser.add_argument("--token-env", default="", help="add-peer: variable holding the token.")
        parser.add_argument(
            "--token-file", default="", help="add-peer: file under <data dir>/peers/ (0600)."
        )
        parser.add_argument(
            "--direction", default=Direction.BOTH, choices=[d.value for d in Direction]
        )
        parser.add_argument("--no-accept-push", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "peers":
            self._list()
        elif action == "add-peer":
            self._add(options)
        else:
            self._run(options["peer"])

    def _run(self, names: list[str]) -> None:
        outcomes = sync_all(self.user, names or None)
        if not outcomes:
            raise CommandError("No active peer" + (f" named {', '.join(names)}." if names else "."))
        for outcome in outcomes:
            self.stdout.write(outcome.summary())
        if not all(o.ok for o in outcomes):
            raise CommandError("Sync failed with at least one peer (see above).")

    def _list(self) -> None:
        for peer in gate.restrict(Peer.objects.select_related("partner"), self.user):
            self.stdout.write(
                f"{peer.name}\t{peer.base_url}\t{peer.partner}\t{peer.direction}"
                f"\tactive={peer.active}\tpull={peer.pull_cursor}\tpush={peer.push_cursor}"
                f"\t{peer.last_status or 'never run'}"
            )

    def _add(self, options: dict[str, Any]) -> None:
        if not options["name"] or not options["partner"] or not options["url"]:
            raise CommandError("add-peer needs NAME, --partner and --url.")
        partner_key = str(options["partner"])
        organisations = gate.restrict(Organisation.objects.all(), self.user)
        partner = (
            organisations.filter(pk=int(partner_key)).first()
            if partner_key.isdigit()
            else organisations.filter(name=partner_key).first()
        )
        if partner is None:
            raise CommandError(f"No organisation {partner_key!r}.")
        peer = Peer(
            name=options["name"],
            partner=partner,
            base_url=options["url"],
            token_env=options["token_env"],
            token_file=options["token_file"],
            direction=options["direction"],
            accept_push=not options["no_accept_push"],
        )
        try:
            save_peer(self.user, peer)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from exc
        self.stdout.write(f"Added peer {peer.name} for {partner}.")
