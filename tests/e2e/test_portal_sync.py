"""portal-sync end to end (issue 6): every status transition of 100 dossiers reaches the (fake) national
portal in order per dossier while the portal fails 20 % of the pushes, and an acknowledgement event (E28,
with its latency) exists for each; a dossier's events delivered out of order across topics never make it
skip or reorder a status (ADR 0643); what the portal originates (a rating, a petition about a dossier)
comes back as events.

Intake runs as processes (walk-in: E1 → status 1, E5 → status 2); processing's ResultIssued (→ 9) is
published from the golden example onto the namespaced processing topic. Intake's relay starts only after
processing's results are in, so intake's topic lags behind processing's, as after a relay outage.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
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

from contracts.enums import Producer
from contracts.envelope import DossierEvent
from contracts.golden import example_event
from contracts.identity import public_event_id
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
    start_with_env(stack, "fake-national-portal")
    r = httpx.put(
        f"{stack.urls['fake-national-portal']}/control", json={"failure_rate": 0.2, "seed": 6}, timeout=10
    )
    assert r.status_code == 200, r.text
    start_with_env(
        stack,
        "portal-sync",
        {
            "PORTAL_SYNC_PORTAL_URL": stack.urls["fake-national-portal"],
            "PORTAL_SYNC_FEED_INTERVAL_S": "0.3",
            # the lags below are filled by the tests themselves: a release past a gap would be a failure
            "PORTAL_SYNC_MAX_HOLD_S": "900",
        },
    )
    stack.set_clock("portal-sync", at(2026, 3, 25, 9, 0), rate=1)
    yield stack


def intake_relay(stack: Stack) -> None:
    if "intake-relay" not in stack.processes:
        start_with_env(stack, "intake-relay")


def received(stack: Stack) -> dict[str, Any]:
    r = httpx.get(f"{stack.urls['fake-national-portal']}/control/received", timeout=30)
    assert r.status_code == 200, r.text
    return dict(r.json())


def pushes_of(stack: Stack, dossiers: list[uuid.UUID]) -> dict[str, list[dict[str, Any]]]:
    wanted = {str(d) for d in dossiers}
    per_dossier: dict[str, list[dict[str, Any]]] = {d: [] for d in wanted}
    for push in received(stack)["received"]:
        if push["dossier_id"] in wanted:
            per_dossier[push["dossier_id"]].append(push)
    return per_dossier


def stored(stack: Stack, dossiers: list[uuid.UUID]) -> int:
    """How many of these dossiers' events portal-sync has recorded."""
    ids = ",".join(f"'{d}'" for d in dossiers)
    return stack.scalar(
        f'SELECT count(*) FROM "{stack.prefix}portal_sync".events WHERE dossier_id IN ({ids})'
    )


def held_dossiers(stack: Stack) -> float:
    text = httpx.get(f"{stack.urls['portal-sync']}/metrics", timeout=10).text
    (line,) = [x for x in text.splitlines() if x.startswith("motcua_portal_sync_held_dossiers ")]
    return float(line.split()[1])


def test_every_transition_of_100_dossiers_arrives_in_order_despite_failures_and_a_lagging_topic(
    portal: Stack,
) -> None:
    portal.set_clock("intake-api", at(2026, 3, 23, 8, 0), rate=20)
    # Received at the desk, but intake's relay is not running yet: processing's results arrive first.
    dossiers = [uuid.UUID(walk_in(portal, registration())["dossier_id"]) for _ in range(DOSSIERS)]
    publish(portal, [result_issued(d, at(2026, 3, 24, 15, 0), seq=1) for d in dossiers])
    wait_until(lambda: stored(portal, dossiers) == DOSSIERS, 60, "portal-sync to record the 100 results")
    wait_until(lambda: held_dossiers(portal) == DOSSIERS, 30, "each result to wait for its receipt")
    assert received(portal)["attempts"] == 0  # no status 9 before 1 and 2
    intake_relay(portal)

    wait_until(lambda: len(received(portal)["received"]) >= 3 * DOSSIERS, 180, "300 pushes at the portal")
    seen = received(portal)
    assert seen["failures_injected"] > 0.1 * seen["attempts"]  # the portal really did fail pushes
    per_dossier = pushes_of(portal, dossiers)
    assert len(seen["received"]) == 3 * DOSSIERS
    for pushes in per_dossier.values():
        assert [p["SoThuTuDongBo"] for p in pushes] == [1, 2, 3]  # in order, none twice, none missing
        assert [p["TrangThaiHoSo"] for p in pushes] == [1, 2, 9]
        assert len({p["MaHoSo"] for p in pushes}) == 1
    wait_until(lambda: held_dossiers(portal) == 0, 10, "no dossier held any more")

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


