"""Process bootstrap shared by every deployable: read settings, configure logs, build readiness, serve HTTP.

Settings are read here, at start, never at import: importing a service module has no side effects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import uvicorn
from fastapi import FastAPI

from ..deployables import Deployable, by_name
from .health import KafkaCheck, PostgresCheck, Readiness
from .logging import configure_logging, get_logger
from .settings import DatabaseSettings, KafkaSettings, ServiceSettings
from .simclock import VN, SimulatedClock

VERSION = "0.1.0"


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(VN)


@dataclass(frozen=True)
class Runtime:
    """Everything a deployable's app factory needs, resolved once from the environment."""

    deployable: Deployable
    service: ServiceSettings
    kafka: KafkaSettings
    database: DatabaseSettings
    readiness: Readiness
    clock: Clock

    @property
    def simulated_clock(self) -> SimulatedClock | None:
        return self.clock if isinstance(self.clock, SimulatedClock) else None


def load_runtime(name: str) -> Runtime:
    deployable = by_name(name)
    service, kafka, database = ServiceSettings(), KafkaSettings(), DatabaseSettings()
    configure_logging(name, service.log_level, service.log_format)
    readiness = Readiness()
    if deployable.needs_kafka:
        readiness.add("kafka", KafkaCheck(kafka.servers))
    if deployable.needs_postgres:
        readiness.add("postgres", PostgresCheck(database.url))
    clock: Clock = SystemClock()
    if service.clock == "simulated":
        if service.environment == "production":
            raise SystemExit("SERVICE_CLOCK=simulated is refused in production: business time must be real")
        clock = SimulatedClock(service.clock_start, service.clock_rate)
    return Runtime(deployable, service, kafka, database, readiness, clock)


def serve(name: str, build: Callable[[Runtime], FastAPI]) -> None:
    runtime = load_runtime(name)
    app = build(runtime)
    port = runtime.service.port or runtime.deployable.port
    get_logger(__name__).info("starting", host=runtime.service.host, port=port, version=VERSION)
    uvicorn.run(
        app,
        host=runtime.service.host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=10,
    )
