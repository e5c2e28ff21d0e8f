"""The envelope every public event carries (domain.md §2.14) and how an event names its Kafka key.

Payload fields sit directly on each concrete class (flat); the codec separates envelope from payload
when it writes CloudEvents headers (ADR 0100).
"""

import re
from functools import cache
from typing import ClassVar
from uuid import UUID

from pydantic import Field, GetJsonSchemaHandler, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from uuid6 import uuid7

from contracts.enums import ActorKind, Producer
from contracts.fields import BusinessTime, Identifier, UnitCode
from contracts.model import ContractModel

_EVENT_TYPE = re.compile(
    r"^vn\.one-stop\.(?P<context>[a-z]+(?:-[a-z]+)*)\.[a-z0-9]+(?:-[a-z0-9]+)*\.v(?P<major>[1-9][0-9]*)$"
)
UUID7_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
_SCHEMA_VERSION = re.compile(r"^(?P<major>[1-9][0-9]*)\.(?P<minor>0|[1-9][0-9]*)$")


def new_event_id() -> UUID:
    """A fresh UUIDv7 (time-ordered, RFC 9562) as a plain `uuid.UUID`."""
    return UUID(int=uuid7().int)


def event_type_major(event_type: str) -> int:
    match = _EVENT_TYPE.match(event_type)
    if match is None:
        raise ValueError(f"{event_type!r} is not of the form vn.one-stop.<context>.<event>.v<major>")
    return int(match["major"])


def event_type_context(event_type: str) -> str:
    match = _EVENT_TYPE.match(event_type)
    if match is None:
        raise ValueError(f"{event_type!r} is not of the form vn.one-stop.<context>.<event>.v<major>")
    return match["context"]


def parse_schema_version(version: str) -> tuple[int, int]:
    match = _SCHEMA_VERSION.match(version)
    if match is None:
        raise ValueError(f"schema version {version!r} is not MAJOR.MINOR")
    return int(match["major"]), int(match["minor"])


class Actor(ContractModel):
    """Who caused the event: an officer, the applicant, the system itself or postal staff."""

    kind: ActorKind
    id: Identifier = Field(description="Account or system component id, e.g. cb-h44-100-017, system:relay")
    unit_code: UnitCode | None = Field(default=None, description="Unit the actor acted for")


class PublicEvent(ContractModel):
    """Envelope of every public event. Concrete subclasses declare EVENT_TYPE, TOPIC and SCHEMA_VERSION."""

    EVENT_TYPE: ClassVar[str] = ""
    TOPIC: ClassVar[str] = ""
    SCHEMA_VERSION: ClassVar[str] = ""
    PRODUCERS: ClassVar[frozenset[Producer]] = frozenset()
    # Names of the fields that travel in CloudEvents headers rather than in the payload.
    ENVELOPE_FIELDS: ClassVar[tuple[str, ...]] = (
        "event_id",
        "event_type",
        "schema_version",
        "seq",
        "occurred_at",
        "recorded_at",
        "producer",
        "actor",
        "correlation_id",
        "causation_id",
    )

    event_id: UUID = Field(
        default_factory=new_event_id,
        description="UUIDv7; mappers derive it with contracts.identity.public_event_id so a re-sent event keeps it",
    )
    event_type: str = Field(default="", validate_default=True)
    schema_version: str = Field(default="", validate_default=True)
    seq: int = Field(ge=1, description="Version of the producing aggregate; gap-free per producer and key")
    occurred_at: BusinessTime = Field(description="Business time of the fact (Asia/Ho_Chi_Minh)")
    recorded_at: BusinessTime = Field(description="When the producer recorded the event")
    producer: Producer
    actor: Actor
    correlation_id: UUID = Field(description="Shared by every event of one business flow")
    causation_id: UUID | None = Field(default=None, description="event_id of the event that caused this one")

    def key(self) -> str:
        """Kafka key and CloudEvents subject: what this event must stay ordered with."""
        raise NotImplementedError(f"{type(self).__name__} does not say what it is keyed by")

    @classmethod
    def payload_fields(cls) -> tuple[str, ...]:
        """Fields that travel in the Kafka value, in declaration order."""
        return _payload_fields(cls)

    @field_validator("event_id")
    @classmethod
    def _event_id_is_uuid7(cls, value: UUID) -> UUID:
        if value.version != 7:
            raise ValueError(f"event_id must be a UUIDv7, got a version {value.version} UUID")
        return value

    @field_validator("event_type")
    @classmethod
    def _event_type_is_the_class_type(cls, value: str) -> str:
        if not cls.EVENT_TYPE:
            raise ValueError(f"{cls.__name__} is an abstract envelope, not a public event type")
        if value and value != cls.EVENT_TYPE:
            raise ValueError(f"event_type must be {cls.EVENT_TYPE!r} for {cls.__name__}, got {value!r}")
        return cls.EVENT_TYPE

    @field_validator("schema_version")
    @classmethod
    def _schema_version_has_the_type_major(cls, value: str) -> str:
        if not value:
            return cls.SCHEMA_VERSION
        major, _minor = parse_schema_version(value)
        if major != event_type_major(cls.EVENT_TYPE):
            raise ValueError(f"schema_version {value!r} does not belong to major version of {cls.EVENT_TYPE}")
        return value

    @field_validator("producer")
    @classmethod
    def _producer_may_emit_this_type(cls, value: Producer) -> Producer:
        if value not in cls.PRODUCERS:
            allowed = ", ".join(sorted(p.value for p in cls.PRODUCERS))
            raise ValueError(f"{cls.__name__} is produced by {allowed}, not {value.value}")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(core_schema)
        if cls.EVENT_TYPE:
            target = handler.resolve_ref_schema(json_schema)
            major = event_type_major(cls.EVENT_TYPE)
            properties = target["properties"]
            properties["event_id"] = {**properties["event_id"], "pattern": UUID7_PATTERN}
            properties["event_type"] = {"const": cls.EVENT_TYPE, "type": "string"}
            properties["producer"] = {"enum": sorted(p.value for p in cls.PRODUCERS), "type": "string"}
            properties["schema_version"] = {
                "type": "string",
                "pattern": rf"^{major}\.(0|[1-9][0-9]*)$",
                "description": "MAJOR.MINOR of the payload schema; the minor grows with each added optional field",
            }
        return json_schema


@cache
def _payload_fields(cls: type[PublicEvent]) -> tuple[str, ...]:
    # Cached per class: reading pydantic's model_fields costs ~50 µs, once per event on the relay's hot path.
    return tuple(name for name in cls.model_fields if name not in cls.ENVELOPE_FIELDS)


class DossierEvent(PublicEvent):
    """An event about one dossier: keyed by the dossier id so that a dossier's events stay in order."""

    ENVELOPE_FIELDS: ClassVar[tuple[str, ...]] = (*PublicEvent.ENVELOPE_FIELDS, "dossier_id")

    dossier_id: UUID = Field(description="Internal dossier id, shared by every context (ADR 0101)")

    def key(self) -> str:
        return str(self.dossier_id)
