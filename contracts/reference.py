"""Reference data as events: the procedure catalogue, the unit hierarchy and the working calendar.

These have no dossier; each is keyed by what it describes (procedure code, unit code, calendar code),
and `seq` counts that reference aggregate's versions.
"""

from datetime import date, time
from enum import StrEnum
from itertools import pairwise
from typing import ClassVar

from pydantic import Field, ValidationInfo, field_validator

from contracts import rules
from contracts.enums import (
    AnnouncementKind,
    AnnouncerLevel,
    ApplicantKind,
    CalendarDayKind,
    ClockPauseReason,
    OnlineMode,
    OnlineServiceState,
    ProcedureContentPart,
    Producer,
    PublicationState,
    ResultForm,
    SupplementClockPolicy,
    UnitLevel,
)
from contracts.envelope import PublicEvent
from contracts.fields import DocumentNumber, Identifier, ProcedureCode, ShortText, Text, UnitCode
from contracts.topic_names import REFERENCE_CALENDARS, REFERENCE_PROCEDURES, REFERENCE_UNITS
from contracts.values import LegalDocument, OfficeSession, PublishedFee, StatutoryDuration

_REFERENCE = frozenset({Producer.REFERENCE})


class ProcedureEvent(PublicEvent):
    """A change to one catalogue procedure (thủ tục hành chính)."""

    TOPIC: ClassVar[str] = REFERENCE_PROCEDURES
    SCHEMA_VERSION: ClassVar[str] = "1.0"
    PRODUCERS: ClassVar[frozenset[Producer]] = _REFERENCE

    procedure_code: ProcedureCode

    def key(self) -> str:
        return self.procedure_code


class ProcedureAnnounced(ProcedureEvent):
    """An announcement decision (quyết định công bố, QĐCB) created, amended, replaced or abolished the
    procedure. 766 indicator 1.1 compares decision_date with the latest legal effective date."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.reference.procedure-announced.v1"

    change_kind: AnnouncementKind
    decision_no: DocumentNumber
    decision_date: date
    announcing_unit_code: UnitCode
    announcer_level: AnnouncerLevel
    legal_documents: list[LegalDocument] = Field(min_length=1)
    procedure_name: Text
    field_code: Identifier | None = Field(default=None, description="Lĩnh vực code (MaLinhVuc)")
    field_name: ShortText
    competent_levels: list[UnitLevel] = Field(min_length=1)
    handling_unit_code: UnitCode | None = Field(
        default=None, description="The one agency that decides, for procedures not decided by every commune"
    )
    applicant_kinds: list[ApplicantKind] = Field(min_length=1)
    statutory_duration: StatutoryDuration | None = Field(
        default=None, validate_default=True, description="Absent only when the procedure is abolished"
    )
    receipt_cutoff: time | None = Field(
        default=None, description="Received after it, the clock starts the next working day (e.g. 15:00)"
    )
    immediate_result: bool = False
    supplement_clock_policy: SupplementClockPolicy = SupplementClockPolicy.RESTART
    clock_exclusions: list[ClockPauseReason] = Field(
        default_factory=list, description="Sector-law periods not counted in the limit"
    )
    fee_lines: list[PublishedFee] = Field(default_factory=list)
    result_forms: list[ResultForm] = Field(min_length=1)
    online_mode: OnlineMode | None = Field(description="Absent when no online service is offered")
    full_online_eligible: bool
    personal_presence_required: bool
    postal_allowed: bool

    @property
    def latest_legal_effective_date(self) -> date:
        return max(document.effective_date for document in self.legal_documents)

    @field_validator("competent_levels", "clock_exclusions", "result_forms")
    @classmethod
    def _members_unique(cls, value: list[StrEnum], info: ValidationInfo) -> list[StrEnum]:
        rules.unique((member.value for member in value), f"{info.field_name} member")
        return value

    @field_validator("statutory_duration")
    @classmethod
    def _live_procedure_has_limit(
        cls, value: StatutoryDuration | None, info: ValidationInfo
    ) -> StatutoryDuration | None:
        kind = info.data.get("change_kind")
        if kind is not None and kind is not AnnouncementKind.ABOLISHED and value is None:
            raise ValueError(f"a {kind} procedure publishes its time limit")
        return value

    @field_validator("postal_allowed")
    @classmethod
    def _no_post_when_presence_required(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("personal_presence_required"):
            raise ValueError(
                "a procedure that requires personal presence is not offered by post (QĐ45 Art 1(2))"
            )
        return value

    @field_validator("personal_presence_required")
    @classmethod
    def _presence_rules_out_full_online(cls, value: bool, info: ValidationInfo) -> bool:
        if value and (
            info.data.get("full_online_eligible") or info.data.get("online_mode") is OnlineMode.FULL
        ):
            raise ValueError("a procedure that requires personal presence cannot be fully online")
        return value


class ProcedurePublished(ProcedureEvent):
    """The procedure was published on the national TTHC database (CSDLQG); occurred_at is the click that
    published it (766 indicators 1.2 and 1.3)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.reference.procedure-published.v1"

    state: PublicationState
    decision_no: DocumentNumber = Field(description="The announcement decision this publication carries out")
    content_parts: list[ProcedureContentPart] = Field(description="Mandatory parts present (Decree 63/2010)")

    @property
    def content_complete(self) -> bool:
        return set(self.content_parts) == set(ProcedureContentPart)

    @field_validator("content_parts")
    @classmethod
    def _parts_unique(cls, value: list[ProcedureContentPart]) -> list[ProcedureContentPart]:
        rules.unique((part.value for part in value), "content part")
        return value


