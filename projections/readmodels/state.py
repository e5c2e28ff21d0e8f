"""Plumbing shared by the fold states: a JSON-round-trippable pydantic base, business time, positions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from contracts.envelope import PublicEvent
from contracts.fields import BUSINESS_TZ

Row = dict[str, Any]


class FoldState(BaseModel):
    """A fold state: mutable while one batch folds, stored as JSON between batches."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def business_time(moment: datetime) -> datetime:
    """Every time kept in a fold state is in +07:00, so a state read back from JSON renders the same."""
    return moment.astimezone(BUSINESS_TZ)


class Position(FoldState):
    """Where an event sits in a dossier's canonical order (docs/adr/0351).

    Knowledge time first (``recorded_at``), so that revisions and ``known_at`` grow together; then business
    time, producer, the producer's sequence and the event id break every tie, whatever the arrival order.
    """

    recorded_at: datetime
    occurred_at: datetime
    producer: str
    seq: int
    event_id: str

    @classmethod
    def of(cls, event: PublicEvent) -> Position:
        return cls(
            recorded_at=business_time(event.recorded_at),
            occurred_at=business_time(event.occurred_at),
            producer=event.producer.value,
            seq=event.seq,
            event_id=str(event.event_id),
        )

    def sort_key(self) -> tuple[datetime, datetime, str, int, str]:
        return (
            self.recorded_at.astimezone(UTC),
            self.occurred_at.astimezone(UTC),
            self.producer,
            self.seq,
            self.event_id,
        )


def event_sort_key(event: PublicEvent) -> tuple[datetime, datetime, str, int, str]:
    return (
        event.recorded_at.astimezone(UTC),
        event.occurred_at.astimezone(UTC),
        event.producer.value,
        event.seq,
        str(event.event_id),
    )
