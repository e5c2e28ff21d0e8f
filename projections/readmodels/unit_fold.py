"""The time-versioned unit hierarchy (reference.units) and the working calendars (reference.calendars).

A unit has one version per validity interval [valid_from, valid_to] (both days included): a reorganisation
closes the version in force the day before and opens a new one; a dissolution closes the version in force
and withdraws any that would start later (ADR 0300: ``valid_to`` before ``valid_from``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from pydantic import Field

from contracts import reference

from .entity_fold import EntityOutput, KeyedState, Versioned, fold_entity
from .state import FoldState, Row
from .tables import CALENDAR_DAYS, OFFICE_HOURS, UNIT_VERSIONS, UNITS


class UnitVersion(FoldState):
    valid_from: date
    valid_to: date | None = None
    name: str
    level: str
    parent_code: str | None = None
    remote_area: bool = False
    dissolved: bool = False
    successor_codes: list[str] = Field(default_factory=list)
    legal_basis: str | None = None


class UnitState(KeyedState):
    unit_code: str
    versions: list[UnitVersion] = Field(default_factory=list)

    def in_force(self, day: date) -> UnitVersion | None:
        started = [
            v
            for v in self.versions
            if v.valid_from <= day and (v.valid_to is None or v.valid_to >= v.valid_from)
        ]
        return started[-1] if started else None


def _close(version: UnitVersion, last_day: date) -> None:
    if version.valid_to is None or version.valid_to > last_day:
        version.valid_to = last_day


def _put(state: UnitState, version: UnitVersion) -> None:
    later = [v.valid_from for v in state.versions if v.valid_from > version.valid_from]
    if later and version.valid_to is None:
        version.valid_to = min(later) - timedelta(days=1)
    state.versions = sorted(
        [v for v in state.versions if v.valid_from != version.valid_from] + [version],
        key=lambda v: v.valid_from,
    )


def _apply_unit(state: UnitState, event: reference.UnitEvent) -> None:
    if isinstance(event, reference.UnitEstablished):
        previous = state.in_force(event.valid_from - timedelta(days=1))
        if previous is not None:
            _close(previous, event.valid_from - timedelta(days=1))
        _put(
            state,
            UnitVersion(
                valid_from=event.valid_from,
                name=event.name,
                level=event.level.value,
                parent_code=event.parent_code,
                remote_area=event.remote_area,
            ),
        )
    elif isinstance(event, reference.UnitReorganised):
        base = state.in_force(event.valid_from) or (state.versions[-1] if state.versions else None)
        if base is None:
            return  # a reorganisation of a unit never established says too little to make a version
        if base.valid_from < event.valid_from:
            _close(base, event.valid_from - timedelta(days=1))
        _put(
            state,
            UnitVersion(
                valid_from=event.valid_from,
                name=event.new_name or base.name,
                level=event.new_level.value if event.new_level is not None else base.level,
                parent_code=event.new_parent_code or base.parent_code,
                remote_area=base.remote_area,
                legal_basis=event.legal_basis,
            ),
        )
    elif isinstance(event, reference.UnitDissolved):
        for version in state.versions:
            if version.valid_from > event.valid_to:
                _close(version, version.valid_from - timedelta(days=1))
        last = state.in_force(event.valid_to)
        if last is not None:
            _close(last, event.valid_to)
            last.dissolved = True
            last.successor_codes = sorted(event.successor_codes)
            last.legal_basis = event.legal_basis or last.legal_basis


def _unit_collections(state: UnitState) -> Iterable[Versioned]:
    code = state.unit_code

    def versions() -> Mapping[tuple[object, ...], Row]:
        return {(code, v.valid_from): {"unit_code": code, **v.model_dump()} for v in state.versions}

    return (Versioned(UNITS, UNIT_VERSIONS, versions),)


def fold_unit(state: UnitState, events: Iterable[reference.UnitEvent]) -> EntityOutput:
    return fold_entity(state, events, _apply_unit, _unit_collections)


# -- calendars ---------------------------------------------------------------------------------------------


class CalendarDayState(FoldState):
    day: date
    kind: str
    name: str
    legal_basis: str | None = None
    revoked: bool = False
    revoke_reason: str | None = None


class OfficeHoursState(FoldState):
    valid_from: date
    sessions: list[dict[str, Any]]
    saturday_sessions: list[dict[str, Any]]


class CalendarState(KeyedState):
    calendar_code: str
    days: list[CalendarDayState] = Field(default_factory=list)
    office_hours: list[OfficeHoursState] = Field(default_factory=list)


def _sessions(sessions: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"start": s.start.isoformat(), "end": s.end.isoformat()} for s in sessions]


def _apply_calendar(state: CalendarState, event: reference.CalendarEvent) -> None:
    if isinstance(event, reference.CalendarDayDeclared):
        day = CalendarDayState(
            day=event.day, kind=event.kind.value, name=event.name, legal_basis=event.legal_basis
        )
        state.days = sorted([d for d in state.days if d.day != event.day] + [day], key=lambda d: d.day)
    elif isinstance(event, reference.CalendarDayRevoked):
        for existing in state.days:
            if existing.day == event.day:
                existing.revoked = True
                existing.revoke_reason = event.reason
    elif isinstance(event, reference.OfficeHoursSet):
        hours = OfficeHoursState(
            valid_from=event.valid_from,
            sessions=_sessions(event.sessions),
            saturday_sessions=_sessions(event.saturday_sessions),
        )
        state.office_hours = sorted(
            [h for h in state.office_hours if h.valid_from != event.valid_from] + [hours],
            key=lambda h: h.valid_from,
        )


def _calendar_collections(state: CalendarState) -> Iterable[Versioned]:
    code = state.calendar_code

    def days() -> Mapping[tuple[object, ...], Row]:
        return {(code, d.day): {"calendar_code": code, **d.model_dump()} for d in state.days}

    def hours() -> Mapping[tuple[object, ...], Row]:
        return {(code, h.valid_from): {"calendar_code": code, **h.model_dump()} for h in state.office_hours}

    return (Versioned(CALENDAR_DAYS, None, days), Versioned(OFFICE_HOURS, None, hours))


def fold_calendar(state: CalendarState, events: Iterable[reference.CalendarEvent]) -> EntityOutput:
    return fold_entity(state, events, _apply_calendar, _calendar_collections)