def story(n: int) -> list[DossierEvent]:
    """One dossier's events from the golden examples: received, assigned, result, returned by post."""
    dossier_id = uuid.uuid4()
    code = f"000.35.29.H44-260305-{9000 + n:04d}"
    seqs: dict[Producer, int] = {}

    def event(name: str, when: datetime, **fields: Any) -> DossierEvent:
        template = example_event(f"vn.one-stop.{name}.v1")
        seq = seqs[template.producer] = seqs.get(template.producer, 0) + 1
        made = template.model_copy(
            update={
                "event_id": public_event_id(template.producer, dossier_id, seq, when),
                "dossier_id": dossier_id,
                "seq": seq,
                "occurred_at": when,
                "recorded_at": when,
                **fields,
            }
        )
        assert isinstance(made, DossierEvent)
        return made

    return [
        event("intake.dossier-submitted", at(2026, 3, 5, 8, 42), dossier_code=code),
        event("intake.dossier-received", at(2026, 3, 6, 15, 20), dossier_code=code),
        event("processing.handler-assigned", at(2026, 3, 7, 14, 0)),
        event("processing.result-issued", at(2026, 3, 10, 15, 0)),
        event("delivery.result-returned", at(2026, 3, 12, 10, 20)),
    ]


def test_events_delivered_out_of_order_across_topics_reach_the_portal_in_order(portal: Stack) -> None:
    stories = [story(n) for n in range(5)]
    dossiers = [s[0].dossier_id for s in stories]
    submitted, receipts = [s[0] for s in stories], [s[1] for s in stories]
    later = [e for s in stories for e in (s[4], s[2], s[3])]  # delivery first, then processing
    publish(portal, later + submitted)  # every topic but intake's receipt is ahead
    wait_until(lambda: stored(portal, dossiers) == 4 * len(stories), 60, "portal-sync to record them")
    wait_until(
        lambda: all(
            [p["TrangThaiHoSo"] for p in pushes] == [1] for pushes in pushes_of(portal, dossiers).values()
        ),
        60,
        "status 1 of each dossier, and nothing after it",
    )
    publish(portal, receipts)  # intake's receipt comes last of all
    wait_until(
        lambda: all(len(pushes) == 5 for pushes in pushes_of(portal, dossiers).values()),
        120,
        "five pushes of each dossier",
    )
    for pushes in pushes_of(portal, dossiers).values():
        assert [p["SoThuTuDongBo"] for p in pushes] == [1, 2, 3, 4, 5]
        assert [p["TrangThaiHoSo"] for p in pushes] == [1, 2, 4, 9, 10]
        steps = pushes[-1]["QuaTrinhXuLy"]
        assert [step["TrangThai"] for step in steps] == [1, 2, 4, 9, 10]
        assert steps[2]["NguoiXuLy"] == "cv.h44060101.dangkydat03"  # the handler of the assigned step
        assert pushes[-1]["HinhThuc"] == 3 and pushes[1]["NgayTiepNhan"] is not None


def test_ratings_and_petitions_originated_on_the_portal_come_back_as_events(portal: Stack) -> None:
    intake_relay(portal)
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
