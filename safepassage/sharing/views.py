"""Sharing pages: agreements with partner organisations, peer instances, and what crossed.

Administrators keep the agreements and the peers; analysts read them and the record; a partner
liaison reads their own organisation's agreements and what was shared with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import ProtectedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from safepassage.access import gate
from safepassage.access.policy import Action
from safepassage.registry.models import Organisation
from safepassage.sharing import services, sync
from safepassage.sharing.forms import AgreementForm, PeerForm
from safepassage.sharing.models import Channel, ShareRecord, SharingAgreement
from safepassage.sharing.peers import Peer


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    gate.require(request.user, Action.VIEW, SharingAgreement)
    agreements = gate.restrict(
        SharingAgreement.objects.select_related("partner"), request.user, Action.VIEW
    )
    return render(
        request,
        "sharing/agreement_list.html",
        {
            "agreements": agreements,
            "peers": gate.restrict(Peer.objects.select_related("partner"), request.user),
            "can_add": gate.can(request.user, Action.ADD, SharingAgreement),
            "can_add_peer": gate.can(request.user, Action.ADD, Peer),
            "can_sync": gate.can(request.user, Action.CHANGE, Peer),
        },
    )


def _partner_form(
    request: HttpRequest,
    form: AgreementForm | PeerForm,
    template: str,
    save: Callable[[Any, Any], Any],
) -> HttpResponse:
    """Show an agreement or peer form; on a valid POST save it through ``save`` (the gate) and
    go back to the sharing page. The partner list holds the active organisations the user may
    see."""
    user = request.user
    form.fields["partner"].queryset = gate.restrict(  # type: ignore[attr-defined]
        Organisation.objects.filter(is_active=True), user, Action.VIEW
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(user, form.instance)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            kind = "Peer" if isinstance(saved, Peer) else "Agreement"
            messages.success(request, f"{kind} “{saved.name}” saved.")
            return redirect("sharing:agreement-list")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "object": form.instance if form.instance.pk else None}
    return render(request, template, context, status=status)


def _save_agreement(user: Any, agreement: SharingAgreement) -> SharingAgreement:
    gate.save(user, agreement)
    return agreement


def _form(request: HttpRequest, instance: SharingAgreement | None) -> HttpResponse:
    form = AgreementForm(request.POST or None, instance=instance)
    return _partner_form(request, form, "sharing/agreement_form.html", _save_agreement)


@login_required
def agreement_create(request: HttpRequest) -> HttpResponse:
    gate.require(request.user, Action.ADD, SharingAgreement)
    return _form(request, None)


@login_required
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = gate.get_object(request.user, Action.CHANGE, SharingAgreement, pk=pk)
    return _form(request, agreement)


@login_required
@require_POST
def agreement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = gate.get_object(request.user, Action.DELETE, SharingAgreement, pk=pk)
    try:
        gate.delete(request.user, agreement)
    except ProtectedError:
        messages.error(request, "This agreement is referenced; end it instead of deleting it.")
    else:
        messages.success(request, f"Agreement “{agreement.name}” deleted.")
    return redirect("sharing:agreement-list")


def _peer_form(request: HttpRequest, instance: Peer | None) -> HttpResponse:
    form = PeerForm(request.POST or None, instance=instance)
    return _partner_form(request, form, "sharing/peer_form.html", services.save_peer)


@login_required
def peer_create(request: HttpRequest) -> HttpResponse:
    gate.require(request.user, Action.ADD, Peer)
    return _peer_form(request, None)


@login_required
def peer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    peer = gate.get_object(request.user, Action.CHANGE, Peer, pk=pk)
    return _peer_form(request, peer)


@login_required
@require_POST
def peer_disable(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop syncing with a peer, keeping its row and cursors (re-enable it on its edit page).

    Peers are disabled, never deleted here: the row, its cursors and its audit trail stay, and
    an inactive peer is neither synced nor allowed to push to us.
    """
    peer = gate.get_object(request.user, Action.CHANGE, Peer, pk=pk)
    services.disable_peer(request.user, peer)
    messages.success(request, f"Peer “{peer.name}” disabled: no sync with it until re-enabled.")
    return redirect("sharing:agreement-list")


@login_required
@require_POST
def peer_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """Sync with one peer now (the worker also does it every hour)."""
    peer = gate.get_object(request.user, Action.CHANGE, Peer, pk=pk)
    outcome = sync.sync_peer(peer, request.user)
    messages.info(request, outcome.summary())
    return redirect("sharing:agreement-list")


@login_required
def record_list(request: HttpRequest) -> HttpResponse:
    """What crossed to (or came from) which partner, by which channel, newest first."""
    gate.require(request.user, Action.VIEW, ShareRecord)
    records = gate.restrict(
        ShareRecord.objects.select_related("partner", "actor"), request.user, Action.VIEW
    )
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        records = records.filter(channel=channel)
    partner = request.GET.get("partner", "")
    if partner.isdigit() and len(partner) < 19:
        records = records.filter(partner_id=int(partner))
    page = Paginator(records, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "sharing/record_list.html",
        {"page": page, "channels": Channel.choices, "channel": channel, "partner": partner},
    )
