"""Petitions (phản ánh, kiến nghị) relayed from the national portal (portal.petitions).

The 766 clocks (docs/adr/0304, 5.2) start at the citizen's submission, or at the transfer when the petition
came from VPCP or another unit; so ``received_at`` is the submission and ``transferred_at`` the hand-over to
this unit when there was one (docs/adr/0352). Which dossier a petition concerns comes from the dossier's
own topic (``petition_links``) and is joined by the bridge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from contracts import portal
from contracts.enums import PetitionSource

from .entity_fold import EntityOutput, KeyedState, Versioned, fold_entity
from .state import Row, business_time
from .tables import PETITION_VERSIONS, PETITIONS


class PetitionState(KeyedState):
    petition_id: str
    unit_code: str | None = None
    title: str | None = None
    classification: str | None = None
    source: str | None = None
    transferred_from_unit_code: str | None = None
    submitted_at: datetime | None = None
    received_at: datetime | None = None
    transferred_at: datetime | None = None
    refused_at: datetime | None = None
    supplement_requested_at: datetime | None = None
    supplement_requests: int = 0
    handled_at: datetime | None = None
    published_at: datetime | None = None
    likes: int = 0
    dislikes: int = 0
    re_raised: int = 0
    re_raised_dissatisfied: bool = False
    related_dossier_code: str | None = None
    related_procedure_code: str | None = None


def _first(current: datetime | None, event: portal.PetitionEvent) -> datetime:
    return current if current is not None else business_time(event.occurred_at)


def _apply(state: PetitionState, e: portal.PetitionEvent) -> None:
    if isinstance(e, portal.PetitionReceived):
        state.unit_code = e.handling_unit_code
        state.title = e.title
        state.classification = e.classification.value
        state.source = e.source.value
        state.transferred_from_unit_code = e.transferred_from_unit_code
        state.submitted_at = business_time(e.submitted_at)
        state.received_at = business_time(e.submitted_at)
        state.transferred_at = (
            business_time(e.occurred_at) if e.source is not PetitionSource.DIRECT else state.transferred_at
        )
        state.related_dossier_code = e.related_dossier_code
        state.related_procedure_code = e.related_procedure_code
    elif isinstance(e, portal.PetitionSupplementRequested):
        state.supplement_requested_at = _first(state.supplement_requested_at, e)
        state.supplement_requests += 1
    elif isinstance(e, portal.PetitionRefused):
        state.refused_at = _first(state.refused_at, e)
    elif isinstance(e, portal.PetitionHandled):
        state.handled_at = _first(state.handled_at, e)
    elif isinstance(e, portal.PetitionPublished):
        state.published_at = _first(state.published_at, e)
    elif isinstance(e, portal.PetitionRated):
        state.likes, state.dislikes = e.likes, e.dislikes  # cumulative counts at occurred_at
    elif isinstance(e, portal.PetitionReRaised):
        state.re_raised += 1
        state.re_raised_dissatisfied = state.re_raised_dissatisfied or e.dissatisfied_with_answer


_FIELDS = tuple(name for name in PetitionState.model_fields if name not in ("last_seq", "revision"))


def _collections(state: PetitionState) -> Iterable[Versioned]:
    def rows() -> Mapping[tuple[object, ...], Row]:
        return {(state.petition_id,): {name: getattr(state, name) for name in _FIELDS}}

    return (Versioned(PETITIONS, PETITION_VERSIONS, rows),)


def fold_petition(state: PetitionState, events: Iterable[portal.PetitionEvent]) -> EntityOutput:
    return fold_entity(state, events, _apply, _collections)
