"""Group 2, progress and results of handling (domain.md §1.3 2.1–2.2)."""

from __future__ import annotations

from fractions import Fraction

from ..context import EvaluationContext
from ..explain import working_days_en, working_days_vi
from ..facts import Outcome
from ..results import ValueKind
from ..ruleset import IndicatorSpec
from ..timeliness import Stage
from .base import Tally, dossier_row, from_rows


def timeliness_policy(ctx: EvaluationContext) -> dict[str, str]:
    p = ctx.policy
    return {
        "due_basis": p.due_basis.value,
        "outcome_cutoff": p.outcome_cutoff.value,
        "progress_population": p.progress_population.value,
        "subtracted_waits": p.subtracted_waits.value,
    }


def dossiers_on_time(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """2.1: (finished early or on time + in progress within the deadline) / dossiers to judge."""
    rows = []
    for d in ctx.progress_population:
        v = ctx.verdict(d)
        rows.append(
            dossier_row(
                d,
                numerator=v.on_time,
                denominator=v.determined,
                code=v.reason_code,
                vi=v.reason_vi,
                en=v.reason_en,
                details=v.details,
            )
        )
    return from_rows(rows, policy_used=timeliness_policy(ctx))


def average_handling_time(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """2.2 (tracking): mean working days from receipt to the counted end of dossiers approved and finished,
    received in the period. Supplement waits are subtracted as in 2.1."""
    rows = []
    total = 0
    for d in ctx.received:
        v = ctx.verdict(d)
        completed = v.stage is Stage.FINISHED and d.outcome in (Outcome.APPROVED, None)
        if not completed or d.received_at is None:
            continue
        days = max(0, ctx.calendar.working_days_between(d.received_at, v.counted_end_at))
        total += days
        rows.append(
            dossier_row(
                d,
                numerator=True,
                code="HANDLED",
                vi=f"Giải quyết trong {working_days_vi(days)}",
                en=f"handled in {working_days_en(days)}",
                details={"working_days": str(days), **v.details},
            )
        )
    count = len(rows)
    return Tally(
        numerator=total,
        denominator=count,
        rows=tuple(sorted(rows, key=lambda r: r.subject_id)),
        ratio=Fraction(total, count) if count else None,
        value_kind=ValueKind.AVERAGE_WORKING_DAYS,
        policy_used={"subtracted_waits": ctx.policy.subtracted_waits.value},
    )
