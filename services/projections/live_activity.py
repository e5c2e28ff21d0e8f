"""Live activity: public events per minute and per kind, over the last two hours (faust-streaming).

This is the disposable, windowed state ADR 0003 reserves for faust: a lost or doubled window costs
nothing, so it needs none of the read models' exactly-once machinery, and it is rebuilt by faust itself
(its table changelog) after a restart. Two agents:

- ``classify`` reads every public topic raw and forwards one small record per event — the kind, taken from
  the ``ce_type`` header without decoding the payload — to an internal topic keyed by kind, keeping the
  event's own record time. faust tables must be co-partitioned with the stream that updates them, and the
  public topics have several partition counts; the internal topic is that repartition step.
- ``count`` adds each record to a tumbling one-minute window keyed by kind, relative to the record time,
  so a catch-up after downtime lands in the minutes the events happened, not in the minute it was read.

The projector serves ``GET /live/activity``; projections-api forwards it to the dashboard.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import faust
from faust.contrib.asgi import bind_to_running_loop

from contracts.codec import H_TYPE
from services.runtime.kafka import TopicSpec, ensure_topics
from services.runtime.logging import get_logger
from services.runtime.pipelines import declare_topics

log = get_logger(__name__)
RETRY_S = 5.0

WINDOW_S = 60
KEPT = timedelta(hours=2)
OTHER = "khong-xac-dinh"


def kind_of(headers: Iterable[tuple[str, bytes]] | dict[str, bytes] | None) -> str:
    """``vn.one-stop.intake.dossier-received.v1`` → ``dossier-received``; a message without a usable type
    (the projector dead-letters it) is counted as ``khong-xac-dinh`` rather than dropped."""
    items = headers.items() if isinstance(headers, dict) else (headers or ())
    for name, value in items:
        if name == H_TYPE:
            parts = value.decode("utf-8", "replace").split(".")
            if len(parts) >= 3 and parts[-1].startswith("v"):
                return parts[-2]
            return OTHER
    return OTHER


@dataclass(frozen=True)
class MinuteCounts:
    start: datetime
    counts: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "total": sum(self.counts.values()), "counts": self.counts}


def series(cells: Iterable[tuple[Any, int]], now: datetime, minutes: int) -> list[MinuteCounts]:
    """The table's cells ``((kind, (start, end)), n)`` as one entry per minute, oldest first, for the last
    ``minutes`` minutes up to ``now`` — minutes without events included, so a chart has no gaps."""
    last = int(now.timestamp()) // WINDOW_S * WINDOW_S
    first = last - (minutes - 1) * WINDOW_S
    by_minute: dict[int, dict[str, int]] = defaultdict(dict)
    for (kind, (start, _end)), n in cells:
        minute = int(start)
        if first <= minute <= last and n:
            by_minute[minute][kind] = by_minute[minute].get(kind, 0) + int(n)
    return [
        MinuteCounts(datetime.fromtimestamp(m, UTC), dict(sorted(by_minute.get(m, {}).items())))
        for m in range(first, last + 1, WINDOW_S)
    ]


class LiveActivity:
    """The faust app of the projector: built per process, started and stopped with its lifespan."""

    def __init__(self, bootstrap: str, namespace: str, topics: list[str]) -> None:
        self.bootstrap, self.namespace = bootstrap, namespace
        self.app = faust.App(
            f"{namespace}projector-live",
            broker=[f"kafka://{server}" for server in bootstrap.split(",")],
            store="memory://",
            web_enabled=False,
            topic_partitions=1,
            topic_replication_factor=1,
            consumer_auto_offset_reset="earliest",
            table_cleanup_interval=60.0,
        )
        self.source = self.app.topic(*topics, value_serializer="raw", key_serializer="raw")
        self.kinds = self.app.topic(
            f"{namespace}projector-live-activity",
            key_type=str,
            value_type=str,
            partitions=1,
            internal=True,
        )
        self.table = self.app.Table("activity-counts", default=int, partitions=1).tumbling(
            WINDOW_S, expires=KEPT
        )
        self.app.agent(self.source, name="classify")(self._classify)
        self.app.agent(self.kinds, name="count")(self._count)

    async def _classify(self, stream: Any) -> None:
        async for event in stream.events():
            kind = kind_of(event.message.headers)
            await self.kinds.send(key=kind, value=kind, timestamp=event.message.timestamp)

    async def _count(self, stream: Any) -> None:
        async for kind in stream:
            self.table[kind] += 1

    @property
    def running(self) -> bool:
        return bool(self.app.started) and not self.app.should_stop

    def snapshot(self, now: datetime, minutes: int) -> list[MinuteCounts]:
        return series(self.table.table.items(), now, minutes)

    def own_topics(self) -> list[TopicSpec]:
        """faust's own topics. It declares them itself, but on a broker that has just started (no group
        coordinator yet) its consumer subscribed before they existed and never read them; declaring them
        first, as the broker does not create topics on demand, makes the start order irrelevant."""
        app_id = self.app.conf.id
        return [
            TopicSpec(self.kinds.get_topic_name(), 1),
            TopicSpec(self.table.table.changelog_topic.get_topic_name(), 1, (("cleanup.policy", "compact"),)),
            TopicSpec(f"{app_id}-__assignor-__leader", 1),
        ]

    async def _start(self) -> None:
        # The source topics must exist before faust subscribes; a broker away at start-up is waited for
        # here, beside the read-model loop, rather than failing the projector.
        while True:
            try:
                await declare_topics(self.bootstrap, self.namespace)
                await ensure_topics(self.bootstrap, self.own_topics())
                break
            except Exception as error:  # noqa: BLE001 - any broker failure means "try again later"
                log.warning("live activity waits for the broker", error=repr(error))
                await asyncio.sleep(RETRY_S)
        bind_to_running_loop(self.app)
        self.app.finalize()
        await self.app.maybe_start()

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        starting = asyncio.create_task(self._start(), name="live-activity-start")
        try:
            yield
        finally:
            starting.cancel()
            with suppress(asyncio.CancelledError):
                await starting
            if self.app.started:
                await asyncio.wait_for(self.app.stop(), timeout=10.0)
