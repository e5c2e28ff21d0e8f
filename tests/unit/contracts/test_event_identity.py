"""Public event ids are deterministic UUIDv7s, so a re-sent event keeps its id and consumers drop it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.identity import event_id_for

ICT = timezone(timedelta(hours=7))


@given(
    st.uuids(),
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=0, max_value=5),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
)
def test_same_identity_same_id_and_a_valid_uuid7(
    aggregate: UUID, version: int, ordinal: int, at: datetime
) -> None:
    a = event_id_for(aggregate, version, at, ordinal)
    assert a == event_id_for(aggregate, version, at.astimezone(ICT), ordinal)
    assert a.version == 7
    assert a.variant == "specified in RFC 4122"
    assert a.int >> 80 == int(at.timestamp() * 1000)  # the leading 48 bits are the Unix time in ms


def test_different_identities_differ() -> None:
    agg, at = uuid4(), datetime(2026, 3, 12, 9, 0, tzinfo=ICT)
    ids = {event_id_for(agg, v, at, o) for v in range(1, 50) for o in range(3)}
    assert len(ids) == 49 * 3
    assert event_id_for(uuid4(), 1, at) != event_id_for(agg, 1, at)


def test_ids_sort_by_time() -> None:
    agg = uuid4()
    t0 = datetime(2026, 3, 12, 9, 0, tzinfo=ICT)
    assert event_id_for(agg, 9, t0) < event_id_for(agg, 1, t0 + timedelta(milliseconds=1))


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        event_id_for(uuid4(), 1, datetime(2026, 1, 1))
