"""From a batch of new public events to the read-model changes (pure, given a reader of fold states).

Determinism (docs/adr/0351): what the read model holds depends only on the set of events applied, never on
the order in which different dossiers, topics or partitions were delivered.
- Keyed reference entities (procedures, units, calendars) and petitions live on one partition each, so
  their events come in ``seq`` order; the fold skips sequences already applied.
- A dossier's events come from six topics, so their arrival order varies between a live run and a rebuild.
  They are folded in canonical order (``Position``). The common case, every new event after the last one
  folded, continues from the stored state; an event that sorts earlier makes the dossier refold from its
  journal, rewriting its history, ledger and shipments. Either way the rows are those of a fold of all its
  events in canonical order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

from contracts import portal, reference
from contracts.envelope import DossierEvent, PublicEvent
from contracts.registry import EVENT_TYPES

from .changes import Changes
from .dossier_fold import DossierOutput, fold_dossier
from .dossier_state import DossierState
from .entity_fold import EntityOutput, KeyedState
from .petition_fold import PetitionState, fold_petition
from .procedure_fold import ProcedureState, fold_procedure
from .state import Row, business_time, event_sort_key
from .tables import (
    CLOCK_LEDGER,
    DOSSIER_FACT_VERSIONS,
    DOSSIER_FACTS,
    DOSSIER_JOURNAL,
    DOSSIER_STATE,
    ENTITY_STATE,
    PETITION_LINKS,
    PORTAL_SYNCS,
    POSTAL_SHIPMENTS,
    RATINGS,
    TABLES_BY_STEM,
)
from .unit_fold import CalendarState, UnitState, fold_calendar, fold_unit


class StateReader(Protocol):
    """Where the planner reads what earlier batches left (PostgreSQL in production, memory in tests)."""

    def dossier_states(self, dossier_ids: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def dossier_journal(self, dossier_ids: Sequence[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        """Per dossier, its journal entries as (event_type, payload)."""
        ...

    def entity_states(self, kind: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]: ...


def journal_row(event: DossierEvent) -> Row:
    return {
        "dossier_id": str(event.dossier_id),
        "recorded_at": business_time(event.recorded_at),
        "occurred_at": business_time(event.occurred_at),
        "producer": event.producer.value,
        "seq": event.seq,
        "event_id": str(event.event_id),
        "event_type": event.event_type,
        "payload": event.model_dump(mode="json"),
    }


def decode_journal_entry(event_type: str, payload: dict[str, Any]) -> DossierEvent:
    """A journal payload back into its contract model (it was that model's JSON dump)."""
    event = EVENT_TYPES[event_type].model_validate(payload)
    if not isinstance(event, DossierEvent):
        raise TypeError(f"journal entry {event_type} is not a dossier event")
    return event


# -- dossiers ----------------------------------------------------------------------------------------------


def _unique_sorted(events: Iterable[DossierEvent]) -> list[DossierEvent]:
    seen: dict[str, DossierEvent] = {}
    for event in events:
        seen.setdefault(str(event.event_id), event)
    return sorted(seen.values(), key=event_sort_key)


def _emit_dossier(changes: Changes, out: DossierOutput) -> None:
    changes.put_all(DOSSIER_FACT_VERSIONS, out.versions)
    if out.current is not None:
        changes.put(DOSSIER_FACTS, out.current)
    changes.put_all(CLOCK_LEDGER, out.ledger)
    changes.put_all(POSTAL_SHIPMENTS, list(out.shipments.values()))
    changes.put_all(RATINGS, out.ratings)
    changes.put_all(PORTAL_SYNCS, out.syncs)
    changes.put_all(PETITION_LINKS, out.links)
    changes.put(DOSSIER_STATE, {"dossier_id": out.state.dossier_id, "state": out.state.dump()})


def _plan_dossiers(changes: Changes, events: list[DossierEvent], reader: StateReader) -> None:
    by_dossier: dict[str, list[DossierEvent]] = defaultdict(list)
    for event in events:
        by_dossier[str(event.dossier_id)].append(event)
    ids = sorted(by_dossier)
    stored = reader.dossier_states(ids)
    states: dict[str, DossierState] = {}
    late: list[str] = []
    for dossier_id in ids:
        incoming = by_dossier[dossier_id] = _unique_sorted(by_dossier[dossier_id])
        raw = stored.get(dossier_id)
        if raw is None:
            continue
        state = DossierState.model_validate(raw)
        states[dossier_id] = state
        if state.last is not None and event_sort_key(incoming[0]) <= state.last.sort_key():
            late.append(dossier_id)
    journals = reader.dossier_journal(late) if late else {}

    for dossier_id in ids:
        incoming = by_dossier[dossier_id]
        if dossier_id in journals or dossier_id in late:
            known = [decode_journal_entry(t, p) for t, p in journals.get(dossier_id, [])]
            known_ids = {str(e.event_id) for e in known}
            new = [e for e in incoming if str(e.event_id) not in known_ids]
            if not new:
                continue  # every event was already folded: a replay changes nothing
            for table in (DOSSIER_FACTS, DOSSIER_FACT_VERSIONS, CLOCK_LEDGER, POSTAL_SHIPMENTS):
                changes.purge(table, dossier_id)
            out = fold_dossier(DossierState(dossier_id=dossier_id), _unique_sorted([*known, *new]))
        else:
            new = incoming
            out = fold_dossier(states.get(dossier_id) or DossierState(dossier_id=dossier_id), new)
        changes.put_all(DOSSIER_JOURNAL, [journal_row(e) for e in new])
        _emit_dossier(changes, out)


# -- keyed entities ----------------------------------------------------------------------------------------

S = TypeVar("S", bound=KeyedState)
Ev = TypeVar("Ev", bound=PublicEvent)


def _plan_entities(
    changes: Changes,
    reader: StateReader,
    kind: str,
    events: list[Ev],
    key: Callable[[Ev], str],
    new_state: Callable[[str], S],
    load: Callable[[dict[str, Any]], S],
    fold: Callable[[S, list[Ev]], EntityOutput],
) -> None:
    grouped: dict[str, list[Ev]] = defaultdict(list)
    for event in events:
        grouped[key(event)].append(event)
    stored = reader.entity_states(kind, sorted(grouped))
    for entity_key in sorted(grouped):
        raw = stored.get(entity_key)
        state = load(raw) if raw is not None else new_state(entity_key)
        before = state.last_seq
        out = fold(state, grouped[entity_key])
        if state.last_seq == before:
            continue
        for stem, rows in out.rows.items():
            changes.put_all(TABLES_BY_STEM[stem], rows)
        changes.put(ENTITY_STATE, {"kind": kind, "key": entity_key, "state": state.dump()})


def plan(events: Sequence[PublicEvent], reader: StateReader) -> Changes:
    """The changes that applying ``events`` (new to this read model) makes, given what ``reader`` holds."""
    changes = Changes()
    dossiers = [e for e in events if isinstance(e, DossierEvent)]
    if dossiers:
        _plan_dossiers(changes, dossiers, reader)
    procedures = [e for e in events if isinstance(e, reference.ProcedureEvent)]
    if procedures:
        _plan_entities(
            changes,
            reader,
            "procedure",
            procedures,
            lambda e: e.procedure_code,
            lambda k: ProcedureState(procedure_code=k),
            ProcedureState.model_validate,
            fold_procedure,
        )
    units = [e for e in events if isinstance(e, reference.UnitEvent)]
    if units:
        _plan_entities(
            changes,
            reader,
            "unit",
            units,
            lambda e: e.unit_code,
            lambda k: UnitState(unit_code=k),
            UnitState.model_validate,
            fold_unit,
        )
    calendars = [e for e in events if isinstance(e, reference.CalendarEvent)]
    if calendars:
        _plan_entities(
            changes,
            reader,
            "calendar",
            calendars,
            lambda e: e.calendar_code,
            lambda k: CalendarState(calendar_code=k),
            CalendarState.model_validate,
            fold_calendar,
        )
    petitions = [e for e in events if isinstance(e, portal.PetitionEvent)]
    if petitions:
        _plan_entities(
            changes,
            reader,
            "petition",
            petitions,
            lambda e: e.petition_id,
            lambda k: PetitionState(petition_id=k),
            PetitionState.model_validate,
            fold_petition,
        )
    return changes
