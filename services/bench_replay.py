"""`make bench`, read side: replay rate against a raw consumer, and event-to-index latency under load.

Measured in one run on the real broker and server (docs/adr/0375):
- replay: the sample province (``projections.readmodels.sample_stream``, every public topic) is produced into
  a fresh topic namespace; a raw aiokafka consumer reads every partition to the end, bytes only, then the
  operator's rebuild (``services.projections.replay.rebuild``, what ``motcua replay`` runs) folds the same
  records into a fresh schema. The ratio compares the two rates over the same records in the same run.
- latency: the projector's pipeline runs live on another namespace while a producer pushes sample events
  at a steady rate; for every event, the time from its record timestamp to the first poll of the
  projector's positions table that covers its offset. The positions commit in the transaction that writes
  the read-model rows, and projections-api evaluates ``/index`` per request from those rows, so that is
  the moment the index can reflect the event.
Schemas and topic namespaces are dropped afterwards. The numbers are reported, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import statistics
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from aiokafka import TopicPartition
from psycopg import sql

from contracts.codec import KafkaRecord, encode
from projections.readmodels import Layout
from projections.readmodels.sample_stream import sample_stream
from services.bench import write_figures
from services.projections import projector
from services.projections.replay import bulk_reader, log_bounds, rebuild
from services.runtime import kafka
from services.runtime.consumer import Inbox
from services.runtime.pipelines import declare_topics
from services.runtime.settings import DatabaseSettings, KafkaSettings

EVENTS_PER_DOSSIER = 15
"""About what one sample dossier journey emits (15.2 at 1,000 dossiers); turns --replay-events into dossiers."""

LOAD_FRACTION = 0.25
"""Without an explicit rate, the latency run produces at this fraction of the replay rate just measured:
a load the projector can carry, so that the figures are latency and not a growing backlog."""

POLL_S = 0.005
"""How often the latency probe reads the projector's positions: the resolution of the latency figures."""


