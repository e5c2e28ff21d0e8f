"""Envelope rules every public event obeys: UUIDv7 ids, aware business times in +07:00, closed frozen models."""

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from contracts import golden, intake, portal, reference
from contracts.envelope import DossierEvent, PublicEvent, new_event_id
from contracts.registry import EVENT_TYPES, event_class_problems
from contracts.topic_names import INTAKE_DOSSIERS

RECEIVED = "vn.one-stop.intake.dossier-received.v1"


def test_fresh_event_ids_are_uuid7(example: Any, validate: Any) -> None:
    data = example(RECEIVED)
    del data["event_id"]
    first, second = validate(RECEIVED, data), validate(RECEIVED, data)

    assert first.event_id.version == 7
    assert first.event_id.variant == uuid.RFC_4122
    assert first.event_id != second.event_id
    assert type(new_event_id()) is uuid.UUID


def test_event_id_of_another_version_is_refused(example: Any, field_error: Any) -> None:
    data = example(RECEIVED)
    data["event_id"] = str(uuid.uuid4())
    assert "UUIDv7" in field_error(RECEIVED, data, ("event_id",))


@pytest.mark.parametrize("field", ["occurred_at", "recorded_at"])
def test_naive_times_are_refused(example: Any, field_error: Any, field: str) -> None:
    data = example(RECEIVED)
    data[field] = "2026-03-06T15:20:00"
    assert "timezone" in field_error(RECEIVED, data, (field,))


def test_times_given_in_another_offset_are_rendered_in_business_time(example: Any, validate: Any) -> None:
    data = example(RECEIVED)
    data["occurred_at"] = "2026-03-06T08:20:00Z"
    data["recorded_at"] = "2026-03-06T10:20:02+02:00"
    event = validate(RECEIVED, data)

    assert event.occurred_at == datetime(2026, 3, 6, 8, 20, tzinfo=UTC)
    assert event.occurred_at.tzinfo == ZoneInfo("Asia/Ho_Chi_Minh")
    dumped = event.model_dump(mode="json")
    assert dumped["occurred_at"] == "2026-03-06T15:20:00+07:00"
    assert dumped["recorded_at"] == "2026-03-06T15:20:02+07:00"


def test_python_constructed_events_render_business_time() -> None:
    event = golden.example_event(RECEIVED)
    rebuilt = type(event)(**{**dict(event), "due_at": datetime(2026, 3, 11, 8, 20, tzinfo=UTC)})
    assert rebuilt.model_dump(mode="json")["due_at"] == "2026-03-11T15:20:00+07:00"


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("seq", 0, "greater than or equal to 1"),
        ("event_type", "vn.one-stop.intake.dossier-submitted.v1", "event_type must be"),
        ("schema_version", "2.0", "does not belong to major version"),
        ("schema_version", "1", "is not MAJOR.MINOR"),
        ("producer", "processing", "DossierReceived is produced by intake, not processing"),
        ("producer", "ministry", "Input should be"),
        ("correlation_id", "not-a-uuid", "UUID"),
    ],
)
def test_envelope_fields_are_checked(
    example: Any, field_error: Any, field: str, value: Any, fragment: str
) -> None:
    data = example(RECEIVED)
    data[field] = value
    assert fragment in field_error(RECEIVED, data, (field,))


def test_type_and_version_default_from_the_class_and_newer_minors_are_accepted(
    example: Any, validate: Any
) -> None:
    data = example(RECEIVED)
    del data["event_type"], data["schema_version"]
    event = validate(RECEIVED, data)
    assert (event.event_type, event.schema_version) == (RECEIVED, "1.0")
    data["schema_version"] = "1.3"
    assert validate(RECEIVED, data).schema_version == "1.3"


def test_unknown_fields_are_refused_everywhere(example: Any, field_error: Any) -> None:
    data = example(RECEIVED)
    data["fee_lines"][0]["discount_vnd"] = 0
    assert "Extra inputs" in field_error(RECEIVED, data, ("fee_lines", 0, "discount_vnd"))
    data = example(RECEIVED)
    data["actor"]["role"] = "leader"
    assert "Extra inputs" in field_error(RECEIVED, data, ("actor", "role"))


def test_events_are_frozen() -> None:
    event = golden.example_event(RECEIVED)
    with pytest.raises(ValidationError, match="frozen"):
        event.seq = 99  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        event.actor.id = "someone-else"  # type: ignore[misc]


@pytest.mark.parametrize(
    "abstract", [PublicEvent, DossierEvent, intake.IntakeDossierEvent, portal.PetitionEvent]
)
def test_abstract_envelopes_are_not_event_types(example: Any, abstract: type[PublicEvent]) -> None:
    data = example(RECEIVED)
    with pytest.raises(ValidationError, match="not a public event type"):
        abstract.model_validate({key: data[key] for key in data if key in abstract.model_fields})


def test_keys_follow_the_aggregate_each_event_describes() -> None:
    received = golden.example_event(RECEIVED)
    assert isinstance(received, DossierEvent)
    assert received.key() == str(received.dossier_id)
    procedure = golden.example_event("vn.one-stop.reference.procedure-announced.v1")
    assert isinstance(procedure, reference.ProcedureEvent)
    assert procedure.key() == procedure.procedure_code == "1.012780"
    calendar = golden.example_event("vn.one-stop.reference.calendar-day-declared.v1")
    assert isinstance(calendar, reference.CalendarEvent)
    assert calendar.key() == "VN"
    petition = golden.example_event("vn.one-stop.portal.petition-received.v1")
    assert isinstance(petition, portal.PetitionEvent)
    assert petition.key() == petition.petition_id


def test_payload_fields_are_the_model_fields_outside_the_envelope() -> None:
    fields = intake.DossierReceived.payload_fields()
    assert fields[0] == "dossier_code"
    assert "dossier_id" not in fields and "occurred_at" not in fields
    assert set(fields) | set(intake.DossierReceived.ENVELOPE_FIELDS) == set(
        intake.DossierReceived.model_fields
    )


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_catalogue_class_is_consistent(event_type: str) -> None:
    cls = EVENT_TYPES[event_type]
    assert event_class_problems(cls) == []
    assert cls.EVENT_TYPE == event_type
    assert cls.SCHEMA_VERSION.startswith("1.")


def test_catalogue_checks_name_inconsistent_classes() -> None:
    class Misfiled(intake.IntakeDossierEvent):
        EVENT_TYPE = "vn.one-stop.processing.misfiled.v1"
        SCHEMA_VERSION = "2.0"

    class Unkeyed(PublicEvent):
        EVENT_TYPE = "vn.one-stop.intake.unkeyed.v1"
        TOPIC = INTAKE_DOSSIERS
        SCHEMA_VERSION = "1.0"

    misfiled = "\n".join(event_class_problems(Misfiled))
    assert "SCHEMA_VERSION 2.0 is not of major 1" in misfiled
    assert "does not belong on topic intake.dossiers.v1" in misfiled
    unkeyed = "\n".join(event_class_problems(Unkeyed))
    assert "no producer may emit it" in unkeyed
    assert "does not say what it is keyed by" in unkeyed


def test_events_copied_without_validation_still_reach_the_wire_in_business_time() -> None:
    event = golden.example_event(RECEIVED)
    copied = event.model_copy(update={"occurred_at": datetime(2026, 3, 6, 8, 20, tzinfo=UTC)})
    assert copied.model_dump(mode="json")["occurred_at"] == "2026-03-06T15:20:00+07:00"
