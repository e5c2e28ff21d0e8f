"""Plans one dossier's pushes to the national portal from the set of its events and what was already sent
(ADR 0643). Pure: no database, no clock of its own.

- The events are folded in ``canonical_order`` (each producer's ``seq`` order, producers merged by business
  time), never in arrival order, so a late older event re-plans the pushes not sent yet.
- An event whose predecessor is known to be missing waits, and with it everything after it in canonical
  order: a gap in the ``seq`` of a producer portal-sync hears completely, or a fact domain.md §2.15 says
  must come first (processing only after DossierReceived, E25 only after a result or rejection, a payment of
  an obligation only after the obligation, a stop for withdrawal only after the withdrawal). The wait is
  bounded: an event older than ``max_hold`` is folded past its gap (``released``).
- Pushes already sent (or attempted: the portal may have taken them) are history. Transitions the
  canonical fold places at or before the last of them are never sent out of order: they are ``missed``,
  and one catch-up push brings the portal to the canonical state at that point (a status change if the
  status differs, the same status with the corrected payload otherwise), unless the portal already shows a
  terminal status.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from contracts import delivery as delivery_events
from contracts import intake as intake_events
from contracts import processing as processing_events
from contracts.enums import DvcqgStatus, Producer, StopCause
from contracts.envelope import DossierEvent
from contracts.payment import PaymentReceived
from projections.portal_view import (
    TERMINAL_STATUSES,
    DossierPortalView,
    PortalTransition,
    PortalViewPolicy,
    canonical_order,
    payload_hash,
)

# Producers whose every dossier event portal-sync consumes (intake, processing, payment and delivery
# topics): a gap in their seq is a missing event. The postal partner's own events are not consumed, so the
# seq of a payment it collected has gaps by design.
GAP_CHECKED_PRODUCERS = frozenset({Producer.INTAKE, Producer.PROCESSING, Producer.PAYMENT, Producer.DELIVERY})


@dataclass(frozen=True)
class Arrived:
    """A stored dossier event and when portal-sync stored it (the start of its bounded wait)."""

    event: DossierEvent
    arrived_at: datetime


@dataclass(frozen=True)
class Sent:
    """A push the portal has, or may have: answered, or attempted at least once."""

    number: int
    status: DvcqgStatus
    cause_event_id: UUID
    payload_hash: str


@dataclass(frozen=True)
class Gap:
    """An event that waits for a missing predecessor, holding back the pushes after it."""

    event_id: UUID
    event_type: str
    missing: str
    since: datetime


@dataclass(frozen=True)
class Plan:
    pending: tuple[PortalTransition, ...]  # numbered after the last sent push, in the order to send
    missed: tuple[PortalTransition, ...]  # canonical transitions the portal can no longer get in order
    held: tuple[Gap, ...]  # the first waiting event (the fold stops there)
    released: tuple[Gap, ...]  # events folded past their gap because they waited longer than the bound
    dossier_code: str | None


class _Known:
    """What the dossier's events tell about one another: seqs per producer and the prerequisite facts."""

    def __init__(self, events: Iterable[DossierEvent]) -> None:
        self.seqs: dict[Producer, set[int]] = {}
        self.types: set[type[DossierEvent]] = set()
        self.obligations: set[str] = set()
        for event in events:
            self.seqs.setdefault(event.producer, set()).add(event.seq)
            self.types.add(type(event))
            if isinstance(event, processing_events.FinancialObligationRequested):
                self.obligations.add(event.obligation_id)

    def missing_before(self, event: DossierEvent, gap_producers: frozenset[Producer]) -> str | None:
        if event.producer in gap_producers:
            seqs = self.seqs[event.producer]
            for seq in range(1, event.seq):
                if seq not in seqs:
                    return f"{event.producer.value} seq {seq}"
        if isinstance(event, processing_events.ProcessingDossierEvent):
            if intake_events.DossierReceived not in self.types:
                return "intake DossierReceived"
        withdrawal = intake_events.WithdrawalRequested
        if isinstance(event, processing_events.ProcessingStopped):
            if event.cause is StopCause.APPLICANT_WITHDRAWAL and not self._has(withdrawal):
                return "intake WithdrawalRequested"
        if isinstance(event, delivery_events.ResultReturned):
            if not self._has(processing_events.ResultIssued, processing_events.DossierRejected):
                return "processing ResultIssued or DossierRejected"
        if isinstance(event, PaymentReceived) and event.obligation_id is not None:
            if event.obligation_id not in self.obligations:
                return f"processing FinancialObligationRequested {event.obligation_id}"
        return None

    def _has(self, *types: type[DossierEvent]) -> bool:
        return any(t in self.types for t in types)


