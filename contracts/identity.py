"""Deterministic public event ids.

A relay that crashes after Kafka acked a batch but before it recorded its position sends the batch again.
Consumers deduplicate by event id, so the id of a public event must be a function of the internal event it
was mapped from: the same (aggregate id, version, ordinal) always gives the same id. The id is still a
valid UUIDv7 (RFC 9562): its first 48 bits are the event's Unix time in milliseconds, so ids sort by time
as the envelope promises; the remaining bits come from a SHA-256 of the identity instead of a random source.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID


def event_id_for(aggregate_id: UUID, version: int, at: datetime, ordinal: int = 0) -> UUID:
    """The UUIDv7 of the ``ordinal``-th public event mapped from internal event (aggregate_id, version)."""
    if at.tzinfo is None:
        raise ValueError("event time must be timezone-aware")
    millis = int(at.timestamp() * 1000)
    if not 0 <= millis < 1 << 48:
        raise ValueError("event time out of the UUIDv7 range")
    digest = hashlib.sha256(f"{aggregate_id}:{version}:{ordinal}".encode()).digest()
    rand_a = int.from_bytes(digest[:2]) & 0x0FFF
    rand_b = int.from_bytes(digest[2:10]) & ((1 << 62) - 1)
    value = (millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return UUID(int=value)
