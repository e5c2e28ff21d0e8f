"""Explicit switches for the contested rules (domain.md §1.5, §7) and the score bands (§1.7).

Every result carries the whole ``Policy`` it was computed under, and each indicator lists the switches that
touched it (docs/adr/0302 explains each default).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .ruleset import Scoring


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DueBasis(StrEnum):
    """Which promised date a rescheduled (apologised) dossier is judged against (§1.5, §7.6)."""

    ORIGINAL = "ORIGINAL"
    RESCHEDULED = "RESCHEDULED"


class EmptyDenominator(StrEnum):
    """Points of an indicator whose denominator is empty (§1.3 general note, §1.4 observations)."""

    RULESET = "RULESET"  # what the ruleset records per indicator (the dashboard's observed behaviour)
    FULL = "FULL"
    ZERO = "ZERO"
    EXCLUDE = "EXCLUDE"  # left out and the rest of the group rescaled ("redistributed")


class NotApplicableRows(StrEnum):
    """Rows a ruleset marks not applicable at the evaluated unit's level, e.g. communes (§1.4, §7.5)."""

    FULL_MARKS = "FULL_MARKS"  # the dashboard: communes are also scored out of 100
    EXCLUDE = "EXCLUDE"  # left out and the rest of the group rescaled


class CapMode(StrEnum):
    """How a cap (the online-payment terms, maxima 10.5 under a 10-point group) is enforced (§7.4)."""

    CLAMP = "CLAMP"  # min(cap, sum)
    PROPORTIONAL = "PROPORTIONAL"  # sum × cap / sum of maxima
    NONE = "NONE"  # no cap: the group may exceed its maximum


class OutcomeCutoff(StrEnum):
    """Which events count for a past period (§1.3 2.1 "not finished ⇒ end of period (or now)")."""

    OUTCOME_AT_EVALUATION = (
        "OUTCOME_AT_EVALUATION"  # a dossier finished after the period end counts as finished
    )
    SNAPSHOT_AT_PERIOD_END = "SNAPSHOT_AT_PERIOD_END"  # nothing after the period end is seen


class ProgressPopulation(StrEnum):
    """The dossiers that indicator 2.1 (and 5.4) judge."""

    RECEIVED_IN_PERIOD = "RECEIVED_IN_PERIOD"  # VPCP-TECH / §1.5
    TO_PROCESS_IN_PERIOD = (
        "TO_PROCESS_IN_PERIOD"  # plus dossiers carried over unfinished (provincial reports)
    )


class SubtractedWaits(StrEnum):
    """Waiting time taken off a dossier's end time before comparing it with the due time (§3.1)."""

    SUPPLEMENTS = "SUPPLEMENTS"  # the 766 rule: only supplement waits
    SUPPLEMENTS_AND_LEGAL_PAUSES = (
        "SUPPLEMENTS_AND_LEGAL_PAUSES"  # also sector-law pauses (land, appraisal …)
    )


class Band(_Model):
    code: str
    min_score: Decimal = Field(ge=0)
    name_vi: str
    name_en: str
    confirmed: bool = False


class ScoreBands(_Model):
    """Bands from the highest threshold down; the lowest must start at 0 so that every score has a band."""

    bands: tuple[Band, ...]

    @model_validator(mode="after")
    def _ordered(self) -> ScoreBands:
        thresholds = [b.min_score for b in self.bands]
        if not thresholds or thresholds != sorted(set(thresholds), reverse=True) or thresholds[-1] != 0:
            raise ValueError("bands must have distinct thresholds, highest first, the last at 0")
        return self

    def classify(self, score: Decimal) -> Band:
        for band in self.bands:
            if score >= band.min_score:
                return band
        return self.bands[-1]


# ≥ 90 and < 50 are confirmed (§1.7); the intermediate thresholds are a common legend, UNCONFIRMED.
DEFAULT_BANDS = ScoreBands(
    bands=(
        Band(code="XUAT_SAC", min_score=Decimal(90), name_vi="Xuất sắc", name_en="Excellent", confirmed=True),
        Band(code="TOT", min_score=Decimal(80), name_vi="Tốt", name_en="Good"),
        Band(code="KHA", min_score=Decimal(70), name_vi="Khá", name_en="Fair"),
        Band(code="TRUNG_BINH", min_score=Decimal(50), name_vi="Trung bình", name_en="Average"),
        Band(code="YEU", min_score=Decimal(0), name_vi="Yếu", name_en="Weak", confirmed=True),
    )
)


class ScoringOverride(_Model):
    """Replace a ruleset's scoring function for one indicator (e.g. DVCTT linear instead of full at 50 %)."""

    indicator_id: str
    scoring: Scoring


class Policy(_Model):
    name: str = "default"
    due_basis: DueBasis = DueBasis.ORIGINAL
    empty_denominator: EmptyDenominator = EmptyDenominator.RULESET
    not_applicable_rows: NotApplicableRows = NotApplicableRows.FULL_MARKS
    cap_mode: CapMode = CapMode.CLAMP
    outcome_cutoff: OutcomeCutoff = OutcomeCutoff.OUTCOME_AT_EVALUATION
    progress_population: ProgressPopulation = ProgressPopulation.RECEIVED_IN_PERIOD
    subtracted_waits: SubtractedWaits = SubtractedWaits.SUPPLEMENTS
    full_online_times_sync_ratio: bool = False
    scoring_overrides: tuple[ScoringOverride, ...] = ()
    bands: ScoreBands = DEFAULT_BANDS

    @model_validator(mode="after")
    def _one_override_each(self) -> Policy:
        ids = [o.indicator_id for o in self.scoring_overrides]
        if len(set(ids)) != len(ids):
            raise ValueError("at most one scoring override per indicator")
        return self

    def scoring_for(self, indicator_id: str, default: Scoring) -> tuple[Scoring, bool]:
        for override in self.scoring_overrides:
            if override.indicator_id == indicator_id:
                return override.scoring, True
        return default, False
