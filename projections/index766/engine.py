"""The 766 index as a pure function of (facts known at a knowledge time, unit, period, ruleset, policy,
evaluation time). No clock, no I/O: the same arguments give a byte-identical ``IndexResult.to_json()``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from .context import EvaluationContext
from .facts import FactBase
from .hierarchy import children, unit_version, units_in_scope
from .indicators import CALCULATORS, Tally
from .knowledge import as_known_at
from .periods import BUSINESS_TZ, Period
from .policy import Policy
from .results import CapResult, GroupResult, IndexResult, IndicatorResult, for_display
from .ruleset import Ruleset
from .rulesets import check_calculators
from .scoring import Scored, aggregate, score, to_decimal
from .working_time import WorkingTime


def _aware(name: str, moment: datetime | None) -> None:
    if moment is not None and moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _warnings(ctx: EvaluationContext, ruleset: Ruleset) -> tuple[str, ...]:
    found = []
    if not (ruleset.effective_on(ctx.period.start) and ruleset.effective_on(ctx.period.end)):
        found.append(
            f"ruleset {ruleset.id} is effective from {ruleset.effective_from}"
            + (f" to {ruleset.effective_to}" if ruleset.effective_to else "")
            + f"; the period is {ctx.period.start}..{ctx.period.end}"
        )
    unknown = sorted({d.procedure_code for d in ctx.received if ctx.procedure(d.procedure_code) is None})
    if unknown:
        found.append(f"dossiers refer to procedures missing from the catalogue: {', '.join(unknown)}")
    if ctx.evaluation_time < ctx.period.starts_at:
        found.append("the evaluation time is before the period starts: every dossier figure is empty")
    return tuple(found)


def evaluate(
    facts: FactBase,
    unit: str,
    period: Period,
    ruleset: Ruleset,
    policy: Policy,
    evaluation_time: datetime,
    knowledge_time: datetime | None,
    *,
    calendar: WorkingTime,
    explain: bool = True,
) -> IndexResult:
    """The index of ``unit`` (rolled up over its sub-units valid in the period) for ``period``.

    ``knowledge_time``: only facts known by then are used (None: everything in ``facts``).
    ``evaluation_time``: business "now"; what happened later is not seen, and unfinished dossiers are judged
    at the period end or at this time if earlier. ``explain=False`` leaves out the explanation rows.
    """
    _aware("evaluation_time", evaluation_time)
    _aware("knowledge_time", knowledge_time)
    check_calculators(ruleset)
    known_ids = {i.id for g in ruleset.groups for i in g.indicators}
    stray = sorted(o.indicator_id for o in policy.scoring_overrides if o.indicator_id not in known_ids)
    if stray:
        raise ValueError(f"policy {policy.name} overrides indicators not in ruleset {ruleset.id}: {stray}")

    known = as_known_at(facts, knowledge_time)
    root = unit_version(known.units, unit, period)
    ctx = EvaluationContext(
        facts=known,
        period=period,
        unit=root,
        scope_units=units_in_scope(known.units, unit, period),
        evaluation_time=evaluation_time,
        policy=policy,
        calendar=calendar,
    )

    groups = []
    for group in ruleset.groups:
        capped = {i for cap in group.caps for i in cap.indicators}
        scored: dict[str, Scored] = {}
        results: list[IndicatorResult] = []
        for spec in group.indicators:
            scoring, overridden = policy.scoring_for(spec.id, spec.scoring)
            applicable = root.level not in spec.not_applicable_levels
            tally = CALCULATORS[spec.calculator](ctx, spec) if applicable else Tally(0, 0, ())
            outcome = score(
                spec,
                scoring,
                tally.numerator,
                tally.denominator,
                tally.ratio,
                applicable=applicable,
                policy=policy,
            )
            scored[spec.id] = outcome
            used = {
                **tally.policy_used,
                **outcome.policy_used,
                "scoring": scoring.describe() + (" (policy override)" if overridden else ""),
            }
            if spec.id in capped:
                used["cap_mode"] = policy.cap_mode.value
            results.append(
                IndicatorResult(
                    id=spec.id,
                    ref=spec.ref,
                    group_code=group.code,
                    name_vi=spec.name_vi,
                    name_en=spec.name_en,
                    status=outcome.status,
                    value_kind=tally.value_kind,
                    numerator=tally.numerator,
                    denominator=tally.denominator,
                    ratio=to_decimal(outcome.ratio) if outcome.ratio is not None else None,
                    points=to_decimal(outcome.points),
                    maximum=spec.max,
                    excluded=outcome.excluded,
                    scoring=scoring,
                    policy_used=dict(sorted(used.items())),
                    rows=tally.rows if explain else (),
                )
            )
        totals = aggregate(group, scored, policy.cap_mode)
        groups.append(
            GroupResult(
                code=group.code,
                name_vi=group.name_vi,
                name_en=group.name_en,
                points=to_decimal(totals.points),
                maximum=group.max,
                raw_points=to_decimal(totals.raw),
                scale=to_decimal(totals.scale),
                excluded=totals.excluded,
                caps=tuple(
                    CapResult(
                        id=c.cap_id,
                        indicators=c.indicators,
                        maximum=to_decimal(c.maximum),
                        raw_points=to_decimal(c.raw),
                        points=to_decimal(c.points),
                        mode=policy.cap_mode.value,
                    )
                    for c in totals.caps
                ),
                indicators=tuple(results),
            )
        )

    counted = [g for g in groups if not g.excluded]
    subtotal = sum((g.points for g in counted), Decimal(0))
    reachable = sum((g.maximum for g in counted), Decimal(0))
    scale = Fraction(ruleset.total_max) / Fraction(reachable) if reachable else Fraction(0)
    total = to_decimal(Fraction(subtotal) * scale)  # exact: the group points have at most 10 places
    return IndexResult(
        ruleset_id=ruleset.id,
        ruleset_title_vi=ruleset.title_vi,
        ruleset_title_en=ruleset.title_en,
        unit_code=root.unit_code,
        unit_name=root.name,
        unit_level=root.level,
        period=period,
        evaluation_time=evaluation_time.astimezone(BUSINESS_TZ),
        knowledge_time=knowledge_time.astimezone(BUSINESS_TZ) if knowledge_time is not None else None,
        policy=policy,
        scope_units=tuple(u.unit_code for u in ctx.scope_units),
        groups=tuple(groups),
        total=total,
        maximum=ruleset.total_max,
        total_scale=to_decimal(scale),
        band=policy.bands.classify(for_display(total)),
        warnings=_warnings(ctx, ruleset),
    )


def evaluate_tree(
    facts: FactBase,
    unit: str,
    period: Period,
    ruleset: Ruleset,
    policy: Policy,
    evaluation_time: datetime,
    knowledge_time: datetime | None,
    *,
    calendar: WorkingTime,
    explain: bool = False,
) -> tuple[IndexResult, ...]:
    """The unit's result followed by one per direct sub-unit valid in the period (the dashboard tree)."""
    known = as_known_at(facts, knowledge_time)
    codes = [unit, *(u.unit_code for u in children(known.units, unit, period))]
    return tuple(
        evaluate(
            facts,
            code,
            period,
            ruleset,
            policy,
            evaluation_time,
            knowledge_time,
            calendar=calendar,
            explain=explain,
        )
        for code in codes
    )
