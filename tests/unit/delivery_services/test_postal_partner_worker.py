"""postal-partner's consumer: a desk's pick-up request becomes a carrier order; one that arrives before
intake's E1 is parked, not dead-lettered, and ordered when E1 comes (ADR 0641); any other refusal is
dead-lettered with its rule."""

from __future__ import annotations

from typing import cast

import psycopg
import pytest
from delivery_services_kit import IN_MEMORY, Story, at, public

from contracts.delivery import PostalPickupRequested
from contracts.envelope import PublicEvent
from contracts.topic_names import DELIVERY_DOSSIERS, INTAKE_DOSSIERS
from delivery.clock import SettableClock
from delivery.errors import NotFound
from delivery.postal.carrier import SimulatedCarrier
from delivery.postal.partner import PostalPartner
from services.delivery.composition import working_days
from services.postal.partner import ParkedOrders, handler
from services.runtime.consumer import Delivered, HandlerRejected

NO_CONNECTION = cast(psycopg.Connection, None)


class ParkedInMemory(ParkedOrders):
    """The parking table's behaviour without the table: park once per request, take per dossier."""

    def __init__(self) -> None:
        super().__init__("unit")
        self.rows: dict[str, PostalPickupRequested] = {}

    def park(self, conn: psycopg.Connection, event: PostalPickupRequested) -> None:
        self.rows.setdefault(str(event.event_id), event)

    def take(self, conn: psycopg.Connection, dossier_id: object) -> list[PostalPickupRequested]:
        taken = [e for e in self.rows.values() if e.dossier_id == dossier_id]
        for event in taken:
            del self.rows[str(event.event_id)]
        return taken


@pytest.fixture
def partner() -> PostalPartner:
    return PostalPartner(calendar=working_days(), clock=SettableClock(at(2026, 3, 25, 16)), env=IN_MEMORY)


def pickup_request(story: Story) -> PostalPickupRequested:
    event = public(
        "vn.one-stop.delivery.postal-pickup-requested.v1", story.dossier_id, 1, at(2026, 3, 25, 15)
    )
    assert isinstance(event, PostalPickupRequested)
    return event


def consume(partner: PostalPartner, parked: ParkedOrders, *events: PublicEvent) -> None:
    batch = [
        Delivered(e, DELIVERY_DOSSIERS if isinstance(e, PostalPickupRequested) else INTAKE_DOSSIERS, 0, n)
        for n, e in enumerate(events)
    ]
    handler(partner, SimulatedCarrier(partner), parked)(NO_CONNECTION, batch)


def result_shipments(partner: PostalPartner, story: Story) -> list[str]:
    return [str(s.status) for s in partner.get(story.dossier_id).shipments.values()]


def test_a_request_after_e1_is_ordered_at_once_and_only_once(partner: PostalPartner) -> None:
    story, parked = Story(return_method="POSTAL"), ParkedInMemory()
    request = pickup_request(story)
    consume(partner, parked, story.submitted(), request)
    assert result_shipments(partner, story) == ["REQUESTED"] and parked.rows == {}
    consume(partner, parked, request)  # the relay re-sent its page
    assert result_shipments(partner, story) == ["REQUESTED"]


def test_a_request_before_e1_is_parked_then_ordered_when_e1_arrives(partner: PostalPartner) -> None:
    story, parked = Story(return_method="POSTAL"), ParkedInMemory()
    request = pickup_request(story)
    consume(partner, parked, request)
    assert list(parked.rows) == [str(request.event_id)]
    with pytest.raises(NotFound):
        partner.get(story.dossier_id)
    consume(partner, parked, story.submitted())
    assert parked.rows == {} and result_shipments(partner, story) == ["REQUESTED"]
    file = partner.get(story.dossier_id)
    assert file.registration is not None and file.registration.partner_id == "VNPOST"


def test_e1_of_a_counter_return_opens_no_postal_file(partner: PostalPartner) -> None:
    story, parked = Story(return_method="COUNTER"), ParkedInMemory()
    consume(partner, parked, story.submitted())
    with pytest.raises(NotFound):
        partner.get(story.dossier_id)


def test_any_other_refusal_is_dead_lettered_with_its_rule(partner: PostalPartner) -> None:
    story, parked = Story(return_method="POSTAL"), ParkedInMemory()
    consume(partner, parked, story.submitted(), pickup_request(story))
    second = public(
        "vn.one-stop.delivery.postal-pickup-requested.v1", story.dossier_id, 2, at(2026, 3, 25, 15, 5)
    )  # a new request while the first shipment is still under way
    with pytest.raises(HandlerRejected) as rejected:
        consume(partner, parked, second)
    assert rejected.value.delivered.event is second and "DeliveryRuleViolation" in rejected.value.reason
    assert parked.rows == {} and result_shipments(partner, story) == ["REQUESTED"]