class ProcedureUnpublished(ProcedureEvent):
    """The procedure was taken off the national database."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.reference.procedure-unpublished.v1"

    reason: Text


class OnlineServiceConfigured(ProcedureEvent):
    """A unit's online service for the procedure was set up or changed (766 indicators 3.1, 3.2, 3.5)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.reference.online-service-configured.v1"

    unit_code: UnitCode
    service_id: Identifier
    online_mode: OnlineMode | None = Field(description="Absent when the unit offers no online service")
    state: OnlineServiceState
    payment_integrated: bool = Field(description="Fees payable through the DVCQG payment platform")


class UnitEvent(PublicEvent):
    """A change to one unit of the administrative hierarchy; validity runs from valid_from to valid_to,
    both days included."""

    TOPIC: ClassVar[str] = REFERENCE_UNITS
    SCHEMA_VERSION: ClassVar[str] = "1.0"
    PRODUCERS: ClassVar[frozenset[Producer]] = _REFERENCE

    unit_code: UnitCode

    def key(self) -> str:
        return self.unit_code


_TOP_LEVELS = {UnitLevel.MINISTRY, UnitLevel.PROVINCE}


class UnitEstablished(UnitEvent):
    """A unit exists from valid_from, under its parent (none for ministries and provinces)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.reference.unit-established.v1"

    name: ShortText
    level: UnitLevel
    parent_code: UnitCode | None = Field(default=None, validate_default=True)
    valid_from: date
    remote_area: bool = Field(
        default=False, description="Mountainous, island or disadvantaged: longer limits for some procedures"
    )

    @field_validator("parent_code")
    @classmethod
    def _parent_fits_level(cls, value: str | None, info: ValidationInfo) -> str | None:
        level = info.data.get("level")
        if value is None and level is not None and level not in _TOP_LEVELS:
            raise ValueError(f"a {level} unit has a parent")
        if value is not None and value == info.data.get("unit_code"):
            raise ValueError("a unit is not its own parent")
        return value


class UnitReorganised(UnitEvent):
    """From valid_from the unit has a new name, parent or level (e.g. the 1/7/2025 two-level reform)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.reference.unit-reorganised.v1"

    valid_from: date
    new_name: ShortText | None = None
    new_parent_code: UnitCode | None = None
    new_level: UnitLevel | None = Field(default=None, validate_default=True)
    legal_basis: DocumentNumber | None = None

    @field_validator("new_parent_code")
    @classmethod
    def _not_own_parent(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value == info.data.get("unit_code"):
            raise ValueError("a unit is not its own parent")
        return value

    @field_validator("new_level")
    @classmethod
    def _changes_something(cls, value: UnitLevel | None, info: ValidationInfo) -> UnitLevel | None:
        if value is None and info.data.get("new_name") is None and info.data.get("new_parent_code") is None:
            raise ValueError("a reorganisation changes the name, the parent or the level")
        return value


class UnitDissolved(UnitEvent):
    """The unit is dissolved or merged: valid_to is the last day it exists (e.g. 2025-06-30 for districts)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.reference.unit-dissolved.v1"

    valid_to: date
    successor_codes: list[UnitCode] = Field(default_factory=list)
    legal_basis: DocumentNumber | None = None

    @field_validator("successor_codes")
    @classmethod
    def _successors_are_others(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("unit_code") in value:
            raise ValueError("a dissolved unit is not its own successor")
        rules.unique(value, "successor")
        return value


class CalendarEvent(PublicEvent):
    """A change to a working calendar: `VN` for the national one, or a unit code for local changes."""

    TOPIC: ClassVar[str] = REFERENCE_CALENDARS
    SCHEMA_VERSION: ClassVar[str] = "1.0"
    PRODUCERS: ClassVar[frozenset[Producer]] = _REFERENCE

    calendar_code: UnitCode

    def key(self) -> str:
        return self.calendar_code


class CalendarDayDeclared(CalendarEvent):
    """A day departs from the Monday–Friday week: holiday, compensatory or swapped day off, make-up day."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.reference.calendar-day-declared.v1"

    day: date
    kind: CalendarDayKind
    name: ShortText = Field(description="e.g. Tết Nguyên đán, Giỗ Tổ Hùng Vương, làm bù")
    legal_basis: DocumentNumber | None = None

    @property
    def is_working_day(self) -> bool:
        return self.kind.is_working_day

    @field_validator("kind")
    @classmethod
    def _kind_fits_weekday(cls, value: CalendarDayKind, info: ValidationInfo) -> CalendarDayKind:
        day = info.data.get("day")
        if day is None:
            return value
        weekend = day.weekday() >= 5
        if value is CalendarDayKind.MAKE_UP_WORKING_DAY and not weekend:
            raise ValueError(f"a make-up working day falls on a weekend, {day} is a weekday")
        days_off = {CalendarDayKind.COMPENSATORY_DAY_OFF, CalendarDayKind.SWAPPED_DAY_OFF}
        if value in days_off and weekend:
            raise ValueError(f"a {value} replaces a weekday, {day} is a weekend day")
        return value


class CalendarDayRevoked(CalendarEvent):
    """An earlier declaration for the day no longer holds (the announced swap was cancelled or wrong)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.reference.calendar-day-revoked.v1"

    day: date
    reason: Text


class OfficeHoursSet(CalendarEvent):
    """Opening sessions of working days from valid_from; Saturday sessions receive dossiers but do not
    make Saturday a working day for deadlines (domain.md §3.2)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.reference.office-hours-set.v1"

    valid_from: date
    sessions: list[OfficeSession] = Field(min_length=1)
    saturday_sessions: list[OfficeSession] = Field(default_factory=list)

    @field_validator("sessions", "saturday_sessions")
    @classmethod
    def _sessions_ordered_apart(cls, value: list[OfficeSession]) -> list[OfficeSession]:
        for earlier, later in pairwise(value):
            if later.start < earlier.end:
                raise ValueError(
                    f"session {later.start}–{later.end} overlaps or precedes {earlier.start}–{earlier.end}"
                )
        return value


EVENTS: tuple[type[PublicEvent], ...] = (
    ProcedureAnnounced,
    ProcedurePublished,
    ProcedureUnpublished,
    OnlineServiceConfigured,
    UnitEstablished,
    UnitReorganised,
    UnitDissolved,
    CalendarDayDeclared,
    CalendarDayRevoked,
    OfficeHoursSet,
)
