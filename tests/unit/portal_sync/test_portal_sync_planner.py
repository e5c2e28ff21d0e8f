"""Planning a dossier's pushes whatever order its events arrive in across topics (ADR 0643): late older
events re-plan what is not sent, gaps hold the pushes behind them for a bounded time, a push the portal may
have is never replaced, and nothing is ever sent out of order."""

from __future__ import annotations

import random
from datetime import timedelta

from portal_sync_kit import T0, PortalSync, Story, at, statuses

from contracts.envelope import DossierEvent
from projections.portal_view import canonical_order, portal_transitions


def life(s: Story) -> list[DossierEvent]:
    """Received, assigned, one supplement, result, returned: 1 2 4 5 4 9 10."""
    return [
        s.submitted(at(2, 8)),
        s.received(at(2, 9)),
        s.assigned(at(2, 10)),
        s.supplement_requested(at(3, 9)),
        s.supplement_accepted(at(6, 9)),
        s.issued(at(9, 15)),
        s.returned(at(10, 9)),
    ]


def test_in_order_delivery_plans_the_canonical_pushes() -> None:
    s = Story()
    events = life(s)
    sync = PortalSync(s.dossier_id)
    plan = sync.deliver(events)
    expected = portal_transitions(events)
    assert [(t.number, t.status, t.payload_hash) for t in plan.pending] == [
        (t.number, t.status, t.payload_hash) for t in expected
    ]
    assert statuses(plan.pending) == [1, 2, 4, 5, 4, 9, 10] and plan.held == () and plan.missed == ()


def test_an_older_intake_event_in_a_later_batch_is_not_skipped() -> None:
    """The known defect: processing's result arrived a batch before intake's receipt."""
    s = Story()
    submitted, received, issued = s.submitted(at(2, 8)), s.received(at(2, 9)), s.issued(at(5, 15))
    sync = PortalSync(s.dossier_id)
    plan = sync.deliver([submitted, issued])
    assert statuses(plan.pending) == [1]  # the result waits for the receipt it presupposes
    (gap,) = plan.held
    assert gap.event_id == issued.event_id and gap.missing == "intake DossierReceived"
    sync.push()
    plan = sync.deliver([received])
    assert plan.held == ()
    sync.push()
    assert sync.statuses() == [1, 2, 9] and sync.numbers() == [1, 2, 3]


def test_a_seq_gap_holds_everything_after_it_until_it_is_filled() -> None:
    s = Story()
    submitted, received, assigned, requested, accepted = (
        s.submitted(at(2, 8)),
        s.received(at(2, 9)),
        s.assigned(at(2, 10)),
        s.supplement_requested(at(3, 9)),
        s.supplement_accepted(at(6, 9)),
    )
    sync = PortalSync(s.dossier_id)
    plan = sync.deliver([submitted, received, accepted])
    assert statuses(plan.pending) == [1, 2]
    assert [g.missing for g in plan.held] == ["processing seq 1"]
    sync.push()
    plan = sync.deliver([requested])  # seq 2 arrives, seq 1 still missing
    assert statuses(plan.pending) == [] and [g.missing for g in plan.held] == ["processing seq 1"]
    plan = sync.deliver([assigned])
    sync.push()
    assert sync.statuses() == [1, 2, 4, 5, 4] and plan.held == ()


def test_repeats_change_nothing() -> None:
    s = Story()
    events = life(s)
    sync = PortalSync(s.dossier_id)
    sync.deliver(events[:4])
    sync.push(2)
    before = [(t.number, t.payload_hash) for t in sync.unsent]
    sync.deliver(events[:4] + events[1:3])  # a redelivered batch and a replayed partition
    assert [(t.number, t.payload_hash) for t in sync.unsent] == before
    sync.deliver(events)
    sync.push()
    sync.deliver(list(reversed(events)))
    assert sync.unsent == [] and sync.statuses() == [1, 2, 4, 5, 4, 9, 10]


