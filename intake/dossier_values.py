"""Value objects of the intake dossier: who acted, the applicant, components, fee lines, supplement items.

They are the inputs of the desk's commands and live inside the dossier's stored events, so each is a frozen
dataclass with a registered transcoding (eventsourcing stores events as JSON). Field names follow the v1
contracts so that the outbound mapper can hand them over as they are; the closed vocabularies are the
contracts' enums, whose members may never be removed (ADR 0102). Construction only normalises types
(strings to enums, lists to tuples: stored JSON gives back lists); the desk validates the content and
refuses with a named rule.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

from contracts.enums import (
    ActorKind,
    ApplicantKind,
    ComponentForm,
    DigitisationSource,
    FeeKind,
    ItemIssue,
)

E = TypeVar("E", bound=Enum)


def _enum(instance: object, name: str, enum: type[E]) -> None:
    value = getattr(instance, name)
    if value is not None and not isinstance(value, enum):
        object.__setattr__(instance, name, enum(value))


def _tuple(instance: object, name: str) -> None:
    object.__setattr__(instance, name, tuple(getattr(instance, name)))


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
    recorded_at: datetime  # when the desk recorded it

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
class Applicant:
    """Owner of the dossier (chủ hồ sơ): CCCD for citizens, tax code (MST) for organisations."""

    kind: ApplicantKind
    name: str
    id_number: str
    phone: str | None = None
    email: str | None = None
    address: Address | None = None
    population_record_code: str | None = None

    def __post_init__(self) -> None:
        _enum(self, "kind", ApplicantKind)


@dataclass(frozen=True)
class ComponentFile:
    file_ref: str
    sha256: str


@dataclass(frozen=True)
class Component:
    """A dossier component (thành phần hồ sơ) as submitted; ``code`` is the catalogue's component code."""

    code: str
    name: str
    form: ComponentForm
    copies: int = 1
    files: tuple[ComponentFile, ...] = ()
    source: DigitisationSource | None = None

    def __post_init__(self) -> None:
        _enum(self, "form", ComponentForm)
        _enum(self, "source", DigitisationSource)
        _tuple(self, "files")


@dataclass(frozen=True)
class FeeLine:
    """One fee line (DanhSachLePhi); integer VND."""

    kind: FeeKind
    name: str
    amount_vnd: int
    legal_basis: str | None = None

    def __post_init__(self) -> None:
        _enum(self, "kind", FeeKind)


@dataclass(frozen=True)
class RequestedItem:
    """A component named in an intake supplement request: missing or incorrect."""

    name: str
    issue: ItemIssue
    component_code: str | None = None
    detail: str | None = None

    def __post_init__(self) -> None:
        _enum(self, "issue", ItemIssue)


@dataclass(frozen=True)
class ProvidedItem:
    """A component handed in to answer a supplement request."""

    name: str
    component_code: str | None = None
    files: tuple[ComponentFile, ...] = ()

    def __post_init__(self) -> None:
        _tuple(self, "files")


VALUE_TYPES: tuple[type[Any], ...] = (
    Actor,
    Address,
    Applicant,
    ComponentFile,
    Component,
    FeeLine,
    RequestedItem,
    ProvidedItem,
)


class ValueTranscoding(Transcoding):
    """Stores one value type as a JSON object of its fields; the transcoder encodes nested values itself."""

    def __init__(self, value_type: type[Any]) -> None:
        self.type = value_type
        # The stored name is part of the event store's format: rename the class, keep this string.
        self.name = f"motcua.intake.{value_type.__name__}"

    def encode(self, obj: Any) -> dict[str, Any]:
        return {field.name: getattr(obj, field.name) for field in fields(obj)}

    def decode(self, data: Any) -> Any:
        return self.type(**data)


def register_value_transcodings(transcoder: JSONTranscoder) -> None:
    for value_type in VALUE_TYPES:
        transcoder.register(ValueTranscoding(value_type))
