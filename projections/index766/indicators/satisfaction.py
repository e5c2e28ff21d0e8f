"""Group 5, satisfaction (domain.md §1.3 5.1–5.4, §1.5 "satisfied")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..context import EvaluationContext
from ..explain import row, when_en, when_vi, working_days_en, working_days_vi
from ..facts import PetitionClass, PetitionFact, RatingLevel
from ..results import ExplanationRow, SubjectKind
from ..ruleset import IndicatorSpec
from .base import Tally, dossier_row, from_rows
from .progress import timeliness_policy


@dataclass(frozen=True)
class _Step:
    ok: bool
    vi: str
    en: str


def _petition_row(p: PetitionFact, *, numerator: bool, code: str, vi: str, en: str) -> ExplanationRow:
    return row(
        SubjectKind.PETITION,
        p.petition_id,
        numerator=numerator,
        denominator=True,
        code=code,
        vi=vi,
        en=en,
        subject_code=p.petition_id,
        unit_code=p.unit_code,
    )


def _classification(ctx: EvaluationContext, wanted: PetitionClass) -> Tally:
    rows = [
        _petition_row(
            p,
            numerator=p.classification is wanted,
            code=p.classification.value,
            vi=f"Phân loại: {p.classification.value}",
            en=f"classified as {p.classification.value}",
        )
        for p in ctx.petitions
    ]
    return from_rows(rows)


def petitions_about_procedures(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """5.1 (tracking): petitions about regulations, policies or procedures / petitions."""
    return _classification(ctx, PetitionClass.PROCEDURE_REGULATION)


def petitions_about_staff(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """5.1 (tracking): petitions about civil servants' conduct / petitions."""
    return _classification(ctx, PetitionClass.STAFF_CONDUCT)


def _petition_steps(ctx: EvaluationContext, spec: IndicatorSpec, p: PetitionFact) -> list[_Step]:
    """Each deadline that applies to the petition: refusal 2 wd, first supplement request 5 wd, handling
    15 wd (or still within 15 wd at the reference time), publication 2 wd after handling."""
    wd = ctx.calendar.working_days_between
    start = p.clock_start
    steps: list[_Step] = []

    def check(label_vi: str, label_en: str, limit_name: str, since: datetime, until: datetime) -> None:
        limit = spec.param(limit_name)
        took = wd(since, until)
        steps.append(
            _Step(
                took <= limit,
                f"{label_vi} sau {working_days_vi(took)} (tối đa {limit})",
                f"{label_en} after {working_days_en(took)} (at most {limit})",
            )
        )

    if p.refused_at is not None:
        check("Từ chối tiếp nhận", "refused", "refuse_working_days", start, p.refused_at)
    if p.supplement_requested_at is not None:
        check(
            "Yêu cầu bổ sung",
            "supplement requested",
            "supplement_working_days",
            start,
            p.supplement_requested_at,
        )
    if p.handled_at is not None:
        check("Xử lý xong", "handled", "handle_working_days", start, p.handled_at)
        if p.published_at is not None:
            check("Công khai", "published", "publish_working_days", p.handled_at, p.published_at)
        else:
            check(
                f"Chưa công khai tại {when_vi(ctx.pending_ref)}",
                f"not yet published at {when_en(ctx.pending_ref)}",
                "publish_working_days",
                p.handled_at,
                ctx.pending_ref,
            )
    elif p.refused_at is None:
        check(
            f"Đang xử lý tại {when_vi(ctx.pending_ref)}",
            f"in progress at {when_en(ctx.pending_ref)}",
            "handle_working_days",
            start,
            ctx.pending_ref,
        )
    return steps


def _on_time(ctx: EvaluationContext, spec: IndicatorSpec, p: PetitionFact) -> tuple[bool, str, str]:
    steps = _petition_steps(ctx, spec, p)
    return all(s.ok for s in steps), "; ".join(s.vi for s in steps), "; ".join(s.en for s in steps)


def petitions_on_time(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """5.2: petitions first received in the period whose every applicable step met its deadline."""
    rows = []
    for p in ctx.petitions:
        ok, vi, en = _on_time(ctx, spec, p)
        rows.append(
            _petition_row(
                p,
                numerator=ok,
                code="ON_TIME" if ok else "LATE",
                vi=("Đúng hạn: " if ok else "Quá hạn: ") + vi,
                en=("on time: " if ok else "late: ") + en,
            )
        )
    return from_rows(rows)


def petition_satisfaction(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """5.3: petitions with no negative signal (more dislikes than likes, overdue, re-raised as
    dissatisfied) / petitions first received in the period. The deadlines are 5.2's, read from this
    indicator's own parameters."""
    rows = []
    for p in ctx.petitions:
        on_time, _, _ = _on_time(ctx, spec, p)
        signals = [
            (vi, en)
            for vi, en, present in (
                (
                    f"không hài lòng ({p.dislikes} > {p.likes})",
                    f"disliked ({p.dislikes} > {p.likes})",
                    p.dislikes > p.likes,
                ),
                ("xử lý quá hạn", "handled late", not on_time),
                ("tiếp tục phản ánh không hài lòng", "re-raised as dissatisfied", p.re_raised_dissatisfied),
            )
            if present
        ]
        rows.append(
            _petition_row(
                p,
                numerator=not signals,
                code="SATISFIED" if not signals else "DISSATISFIED",
                vi="Không có tín hiệu không hài lòng" if not signals else "; ".join(s[0] for s in signals),
                en="no negative signal" if not signals else "; ".join(s[1] for s in signals),
            )
        )
    return from_rows(rows)


def dossier_satisfaction(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """5.4: dossiers with no negative signal (overdue per 2.1, a linked petition, a latest rating of
    "dissatisfied") / dossiers judged by 2.1. A dossier with several signals is counted once (§1.5)."""
    rows = []
    for d in ctx.progress_population:
        verdict = ctx.verdict(d)
        petitions = ctx.petitions_by_dossier.get(d.dossier_id, ())
        rating = ctx.latest_rating.get(d.dossier_id)
        signals = []
        if verdict.determined and not verdict.on_time:
            signals.append(("quá hạn: " + verdict.reason_vi, "overdue: " + verdict.reason_en))
        if petitions:
            ids = ", ".join(p.petition_id for p in petitions)
            signals.append((f"có phản ánh, kiến nghị ({ids})", f"petition(s) about it ({ids})"))
        if rating is not None and rating.level is RatingLevel.DISSATISFIED:
            signals.append(
                (
                    f"đánh giá không hài lòng lúc {when_vi(rating.rated_at)}",
                    f"rated dissatisfied {when_en(rating.rated_at)}",
                )
            )
        rows.append(
            dossier_row(
                d,
                numerator=not signals,
                code="SATISFIED" if not signals else "DISSATISFIED",
                vi="Không có tín hiệu không hài lòng" if not signals else "; ".join(s[0] for s in signals),
                en="no negative signal" if not signals else "; ".join(s[1] for s in signals),
            )
        )
    return from_rows(rows, policy_used=timeliness_policy(ctx))
