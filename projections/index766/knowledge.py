"""What was known at a knowledge time, and what had happened by a business time.

Two different clocks (docs/adr/0300):
- knowledge time T: ``as_known_at`` keeps, per entity, the snapshot with the highest revision among those with
  ``known_at <= T``, and the append-only records with ``known_at <= T``;
- business time t: the ``clip_*`` functions drop from a snapshot everything that happened after t, so a
  dossier finished after t looks unfinished at t.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import TypeVar

from .facts import (
    AnnouncementFact,
    DossierFact,
    FactBase,
    PetitionFact,
    RatingFact,
    SyncAckFact,
)
from .periods import local_date

_Versioned = TypeVar("_Versioned")


def _latest(
    records: Iterable[_Versioned],
    key: Callable[[_Versioned], Hashable],
    revision: Callable[[_Versioned], int],
    known_at: Callable[[_Versioned], datetime],
    moment: datetime | None,
) -> tuple[_Versioned, ...]:
    best: dict[Hashable, _Versioned] = {}
    for record in records:
        if moment is not None and known_at(record) > moment:
            continue
        k = key(record)
        current = best.get(k)
        if current is None or revision(record) > revision(current):
            best[k] = record
    return tuple(best[k] for k in sorted(best, key=str))


def as_known_at(facts: FactBase, moment: datetime | None) -> FactBase:
    """The fact base as it was known at ``moment`` (None: everything), one snapshot per entity, sorted."""
    return FactBase(
        dossiers=_latest(
            facts.dossiers, lambda d: d.dossier_id, lambda d: d.revision, lambda d: d.known_at, moment
        ),
        procedures=_latest(
            facts.procedures, lambda p: p.key, lambda p: p.revision, lambda p: p.known_at, moment
        ),
        announcements=_latest(
            facts.announcements,
            lambda a: a.announcement_id,
            lambda a: a.revision,
            lambda a: a.known_at,
            moment,
        ),
        units=_latest(facts.units, lambda u: u.key, lambda u: u.revision, lambda u: u.known_at, moment),
        petitions=_latest(
            facts.petitions, lambda p: p.petition_id, lambda p: p.revision, lambda p: p.known_at, moment
        ),
        ratings=tuple(
            sorted(
                (r for r in facts.ratings if moment is None or r.known_at <= moment),
                key=lambda r: r.rating_id,
            )
        ),
        syncs=tuple(
            sorted(
                (s for s in facts.syncs if moment is None or s.known_at <= moment),
                key=lambda s: (s.dossier_id, s.synced_at, s.status_code, s.acknowledged),
            )
        ),
    )


def _before(moment: datetime | None, limit: datetime) -> datetime | None:
    return moment if moment is not None and moment <= limit else None


def clip_dossier(dossier: DossierFact, limit: datetime) -> DossierFact:
    """The dossier as it stood at business time ``limit``: later receipt, waits, apology, outcome, payment gone."""
    received_at = _before(dossier.received_at, limit)
    supplements = tuple(
        s.model_copy(update={"completed_at": _before(s.completed_at, limit)})
        for s in dossier.supplements
        if s.requested_at <= limit
    )
    pauses = tuple(
        p.model_copy(update={"resumed_at": _before(p.resumed_at, limit)})
        for p in dossier.pauses
        if p.paused_at <= limit
    )
    finished = dossier.finished_at is not None and dossier.finished_at <= limit
    returned_at = _before(dossier.returned_at, limit)
    has_result = finished or returned_at is not None
    paid = dossier.paid_at is None or dossier.paid_at <= limit
    return dossier.model_copy(
        update={
            "received_at": received_at,
            "supplements": supplements if received_at is not None else (),
            "pauses": pauses if received_at is not None else (),
            "apology": dossier.apology
            if dossier.apology is not None and dossier.apology.issued_at <= limit
            else None,
            "outcome": dossier.outcome if finished else None,
            "finished_at": dossier.finished_at if finished else None,
            "returned_at": returned_at,
            "payment_method": dossier.payment_method if paid else None,
            "paid_at": dossier.paid_at if paid else None,
            "result_code": dossier.result_code if has_result else None,
            "result_file_linked": dossier.result_file_linked and has_result,
            "result_in_data_store": dossier.result_in_data_store and has_result,
        }
    )


def clip_petition(petition: PetitionFact, limit: datetime) -> PetitionFact | None:
    """The petition at business time ``limit``; None when it had not been received yet."""
    if petition.received_at > limit:
        return None
    return petition.model_copy(
        update={
            "transferred_at": _before(petition.transferred_at, limit),
            "refused_at": _before(petition.refused_at, limit),
            "supplement_requested_at": _before(petition.supplement_requested_at, limit),
            "handled_at": _before(petition.handled_at, limit),
            "published_at": _before(petition.published_at, limit),
        }
    )


def clip_announcement(announcement: AnnouncementFact, limit: datetime) -> AnnouncementFact | None:
    if announcement.decision_date > local_date(limit):
        return None
    return announcement.model_copy(update={"published_at": _before(announcement.published_at, limit)})


def ratings_before(ratings: Iterable[RatingFact], limit: datetime) -> tuple[RatingFact, ...]:
    return tuple(r for r in ratings if r.rated_at <= limit)


def syncs_before(syncs: Iterable[SyncAckFact], limit: datetime) -> tuple[SyncAckFact, ...]:
    return tuple(s for s in syncs if s.synced_at <= limit)
