"""The reference data as the v1 public reference events: units, then procedures, then working calendars.

Pure: the same data always gives the same events, ids, seqs and digest (docs/adr/0270). Event ids come
from the data file version, the entity and its seq, so publishing the same data again repeats ids that
consumers' inboxes drop; the digest names one publication so a relay records it once (docs/adr/0271).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from contracts import enums
from contracts.envelope import Actor, PublicEvent
from contracts.identity import public_event_id
from contracts.reference import (
    CalendarDayDeclared,
    OfficeHoursSet,
    ProcedureAnnounced,
    ProcedurePublished,
    ProcedureUnpublished,
    UnitDissolved,
    UnitEstablished,
)
from contracts.values import LegalDocument, OfficeSession, PublishedFee, StatutoryDuration
from intake.calendar import DayEntry, DayKind, OfficeHours
from intake.reference import ReferenceData
from intake.reference.calendar_data import CALENDAR_VERSION
from intake.reference.procedures import PROCEDURES_VERSION, AnnouncementKind, OnlineMode, Procedure
from intake.reference.units import UNITS_VERSION, Unit

BUSINESS_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NATIONAL_CALENDAR = "VN"
ACTOR = Actor(kind=enums.ActorKind.SYSTEM, id="system:reference-publisher")
_CORRELATION_NAMESPACE = uuid.UUID("5b0e1d9c-7f3a-4c59-9a51-3f2f8e0c7a10")
_DAY_KINDS = {kind.value: kind for kind in enums.CalendarDayKind}
_LEGAL_BASIS_MAX = 64  # DocumentNumber's limit


@dataclass(frozen=True)
class Publication:
    """One publication of the reference data: its events in publication order and what identifies it."""

    version: str  # the data file versions, e.g. units.v1+procedures.v1+calendar.v1
    digest: str  # SHA-256 of every event's content except its ids: changes whenever the data does
    correlation_id: uuid.UUID
    events: tuple[PublicEvent, ...]

    @property
    def name(self) -> str:
        """How a relay records that this publication went out."""
        return f"reference:{self.digest}"


@dataclass(frozen=True)
class _Draft:
    cls: type[PublicEvent]
    dataset: str  # units.v1, procedures.v1, calendar.v1: part of the event id
    occurred_at: datetime
    fields: dict[str, object]


def start_of(day: date) -> datetime:
    """A day's facts take effect at 00:00 business time when the data gives no hour."""
    return datetime.combine(day, time(0), tzinfo=BUSINESS_TZ)


def build_publication(data: ReferenceData) -> Publication:
    """Every reference event of ``data``: units in tree order, then procedures, then calendars."""
    drafts = [*_unit_drafts(data), *_procedure_drafts(data), *_calendar_drafts(data)]
    seqs: dict[tuple[type[PublicEvent], str], int] = {}
    numbered: list[tuple[_Draft, int]] = []
    for draft in drafts:
        key = (draft.cls.__mro__[1], _key_of(draft))  # the topic's base class: one seq per topic and key
        seqs[key] = seqs.get(key, 0) + 1
        numbered.append((draft, seqs[key]))
    digest = _digest(numbered)
    correlation_id = uuid.uuid5(_CORRELATION_NAMESPACE, digest)
    events = tuple(_event(draft, seq, correlation_id) for draft, seq in numbered)
    version = f"units.v{UNITS_VERSION}+procedures.v{PROCEDURES_VERSION}+calendar.v{CALENDAR_VERSION}"
    return Publication(version=version, digest=digest, correlation_id=correlation_id, events=events)


def _key_of(draft: _Draft) -> str:
    for name in ("unit_code", "procedure_code", "calendar_code"):
        if name in draft.fields:
            return str(draft.fields[name])
    raise ValueError(f"{draft.cls.__name__} draft has no key field")


def _digest(numbered: list[tuple[_Draft, int]]) -> str:
    lines = [
        {
            "type": draft.cls.EVENT_TYPE,
            "dataset": draft.dataset,
            "seq": seq,
            "occurred_at": draft.occurred_at.isoformat(),
            "fields": draft.fields,
        }
        for draft, seq in numbered
    ]
    text = json.dumps(lines, sort_keys=True, ensure_ascii=False, default=_jsonable)
    return hashlib.sha256(text.encode()).hexdigest()


def _jsonable(value: object) -> object:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, date | time):
        return value.isoformat()
    raise TypeError(f"cannot digest {type(value).__name__}")


