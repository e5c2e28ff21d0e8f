"""Fixtures shared by every tier: where the real Kafka broker and PostgreSQL server are.

Order of preference: servers given from outside (KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL, which is what
`make test` exports for the local ones), then testcontainers when a Docker daemon answers a ping. When
neither is there, an integration test fails under CI=true (or REQUIRE_INTEGRATION=1) and is skipped only
on a developer's machine that asked for neither.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from services.runtime.settings import DatabaseSettings


def _integration_required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_INTEGRATION") == "1"


def _unavailable(what: str) -> None:
    message = (
        f"{what} is not available: set its URL, run `make infra-up`, or start a Docker daemon "
        "for testcontainers"
    )
    if _integration_required():
        pytest.fail(message + " (CI=true: a missing server is a failure, never a skip)", pytrace=False)
    pytest.skip(message)


def docker_available() -> bool:
    """A daemon that answers a ping, never merely a `docker` binary on PATH."""
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no usable daemon"
        return False


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    if servers := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield servers
        return
    if not docker_available():
        _unavailable("Kafka")
    from testcontainers.kafka import KafkaContainer

    with KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft() as kafka:
        yield kafka.get_bootstrap_server()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    if url := os.environ.get("DATABASE_URL"):
        yield url
        return
    if not docker_available():
        _unavailable("PostgreSQL")
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine", driver=None) as pg:
        yield pg.get_connection_url()


@pytest.fixture
def pg_schema(database_url: str) -> Iterator[str]:
    """A fresh schema per test, dropped afterwards, so tests never see each other's tables."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield schema
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def es_env(database_url: str, pg_schema: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """eventsourcing's POSTGRES_* settings for an application living in this test's schema."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return DatabaseSettings().eventsourcing_env(pg_schema)
