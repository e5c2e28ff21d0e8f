"""Value objects shared by the delivery and postal contexts: who acted, people, addresses, papers.

They are inputs of commands and live inside stored events, so each is a frozen dataclass with a registered
transcoding (eventsourcing stores events as JSON and gives back strings and lists). Field names follow the
v1 contracts so that the outbound mappers can hand them over as they are. Construction only normalises
types (strings to enums, lists to tuples); aggregates check the content and refuse with a named rule.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

from contracts.enums import ActorKind, IdDocumentType

E = TypeVar("E", bound=Enum)


def _enum(instance: object, name: str, enum: type[E]) -> None:
    value = getattr(instance, name)
    if value is not None and not isinstance(value, enum):
        object.__setattr__(instance, name, enum(value))


@dataclass(frozen=True)
class Actor:
    """Who gave the command: an officer, the applicant, the system itself or postal staff."""

    kind: ActorKind
    id: str
    unit_code: str | None = None

    def __post_init__(self) -> None:
        _enum(self, "kind", ActorKind)


@dataclass(frozen=True)
class CommandContext:
    """What every command carries besides its content: the actor and the ids of the business flow."""

    actor: Actor
    correlation_id: UUID
    causation_id: UUID | None = None


@dataclass(frozen=True)
class Stamp:
    """Who, why and when, for one command; copied onto every event the command records."""

    actor: Actor
    correlation_id: UUID
    causation_id: UUID | None
    occurred_at: datetime  # business time of the fact
    recorded_at: datetime  # when this context recorded it

    @classmethod
    def of(cls, context: CommandContext, at: datetime, *, occurred_at: datetime | None = None) -> Stamp:
        return cls(context.actor, context.correlation_id, context.causation_id, occurred_at or at, at)


@dataclass(frozen=True)
class Address:
    street: str
    commune: str
    province: str
    district: str | None = None  # only for addresses written before the 2025 two-level reform


@dataclass(frozen=True)
class Contact:
    """Who a result or a message goes to."""

    name: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Recipient:
    """The person who takes a result, identified by a document; an authorised person shows the authorisation."""

    name: str
    id_type: IdDocumentType
    id_number: str
    authorised: bool = False
    authorisation_ref: str | None = None

    def __post_init__(self) -> None:
        _enum(self, "id_type", IdDocumentType)


@dataclass(frozen=True)
class PostalItem:
    """A paper in a postal consignment: original (bản chính) or copy."""

    name: str
    original: bool
    copies: int = 1


@dataclass(frozen=True)
class CriterionScore:
    """One criterion of a satisfaction rating, scored 1–5."""

    criterion: str
    score: int


@dataclass(frozen=True)
class ResultPaper:
    """A document of the result as delivery needs it: what to hand over, and its e-file if any."""

    code: str
    name: str
    number: str
    e_file_ref: str | None = None


VALUE_TYPES: tuple[type[Any], ...] = (
    Actor,
    Address,
    Contact,
    Recipient,
    PostalItem,
    CriterionScore,
    ResultPaper,
)


class ValueTranscoding(Transcoding):
    """Stores one value type as a JSON object of its fields; the transcoder encodes nested values itself."""

    def __init__(self, value_type: type[Any]) -> None:
        self.type = value_type
        # The stored name is part of the event store's format: rename the class, keep this string.
        self.name = f"motcua.delivery.{value_type.__name__}"

    def encode(self, obj: Any) -> dict[str, Any]:
        return {field.name: getattr(obj, field.name) for field in fields(obj)}

    def decode(self, data: Any) -> Any:
        return self.type(**data)


def register_value_transcodings(transcoder: JSONTranscoder) -> None:
    for value_type in VALUE_TYPES:
        transcoder.register(ValueTranscoding(value_type))


def same_person_name(a: str, b: str) -> bool:
    """Names compared as people read them: case, spacing and Unicode composition do not matter."""

    def norm(name: str) -> str:
        return " ".join(unicodedata.normalize("NFC", name).casefold().split())

    return norm(a) == norm(b)
