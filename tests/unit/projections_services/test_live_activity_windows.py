"""The projector's live activity (faust-streaming): classifying records by their CloudEvents type header,
counting them in one-minute windows by record time, and reading the windows back as a gap-free series."""

from __future__ import annotations

from datetime import UTC, datetime

from services.projections.live_activity import OTHER, LiveActivity, kind_of, series

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC).timestamp()


def test_the_kind_is_the_type_name_without_context_and_version() -> None:
    assert kind_of([("ce_type", b"vn.one-stop.intake.dossier-received.v1")]) == "dossier-received"
    assert kind_of({"ce_type": b"vn.one-stop.processing.result-issued.v2"}) == "result-issued"


def test_a_record_without_a_usable_type_is_counted_as_unknown_not_dropped() -> None:
    assert kind_of(None) == OTHER
    assert kind_of([("ce_id", b"x")]) == OTHER
    assert kind_of([("ce_type", b"garbage")]) == OTHER


def test_the_series_has_one_entry_per_minute_oldest_first_with_empty_minutes_kept() -> None:
    cells = [
        (("dossier-received", (T0, T0 + 59.9)), 3),
        (("result-issued", (T0, T0 + 59.9)), 1),
        (("dossier-received", (T0 + 120, T0 + 179.9)), 2),
        (("dossier-received", (T0 - 3600, T0 - 3540.1)), 7),  # outside the asked range
    ]
    now = datetime.fromtimestamp(T0 + 150, UTC)
    got = series(cells, now, 3)
    assert [m.start.timestamp() for m in got] == [T0, T0 + 60, T0 + 120]
    assert [m.counts for m in got] == [
        {"dossier-received": 3, "result-issued": 1},
        {},
        {"dossier-received": 2},
    ]
    assert got[0].as_json()["total"] == 4


async def test_the_agents_count_each_record_in_the_minute_it_happened() -> None:
    live = LiveActivity("127.0.0.1:1", "unit.", ["unit.intake.dossiers.v1"])
    live.app.finalize()
    live.app.flow_control.resume()
    counted = live.app.agents["count"]
    async with counted.test_context() as agent:
        for offset, kind in ((0, "dossier-received"), (10, "dossier-received"), (70, "result-issued")):
            await agent.put(kind, key=kind, timestamp=T0 + offset)
    got = live.snapshot(datetime.fromtimestamp(T0 + 90, UTC), 2)
    assert [m.counts for m in got] == [{"dossier-received": 2}, {"result-issued": 1}]
