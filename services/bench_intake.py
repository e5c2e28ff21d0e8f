"""The intake part of `make bench`: desk commands per second through HTTP against raw eventsourcing saves.

- HTTP: walk-in receipts (submit + receive in one command: dossier code, slip number, due date) posted to a
  real `intake-api` process (one uvicorn worker; the desk runs in its thread pool) by concurrent clients,
  spread over communes as a province's counters are;
- raw: an eventsourcing application on the same server saving, one `save()` at a time, a new aggregate with
  as many events as a walk-in records — the rate no layer above eventsourcing can beat.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg import sql

from services.runtime.auth import AuthSettings, issue_token
from services.runtime.settings import DatabaseSettings, KafkaSettings

COMMUNES = [f"H44.{n}" for n in range(100, 120)]


class Receipt(Aggregate):
    @event("Submitted")
    def __init__(self, unit_code: str) -> None:
        self.unit_code = unit_code

    @event("Received")
    def receive(self, code: str) -> None:
        self.code = code


class RawDesk(Application[UUID]):
    name = "rawdesk"


def walk_in(unit: str, n: int) -> dict[str, Any]:
    return {
        "submission": {
            "procedure_code": "2.000575",
            "channel": "COUNTER",
            "receiving_unit_code": unit,
            "applicant": {
                "kind": "CITIZEN",
                "name": f"Người nộp {n}",
                "id_number": f"{25187000000 + n:012d}",
            },
            "components": [
                {"code": "TK", "name": "Giấy đề nghị đăng ký hộ kinh doanh", "form": "DECLARATION_FORM"}
            ],
        }
    }


def raw_saves(database: DatabaseSettings, schema: str, count: int) -> float:
    app = RawDesk(env=database.eventsourcing_env(schema))
    started = time.perf_counter()
    for i in range(count):
        # A walk-in records ~4 events in one save (dossier submitted + received, code and slip allocations).
        r = Receipt(COMMUNES[i % len(COMMUNES)])
        r.receive(str(i))
        book = Receipt("book")
        book.receive("0001")
        app.save(r, book)
    seconds = time.perf_counter() - started
    app.close()
    return count / seconds


async def http_commands(url: str, count: int, concurrency: int) -> tuple[float, int]:
    tokens = {
        u: issue_token(
            AuthSettings(),
            f"cb.{u}.bench",
            ["counter_officer"],
            __import__("datetime").timedelta(hours=1),
            unit_code=u,
        )
        for u in COMMUNES
    }
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)
    failures = 0

    async def client() -> None:
        nonlocal failures
        async with httpx.AsyncClient(timeout=60) as http:
            while not queue.empty():
                i = queue.get_nowait()
                unit = COMMUNES[i % len(COMMUNES)]
                r = await http.post(
                    f"{url}/dossiers/walk-in",
                    json=walk_in(unit, i),
                    headers={"Authorization": f"Bearer {tokens[unit]}", "Idempotency-Key": str(uuid.uuid4())},
                )
                if r.status_code != 201:
                    failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return count / (time.perf_counter() - started), failures


def run(count: int = 300, concurrency: int = 8, workers: int = 2) -> dict[str, Any]:
    database = DatabaseSettings()
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    prefix, raw_schema = f"benchi{stamp}_", f"benchraw_{stamp}"
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(raw_schema)))
    port = 18000 + int(stamp[-3:]) % 1000
    env = {
        **os.environ,
        "SERVICE_SCHEMA_PREFIX": prefix,
        "SERVICE_PORT": str(port),
        "SERVICE_LOG_LEVEL": "WARNING",
        "KAFKA_BOOTSTRAP_SERVERS": KafkaSettings().servers,
        "DATABASE_URL": database.url,
        "KAFKA_TOPIC_NAMESPACE": f"benchi{stamp}.",
    }
    api = subprocess.Popen(
        [sys.executable, "-m", "services.intake.api"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/ready", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or api.poll() is not None:
                raise RuntimeError("intake-api did not become ready for the bench")
            time.sleep(0.2)
        asyncio.run(http_commands(url, 20, 2))  # warm-up: code books, connections
        http_rate, failures = asyncio.run(http_commands(url, count, concurrency))
        raw_rate = raw_saves(database, raw_schema, count)
        return {
            "commands": count,
            "concurrency": concurrency,
            "uvicorn_workers": workers,
            "failures": failures,
            "http_commands_per_s": http_rate,
            "raw_saves_per_s": raw_rate,
            "ratio": http_rate / raw_rate,
        }
    finally:
        api.terminate()
        api.wait(timeout=30)
        with psycopg.connect(database.url, autocommit=True) as conn:
            for (schema,) in conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s OR nspname = %s",
                (f"{prefix}%", raw_schema),
            ).fetchall():
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
