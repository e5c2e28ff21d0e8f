"""Shared by the portal-sync planner tests: one dossier's public events built from the golden examples, and a
model of portal-sync (consumer re-planning + pusher claiming in order) to drive with adversarial deliveries.
No tests here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contracts.enums import DvcqgStatus, Producer, StopCause
from contracts.envelope import DossierEvent
from contracts.golden import example_event
from contracts.identity import public_event_id
from projections.portal_view import PortalTransition
from services.portal_sync.planner import Arrived, Plan, Sent, plan_pushes

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=VN)
FOREVER = timedelta(days=365)


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=VN)


class Story:
    """Events of one dossier; each producer numbers its own events 1, 2, 3 … as the relays do."""

    def __init__(self) -> None:
        self.dossier_id = uuid.uuid4()
        self.seqs: dict[str, int] = {}

    def make(self, name: str, when: datetime, **fields: Any) -> DossierEvent:
        template = example_event(f"vn.one-stop.{name}.v1")
        assert isinstance(template, DossierEvent)
        producer = Producer(fields.pop("producer", template.producer))
        seq = self.seqs[producer] = self.seqs.get(producer, 0) + 1
        event = template.model_copy(
            update={
                "event_id": public_event_id(producer, self.dossier_id, seq, when),
                "dossier_id": self.dossier_id,
                "producer": producer,
                "seq": seq,
                "occurred_at": when,
                "recorded_at": when,
                **fields,
            }
        )
        assert isinstance(event, DossierEvent)
        return event

    # the usual steps, named for what the portal sees
    def submitted(self, when: datetime) -> DossierEvent:
        return self.make("intake.dossier-submitted", when)

    def received(self, when: datetime) -> DossierEvent:
        return self.make("intake.dossier-received", when, legal_receipt_at=when, clock_start_at=when)

    def withdrawn(self, when: datetime) -> DossierEvent:
        return self.make("intake.withdrawal-requested", when)

    def assigned(self, when: datetime) -> DossierEvent:
        return self.make("processing.handler-assigned", when, step_due_at=when + timedelta(days=5))

    def supplement_requested(self, when: datetime) -> DossierEvent:
        return self.make("processing.supplement-requested", when)

    def supplement_accepted(self, when: datetime) -> DossierEvent:
        return self.make("processing.supplement-accepted", when, new_clock_start_at=when)

    def obligation(self, when: datetime) -> DossierEvent:
        return self.make("processing.financial-obligation-requested", when, pay_by=when + timedelta(days=3))

    def paid(self, when: datetime, obligation_id: str) -> DossierEvent:
        return self.make("payment.payment-received", when, obligation_id=obligation_id)

    def stopped_for_withdrawal(self, when: datetime) -> DossierEvent:
        return self.make("processing.processing-stopped", when, cause=StopCause.APPLICANT_WITHDRAWAL)

    def issued(self, when: datetime) -> DossierEvent:
        return self.make("processing.result-issued", when)

    def returned(self, when: datetime) -> DossierEvent:
        return self.make("delivery.result-returned", when)


@dataclass
class PortalSync:
    """portal-sync in miniature: the consumer stores and re-plans, the pusher claims the head and sends it.

    The portal's list is what it received, in order; ``unsent`` is the re-plannable tail.
    """

    dossier_id: uuid.UUID
    max_hold: timedelta = FOREVER
    arrived: dict[uuid.UUID, Arrived] = field(default_factory=dict)
    portal: list[PortalTransition] = field(default_factory=list)
    unsent: list[PortalTransition] = field(default_factory=list)
    last_plan: Plan | None = None
    missed: list[PortalTransition] = field(default_factory=list)

    def deliver(self, events: list[DossierEvent], now: datetime = T0) -> Plan:
        for event in events:
            self.arrived.setdefault(event.event_id, Arrived(event, now))
        return self.replan(now)

    def replan(self, now: datetime = T0) -> Plan:
        sent = [Sent(t.number, t.status, t.cause_event_id, t.payload_hash) for t in self.portal]
        plan = plan_pushes(
            self.dossier_id, list(self.arrived.values()), sent, now=now, max_hold=self.max_hold
        )
        self.unsent = list(plan.pending)
        self.missed.extend(t for t in plan.missed if t not in self.missed)
        self.last_plan = plan
        return plan

    def push(self, count: int | None = None) -> None:
        """The pusher sends (claims) the first ``count`` unsent pushes, all of them by default."""
        taken = self.unsent[: len(self.unsent) if count is None else count]
        self.portal.extend(taken)
        self.unsent = self.unsent[len(taken) :]

    def statuses(self) -> list[int]:
        return [int(t.status) for t in self.portal]

    def numbers(self) -> list[int]:
        return [t.number for t in self.portal]


def statuses(transitions: list[PortalTransition] | tuple[PortalTransition, ...]) -> list[int]:
    return [int(t.status) for t in transitions]


__all__ = ["FOREVER", "T0", "DvcqgStatus", "PortalSync", "Story", "at", "statuses"]
