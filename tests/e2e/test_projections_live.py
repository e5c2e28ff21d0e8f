"""projections-api and the projector as real processes: the dashboard page is served, the index answers from
what the projector folded, and the live view reflects a new dossier within 2 s of its events reaching the
projector's read model.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import datetime

import httpx
from e2e_stack import Stack, auth
from kafka_kit import publish_sync
from waiting import wait_until

from contracts.envelope import PublicEvent
from contracts.fields import BUSINESS_TZ
from projections.readmodels.sample_stream import PROVINCE, sample_stream

RECEIVED = "vn.one-stop.intake.dossier-received.v1"
AUDITOR = auth("auditor", "kiemtoan.e2e")


def produce(stack: Stack, events: Sequence[PublicEvent]) -> None:
    publish_sync(stack.kafka_bootstrap, stack.namespace, events)


def on_time(index: dict[str, object]) -> dict[str, object]:
    groups = index["groups"]
    assert isinstance(groups, list)
    return next(i for g in groups for i in g["indicators"] if i["id"] == "DOSSIER_ON_TIME")


def test_the_live_view_reflects_a_new_dossier_within_two_seconds(stack: Stack) -> None:
    events = sample_stream(dossiers=30, seed=766).events
    held_back_id = str([e for e in events if e.event_type == RECEIVED][-1].dossier_id)  # type: ignore[attr-defined]
    first = [e for e in events if str(getattr(e, "dossier_id", "")) != held_back_id]
    later = [e for e in events if str(getattr(e, "dossier_id", "")) == held_back_id]
    assert later and len(first) + len(later) == len(events)

    stack.start("projector")
    api = stack.start("projections-api")
    stack.set_clock("projections-api", datetime(2026, 3, 31, 12, 0, tzinfo=BUSINESS_TZ))
    produce(stack, first)

    params = {"unit": PROVINCE, "period": "2026-03"}

    def index() -> dict[str, object] | None:
        r = httpx.get(f"{api}/index", params=params, headers=AUDITOR, timeout=30)
        if r.status_code == 404:  # the province's reference events are not folded yet
            return None
        assert r.status_code == 200, r.text
        body: dict[str, object] = r.json()
        return body

    settled: list[dict[str, object]] = []

    def stable() -> bool:  # the projector has folded everything produced so far
        now = index()
        if now is None:
            return False
        settled.append(now)
        return len(settled) > 1 and settled[-2] == now and int(on_time(now)["denominator"]) > 0  # type: ignore[call-overload]

    wait_until(stable, 120, "the projector to fold the first part", interval=1.0)
    before = int(on_time(settled[-1])["denominator"])  # type: ignore[call-overload]

    page = httpx.get(f"{api}/", timeout=10)
    assert page.status_code == 200 and "Chỉ số phục vụ" in page.text
    assert httpx.get(f"{api}/static/app.js", timeout=10).status_code == 200

    with httpx.stream("GET", f"{api}/live", params={"unit": PROVINCE}, headers=AUDITOR, timeout=60) as live:
        assert live.status_code == 200 and live.headers["content-type"].startswith("text/event-stream")
        lines = live.iter_lines()

        def next_index() -> dict[str, object]:
            for line in lines:
                if line.startswith("data: "):
                    body: dict[str, object] = json.loads(line[len("data: ") :])
                    return body
            raise AssertionError("the live stream ended")

        assert int(on_time(next_index())["denominator"]) == before  # type: ignore[call-overload]
        produce(stack, later)
        sent = time.monotonic()
        while True:
            pushed = next_index()
            if int(on_time(pushed)["denominator"]) == before + 1:  # type: ignore[call-overload]
                break
        elapsed = time.monotonic() - sent
    assert elapsed <= 2.0, f"the live view took {elapsed:.2f}s"
