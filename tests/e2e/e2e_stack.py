"""The e2e harness: the real deployables as processes, on the real broker and server.

Imported by the e2e tests as ``e2e_stack`` (a unique module name: every test directory has a conftest).

Each test module gets its own PostgreSQL schema prefix and Kafka topic namespace, and the processes run on
a simulated clock an operator token can move, so journeys happen on the business days they are about.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from waiting import free_port, wait_until

from services.deployables import by_name
from services.runtime.auth import AuthSettings, issue_token

REPO = Path(__file__).resolve().parents[2]


def token(
    role: str,
    subject: str,
    unit: str | None = None,
    partner: str | None = None,
    ttl: timedelta = timedelta(hours=2),
) -> str:
    return issue_token(AuthSettings(), subject, [role], ttl, unit_code=unit, partner_id=partner)


def auth(role: str, subject: str, unit: str | None = None, partner: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, subject, unit, partner)}"}


@dataclass
class Stack:
    prefix: str
    namespace: str
    database_url: str
    kafka_bootstrap: str
    urls: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def env(self, name: str, port: int) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "KAFKA_TOPIC_NAMESPACE": self.namespace,
            "SERVICE_SCHEMA_PREFIX": self.prefix,
            "SERVICE_PORT": str(port),
            "SERVICE_CLOCK": "simulated",
            "SERVICE_CLOCK_RATE": "1",
            "SERVICE_LOG_LEVEL": "INFO",
            **({"PROJECTIONS_PROJECTOR_URL": self.urls["projector"]} if "projector" in self.urls else {}),
        }

    def start(self, name: str) -> str:
        running = self.processes.get(name)
        # A second start would orphan the first process (the stack stops only what it holds).
        assert running is None or running.poll() is not None, f"{name} is already running in this stack"
        deployable = by_name(name)
        port = free_port()
        logs = REPO / ".local" / "logs" / "tests"
        logs.mkdir(parents=True, exist_ok=True)
        out = open(logs / f"{name}-{self.prefix.strip('_')}.log", "ab")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", deployable.module],
            cwd=REPO,
            env=self.env(name, port),
            stdout=out,
            stderr=out,
        )
        url = f"http://127.0.0.1:{port}"
        self.urls[name] = url

        def ready() -> bool:
            if self.processes[name].poll() is not None:
                raise AssertionError(f"{name} exited; see {logs}")
            try:
                return httpx.get(f"{url}/ready", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, 90, f"{name} to be ready")
        return url

    def set_clock(self, name: str, at: datetime, rate: float = 0) -> None:
        r = httpx.put(
            f"{self.urls[name]}/ops/clock",
            json={"now": at.isoformat(), "rate": rate},
            headers=auth("operator", "ops.e2e"),
            timeout=10,
        )
        assert r.status_code == 200, r.text

    def scalar(self, query: str) -> int:
        with psycopg.connect(self.database_url) as conn:
            row = conn.execute(query).fetchone()
            return int(row[0]) if row and row[0] is not None else 0

    def stop(self) -> None:
        for p in self.processes.values():
            p.terminate()
        for p in self.processes.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