def sample_records(events: int, seed: int) -> list[KafkaRecord]:
    """At least ``events`` sample events (whole dossier journeys), encoded as the relays would."""
    stream = sample_stream(dossiers=max(1, events // EVENTS_PER_DOSSIER), seed=seed)
    return [encode(e) for e in stream.events]


async def produce(bootstrap: str, namespace: str, records: Sequence[KafkaRecord], page: int = 2000) -> float:
    producer = kafka.producer(bootstrap, "bench-replay-producer")
    await producer.start()
    try:
        started = time.perf_counter()
        for i in range(0, len(records), page):
            futures = [
                await producer.send(namespace + r.topic, r.value, key=r.key, headers=r.headers)
                for r in records[i : i + page]
            ]
            await asyncio.gather(*futures)
        return time.perf_counter() - started
    finally:
        await producer.stop()


async def raw_read(bootstrap: str, start: dict[TopicPartition, int], end: dict[TopicPartition, int]) -> float:
    """Seconds for a plain consumer to fetch every record ``start`` … ``end`` (bytes, nothing decoded)."""
    wanted = sorted(tp for tp in end if start[tp] < end[tp])
    client = bulk_reader(bootstrap)
    await client.start()
    try:
        client.assign(wanted)
        for tp in wanted:
            client.seek(tp, start[tp])
        remaining = set(wanted)
        started = time.perf_counter()
        while remaining:
            fetched = await client.getmany(*remaining, timeout_ms=500, max_records=20_000)
            for tp, records in fetched.items():
                if records and records[-1].offset + 1 >= end[tp]:
                    remaining.discard(tp)
        return time.perf_counter() - started
    finally:
        await client.stop()


def drop_schema(database_url: str, schema: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


async def replay_bench(bootstrap: str, database_url: str, stamp: str, events: int) -> dict[str, Any]:
    namespace, schema = f"benchreplay{stamp}.", f"bench_replay_{stamp}"
    print(f"replay: generating ~{events:,} sample events …", flush=True)
    records = sample_records(events, seed=766)
    n = len(records)
    try:
        await declare_topics(bootstrap, namespace)
        print(f"replay: producing {n:,} events over every public topic …", flush=True)
        produce_s = await produce(bootstrap, namespace, records)
        del records
        topics = [namespace + t for t in projector.projected_topics()]
        start, end = await log_bounds(bootstrap, topics, None)
        total = sum(end[tp] - start[tp] for tp in end)

        print("replay: raw consumer …", flush=True)
        raw_s = await raw_read(bootstrap, start, end)

        print("replay: rebuild (the path of `motcua replay`) …", flush=True)
        marks: list[float] = []

        def progress(done: int, of: int) -> None:
            if not marks:
                marks.append(time.perf_counter())  # read models created, fetching starts
            if done >= of:
                marks.append(time.perf_counter())

        report = await rebuild(
            bootstrap=bootstrap,
            database_url=database_url,
            schema=schema,
            namespace=namespace,
            check="none",
            do_swap=False,
            progress=progress,
        )
        apply_s = marks[-1] - marks[0]
        return {
            "events": total,
            "applied": report.applied,
            "produce_events_per_s": rate(n, produce_s),
            "raw_consumer_events_per_s": rate(total, raw_s),
            "replay_events_per_s": rate(total, apply_s),
            "ratio": rate(total, apply_s) / rate(total, raw_s),
            "rebuild_seconds_with_ddl_and_digest": report.seconds,
            "replay_seconds": apply_s,
            "raw_seconds": raw_s,
            "digest": report.digest,
        }
    finally:
        await asyncio.to_thread(drop_schema, database_url, schema)
        await kafka.drop_namespace(bootstrap, namespace)


@dataclass(frozen=True)
class Sent:
    tp: TopicPartition
    offset: int
    timestamp_ms: int


class PositionsProbe:
    """Polls a consumer's positions table from a thread; ``visible_at`` answers when an offset was covered."""

    def __init__(self, database_url: str, schema: str, consumer: str) -> None:
        self.database_url = database_url
        self.table = sql.Identifier(schema, Inbox.table_names(consumer)[1])
        self.seen: dict[TopicPartition, tuple[list[int], list[float]]] = {}
        self.polls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="positions-probe", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        query = sql.SQL("SELECT topic, partition, next_offset FROM {}").format(self.table)
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self._stop.is_set():
                rows = conn.execute(query).fetchall()
                now = time.time()
                self.polls += 1
                for topic, partition, next_offset in rows:
                    offsets, times = self.seen.setdefault(TopicPartition(topic, partition), ([], []))
                    if not offsets or next_offset > offsets[-1]:
                        offsets.append(next_offset)
                        times.append(now)
                self._stop.wait(POLL_S)

    def visible_at(self, tp: TopicPartition, offset: int) -> float | None:
        offsets, times = self.seen.get(tp, ([], []))
        i = bisect.bisect_right(offsets, offset)  # the first position beyond the offset
        return times[i] if i < len(offsets) else None

    def covered(self, sent: Sequence[Sent]) -> bool:
        return all(self.visible_at(s.tp, s.offset) is not None for s in sent)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def paced_produce(
    bootstrap: str, namespace: str, records: Sequence[KafkaRecord], per_s: float
) -> tuple[list[Sent], float]:
    """Send ``records`` at a steady ``per_s`` (in 10 ms ticks), acks awaited per tick; returns what was
    sent where, and the rate achieved."""
    producer = kafka.producer(bootstrap, "bench-latency-producer", linger_ms=1)
    await producer.start()
    sent: list[Sent] = []
    tick = 0.01
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        i = 0
        while i < len(records):
            due = min(len(records), int((loop.time() - started) * per_s) + 1)
            futures = []
            for r in records[i:due]:
                futures.append(
                    await producer.send(
                        namespace + r.topic,
                        r.value,
                        key=r.key,
                        headers=r.headers,
                        timestamp_ms=int(time.time() * 1000),
                    )
                )
            i = due
            for meta in await asyncio.gather(*futures):
                sent.append(Sent(TopicPartition(meta.topic, meta.partition), meta.offset, meta.timestamp))
            await asyncio.sleep(max(0.0, started + i / per_s - loop.time()) or tick)
        return sent, rate(len(records), loop.time() - started)
    finally:
        await producer.stop()


async def latency_bench(
    bootstrap: str, database_url: str, stamp: str, per_s: float, seconds: float
) -> dict[str, Any]:
    namespace, schema = f"benchlatency{stamp}.", f"bench_latency_{stamp}"
    # A group of its own: the projector's group name would make this run rebalance other runs' projectors.
    layout = Layout(schema)
    name = f"{projector.NAME}-bench{stamp}"
    wanted = int(per_s * seconds)
    records = sample_records(wanted, seed=767)[:wanted]
    await asyncio.to_thread(projector.prepare, database_url, layout)
    pipeline = projector.consumer_pipeline(bootstrap, database_url, layout, namespace=namespace, name=name)
    probe = PositionsProbe(database_url, schema, name)
    task: asyncio.Task[None] | None = None
    try:
        await pipeline.start()
        assert pipeline.consumer is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not pipeline.consumer.consumer.assignment() and loop.time() < deadline:
            await pipeline.consumer.consumer.getmany(timeout_ms=200, max_records=1)  # join the group
        task = asyncio.create_task(pipeline.run())
        probe.start()
        print(
            f"latency: producing {len(records):,} events at {per_s:,.0f}/s with the projector live …",
            flush=True,
        )
        sent, achieved = await paced_produce(bootstrap, namespace, records, per_s)
        deadline = loop.time() + 120
        while not probe.covered(sent) and loop.time() < deadline:  # noqa: ASYNC110 - polls PostgreSQL
            await asyncio.sleep(0.05)
        probe.stop()
        pipeline.consumer.stop()
        await task
        latencies = [
            (seen - s.timestamp_ms / 1000) * 1000
            for s in sent
            if (seen := probe.visible_at(s.tp, s.offset)) is not None
        ]
        return {
            "events": len(sent),
            "target_events_per_s": per_s,
            "achieved_events_per_s": achieved,
            "visible": len(latencies),
            "p50_ms": percentile(latencies, 50) if latencies else None,
            "p99_ms": percentile(latencies, 99) if latencies else None,
            "max_ms": max(latencies) if latencies else None,
            "mean_ms": statistics.fmean(latencies) if latencies else None,
            "probe_interval_ms": POLL_S * 1000,
            "probe_polls": probe.polls,
            "visible_in": f"{schema}.{Inbox.table_names(name)[1]} (committed with the read-model rows)",
        }
    finally:
        if probe._thread.is_alive():
            probe.stop()
        if task is not None and not task.done():
            task.cancel()
        await pipeline.stop()
        await asyncio.to_thread(drop_schema, database_url, schema)
        await kafka.drop_namespace(bootstrap, namespace)


async def run(events: int, latency_rate: float, latency_seconds: float) -> dict[str, Any]:
    """``latency_rate`` 0 means ``LOAD_FRACTION`` of the replay rate measured first."""
    bootstrap = KafkaSettings().servers
    database_url = DatabaseSettings().url
    stamp = time.strftime("%Y%m%d%H%M%S")
    replayed = await replay_bench(bootstrap, database_url, stamp, events)
    result: dict[str, Any] = {"replay": replayed}
    if latency_seconds > 0:
        capacity = replayed["replay_events_per_s"]
        per_s = latency_rate or max(100.0, round(capacity * LOAD_FRACTION, -2))
        result["latency"] = await latency_bench(bootstrap, database_url, stamp, per_s, latency_seconds)
        result["latency"]["fraction_of_replay_rate"] = per_s / capacity
    return result


def print_result(result: dict[str, Any]) -> None:
    r = result["replay"]
    print(
        f"{'replay (motcua replay) → PostgreSQL':<34}{r['replay_events_per_s']:>12,.0f}"
        f"{r['raw_consumer_events_per_s']:>15,.0f}{r['ratio']:>8.2f}   ≥ 0.5, goal 150,000/s"
        f"   ({r['events']:,} events, all public topics; digest {str(r['digest'])[:16]})"
    )
    lat = result.get("latency")
    if lat:
        print(
            f"{'event → index latency (projector)':<34}  p50 {lat['p50_ms']:,.0f} ms, p99 {lat['p99_ms']:,.0f} ms"
            f" at {lat['achieved_events_per_s']:,.0f} ev/s = {lat['fraction_of_replay_rate']:.0%} of the replay rate"
            f" ({lat['visible']:,}/{lat['events']:,} seen,"
            f" probe every {lat['probe_interval_ms']:.0f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replay-events", type=int, default=200_000)
    parser.add_argument("--latency-rate", type=float, default=0)
    parser.add_argument("--latency-seconds", type=float, default=20)
    args = parser.parse_args()
    result = asyncio.run(run(args.replay_events, args.latency_rate, args.latency_seconds))
    print_result(result)
    print(f"figures written to {write_figures(result, 'bench-replay')}")


if __name__ == "__main__":
    main()
