"""Readiness checks against the real dependencies.

A check is a real round trip (Kafka metadata, a PostgreSQL ``SELECT 1``) with a short deadline, so ``/ready``
turns false within seconds of a broker or server going away and true again when it is back, without a
restart of the service: the Kafka client is thrown away after a failure and rebuilt on the next check.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import psycopg
from aiokafka.client import AIOKafkaClient

from .metrics import DEPENDENCY_UP, READY


@dataclass
class CheckResult:
    ok: bool
    detail: str
    seconds: float


Check = Callable[[], Awaitable[str]]


class KafkaCheck:
    def __init__(self, bootstrap_servers: str, timeout: float = 3.0) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.timeout = timeout
        self._client: AIOKafkaClient | None = None

    async def __call__(self) -> str:
        try:
            if self._client is None:
                self._client = AIOKafkaClient(
                    bootstrap_servers=self.bootstrap_servers,
                    client_id="motcua-readiness",
                    request_timeout_ms=int(self.timeout * 1000),
                )
                await asyncio.wait_for(self._client.bootstrap(), self.timeout)
            metadata = await asyncio.wait_for(self._client.fetch_all_metadata(), self.timeout)
            if not metadata.brokers():
                raise ConnectionError("no broker in metadata")
            return f"{len(metadata.brokers())} broker(s), {len(metadata.topics())} topic(s)"
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await asyncio.wait_for(client.close(), self.timeout)
            except Exception:  # noqa: BLE001 - closing a dead client must never mask the real failure
                pass


class PostgresCheck:
    def __init__(self, url: str, timeout: float = 3.0) -> None:
        self.url = url
        self.timeout = timeout

    async def __call__(self) -> str:
        async with await psycopg.AsyncConnection.connect(self.url, connect_timeout=int(self.timeout)) as conn:
            cur = await conn.execute("SELECT current_setting('server_version')")
            row = await cur.fetchone()
            return f"postgresql {row[0] if row else '?'}"


@dataclass
class Readiness:
    checks: dict[str, Check] = field(default_factory=dict)
    timeout: float = 4.0

    def add(self, name: str, check: Check) -> None:
        self.checks[name] = check

    async def run(self) -> dict[str, CheckResult]:
        async def one(name: str, check: Check) -> tuple[str, CheckResult]:
            started = time.perf_counter()
            try:
                detail = await asyncio.wait_for(check(), self.timeout)
                ok = True
            except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported with its text
                detail, ok = f"{type(exc).__name__}: {exc}" or type(exc).__name__, False
            DEPENDENCY_UP.labels(name).set(1 if ok else 0)
            return name, CheckResult(ok, detail, round(time.perf_counter() - started, 4))

        results = dict(await asyncio.gather(*(one(n, c) for n, c in self.checks.items())))
        READY.set(1 if all(r.ok for r in results.values()) else 0)
        return results

    async def close(self) -> None:
        for check in self.checks.values():
            close = getattr(check, "close", None)
            if close is not None:
                await close()