def _event(draft: _Draft, seq: int, correlation_id: uuid.UUID) -> PublicEvent:
    # recorded_at = occurred_at: the files are the record of these facts, so a replay knows each one from
    # the moment it took effect (docs/adr/0270); it is also what keeps the ids stable across runs.
    event_id = public_event_id(
        enums.Producer.REFERENCE, f"{draft.dataset}/{_key_of(draft)}", seq, draft.occurred_at
    )
    return draft.cls(
        event_id=event_id,
        seq=seq,
        occurred_at=draft.occurred_at,
        recorded_at=draft.occurred_at,
        producer=enums.Producer.REFERENCE,
        actor=ACTOR,
        correlation_id=correlation_id,
        **draft.fields,
    )


# -- units ----------------------------------------------------------------------------------------------------


def _unit_drafts(data: ReferenceData) -> Iterator[_Draft]:
    dataset = f"units.v{UNITS_VERSION}"
    history_start = data.units.history_start
    for unit in data.units.in_tree_order():
        valid_from = unit.valid_from or history_start
        if valid_from is None:
            raise ValueError(f"unit {unit.code} has no valid_from and the units file no history_start")
        yield _Draft(
            UnitEstablished,
            dataset,
            start_of(valid_from),
            {
                "unit_code": unit.code,
                "name": unit.name,
                "level": enums.UnitLevel(unit.kind.value),
                "parent_code": unit.parent,
                "valid_from": valid_from,
                "remote_area": unit.remote_area,
            },
        )
        if unit.valid_to is not None:
            yield _dissolution(dataset, unit, unit.valid_to)


def _dissolution(dataset: str, unit: Unit, valid_to: date) -> _Draft:
    # It stops existing at the end of valid_to: the fact takes effect at the start of the next day.
    return _Draft(
        UnitDissolved,
        dataset,
        start_of(valid_to + timedelta(days=1)),
        {
            "unit_code": unit.code,
            "valid_to": valid_to,
            "successor_codes": list(unit.successors),
            "legal_basis": unit.dissolution_basis,
        },
    )


# -- procedures -----------------------------------------------------------------------------------------------


def _procedure_drafts(data: ReferenceData) -> Iterator[_Draft]:
    dataset = f"procedures.v{PROCEDURES_VERSION}"
    catalogue = data.procedures
    for procedure in catalogue:
        announcement = catalogue.announcement_of(procedure.code)
        if announcement is None:
            raise ValueError(f"procedure {procedure.code} is in no announcement decision")
        abolished = announcement.change_kind is AnnouncementKind.ABOLISHED
        documents = catalogue.documents_of(procedure.code)
        if not documents:
            raise ValueError(f"procedure {procedure.code} cites no registered legal document")
        yield _Draft(
            ProcedureAnnounced,
            dataset,
            start_of(announcement.decision_date),
            {
                "procedure_code": procedure.code,
                "change_kind": enums.AnnouncementKind(announcement.change_kind.value),
                "decision_no": announcement.decision_no,
                "decision_date": announcement.decision_date,
                "announcing_unit_code": announcement.announcing_unit,
                "announcer_level": enums.AnnouncerLevel(announcement.announcer_level.value),
                "legal_documents": [
                    LegalDocument(number=d.number, title=d.title, effective_date=d.effective_date)
                    for d in documents
                ],
                "procedure_name": procedure.name,
                "field_name": procedure.field,
                "competent_levels": [enums.UnitLevel(procedure.competent_level.value)],
                "handling_unit_code": procedure.handling_unit,
                "applicant_kinds": [enums.ApplicantKind(kind.value) for kind in procedure.applicant_kinds],
                "statutory_duration": None if abolished else _duration(procedure),
                "receipt_cutoff": procedure.receipt_cutoff,
                "immediate_result": procedure.immediate_result,
                "supplement_clock_policy": enums.SupplementClockPolicy(
                    procedure.supplement_clock_policy.value
                ),
                "clock_exclusions": [enums.ClockPauseReason(r.value) for r in procedure.clock_exclusions],
                "fee_lines": [
                    PublishedFee(
                        kind=enums.FeeKind(f.kind.value), name=f.name, amount_vnd=f.amount_vnd, per=f.per
                    )
                    for f in procedure.fees
                ],
                "result_forms": [enums.ResultForm(form.value) for form in procedure.result_forms],
                "online_mode": _online_mode(procedure),
                "full_online_eligible": procedure.online_mode is OnlineMode.FULL,
                "personal_presence_required": procedure.personal_presence_required,
                "postal_allowed": procedure.postal_allowed,
            },
        )
        if announcement.published_at is None or announcement.publication_state is None:
            continue
        published_at = announcement.published_at.astimezone(BUSINESS_TZ)
        if abolished:
            yield _Draft(
                ProcedureUnpublished,
                dataset,
                published_at,
                {"procedure_code": procedure.code, "reason": f"Bãi bỏ theo {announcement.decision_no}"},
            )
            continue
        yield _Draft(
            ProcedurePublished,
            dataset,
            published_at,
            {
                "procedure_code": procedure.code,
                "state": enums.PublicationState(announcement.publication_state.value),
                "decision_no": announcement.decision_no,
                "content_parts": content_parts(procedure),
            },
        )


