"""The outbox relay: tails an eventsourcing application's notification log and publishes public events.

The event store is the outbox: eventsourcing writes each event and its notification id in one transaction,
and commit order equals id order, so "everything after the last position" never skips an event. The relay
maps each internal event to its public contracts through the context's one ``outbound`` mapper, sends a
page with an idempotent producer, waits for every ack, and only then records the page's last notification
id in its tracking table. A crash between the acks and that record re-sends the page: delivery is
at-least-once, and the public event ids are deterministic (contracts.identity) so consumers drop repeats.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import InfrastructureFactory, Notification, Tracking, TrackingRecorder
from eventsourcing.utils import Environment

from contracts.codec import KafkaRecord, encode
from contracts.envelope import PublicEvent

from .logging import get_logger
from .metrics import BATCH_SECONDS, EVENTS_PUBLISHED, RELAY_LAG

Outbound = Callable[[DomainEventProtocol[Any]], Sequence[PublicEvent]]

log = get_logger(__name__)


def tracking_recorder(name: str, env: dict[str, str]) -> TrackingRecorder:
    """The relay's own position table, ``<name>_tracking``, beside the application's tables."""
    factory = InfrastructureFactory.construct(Environment(name, env))
    return factory.tracking_recorder()


class OutboxRelay:
    def __init__(
        self,
        name: str,
        app: Application[Any],
        outbound: Outbound,
        producer: AIOKafkaProducer,
        tracking: TrackingRecorder,
        *,
        page_size: int = 1000,
        idle_wait_s: float = 0.05,
        max_idle_wait_s: float = 0.5,
        namespace: str = "",
    ) -> None:
        self.name = name
        self.app = app
        self.outbound = outbound
        self.producer = producer
        self.tracking = tracking
        self.page_size = page_size
        self.idle_wait_s = idle_wait_s
        self.max_idle_wait_s = max_idle_wait_s
        self.namespace = namespace
        self.position: int | None = None
        self._stopping = asyncio.Event()

    async def _fetch(self, after: int | None) -> Sequence[Notification]:
        # ``after=None`` reads from the first notification (the start bound is then not applied at all).
        return await asyncio.to_thread(
            self.app.recorder.select_notifications, after, self.page_size, inclusive_of_start=False
        )

    def _records(self, notifications: Sequence[Notification]) -> list[tuple[str, KafkaRecord]]:
        records = []
        for notification in notifications:
            for public in self.outbound(self.app.mapper.to_domain_event(notification)):
                record = encode(public)
                records.append((self.namespace + record.topic, record))
        return records

    async def _send(self, records: list[tuple[str, KafkaRecord]]) -> list[asyncio.Future[Any]]:
        return [
            await self.producer.send(topic, r.value, key=r.key, headers=r.headers) for topic, r in records
        ]

    async def _acknowledged(
        self,
        last: int,
        records: list[tuple[str, KafkaRecord]],
        pending: list[asyncio.Future[Any]],
        started: float,
    ) -> None:
        await asyncio.gather(*pending)  # every ack, or an exception and nothing is recorded
        await asyncio.to_thread(self.tracking.insert_tracking, Tracking(self.app.name, last))
        self.position = last
        per_topic: dict[str, int] = {}
        for topic, _ in records:
            per_topic[topic] = per_topic.get(topic, 0) + 1
        for topic, count in per_topic.items():
            EVENTS_PUBLISHED.labels(self.app.name, topic).inc(count)
        BATCH_SECONDS.labels(f"relay:{self.name}").observe(time.perf_counter() - started)

    async def drain(self) -> int:
        """Publish everything recorded so far; returns how many notifications that covered.

        Pipelined: while one page's acks are in flight, the next page is read and mapped, so the CPU work
        of mapping overlaps the broker round trip. Positions are still recorded strictly in order, each
        only after its own page's acks.
        """
        if self.position is None:
            self.position = await asyncio.to_thread(self.tracking.max_tracking_id, self.app.name)
        page = await self._fetch(self.position)
        covered = 0
        if not page:
            return 0
        started = time.perf_counter()
        records = self._records(page)
        pending = await self._send(records)
        while True:
            next_page = await self._fetch(page[-1].id)
            next_records = self._records(next_page)
            await self._acknowledged(page[-1].id, records, pending, started)
            covered += len(page)
            if not next_page:
                return covered
            started = time.perf_counter()
            page, records = next_page, next_records
            pending = await self._send(records)

    async def lag(self) -> int:
        head = await asyncio.to_thread(self.app.recorder.max_notification_id) or 0
        lag = max(0, head - (self.position or 0))
        RELAY_LAG.labels(self.app.name).set(lag)
        return lag

    async def run(self) -> None:
        """Relay until stopped; waits with backoff while there is nothing new and retries after failures."""
        wait = self.idle_wait_s
        while not self._stopping.is_set():
            try:
                relayed = await self.drain()
                await self.lag()
                if relayed:
                    wait = self.idle_wait_s
                    continue
            except Exception as exc:  # noqa: BLE001 - broker or database away: nothing recorded, try again
                self.position = None  # re-read the durable position: the page may be re-sent, never skipped
                log.warning(
                    "relay page failed; will retry", relay=self.name, error=f"{type(exc).__name__}: {exc}"
                )
                wait = self.max_idle_wait_s * 2
            try:
                await asyncio.wait_for(self._stopping.wait(), wait)
            except TimeoutError:
                pass
            wait = min(wait * 2, self.max_idle_wait_s)

    def stop(self) -> None:
        self._stopping.set()
