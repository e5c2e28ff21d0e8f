"""Everything one evaluation shares between calculators: the facts in scope, clipped to the right business
time, the catalogue in force, and the timeliness verdicts (used by 2.1 and 5.4)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from functools import cached_property

from .facts import (
    AnnouncementFact,
    DossierFact,
    FactBase,
    PetitionFact,
    ProcedureFact,
    PublicationState,
    RatingFact,
    SyncAckFact,
    UnitFact,
    UnitLevel,
)
from .knowledge import clip_announcement, clip_dossier, clip_petition, ratings_before, syncs_before
from .periods import Period, local_date
from .policy import OutcomeCutoff, Policy, ProgressPopulation
from .timeliness import Verdict, judge
from .working_time import WorkingTime


@dataclass(frozen=True)
class EvaluationContext:
    facts: FactBase  # as known at the knowledge time, not yet clipped
    period: Period
    unit: UnitFact
    scope_units: tuple[UnitFact, ...]
    evaluation_time: datetime
    policy: Policy
    calendar: WorkingTime

    @cached_property
    def scope(self) -> frozenset[str]:
        return frozenset(u.unit_code for u in self.scope_units)

    @cached_property
    def unit_levels(self) -> dict[str, UnitLevel]:
        return {u.unit_code: u.level for u in self.scope_units}

    @cached_property
    def pending_ref(self) -> datetime:
        """Where an unfinished dossier or petition is judged: the period end, or the evaluation time if earlier."""
        return min(self.period.last_instant, self.evaluation_time)

    @cached_property
    def clip_time(self) -> datetime:
        """Business time up to which events are seen (policy ``outcome_cutoff``)."""
        if self.policy.outcome_cutoff is OutcomeCutoff.SNAPSHOT_AT_PERIOD_END:
            return self.pending_ref
        return self.evaluation_time

    @cached_property
    def catalogue_day(self) -> date:
        return min(self.period.end, local_date(self.evaluation_time))

    # -- dossiers ---------------------------------------------------------------------------------------

    @cached_property
    def dossiers(self) -> tuple[DossierFact, ...]:
        return tuple(
            clip_dossier(d, self.clip_time)
            for d in sorted(self.facts.dossiers, key=lambda d: d.dossier_id)
            if d.unit_code in self.scope
        )

    @cached_property
    def received(self) -> tuple[DossierFact, ...]:
        """Dossiers received (NgayTiepNhan) in the period; never-received ones are not 766 dossiers."""
        return tuple(
            d for d in self.dossiers if d.received_at is not None and self.period.contains(d.received_at)
        )

    @cached_property
    def progress_population(self) -> tuple[DossierFact, ...]:
        if self.policy.progress_population is ProgressPopulation.RECEIVED_IN_PERIOD:
            return self.received
        received = {d.dossier_id for d in self.received}
        return tuple(d for d in self.dossiers if d.dossier_id in received or self._carried_over(d))

    def _carried_over(self, dossier: DossierFact) -> bool:
        """Received before the period and still unfinished when it began."""
        start = self.period.starts_at
        if dossier.received_at is None or dossier.received_at >= start:
            return False
        ended = dossier.finished_at if dossier.finished_at is not None else dossier.returned_at
        return ended is None or ended >= start

    @cached_property
    def _verdicts(self) -> dict[str, Verdict]:
        return {}

    def verdict(self, dossier: DossierFact) -> Verdict:
        cached = self._verdicts.get(dossier.dossier_id)
        if cached is None:
            cached = judge(dossier, self.pending_ref, self.policy, self.calendar)
            self._verdicts[dossier.dossier_id] = cached
        return cached

    # -- catalogue ---------------------------------------------------------------------------------------

    @cached_property
    def procedures(self) -> dict[str, ProcedureFact]:
        """Per procedure, the version in force on the catalogue day, else the last one that started before it."""
        chosen: dict[str, ProcedureFact] = {}
        for version in sorted(self.facts.procedures, key=lambda p: (p.procedure_code, p.valid_from)):
            withdrawn = version.valid_to is not None and version.valid_to < version.valid_from
            if withdrawn or version.valid_from > self.catalogue_day:
                continue
            current = chosen.get(version.procedure_code)
            if (
                current is None
                or not current.in_force_on(self.catalogue_day)
                or version.in_force_on(self.catalogue_day)
            ):
                chosen[version.procedure_code] = version
        return chosen

    def procedure(self, code: str) -> ProcedureFact | None:
        return self.procedures.get(code)

    @cached_property
    def competent_procedures(self) -> tuple[ProcedureFact, ...]:
        """Procedures in force, not abolished, that a unit in scope is competent for."""
        return tuple(
            p
            for code, p in sorted(self.procedures.items())
            if p.in_force_on(self.catalogue_day)
            and p.publication_state is not PublicationState.ABOLISHED
            and any(u in self.scope for u in p.competent_unit_codes)
        )

    @cached_property
    def announcements(self) -> tuple[AnnouncementFact, ...]:
        clipped = (clip_announcement(a, self.clip_time) for a in self.facts.announcements)
        return tuple(
            sorted(
                (a for a in clipped if a is not None and a.announcing_unit_code in self.scope),
                key=lambda a: a.announcement_id,
            )
        )

    # -- petitions, ratings, syncs -------------------------------------------------------------------------

    @cached_property
    def _all_petitions(self) -> tuple[PetitionFact, ...]:
        clipped = (
            clip_petition(p, self.clip_time)
            for p in sorted(self.facts.petitions, key=lambda p: p.petition_id)
        )
        return tuple(p for p in clipped if p is not None)

    @cached_property
    def petitions(self) -> tuple[PetitionFact, ...]:
        """Petitions of units in scope first received in the period."""
        return tuple(
            p
            for p in self._all_petitions
            if p.unit_code in self.scope and self.period.contains(p.received_at)
        )

    @cached_property
    def petitions_by_dossier(self) -> dict[str, tuple[PetitionFact, ...]]:
        linked: dict[str, list[PetitionFact]] = defaultdict(list)
        for p in self._all_petitions:
            if p.dossier_id is not None:
                linked[p.dossier_id].append(p)
        return {k: tuple(v) for k, v in linked.items()}

    @cached_property
    def latest_rating(self) -> dict[str, RatingFact]:
        latest: dict[str, RatingFact] = {}
        for r in sorted(
            ratings_before(self.facts.ratings, self.clip_time), key=lambda r: (r.rated_at, r.rating_id)
        ):
            latest[r.dossier_id] = r
        return latest

    @cached_property
    def syncs(self) -> dict[str, tuple[SyncAckFact, ...]]:
        by_dossier: dict[str, list[SyncAckFact]] = defaultdict(list)
        for s in syncs_before(self.facts.syncs, self.clip_time):
            by_dossier[s.dossier_id].append(s)
        return {
            k: tuple(sorted(v, key=lambda s: (s.synced_at, s.status_code))) for k, v in by_dossier.items()
        }

    def first_acknowledged_sync(self, dossier_id: str) -> SyncAckFact | None:
        return next((s for s in self.syncs.get(dossier_id, ()) if s.acknowledged), None)

    @cached_property
    def sync_ratio(self) -> Fraction | None:
        """Indicator 1.4's ratio, which VPCP-TECH 3.3 multiplies into the online share."""
        if not self.received:
            return None
        synced = sum(1 for d in self.received if self.first_acknowledged_sync(d.dossier_id) is not None)
        return Fraction(synced, len(self.received))