def test_a_late_event_replans_only_what_was_not_sent() -> None:
    s = Story()
    submitted, received = s.submitted(at(2, 8)), s.received(at(2, 9))
    transferred = s.make(
        "intake.dossier-transferred", at(2, 9, 30), from_unit_code="H44.100", to_unit_code="H44.06"
    )
    assigned, issued = s.assigned(at(2, 10)), s.issued(at(5, 15))
    sync = PortalSync(s.dossier_id)
    sync.deliver([submitted, received, assigned, issued])
    sync.push(2)  # 1 and 2 reached the portal; 4 (by the assignment) and 9 wait
    assert [t.cause_event_id for t in sync.unsent] == [assigned.event_id, issued.event_id]
    sync.deliver([transferred])  # intake's topic lagged: the transfer, not the assignment, made it 4
    assert [t.cause_event_id for t in sync.unsent] == [transferred.event_id, issued.event_id]
    assert [t.number for t in sync.unsent] == [3, 4]
    sync.push()
    expected = portal_transitions([submitted, received, transferred, assigned, issued])
    assert [(t.status, t.payload_hash) for t in sync.portal] == [(t.status, t.payload_hash) for t in expected]


def test_a_claimed_push_is_history() -> None:
    """A push the pusher took may be at the portal already: a re-plan continues after it."""
    s = Story()
    submitted, received = s.submitted(at(2, 8)), s.received(at(2, 9))
    transferred = s.make(
        "intake.dossier-transferred", at(2, 9, 30), from_unit_code="H44.100", to_unit_code="H44.06"
    )
    assigned = s.assigned(at(2, 10))
    sync = PortalSync(s.dossier_id)
    sync.deliver([submitted, received, assigned])
    sync.push()  # 4, caused by the assignment, is with the portal
    plan = sync.deliver([transferred])
    assert plan.pending == () and plan.missed == ()  # the portal has status 4: nothing is lost
    assert sync.statuses() == [1, 2, 4] and sync.portal[-1].cause_event_id == assigned.event_id


def test_a_gap_is_released_after_the_bounded_wait_and_the_late_event_never_goes_out_of_order() -> None:
    s = Story()
    submitted, received, issued = s.submitted(at(2, 8)), s.received(at(2, 9)), s.issued(at(5, 15))
    sync = PortalSync(s.dossier_id, max_hold=timedelta(seconds=30))
    sync.deliver([submitted, issued], now=T0)
    sync.push()
    assert sync.replan(now=T0 + timedelta(seconds=29)).pending == ()  # still within the bound
    plan = sync.replan(now=T0 + timedelta(seconds=30))
    assert [g.missing for g in plan.released] == ["intake DossierReceived"] and plan.held == ()
    assert statuses(plan.pending) == [9]
    sync.push()
    # The receipt finally arrives: 2 can no longer precede 9; the portal keeps 9 and gets the receipt data.
    plan = sync.deliver([received], now=T0 + timedelta(minutes=5))
    assert statuses(plan.missed) == [2]
    (refresh,) = plan.pending
    assert refresh.status == 9 and not refresh.status_changed and refresh.cause_event_id == received.event_id
    assert refresh.payload["NgayTiepNhan"] is not None and refresh.payload["TrangThaiHoSo"] == 9
    sync.push()
    assert sync.statuses() == [1, 9, 9] and sync.numbers() == [1, 2, 3]
    assert sync.replan(now=T0 + timedelta(minutes=6)).pending == ()  # the catch-up is sent once


def test_an_undetectable_late_status_is_caught_up_after_the_portal_s_current_one() -> None:
    """Nothing tells portal-sync that intake has a newer event; when it comes, the portal is brought to the
    canonical state instead of being sent back in time."""
    s = Story()
    submitted, received = s.submitted(at(2, 8)), s.received(at(2, 9))
    withdrawn = s.withdrawn(at(3, 9))
    assigned = s.assigned(at(3, 10))
    stopped = s.stopped_for_withdrawal(at(4, 9))
    sync = PortalSync(s.dossier_id)
    sync.deliver([submitted, received, assigned, stopped])
    assert [g.missing for g in sync.last_plan.held] == ["intake WithdrawalRequested"]  # type: ignore[union-attr]
    sync.push()
    assert sync.statuses() == [1, 2, 4]
    plan = sync.deliver([withdrawn])
    assert statuses(plan.missed) == [7]
    sync.push()
    assert sync.statuses() == [1, 2, 4, 7, 8] and sync.numbers() == [1, 2, 3, 4, 5]