def plan_pushes(
    dossier_id: UUID,
    arrived: Sequence[Arrived],
    sent: Sequence[Sent],
    *,
    now: datetime,
    max_hold: timedelta,
    policy: PortalViewPolicy | None = None,
    gap_producers: frozenset[Producer] = GAP_CHECKED_PRODUCERS,
) -> Plan:
    arrival = {a.event.event_id: a.arrived_at for a in arrived}
    order = canonical_order(a.event for a in arrived if a.event.dossier_id == dossier_id)
    known = _Known(order)
    position = {event.event_id: i for i, event in enumerate(order)}

    ready: list[DossierEvent] = []
    held: list[Gap] = []
    released: list[Gap] = []
    for event in order:
        missing = known.missing_before(event, gap_producers)
        if missing is not None:
            gap = Gap(event.event_id, event.event_type, missing, arrival[event.event_id])
            if now - gap.since < max_hold:
                held.append(gap)
                break
            released.append(gap)
        ready.append(event)

    # W: the canonical position of the latest event the portal has already heard about.
    sent_causes = {s.cause_event_id for s in sent}
    watermark = max((position[c] for c in sent_causes if c in position), default=-1)
    view = DossierPortalView(dossier_id, policy)
    at_watermark: tuple[DvcqgStatus | None, dict[str, Any]] | None = None
    for i, event in enumerate(ready):
        view.apply(event)
        if i == watermark:
            at_watermark = (view.status, json.loads(json.dumps(view.payload, ensure_ascii=False)))
    transitions = view.transitions
    after = [t for t in transitions if position[t.cause_event_id] > watermark]
    missed: list[PortalTransition] = []
    catch_up: list[PortalTransition] = []
    if sent and at_watermark is not None:
        before = [t for t in transitions if position[t.cause_event_id] <= watermark]
        # A status the portal got from another cause (a transfer and an assignment both mean 4) is not lost.
        reordered = _collapsed(t.status for t in before) != _collapsed(s.status for s in sent)
        missed = [
            t for t in before if t.cause_event_id not in sent_causes and (reordered or not t.status_changed)
        ]
        if missed:
            status, payload = at_watermark
            if status is not None and (status != sent[-1].status or not after):
                catch_up = _catch_up(dossier_id, sent[-1], missed[-1], status, payload)
    first = (sent[-1].number if sent else 0) + 1
    pending = tuple(dataclasses.replace(t, number=first + i) for i, t in enumerate([*catch_up, *after]))
    code = view.payload.get("MaHoSo")
    return Plan(pending, tuple(missed), tuple(held), tuple(released), str(code) if code else None)


def _catch_up(
    dossier_id: UUID,
    last: Sent,
    cause: PortalTransition,
    status: DvcqgStatus,
    payload: dict[str, Any],
) -> list[PortalTransition]:
    """The portal's state after ``last``, corrected to the canonical state at the same point, if needed."""
    if last.status in TERMINAL_STATUSES:
        return []
    digest = payload_hash(payload)
    if status == last.status and digest == last.payload_hash:
        return []
    return [
        PortalTransition(
            dossier_id=dossier_id,
            number=0,
            status=status,
            status_changed=status != last.status,
            state_changed_at=cause.state_changed_at,
            cause_event_id=cause.cause_event_id,
            cause_event_type=cause.cause_event_type,
            payload=payload,
            payload_hash=digest,
        )
    ]


def _collapsed(statuses: Iterable[DvcqgStatus]) -> list[DvcqgStatus]:
    """The statuses without consecutive repeats: a same-status push is not a transition of its own."""
    out: list[DvcqgStatus] = []
    for status in statuses:
        if not out or out[-1] != status:
            out.append(status)
    return out


__all__ = ["GAP_CHECKED_PRODUCERS", "Arrived", "Gap", "Plan", "Sent", "plan_pushes"]
