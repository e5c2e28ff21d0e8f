"""Group 1, publicity and transparency (domain.md §1.3 1.1–1.4)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..context import EvaluationContext
from ..explain import day_en, day_vi, when_en, when_vi, working_days_en, working_days_vi
from ..facts import AnnouncementFact, ContentPart, PublicationState, UnitLevel
from ..periods import local_midnight
from ..results import ExplanationRow
from ..ruleset import IndicatorSpec
from ..working_time import working_days_before
from .base import Tally, dossier_row, from_rows, procedure_row


@dataclass(frozen=True)
class _Check:
    ok: bool
    vi: str
    en: str


@dataclass(frozen=True)
class _Wording:
    ok_code: str
    late_code: str
    ok_vi: str
    late_vi: str
    ok_en: str
    late_en: str


def _limit(ctx: EvaluationContext, spec: IndicatorSpec, announcement: AnnouncementFact, stem: str) -> int:
    ministry = ctx.unit_levels.get(announcement.announcing_unit_code) is UnitLevel.MINISTRY
    return spec.param(f"{'ministry' if ministry else 'province'}_{stem}")


def _per_procedure(checks: dict[str, list[_Check]], wording: _Wording) -> list[ExplanationRow]:
    """One row per procedure: it counts once, and any late decision makes it late."""
    rows = []
    for code in sorted(checks):
        ok = all(c.ok for c in checks[code])
        rows.append(
            procedure_row(
                code,
                numerator=ok,
                code=wording.ok_code if ok else wording.late_code,
                vi=f"{wording.ok_vi if ok else wording.late_vi}: " + "; ".join(c.vi for c in checks[code]),
                en=f"{wording.ok_en if ok else wording.late_en}: " + "; ".join(c.en for c in checks[code]),
            )
        )
    return rows


def _decision(a: AnnouncementFact) -> str:
    return a.decision_no or a.announcement_id


def publish_on_time(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """1.1: each announcement decision dated in the period is at least N working days ahead of the legal
    document's effective date (N = 20 for ministries, 5 for provinces)."""
    checks: dict[str, list[_Check]] = defaultdict(list)
    for a in ctx.announcements:
        if not ctx.period.contains_date(a.decision_date):
            continue
        needed = _limit(ctx, spec, a, "working_days_ahead")
        ahead = working_days_before(ctx.calendar, a.decision_date, a.legal_effective_date)
        checks[a.procedure_code].append(
            _Check(
                ahead >= needed,
                f"QĐ {_decision(a)} ngày {day_vi(a.decision_date)} trước ngày có hiệu lực "
                f"{day_vi(a.legal_effective_date)} {working_days_vi(ahead)} (cần tối thiểu {needed})",
                f"decision {_decision(a)} of {day_en(a.decision_date)} is {working_days_en(ahead)} ahead of "
                f"the effective date {day_en(a.legal_effective_date)} (at least {needed} needed)",
            )
        )
    wording = _Wording(
        "ANNOUNCED_ON_TIME",
        "ANNOUNCED_LATE",
        "Công bố đúng hạn",
        "Công bố muộn",
        "announced on time",
        "announced late",
    )
    return from_rows(_per_procedure(checks, wording))


def public_update_on_time(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """1.2: published on the national TTHC database within N working days of the decision (10 ministry,
    5 province). Counted: procedures published in the period, and procedures still unpublished at the period
    end whose N working days had run out (docs/adr/0304)."""
    checks: dict[str, list[_Check]] = defaultdict(list)
    for a in ctx.announcements:
        limit = _limit(ctx, spec, a, "working_days_to_publish")
        decided = local_midnight(a.decision_date)
        if a.published_at is not None and ctx.period.contains(a.published_at):
            took = ctx.calendar.working_days_between(decided, a.published_at)
            checks[a.procedure_code].append(
                _Check(
                    took <= limit,
                    f"QĐ {_decision(a)} ngày {day_vi(a.decision_date)} công khai lúc {when_vi(a.published_at)}, "
                    f"sau {working_days_vi(took)} (tối đa {limit})",
                    f"decision {_decision(a)} of {day_en(a.decision_date)} published {when_en(a.published_at)}, "
                    f"{working_days_en(took)} later (at most {limit})",
                )
            )
            continue
        unpublished_at_end = a.published_at is None or a.published_at >= ctx.period.ends_at
        elapsed = ctx.calendar.working_days_between(decided, ctx.pending_ref)
        if unpublished_at_end and elapsed > limit:
            checks[a.procedure_code].append(
                _Check(
                    False,
                    f"QĐ {_decision(a)} ngày {day_vi(a.decision_date)} chưa được công khai sau "
                    f"{working_days_vi(elapsed)} (tối đa {limit})",
                    f"decision {_decision(a)} of {day_en(a.decision_date)} still unpublished after "
                    f"{working_days_en(elapsed)} (at most {limit})",
                )
            )
    wording = _Wording(
        "PUBLISHED_ON_TIME",
        "PUBLISHED_LATE",
        "Công khai đúng hạn",
        "Công khai muộn",
        "published on time",
        "published late",
    )
    return from_rows(_per_procedure(checks, wording))


def public_content_full(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """1.3 (point in time): published procedures carrying all seven constituent parts."""
    rows = []
    for p in ctx.competent_procedures:
        if p.publication_state not in (PublicationState.PUBLISHED, PublicationState.PUBLISHED_AMENDED):
            continue
        missing = [part.value for part in ContentPart if part not in p.content_parts]
        rows.append(
            procedure_row(
                p,
                numerator=not missing,
                code="CONTENT_FULL" if not missing else "CONTENT_MISSING",
                vi="Công khai đủ 7 bộ phận" if not missing else "Thiếu bộ phận: " + ", ".join(missing),
                en="all seven constituent parts published"
                if not missing
                else "missing parts: " + ", ".join(missing),
            )
        )
    return from_rows(rows)


def dossier_sync(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """1.4: dossiers received in the period with at least one status sync the national portal acknowledged."""
    rows = []
    for d in ctx.received:
        sync = ctx.first_acknowledged_sync(d.dossier_id)
        if sync is not None:
            rows.append(
                dossier_row(
                    d,
                    numerator=True,
                    code="SYNCED",
                    vi=f"Đã đồng bộ lên Cổng DVCQG lúc {when_vi(sync.synced_at)} (trạng thái {sync.status_code})",
                    en=f"synced to the national portal {when_en(sync.synced_at)} (status {sync.status_code})",
                )
            )
        else:
            rows.append(
                dossier_row(
                    d,
                    numerator=False,
                    code="NOT_SYNCED",
                    vi="Chưa có lần đồng bộ nào được Cổng DVCQG xác nhận",
                    en="no status sync acknowledged by the national portal",
                )
            )
    return from_rows(rows)
