"""Process bootstrap shared by every deployable: read settings, configure logs, build readiness, serve HTTP.

Settings are read here, at start, never at import: importing a service module has no side effects.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

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
    """Run one deployable. ``SERVICE_WORKERS`` > 1 starts that many uvicorn worker processes, for APIs only:
    a relay or consumer loop must run once per deployable (its position and group membership are its own)."""
    runtime = load_runtime(name)
    port = runtime.service.port or runtime.deployable.port
    workers = runtime.service.workers
    if workers > 1 and not name.endswith("-api"):
        raise SystemExit(f"SERVICE_WORKERS={workers}: only APIs may run several workers, not {name}")
    get_logger(__name__).info(
        "starting", host=runtime.service.host, port=port, version=VERSION, workers=workers
    )
    options: dict[str, Any] = {
        "host": runtime.service.host,
        "port": port,
        "log_config": None,
        "access_log": False,
        "lifespan": "on",
        "timeout_graceful_shutdown": 10,
    }
    if workers > 1:
        os.environ["SERVICE_NAME"] = name  # each worker process builds its own app from this
        uvicorn.run(
            "services.runtime.bootstrap:app_from_environment", factory=True, workers=workers, **options
        )
    else:
        uvicorn.run(build(runtime), **options)


def app_from_environment() -> FastAPI:
    """The app of the deployable named by ``SERVICE_NAME``, built in a uvicorn worker process."""
    name = os.environ["SERVICE_NAME"]
    module = importlib.import_module(by_name(name).module)
    build: Callable[[Runtime], FastAPI] = module.build
    return build(load_runtime(name))
