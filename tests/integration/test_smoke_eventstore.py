"""The real PostgreSQL server: an eventsourcing application saves an aggregate and reloads it."""

from __future__ import annotations

from uuid import UUID

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError


class Counter(Aggregate):
    @event("Opened")
    def __init__(self, unit_code: str) -> None:
        self.unit_code = unit_code
        self.count = 0

    @event("Incremented")
    def increment(self, by: int) -> None:
        self.count += by


class Counters(Application[UUID]):
    pass


def test_aggregate_round_trip_and_optimistic_concurrency(es_env: dict[str, str]) -> None:
    app = Counters(env=es_env)
    assert type(app.recorder).__module__ == "eventsourcing.postgres"
    counter = Counter("H44.01")
    counter.increment(2)
    counter.increment(3)
    app.save(counter)

    # A second application instance (its own pool, no shared memory), as another process would be.
    other = Counters(env=es_env)
    reloaded = other.repository.get(counter.id)
    assert (reloaded.unit_code, reloaded.count, reloaded.version) == ("H44.01", 5, 3)

    stale = app.repository.get(counter.id)
    reloaded.increment(1)
    other.save(reloaded)
    stale.increment(10)
    with pytest.raises(IntegrityError):
        app.save(stale)
    assert app.repository.get(counter.id).count == 6
    assert app.recorder.max_notification_id() == 4
    app.close()
    other.close()
