"""Rulesets as data: groups, indicators, maxima, scoring functions, caps, scope and effective dates.

The JSON files under ``rulesets/`` are validated into these models on load (docs/adr/0301). A ruleset
only says *which* calculator computes an indicator; the calculators themselves live in ``indicators/``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .facts import UnitLevel


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScoringFunction(StrEnum):
    LINEAR = "LINEAR"  # points = max × ratio
    THRESHOLD_LINEAR = "THRESHOLD_LINEAR"  # points = max × min(1, ratio / full_at): "full at x %"


class WhenEmpty(StrEnum):
    """What an indicator scores when its denominator is empty."""

    FULL = "FULL"
    ZERO = "ZERO"
    FIXED = "FIXED"  # ``empty_points``
    EXCLUDE = "EXCLUDE"  # left out; the rest of its group is rescaled to the group maximum


class Scoring(_Spec):
    function: ScoringFunction = ScoringFunction.LINEAR
    full_at: Decimal | None = None
    when_empty: WhenEmpty = WhenEmpty.ZERO
    empty_points: Decimal | None = None

    @model_validator(mode="after")
    def _coherent(self) -> Scoring:
        if self.function is ScoringFunction.THRESHOLD_LINEAR:
            if self.full_at is None or not Decimal(0) < self.full_at <= Decimal(1):
                raise ValueError("THRESHOLD_LINEAR needs 0 < full_at <= 1")
        elif self.full_at is not None:
            raise ValueError("full_at only goes with THRESHOLD_LINEAR")
        if (self.when_empty is WhenEmpty.FIXED) != (self.empty_points is not None):
            raise ValueError("empty_points goes with when_empty = FIXED, and only with it")
        if self.empty_points is not None and self.empty_points < 0:
            raise ValueError("empty_points cannot be negative")
        return self

    def describe(self) -> str:
        shape = "linear" if self.full_at is None else f"threshold_linear(full_at={self.full_at})"
        empty = self.when_empty.value.lower() if self.empty_points is None else f"fixed({self.empty_points})"
        return f"{shape}; empty={empty}"


class IndicatorSpec(_Spec):
    id: str
    ref: str  # where the definition comes from (domain.md section / dashboard key)
    calculator: str
    name_vi: str
    name_en: str
    max: Decimal = Field(ge=0)  # 0 = tracking only
    scoring: Scoring = Scoring()
    not_applicable_levels: tuple[UnitLevel, ...] = ()
    params: dict[str, int] = {}

    @model_validator(mode="after")
    def _fixed_within_max(self) -> IndicatorSpec:
        if self.scoring.empty_points is not None and self.scoring.empty_points > self.max:
            raise ValueError(f"{self.id}: empty_points above the maximum")
        return self

    @property
    def tracking(self) -> bool:
        return self.max == 0

    def param(self, name: str) -> int:
        if name not in self.params:
            raise KeyError(f"indicator {self.id} needs the parameter {name!r} in its ruleset")
        return self.params[name]


class Cap(_Spec):
    """Indicators whose points together may not exceed ``max`` (the online-payment terms add to 10.5)."""

    id: str
    indicators: tuple[str, ...]
    max: Decimal = Field(gt=0)


class GroupSpec(_Spec):
    code: str
    name_vi: str
    name_en: str
    max: Decimal = Field(ge=0)
    indicators: tuple[IndicatorSpec, ...]
    caps: tuple[Cap, ...] = ()

    @model_validator(mode="after")
    def _maxima_add_up(self) -> GroupSpec:
        ids = [i.id for i in self.indicators]
        if len(set(ids)) != len(ids):
            raise ValueError(f"group {self.code}: indicator ids must be unique")
        maxima = {i.id: i.max for i in self.indicators}
        capped: list[str] = []
        reachable = Decimal(0)
        for cap in self.caps:
            unknown = [i for i in cap.indicators if i not in maxima]
            if unknown:
                raise ValueError(f"group {self.code}: cap {cap.id} names unknown indicators {unknown}")
            capped.extend(cap.indicators)
            reachable += min(cap.max, sum((maxima[i] for i in cap.indicators), Decimal(0)))
        if len(set(capped)) != len(capped):
            raise ValueError(f"group {self.code}: an indicator is in two caps")
        reachable += sum((maxima[i] for i in ids if i not in capped), Decimal(0))
        if reachable != self.max:
            raise ValueError(
                f"group {self.code}: indicator maxima reach {reachable}, the group maximum is {self.max}"
            )
        return self


class Ruleset(_Spec):
    id: str
    title_vi: str
    title_en: str
    effective_from: date
    effective_to: date | None = None
    total_max: Decimal
    groups: tuple[GroupSpec, ...]

    @model_validator(mode="after")
    def _checked(self) -> Ruleset:
        total = sum((g.max for g in self.groups), Decimal(0))
        if total != self.total_max or self.total_max != Decimal(100):
            raise ValueError(f"ruleset {self.id}: group maxima add to {total}, not {self.total_max} = 100")
        ids = [i.id for g in self.groups for i in g.indicators]
        if len(set(ids)) != len(ids):
            raise ValueError(f"ruleset {self.id}: indicator ids must be unique")
        codes = [g.code for g in self.groups]
        if len(set(codes)) != len(codes):
            raise ValueError(f"ruleset {self.id}: group codes must be unique")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(f"ruleset {self.id}: effective_to before effective_from")
        return self

    def indicator(self, indicator_id: str) -> IndicatorSpec:
        for group in self.groups:
            for spec in group.indicators:
                if spec.id == indicator_id:
                    return spec
        raise KeyError(indicator_id)

    def effective_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)
