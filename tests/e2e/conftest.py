"""The end-to-end tier: the real deployables as processes, on the real broker and server (harness in
e2e_stack.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from e2e_stack import Stack

from services.runtime.kafka import drop_namespace


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="module")
def stack(database_url: str, kafka_bootstrap: str) -> Iterator[Stack]:
    run = uuid.uuid4().hex[:8]
    s = Stack(
        prefix=f"e2e{run}_",
        namespace=f"e2e{run}.",
        database_url=database_url,
        kafka_bootstrap=kafka_bootstrap,
    )
    try:
        yield s
    finally:
        s.stop()
        # Each namespace holds ~90 partitions, and every partition keeps files open in the broker.
        asyncio.run(drop_namespace(kafka_bootstrap, s.namespace))
        with psycopg.connect(database_url, autocommit=True) as conn:
            schemas = [
                r[0]
                for r in conn.execute(
                    "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"{s.prefix}%",)
                ).fetchall()
            ]
            for schema in schemas:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
