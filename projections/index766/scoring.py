"""From a ratio to points, and from indicator points to group points (caps, exclusion and rescaling).

Arithmetic is exact (``Fraction``) until the figures are written out as ``Decimal`` with 10 decimal places
(docs/adr/0303), so no float or global decimal context can change a result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

from .policy import CapMode, EmptyDenominator, NotApplicableRows, Policy
from .results import IndicatorStatus
from .ruleset import GroupSpec, IndicatorSpec, Scoring, ScoringFunction, WhenEmpty

PLACES = Decimal("1e-10")

_EMPTY_BY_POLICY = {
    EmptyDenominator.FULL: WhenEmpty.FULL,
    EmptyDenominator.ZERO: WhenEmpty.ZERO,
    EmptyDenominator.EXCLUDE: WhenEmpty.EXCLUDE,
}


def to_decimal(value: Fraction) -> Decimal:
    """Exact value rounded half-even to 10 places, written without trailing zeros ("8", "2.5", "8.8888888889")."""
    with localcontext() as context:
        context.prec = 60
        context.rounding = ROUND_HALF_EVEN
        rounded = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(PLACES)
        if rounded == rounded.to_integral_value():
            return rounded.quantize(Decimal(1))
        return rounded.normalize() if rounded.adjusted() >= -6 else rounded


@dataclass(frozen=True)
class Scored:
    status: IndicatorStatus
    ratio: Fraction | None
    points: Fraction
    excluded: bool
    policy_used: dict[str, str] = field(default_factory=dict)


def score(
    spec: IndicatorSpec,
    scoring: Scoring,
    numerator: int,
    denominator: int,
    ratio: Fraction | None,
    *,
    applicable: bool,
    policy: Policy,
) -> Scored:
    maximum = Fraction(spec.max)
    if ratio is None and denominator:
        ratio = Fraction(numerator, denominator)
    if not applicable:
        used = {"not_applicable_rows": policy.not_applicable_rows.value}
        if policy.not_applicable_rows is NotApplicableRows.EXCLUDE:
            return Scored(IndicatorStatus.NOT_APPLICABLE, None, Fraction(0), True, used)
        return Scored(IndicatorStatus.NOT_APPLICABLE, None, maximum, False, used)
    if spec.tracking:
        return Scored(IndicatorStatus.TRACKING, ratio, Fraction(0), False)
    if denominator == 0:
        rule = scoring.when_empty if policy.empty_denominator is EmptyDenominator.RULESET else None
        rule = rule or _EMPTY_BY_POLICY[policy.empty_denominator]
        used = {"empty_denominator": f"{policy.empty_denominator.value} → {rule.value}"}
        if rule is WhenEmpty.EXCLUDE:
            return Scored(IndicatorStatus.EMPTY, None, Fraction(0), True, used)
        points = {
            WhenEmpty.FULL: maximum,
            WhenEmpty.ZERO: Fraction(0),
            WhenEmpty.FIXED: Fraction(scoring.empty_points or 0),
        }[rule]
        return Scored(IndicatorStatus.EMPTY, None, min(points, maximum), False, used)
    assert ratio is not None
    bounded = min(max(ratio, Fraction(0)), Fraction(1))
    if scoring.function is ScoringFunction.THRESHOLD_LINEAR:
        assert scoring.full_at is not None
        bounded = min(Fraction(1), bounded / Fraction(scoring.full_at))
    return Scored(IndicatorStatus.SCORED, ratio, maximum * bounded, False)


@dataclass(frozen=True)
class CapOutcome:
    cap_id: str
    indicators: tuple[str, ...]
    maximum: Fraction
    raw: Fraction
    points: Fraction


@dataclass(frozen=True)
class GroupOutcome:
    points: Fraction
    raw: Fraction
    scale: Fraction
    excluded: bool
    caps: tuple[CapOutcome, ...]


def aggregate(group: GroupSpec, scored: Mapping[str, Scored], cap_mode: CapMode) -> GroupOutcome:
    """Group points: caps first, then, if indicators were excluded, rescale what is left to the group
    maximum ("redistribution"); a group whose every scored indicator is excluded is itself excluded."""
    maxima = {i.id: Fraction(i.max) for i in group.indicators}
    included = [i.id for i in group.indicators if not scored[i.id].excluded]
    raw = sum((scored[i].points for i in included), Fraction(0))
    total = Fraction(0)
    reachable = Fraction(0)
    capped: set[str] = set()
    caps = []
    for cap in group.caps:
        capped.update(cap.indicators)
        cap_max = Fraction(cap.max)
        inside = [i for i in cap.indicators if i in included]
        sub = sum((scored[i].points for i in inside), Fraction(0))
        sub_max = sum((maxima[i] for i in inside), Fraction(0))
        if cap_mode is CapMode.CLAMP:
            points, reach = min(sub, cap_max), min(sub_max, cap_max)
        elif cap_mode is CapMode.PROPORTIONAL:
            factor = min(Fraction(1), cap_max / sum((maxima[i] for i in cap.indicators), Fraction(0)))
            points, reach = sub * factor, sub_max * factor
        else:
            points, reach = sub, sub_max
        total += points
        reachable += reach
        caps.append(CapOutcome(cap.id, cap.indicators, cap_max, sub, points))
    rest = [i for i in included if i not in capped]
    total += sum((scored[i].points for i in rest), Fraction(0))
    reachable += sum((maxima[i] for i in rest), Fraction(0))

    scored_ids = [i for i, m in maxima.items() if m > 0]
    if not any(scored[i].excluded for i in scored_ids):
        return GroupOutcome(total, raw, Fraction(1), False, tuple(caps))
    if reachable == 0:
        return GroupOutcome(Fraction(0), raw, Fraction(0), True, tuple(caps))
    scale = Fraction(group.max) / reachable
    return GroupOutcome(total * scale, raw, scale, False, tuple(caps))
