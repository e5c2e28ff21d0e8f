"""Events relayed by portal-sync from the National Public Service Portal (Cổng DVCQG): synchronisation
acknowledgements, ratings and petitions linked to dossiers, and the petition (PAKN) lifecycle."""

from datetime import timedelta
from typing import ClassVar

from pydantic import Field, ValidationInfo, field_validator

from contracts import rules
from contracts.enums import (
    AckStatus,
    DvcqgStatus,
    PetitionClassification,
    PetitionSource,
    Producer,
    SatisfactionLevel,
)
from contracts.envelope import DossierEvent, PublicEvent
from contracts.fields import (
    BusinessTime,
    DossierCode,
    FileRef,
    Identifier,
    ProcedureCode,
    Sha256Hex,
    ShortText,
    Text,
    UnitCode,
)
from contracts.topic_names import PORTAL_DOSSIERS, PORTAL_PETITIONS
from contracts.values import CriterionScore


class PortalDossierEvent(DossierEvent):
    """What the national portal said about one dossier."""

    TOPIC: ClassVar[str] = PORTAL_DOSSIERS
    SCHEMA_VERSION: ClassVar[str] = "1.0"
    PRODUCERS: ClassVar[frozenset[Producer]] = frozenset({Producer.PORTAL_SYNC})


class StatusSyncedToNationalPortal(PortalDossierEvent):
    """E28 — Đồng bộ DVCQG: the portal acknowledged (or refused) a status (occurred_at = the answer).

    Latency runs from the state change in our system to the portal's answer (766 indicator 1.4 rewards
    prompt synchronisation).
    """

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.portal.status-synced-to-national-portal.v1"

    dossier_code: DossierCode
    status_code: DvcqgStatus
    payload_hash: Sha256Hex
    state_changed_at: BusinessTime
    sent_at: BusinessTime
    attempt: int = Field(ge=1)
    ack_status: AckStatus
    error_code: Identifier | None = Field(default=None, validate_default=True)
    error_message: ShortText | None = None
    latency_ms: int = Field(ge=0, description="occurred_at − state_changed_at, in whole milliseconds")

    @field_validator("sent_at")
    @classmethod
    def _sent_between_change_and_answer(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.not_before(value, info, "state_changed_at")
        rules.not_after(value, info, "occurred_at")
        return value

    @field_validator("error_code")
    @classmethod
    def _refusal_explains(cls, value: str | None, info: ValidationInfo) -> str | None:
        status = info.data.get("ack_status")
        if status is AckStatus.REJECTED and value is None:
            raise ValueError("a REJECTED synchronisation carries the portal's error code")
        if status is AckStatus.ACCEPTED and value is not None:
            raise ValueError("an ACCEPTED synchronisation has no error code")
        return value

    @field_validator("latency_ms")
    @classmethod
    def _latency_matches_times(cls, value: int, info: ValidationInfo) -> int:
        answered, changed = info.data.get("occurred_at"), info.data.get("state_changed_at")
        if answered is not None and changed is not None:
            expected = (answered - changed) // timedelta(milliseconds=1)
            if value != expected:
                raise ValueError(
                    f"latency_ms {value} disagrees with occurred_at − state_changed_at ({expected})"
                )
        return value


class DossierRatedOnPortal(PortalDossierEvent):
    """A rating of the dossier's handling given on the national portal (766 indicator 5.4)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.portal.dossier-rated-on-portal.v1"

    dossier_code: DossierCode
    level: SatisfactionLevel
    criteria: list[CriterionScore] = Field(default_factory=list)


class PetitionLinked(PortalDossierEvent):
    """E27 — PAKN liên quan: a petition concerns this dossier (766 indicator 5.4)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.portal.petition-linked.v1"

    petition_id: Identifier
    classification: PetitionClassification
    petition_received_at: BusinessTime

    @field_validator("petition_received_at")
    @classmethod
    def _received_before_link(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.not_after(value, info, "occurred_at")
        return value


class PetitionEvent(PublicEvent):
    """A step of a petition's (phản ánh, kiến nghị) handling; keyed by the petition id."""

    TOPIC: ClassVar[str] = PORTAL_PETITIONS
    SCHEMA_VERSION: ClassVar[str] = "1.0"
    PRODUCERS: ClassVar[frozenset[Producer]] = frozenset({Producer.PORTAL_SYNC})

    petition_id: Identifier

    def key(self) -> str:
        return self.petition_id


class PetitionReceived(PetitionEvent):
    """The unit received a petition, directly or by transfer; its 2/5/15 wd clocks start (766 5.2)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.portal.petition-received.v1"

    handling_unit_code: UnitCode
    title: ShortText
    classification: PetitionClassification
    source: PetitionSource
    transferred_from_unit_code: UnitCode | None = Field(default=None, validate_default=True)
    submitted_at: BusinessTime = Field(description="When the citizen submitted it on the portal")
    related_dossier_code: DossierCode | None = None
    related_procedure_code: ProcedureCode | None = None

    @field_validator("transferred_from_unit_code")
    @classmethod
    def _transfer_names_origin(cls, value: str | None, info: ValidationInfo) -> str | None:
        source = info.data.get("source")
        if source is PetitionSource.TRANSFERRED_FROM_UNIT and value is None:
            raise ValueError("a petition transferred from a unit names that unit")
        if source is PetitionSource.DIRECT and value is not None:
            raise ValueError("a petition received directly was not transferred")
        return value

    @field_validator("submitted_at")
    @classmethod
    def _submitted_before_received(cls, value: BusinessTime, info: ValidationInfo) -> BusinessTime:
        rules.not_after(value, info, "occurred_at")
        return value


class PetitionSupplementRequested(PetitionEvent):
    """The unit asked the petitioner for more information (first request due within 5 wd)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.portal.petition-supplement-requested.v1"

    request_no: int = Field(ge=1)
    reasons: Text


class PetitionRefused(PetitionEvent):
    """The unit refused to handle the petition (due within 2 wd of receipt)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.portal.petition-refused.v1"

    reason: Text


class PetitionHandled(PetitionEvent):
    """The answer is ready and awaits publication (due within 15 wd)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.portal.petition-handled.v1"

    answer_summary: Text
    answer_document_ref: FileRef | None = None


class PetitionPublished(PetitionEvent):
    """The answer was published on the portal (due within 2 wd of being ready)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.portal.petition-published.v1"

    publication_ref: Identifier | None = None


class PetitionRated(PetitionEvent):
    """Likes and dislikes of the published answer, cumulative at occurred_at (766 indicator 5.3)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.portal.petition-rated.v1"

    likes: int = Field(ge=0)
    dislikes: int = Field(ge=0)

    @property
    def dissatisfied(self) -> bool:
        """The portal counts an answer as disliked when dislikes outnumber likes."""
        return self.dislikes > self.likes


class PetitionReRaised(PetitionEvent):
    """The petitioner raised the matter again (counts against 766 indicator 5.3 when dissatisfied)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.portal.petition-re-raised.v1"

    dissatisfied_with_answer: bool
    content: Text
    new_petition_id: Identifier | None = None


EVENTS: tuple[type[PublicEvent], ...] = (
    StatusSyncedToNationalPortal,
    DossierRatedOnPortal,
    PetitionLinked,
    PetitionReceived,
    PetitionSupplementRequested,
    PetitionRefused,
    PetitionHandled,
    PetitionPublished,
    PetitionRated,
    PetitionReRaised,
)
