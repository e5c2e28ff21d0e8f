"""The projector's live activity (faust-streaming, ADR 0003): public events counted per minute and kind in
tumbling windows, served at ``/live/activity`` and recovered from faust's changelog after a restart."""

from __future__ import annotations

import signal
from collections import Counter

import httpx
from e2e_stack import Stack, auth
from test_projections_live import produce
from waiting import wait_until

from projections.readmodels.sample_stream import sample_stream


def activity(projector: str) -> dict[str, int]:
    r = httpx.get(f"{projector}/live/activity", params={"minutes": 120}, timeout=10)
    assert r.status_code == 200, r.text
    counts: dict[str, int] = {}
    for minute in r.json()["minutes"]:
        for kind, n in minute["counts"].items():
            counts[kind] = counts.get(kind, 0) + n
    return counts


def until_counted(projector: str, expected: Counter[str], what: str) -> None:
    seen: list[dict[str, int]] = [{}]

    def counted() -> bool:
        seen[0] = activity(projector)
        return seen[0] == dict(expected)

    try:
        wait_until(counted, 120, what, interval=0.5)
    except AssertionError as error:
        raise AssertionError(f"{error}: expected {dict(expected)}, counted {seen[0]}") from None


def test_live_activity_counts_each_event_by_kind_and_survives_a_restart(stack: Stack) -> None:
    """The projector's faust agents (ADR 0003) count the public events per minute and kind; a graceful
    restart recovers the windows from faust's changelog instead of counting from zero or twice."""
    events = sample_stream(dossiers=12, seed=7).events
    expected = Counter(e.event_type.split(".")[-2] for e in events)
    projector = stack.start("projector")
    produce(stack, events)
    until_counted(projector, expected, "faust to count every event")

    process = stack.processes["projector"]
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    projector = stack.start("projector")
    until_counted(projector, expected, "the windows to be recovered")
    more = sample_stream(dossiers=2, seed=8).events
    produce(stack, more)
    expected.update(e.event_type.split(".")[-2] for e in more)
    until_counted(projector, expected, "faust to count the new events")

    # The dashboard reads the same windows through projections-api (one origin, one token).
    api = stack.start("projections-api")
    assert httpx.get(f"{api}/activity", timeout=10).status_code == 401
    r = httpx.get(
        f"{api}/activity", params={"minutes": 120}, headers=auth("auditor", "kiemtoan.e2e"), timeout=10
    )
    assert r.status_code == 200, r.text
    assert sum(m["total"] for m in r.json()["minutes"]) == sum(expected.values())
