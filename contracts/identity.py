"""Deterministic public event ids: the same internal event always maps to the same `event_id`.

A relay that crashes after Kafka acked a page re-sends it (architecture.md §2); consumers drop the repeats
by event id only if the mapper gives every public event the id it had the first time. So the id is not
minted at mapping time: it is a UUIDv7 whose 48-bit time is the internal event's own timestamp and whose
74 other bits are a SHA-256 of what identifies the internal event and the public event's index among
those it maps to (RFC 9562 lets an implementation choose where those bits come from).
"""

import hashlib
from datetime import datetime
from uuid import UUID

from contracts.enums import Producer

_MAX_MS = (1 << 48) - 1
_RAND_B_BITS = 62


def public_event_id(
    producer: Producer,
    originator_id: UUID | str,
    originator_version: int,
    recorded_at: datetime,
    index: int = 0,
) -> UUID:
    """UUIDv7 of the `index`-th public event mapped from version `originator_version` of an aggregate.

    `recorded_at` is the internal event's timestamp, so ids still sort by when events were recorded. The
    producer is part of the identity because every context keys its dossier aggregate by the dossier id:
    two contexts recording the same version in the same millisecond (easy under a simulated clock) must
    not share an id, or consumers would drop one of the events as a repeat.
    """
    if recorded_at.tzinfo is None or recorded_at.utcoffset() is None:
        raise ValueError("recorded_at must be timezone-aware")
    if originator_version < 0 or index < 0:
        raise ValueError(f"version {originator_version} and index {index} cannot be negative")
    milliseconds = int(recorded_at.timestamp() * 1000)
    if not 0 <= milliseconds <= _MAX_MS:
        raise ValueError(f"{recorded_at.isoformat()} does not fit a UUIDv7 timestamp")
    name = "\x1f".join((Producer(producer).value, str(originator_id), str(originator_version), str(index)))
    digest = hashlib.sha256(name.encode()).digest()
    rand_a = int.from_bytes(digest[:2], "big") & 0xFFF
    rand_b = int.from_bytes(digest[2:10], "big") & ((1 << _RAND_B_BITS) - 1)
    return UUID(int=(milliseconds << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << _RAND_B_BITS) | rand_b)
