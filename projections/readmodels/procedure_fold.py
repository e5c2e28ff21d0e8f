"""The procedure catalogue (reference.procedures): catalogue versions, announcements, online services.

A procedure has one catalogue version per announcement that changes it, valid from the day both the
announcement and the law it carries out are in force (docs/adr/0352); publication on the national TTHC
database updates the version its decision created. Online services are per unit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import Field

from contracts import reference
from contracts.enums import AnnouncementKind, ResultForm

from .entity_fold import EntityOutput, KeyedState, Versioned, fold_entity
from .state import FoldState, Row, business_time
from .tables import (
    ANNOUNCEMENT_VERSIONS,
    ANNOUNCEMENTS,
    ONLINE_SERVICE_VERSIONS,
    ONLINE_SERVICES,
    PROCEDURE_VERSIONS,
    PROCEDURES,
)

# Online-service states that count as "offered" (766 indicator 3.2: published, pending unpublish, under test).
_OFFERED_STATES = frozenset({"PUBLISHED", "PENDING_UNPUBLISH", "UNDER_TEST"})
_LEVEL_RANK = {"NONE": 0, "PARTIAL": 1, "FULL": 2}
_CONTENT_PARTS = {"COMPONENTS_AND_COPIES": "COMPONENTS"}  # contract name → engine name; others are equal


class CatalogueVersion(FoldState):
    valid_from: date
    valid_to: date | None = None
    decision_no: str | None = None
    name: str | None = None
    field_code: str | None = None
    field_name: str | None = None
    competent_levels: list[str] = Field(default_factory=list)
    handling_unit_code: str | None = None
    applicant_kinds: list[str] = Field(default_factory=list)
    publication_state: str = "UNPUBLISHED"
    content_parts: list[str] = Field(default_factory=list)
    online_level: str = "NONE"
    announced_online_mode: str | None = None
    full_online_eligible: bool = False
    personal_presence_required: bool = False
    postal_allowed: bool = False
    paper_result: bool = True
    fee_bearing: bool = False
    certification: bool = False
    statutory_duration_value: Decimal | None = None
    statutory_duration_unit: str | None = None
    receipt_cutoff: str | None = None
    immediate_result: bool = False
    supplement_clock_policy: str | None = None
    clock_exclusions: list[str] = Field(default_factory=list)


class AnnouncementState(FoldState):
    announcement_id: str
    decision_no: str
    change_kind: str
    decision_date: date
    legal_effective_date: date
    announcing_unit_code: str
    announcer_level: str
    published_at: datetime | None = None
    publication_state: str | None = None
    content_complete: bool | None = None


class ServiceState(FoldState):
    service_id: str
    unit_code: str
    online_mode: str | None
    state: str
    payment_integrated: bool
    configured_at: datetime


class ProcedureState(KeyedState):
    procedure_code: str
    versions: list[CatalogueVersion] = Field(default_factory=list)
    announcements: list[AnnouncementState] = Field(default_factory=list)
    services: list[ServiceState] = Field(default_factory=list)

    def version_in_force(self, day: date) -> CatalogueVersion | None:
        """The latest live version starting on or before ``day``."""
        live = [v for v in self.versions if v.valid_to is None or v.valid_to >= v.valid_from]
        started = [v for v in live if v.valid_from <= day]
        return started[-1] if started else None


def is_certification(field_name: str, procedure_name: str) -> bool:
    """Chứng thực (certification) procedures, for the MDSH electronic-certified-copy row (docs/adr/0352)."""
    text = unicodedata.normalize("NFC", f"{field_name} {procedure_name}").casefold()
    return "chứng thực" in text


def announcement_id(procedure_code: str, decision_no: str) -> str:
    return f"{procedure_code}@{decision_no}"


def effective_day(e: reference.ProcedureAnnounced) -> date:
    """A catalogue version starts when both the decision and the law it carries out are in force."""
    return max(e.decision_date, e.latest_legal_effective_date)


def _close(version: CatalogueVersion, last_day: date) -> None:
    if version.valid_to is None or version.valid_to > last_day:
        version.valid_to = last_day


def _announced(state: ProcedureState, e: reference.ProcedureAnnounced) -> None:
    ann_id = announcement_id(e.procedure_code, e.decision_no)
    existing = next((a for a in state.announcements if a.announcement_id == ann_id), None)
    announcement = AnnouncementState(
        announcement_id=ann_id,
        decision_no=e.decision_no,
        change_kind=e.change_kind.value,
        decision_date=e.decision_date,
        legal_effective_date=e.latest_legal_effective_date,
        announcing_unit_code=e.announcing_unit_code,
        announcer_level=e.announcer_level.value,
        published_at=existing.published_at if existing else None,
        publication_state=existing.publication_state if existing else None,
        content_complete=existing.content_complete if existing else None,
    )
    state.announcements = sorted(
        [a for a in state.announcements if a.announcement_id != ann_id] + [announcement],
        key=lambda a: a.announcement_id,
    )
    start = effective_day(e)
    if e.change_kind is AnnouncementKind.ABOLISHED:
        for version in state.versions:
            if version.valid_from >= start:
                _close(version, version.valid_from - timedelta(days=1))  # withdrawn (ADR 0300)
            else:
                _close(version, start - timedelta(days=1))
        return
    previous = state.version_in_force(start)
    same_day = next((v for v in state.versions if v.valid_from == start), None)
    carried = same_day or previous
    version = CatalogueVersion(
        valid_from=start,
        decision_no=e.decision_no,
        name=e.procedure_name,
        field_code=e.field_code,
        field_name=e.field_name,
        competent_levels=sorted(level.value for level in e.competent_levels),
        handling_unit_code=e.handling_unit_code,
        applicant_kinds=sorted(kind.value for kind in e.applicant_kinds),
        publication_state=carried.publication_state if carried else "UNPUBLISHED",
        content_parts=list(carried.content_parts) if carried else [],
        announced_online_mode=e.online_mode.value if e.online_mode is not None else None,
        full_online_eligible=e.full_online_eligible,
        personal_presence_required=e.personal_presence_required,
        postal_allowed=e.postal_allowed,
        paper_result=ResultForm.PAPER in e.result_forms,
        fee_bearing=any(line.amount_vnd is None or line.amount_vnd > 0 for line in e.fee_lines),
        certification=is_certification(e.field_name, e.procedure_name),
        statutory_duration_value=(
            Decimal(str(e.statutory_duration.value)) if e.statutory_duration is not None else None
        ),
        statutory_duration_unit=e.statutory_duration.unit.value if e.statutory_duration is not None else None,
        receipt_cutoff=e.receipt_cutoff.isoformat() if e.receipt_cutoff is not None else None,
        immediate_result=e.immediate_result,
        supplement_clock_policy=e.supplement_clock_policy.value,
        clock_exclusions=sorted(reason.value for reason in e.clock_exclusions),
    )
    later = min((v.valid_from for v in state.versions if v.valid_from > start), default=None)
    if later is not None:
        version.valid_to = later - timedelta(days=1)
    if previous is not None and previous.valid_from < start:
        _close(previous, start - timedelta(days=1))
    state.versions = sorted(
        [v for v in state.versions if v.valid_from != start] + [version], key=lambda v: v.valid_from
    )
    _refresh_online_level(state)


def _published(state: ProcedureState, e: reference.ProcedurePublished) -> None:
    ann_id = announcement_id(e.procedure_code, e.decision_no)
    for announcement in state.announcements:
        if announcement.announcement_id == ann_id:
            announcement.published_at = announcement.published_at or business_time(e.occurred_at)
            announcement.publication_state = e.state.value
            announcement.content_complete = e.content_complete
    carried = [v for v in state.versions if v.decision_no == e.decision_no] or state.versions[-1:]
    for version in carried[-1:]:
        version.publication_state = e.state.value
        version.content_parts = sorted(_CONTENT_PARTS.get(p.value, p.value) for p in e.content_parts)


def _unpublished(state: ProcedureState, e: reference.ProcedureUnpublished) -> None:
    if state.versions:
        state.versions[-1].publication_state = "UNPUBLISHED"


def _service_configured(state: ProcedureState, e: reference.OnlineServiceConfigured) -> None:
    service = ServiceState(
        service_id=e.service_id,
        unit_code=e.unit_code,
        online_mode=e.online_mode.value if e.online_mode is not None else None,
        state=e.state.value,
        payment_integrated=e.payment_integrated,
        configured_at=business_time(e.occurred_at),
    )
    state.services = sorted(
        [s for s in state.services if s.service_id != e.service_id] + [service], key=lambda s: s.service_id
    )
    _refresh_online_level(state)


def _refresh_online_level(state: ProcedureState) -> None:
    """The latest version's online level: the best offered service once any is configured, else the level
    the announcement published (docs/adr/0352); earlier versions keep the level they had."""
    if not state.versions:
        return
    latest = state.versions[-1]
    if state.services:
        offered = [
            s.online_mode for s in state.services if s.state in _OFFERED_STATES and s.online_mode is not None
        ]
        latest.online_level = max(offered, key=lambda m: _LEVEL_RANK[m], default="NONE")
    else:
        latest.online_level = latest.announced_online_mode or "NONE"


def _apply(state: ProcedureState, event: reference.ProcedureEvent) -> None:
    if isinstance(event, reference.ProcedureAnnounced):
        _announced(state, event)
    elif isinstance(event, reference.ProcedurePublished):
        _published(state, event)
    elif isinstance(event, reference.ProcedureUnpublished):
        _unpublished(state, event)
    elif isinstance(event, reference.OnlineServiceConfigured):
        _service_configured(state, event)


def _collections(state: ProcedureState) -> Iterable[Versioned]:
    code = state.procedure_code

    def versions() -> Mapping[tuple[object, ...], Row]:
        return {(code, v.valid_from): {"procedure_code": code, **v.model_dump()} for v in state.versions}

    def announcements() -> Mapping[tuple[object, ...], Row]:
        return {(a.announcement_id,): {"procedure_code": code, **a.model_dump()} for a in state.announcements}

    def services() -> Mapping[tuple[object, ...], Row]:
        return {(code, s.service_id): {"procedure_code": code, **s.model_dump()} for s in state.services}

    return (
        Versioned(PROCEDURES, PROCEDURE_VERSIONS, versions),
        Versioned(ANNOUNCEMENTS, ANNOUNCEMENT_VERSIONS, announcements),
        Versioned(ONLINE_SERVICES, ONLINE_SERVICE_VERSIONS, services),
    )


def fold_procedure(state: ProcedureState, events: Iterable[reference.ProcedureEvent]) -> EntityOutput:
    return fold_entity(state, events, _apply, _collections)
