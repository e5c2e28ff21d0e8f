"""Deterministic event ids: a re-sent event keeps its id, ids are valid UUIDv7 that sort by recording time,
and contexts sharing a dossier id never collide."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import golden
from contracts.enums import Producer
from contracts.fields import BUSINESS_TZ
from contracts.identity import public_event_id

DOSSIER = uuid.UUID("019cbba8-ae40-75c8-b12b-ea19040e613b")
AT = datetime(2026, 3, 6, 15, 20, 2, 345_000, tzinfo=BUSINESS_TZ)


@settings(max_examples=200, deadline=None)
@given(
    producer=st.sampled_from(Producer),
    aggregate=st.uuids(),
    version=st.integers(min_value=1, max_value=10**9),
    index=st.integers(min_value=0, max_value=5),
    at=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
)
def test_ids_are_deterministic_uuid7_carrying_the_recording_time(
    producer: Producer, aggregate: uuid.UUID, version: int, index: int, at: datetime
) -> None:
    event_id = public_event_id(producer, aggregate, version, at, index)
    assert event_id == public_event_id(producer, str(aggregate), version, at.astimezone(BUSINESS_TZ), index)
    assert event_id.version == 7
    assert event_id.variant == uuid.RFC_4122
    assert event_id.int >> 80 == int(at.timestamp() * 1000)


@pytest.mark.parametrize(
    "other",
    [
        {"producer": Producer.PROCESSING},
        {"originator_id": uuid.UUID("019cbba8-ae40-75c8-b12b-ea19040e613c")},
        {"originator_version": 5},
        {"index": 1},
    ],
)
def test_anything_that_identifies_the_event_changes_the_id(other: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "producer": Producer.INTAKE,
        "originator_id": DOSSIER,
        "originator_version": 4,
        "recorded_at": AT,
        "index": 0,
    }
    assert public_event_id(**arguments) != public_event_id(**{**arguments, **other})


def test_contexts_sharing_a_dossier_id_never_collide_and_ids_sort_by_time() -> None:
    assert len({public_event_id(producer, DOSSIER, 4, AT) for producer in Producer}) == len(Producer)
    later = public_event_id(Producer.INTAKE, DOSSIER, 1, AT + timedelta(milliseconds=1))
    assert public_event_id(Producer.INTAKE, DOSSIER, 9, AT) < later


def test_derived_ids_are_accepted_by_the_envelope() -> None:
    example = golden.example_event("vn.one-stop.intake.dossier-received.v1")
    event_id = public_event_id(Producer.INTAKE, DOSSIER, example.seq, example.recorded_at)
    rebuilt = type(example).model_validate({**dict(example), "event_id": event_id})
    assert rebuilt.event_id == event_id


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((Producer.INTAKE, DOSSIER, 1, datetime(2026, 3, 6, 15, 20)), "timezone-aware"),
        ((Producer.INTAKE, DOSSIER, 1, AT, -1), "cannot be negative"),
        (("teleport", DOSSIER, 1, AT), "is not a valid Producer"),
    ],
)
def test_bad_identity_inputs_are_refused(arguments: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        public_event_id(*arguments)