def _duration(procedure: Procedure) -> StatutoryDuration:
    return StatutoryDuration(
        value=float(procedure.duration.value), unit=enums.DurationUnit(procedure.duration.unit.value)
    )


def _online_mode(procedure: Procedure) -> enums.OnlineMode | None:
    if procedure.online_mode is OnlineMode.NONE:
        return None
    return enums.OnlineMode(procedure.online_mode.value)


def content_parts(procedure: Procedure) -> list[enums.ProcedureContentPart]:
    """The mandatory parts (Decree 63/2010 Art 8(2)) the catalogue entry actually holds."""
    part = enums.ProcedureContentPart
    held = {
        part.NAME: bool(procedure.name.strip()),
        part.STEPS: bool(procedure.workflow),
        part.SUBMISSION_METHOD: True,  # online mode, presence and post are required fields of every entry
        part.COMPONENTS_AND_COPIES: bool(procedure.components),
        part.TIME_LIMIT: True,  # the duration is a required field
        part.APPLICANT_TYPE: bool(procedure.applicant_kinds),
        part.IMPLEMENTING_AGENCY: True,  # the handling unit, or every commune for commune-level procedures
    }
    return [p for p in part if held[p]]


# -- calendars ------------------------------------------------------------------------------------------------


def _calendar_drafts(data: ReferenceData) -> Iterator[_Draft]:
    dataset = f"calendar.v{CALENDAR_VERSION}"
    book = data.calendars
    # The calendar file is the record of its whole range: every day is known from its first day on.
    known = start_of(book.first_day)
    yield _hours(dataset, known, NATIONAL_CALENDAR, book.first_day, data.units.default_office_hours)
    for entry in sorted(book.entries, key=lambda e: e.day):
        if not entry.scope and (kind := _DAY_KINDS.get(entry.kind.value)) is not None:
            yield _day(dataset, known, NATIONAL_CALENDAR, entry, kind)
    for unit in data.units.in_tree_order():
        if unit.office_hours is not None:
            valid_from = max(book.first_day, unit.valid_from or book.first_day)
            yield _hours(dataset, known, unit.code, valid_from, unit.office_hours)
        for entry in sorted((e for e in book.entries if unit.code in e.scope), key=lambda e: e.day):
            if (kind := _DAY_KINDS.get(entry.kind.value)) is not None:
                yield _day(dataset, known, unit.code, entry, kind)


def _hours(dataset: str, known: datetime, code: str, valid_from: date, hours: OfficeHours) -> _Draft:
    return _Draft(
        OfficeHoursSet,
        dataset,
        known,
        {
            "calendar_code": code,
            "valid_from": valid_from,
            "sessions": [OfficeSession(start=s.start, end=s.end) for s in hours.sessions],
        },
    )


def _day(dataset: str, known: datetime, code: str, entry: DayEntry, kind: enums.CalendarDayKind) -> _Draft:
    name = f"{entry.name} (tạm tính)" if entry.provisional else entry.name
    return _Draft(
        CalendarDayDeclared,
        dataset,
        known,
        {
            "calendar_code": code,
            "day": entry.day,
            "kind": kind,
            "name": name[:255],
            "legal_basis": _legal_basis(entry.source),
        },
    )


def _legal_basis(source: str) -> str | None:
    """The citation at the head of an entry's source, when it fits a document number field."""
    head = source.split(" (", 1)[0].split(" [", 1)[0].strip()
    return head if head and len(head) <= _LEGAL_BASIS_MAX else None


PUBLISHED_DAY_KINDS = frozenset(DayKind(kind) for kind in _DAY_KINDS)
"""The calendar entry kinds the v1 contract can carry (SPECIAL_HOURS days are not published)."""

__all__ = [
    "ACTOR",
    "NATIONAL_CALENDAR",
    "PUBLISHED_DAY_KINDS",
    "Publication",
    "build_publication",
    "start_of",
]
