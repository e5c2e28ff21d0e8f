"""portal-sync end to end (issue 6): every status transition of 100 dossiers reaches the (fake) national
portal in order per dossier while the portal fails 20 % of the pushes, and an acknowledgement event (E28,
with its latency) exists for each; what the portal originates (a rating, a petition about a dossier)
comes back as events.

Intake runs as processes (walk-in: E1 → status 1, E5 → status 2); processing's ResultIssued (→ 9) is
published from the golden example onto the namespaced processing topic.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from e2e_stack import Stack
from test_delivery_support import (
    at,
    publish,
    read_topic,
    registration,
    result_issued,
    start_with_env,
    walk_in,
)
from waiting import wait_until

from contracts.portal import (
    DossierRatedOnPortal,
    PetitionLinked,
    PetitionReceived,
    StatusSyncedToNationalPortal,
)
from contracts.topic_names import PORTAL_DOSSIERS, PORTAL_PETITIONS
from projections.portal_view import payload_hash

DOSSIERS = 100
ENVELOPE = {"dossier_id", "SoThuTuDongBo", "idempotency_key", "ack"}


@pytest.fixture(scope="module")
def portal(stack: Stack) -> Iterator[Stack]:
    start_with_env(stack, "intake-api")
    start_with_env(stack, "intake-relay")
    start_with_env(stack, "fake-national-portal")
    r = httpx.put(
        f"{stack.urls['fake-national-portal']}/control", json={"failure_rate": 0.2, "seed": 6}, timeout=10
    )
    assert r.status_code == 200, r.text
    start_with_env(
        stack,
        "portal-sync",
        {"PORTAL_SYNC_PORTAL_URL": stack.urls["fake-national-portal"], "PORTAL_SYNC_FEED_INTERVAL_S": "0.3"},
    )
    stack.set_clock("portal-sync", at(2026, 3, 25, 9, 0), rate=1)
    yield stack


def received(stack: Stack) -> dict[str, Any]:
    r = httpx.get(f"{stack.urls['fake-national-portal']}/control/received", timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_every_transition_of_100_dossiers_arrives_in_order_despite_failures(portal: Stack) -> None:
    portal.set_clock("intake-api", at(2026, 3, 23, 8, 0), rate=20)
    dossiers = [uuid.UUID(walk_in(portal, registration())["dossier_id"]) for _ in range(DOSSIERS)]
    publish(portal, [result_issued(d, at(2026, 3, 24, 15, 0)) for d in dossiers])

    wait_until(lambda: len(received(portal)["received"]) >= 3 * DOSSIERS, 180, "300 pushes at the portal")
    seen = received(portal)
    assert seen["failures_injected"] > 0.1 * seen["attempts"]  # the portal really did fail pushes
    per_dossier: dict[str, list[dict[str, Any]]] = {}
    for push in seen["received"]:
        per_dossier.setdefault(push["dossier_id"], []).append(push)
    assert set(per_dossier) == {str(d) for d in dossiers}
    for pushes in per_dossier.values():
        assert [p["SoThuTuDongBo"] for p in pushes] == [1, 2, 3]  # in order, none twice, none missing
        assert [p["TrangThaiHoSo"] for p in pushes] == [1, 2, 9]
        assert len({p["MaHoSo"] for p in pushes}) == 1

    def acknowledged() -> list[StatusSyncedToNationalPortal]:
        return [e for e in read_topic(portal, PORTAL_DOSSIERS) if isinstance(e, StatusSyncedToNationalPortal)]

    acks: list[StatusSyncedToNationalPortal] = []

    def all_acknowledged() -> bool:
        acks[:] = acknowledged()
        return len(acks) >= 3 * DOSSIERS

    wait_until(all_acknowledged, 60, "an E28 for every push")
    assert len(acks) == 3 * DOSSIERS
    by_hash = {(str(a.dossier_id), a.payload_hash): a for a in acks}
    for pushes in per_dossier.values():
        for p in pushes:
            payload = {k: v for k, v in p.items() if k not in ENVELOPE}
            ack = by_hash[(p["dossier_id"], payload_hash(payload))]  # the E28 names exactly what was sent
            assert ack.ack_status == "ACCEPTED" and int(ack.status_code) == p["TrangThaiHoSo"]
            assert ack.latency_ms == (ack.occurred_at - ack.state_changed_at) // timedelta(milliseconds=1)
    assert any(a.attempt > 1 for a in acks)  # some pushes were retried after injected failures
    for dossier_id in dossiers:
        seqs = sorted(a.seq for a in acks if a.dossier_id == dossier_id)
        assert seqs == [1, 2, 3]


def test_ratings_and_petitions_originated_on_the_portal_come_back_as_events(portal: Stack) -> None:
    portal.set_clock("intake-api", at(2026, 3, 26, 9, 0), rate=1)
    receipt = walk_in(portal, registration())
    code = receipt["dossier_code"]
    wait_until(
        lambda: bool(
            received(portal)["received"] and any(p["MaHoSo"] == code for p in received(portal)["received"])
        ),
        60,
        "the dossier to be known to the portal",
    )
    feed = f"{portal.urls['fake-national-portal']}/control/feed"
    items = [
        {
            "kind": "dossier-rated",
            "data": {
                "dossier_code": code,
                "level": "SATISFIED",
                "occurred_at": at(2026, 3, 27, 10, 0).isoformat(),
            },
        },
        {
            "kind": "petition-received",
            "data": {
                "petition_id": "PAKN-2026-000731",
                "handling_unit_code": "H44.100",
                "title": "Phản ánh về thời gian giải quyết hồ sơ",
                "classification": "ADMINISTRATIVE_PROCEDURE",
                "source": "DIRECT",
                "submitted_at": at(2026, 3, 27, 8, 0).isoformat(),
                "occurred_at": at(2026, 3, 27, 8, 30).isoformat(),
                "related_dossier_code": code,
            },
        },
        {
            "kind": "petition-handled",
            "data": {
                "petition_id": "PAKN-2026-000731",
                "answer_summary": "Đã giải quyết",
                "occurred_at": at(2026, 3, 30, 9, 0).isoformat(),
            },
        },
        {"kind": "no-such-thing", "data": {}},
    ]
    for item in items:
        assert httpx.post(feed, json=item, timeout=10).status_code == 201

    events: list[Any] = []

    def relayed() -> bool:
        events[:] = read_topic(portal, PORTAL_DOSSIERS) + read_topic(portal, PORTAL_PETITIONS)
        return (
            any(isinstance(e, PetitionLinked) for e in events)
            and sum(e.event_type.endswith("petition-handled.v1") for e in events) == 1
        )

    wait_until(relayed, 60, "the portal's items as events")
    dossier_id = uuid.UUID(receipt["dossier_id"])
    (rating,) = [e for e in events if isinstance(e, DossierRatedOnPortal)]
    assert rating.dossier_id == dossier_id and rating.level == "SATISFIED"
    (petition,) = [e for e in events if isinstance(e, PetitionReceived)]
    assert petition.related_dossier_code == code and petition.seq == 1
    (link,) = [e for e in events if isinstance(e, PetitionLinked)]
    assert link.dossier_id == dossier_id and link.petition_id == "PAKN-2026-000731"
