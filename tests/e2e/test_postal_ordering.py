"""The postal partner and the order of topics (issue 6): the desk's pick-up request (delivery topic) can
be read before intake's E1 (intake topic) that tells the partner the dossier's procedure. The request is
parked, not lost, and the pick-up is ordered as soon as E1 arrives.
"""

from __future__ import annotations

import uuid

import httpx
from e2e_stack import Stack
from test_delivery_support import HOME, POST, at, publish, start_with_env
from waiting import wait_until

from contracts.enums import Producer, ReturnMethod
from contracts.golden import example_event
from contracts.identity import public_event_id
from contracts.values import Address


def test_a_pick_up_request_read_before_intake_e1_is_ordered_once_e1_arrives(stack: Stack) -> None:
    start_with_env(stack, "postal-partner")
    dossier_id = uuid.uuid4()
    requested_at, submitted_at = at(2026, 3, 18, 14, 0), at(2026, 3, 2, 8, 0)
    request = example_event("vn.one-stop.delivery.postal-pickup-requested.v1").model_copy(
        update={
            "event_id": public_event_id(Producer.DELIVERY, dossier_id, 2, requested_at),
            "dossier_id": dossier_id,
            "occurred_at": requested_at,
            "recorded_at": requested_at,
        }
    )
    publish(stack, [request])

    def postal_file() -> dict[str, object] | None:
        r = httpx.get(f"{stack.urls['postal-partner']}/files/{dossier_id}", headers=POST, timeout=10)
        return dict(r.json()) if r.status_code == 200 else None

    def parked() -> int:
        return stack.scalar(
            f"SELECT count(*) FROM \"{stack.prefix}postal\".parked_pickup_orders WHERE dossier_id = '{dossier_id}'"
        )

    wait_until(lambda: parked() == 1, 60, "the early request to be parked")
    assert postal_file() is None  # nothing ordered yet, nothing lost either

    submitted = example_event("vn.one-stop.intake.dossier-submitted.v1").model_copy(
        update={
            "event_id": public_event_id(Producer.INTAKE, dossier_id, 1, submitted_at),
            "dossier_id": dossier_id,
            "occurred_at": submitted_at,
            "recorded_at": submitted_at,
            "result_return_method": ReturnMethod.POSTAL,
            "postal_return_address": Address.model_validate(HOME),
        }
    )
    publish(stack, [submitted])

    def ordered() -> bool:
        found = postal_file()
        shipments = found["shipments"] if found else []
        assert isinstance(shipments, list)
        return any(s["direction"] == "RESULT_TO_APPLICANT" and s["status"] == "REQUESTED" for s in shipments)

    wait_until(ordered, 60, "the parked request to be ordered when E1 arrives")
    assert parked() == 0