def test_a_terminal_status_at_the_portal_is_never_left() -> None:
    s = Story()
    submitted, received, assigned = s.submitted(at(2, 8)), s.received(at(2, 9)), s.assigned(at(2, 10))
    withdrawn = s.withdrawn(at(3, 9))
    issued, returned = s.issued(at(5, 15)), s.returned(at(6, 9))
    sync = PortalSync(s.dossier_id)
    sync.deliver([submitted, received, assigned, issued, returned])
    sync.push()
    plan = sync.deliver([withdrawn])  # impossible by the rules, but a broken producer must not undo 10
    assert plan.pending == () and sync.statuses() == [1, 2, 4, 9, 10]


def _partition_respecting_shuffle(events: list[DossierEvent], rng: random.Random) -> list[DossierEvent]:
    """Any interleaving that keeps each producer's events in seq order (one partition per topic)."""
    streams: dict[str, list[DossierEvent]] = {}
    for event in events:
        streams.setdefault(event.TOPIC, []).append(event)
    out: list[DossierEvent] = []
    while any(streams.values()):
        topic = rng.choice([t for t, rest in streams.items() if rest])
        out.append(streams[topic].pop(0))
    return out


def test_any_delivery_in_any_batches_gives_the_portal_exactly_the_canonical_pushes() -> None:
    rng = random.Random(20260325)
    for _ in range(300):
        s = Story()
        events = life(s)
        expected = [(t.status, t.payload_hash) for t in portal_transitions(events)]
        delivery = _partition_respecting_shuffle(events, rng)
        delivery += rng.sample(events, rng.randint(0, 3))  # at-least-once: some come again, late
        sync = PortalSync(s.dossier_id)
        while delivery:
            size = rng.randint(1, 3)
            batch, delivery = delivery[:size], delivery[size:]
            sync.deliver(batch)
            sync.push(rng.randint(0, 2))  # the pusher runs between batches, at its own pace
        sync.push()
        assert [(t.status, t.payload_hash) for t in sync.portal] == expected
        assert sync.numbers() == list(range(1, len(expected) + 1)) and sync.missed == []


def test_with_undetectable_lags_the_portal_still_ends_in_the_canonical_state_without_going_back() -> None:
    """A payment's lag behind the result cannot be seen (a result may be issued while payment is awaited):
    the portal may miss the short 4 in between, but never gets an older state after a newer one."""
    rng = random.Random(766)
    for _ in range(300):
        s = Story()
        events = [
            s.submitted(at(2, 8)),
            s.received(at(2, 9)),
            s.assigned(at(2, 10)),
            s.obligation(at(3, 9)),
            s.paid(at(4, 9), "NVTC-H4412-2026-00871"),
            s.issued(at(5, 15)),
            s.returned(at(6, 9)),
        ]
        order = {e.event_id: i for i, e in enumerate(canonical_order(events))}
        delivery = _partition_respecting_shuffle(events, rng)
        sync = PortalSync(s.dossier_id)
        while delivery:
            size = rng.randint(1, 3)
            batch, delivery = delivery[:size], delivery[size:]
            sync.deliver(batch)
            sync.push(rng.randint(0, 2))
        sync.push()
        assert sync.statuses()[-1] == 10 and sync.numbers() == list(range(1, len(sync.portal) + 1))
        status_changes = [t for t in sync.portal if t.status_changed]
        positions = [order[t.cause_event_id] for t in status_changes]
        assert positions == sorted(positions)  # the statuses the portal saw follow the canonical order
        assert set(sync.statuses()) <= {1, 2, 4, 6, 9, 10}
