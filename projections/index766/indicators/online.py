"""Groups 3 and 3-bis, online services and online payment (domain.md §1.3 3.1–3.6, §1.4 DVCTT and TTTT)."""

from __future__ import annotations

from collections import defaultdict

from ..context import EvaluationContext
from ..explain import when_en, when_vi
from ..facts import Channel, DossierFact, OnlineLevel, OnlineMode
from ..results import ExplanationRow
from ..ruleset import IndicatorSpec
from .base import Tally, dossier_row, from_rows, procedure_row

_CHANNEL_VI = {
    Channel.COUNTER: "trực tiếp",
    Channel.ONLINE: "trực tuyến",
    Channel.POSTAL: "qua bưu chính công ích",
}
_CHANNEL_EN = {Channel.COUNTER: "at the counter", Channel.ONLINE: "online", Channel.POSTAL: "by public post"}


def _online_with_result(ctx: EvaluationContext, d: DossierFact) -> tuple[bool, str, str]:
    """Online, and for a paper-result procedure also an electronic result (§1.5); unknown procedures are
    treated as paper-result ones."""
    if d.channel is not Channel.ONLINE:
        return False, f"Nộp {_CHANNEL_VI[d.channel]}", f"submitted {_CHANNEL_EN[d.channel]}"
    procedure = ctx.procedure(d.procedure_code)
    if (procedure is None or procedure.paper_result) and not d.has_e_result:
        return (
            False,
            "Nộp trực tuyến nhưng chưa có kết quả điện tử (mã kết quả và tệp kết quả)",
            "submitted online but no electronic result (result code and file) yet",
        )
    return True, "Nộp trực tuyến", "submitted online"


def online_dossier_share(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """3.3 (tracking): online dossiers (with an e-result for paper-result procedures) / dossiers received,
    multiplied by the sync ratio of 1.4 as VPCP-TECH 3.3 says."""
    rows = []
    for d in ctx.received:
        ok, vi, en = _online_with_result(ctx, d)
        rows.append(dossier_row(d, numerator=ok, code="ONLINE" if ok else "NOT_ONLINE", vi=vi, en=en))
    return from_rows(rows, adjust=ctx.sync_ratio, policy_used={"times_sync_ratio": "yes (VPCP-TECH 3.3)"})


def _channel_share(ctx: EvaluationContext, channel: Channel) -> Tally:
    rows = [
        dossier_row(
            d,
            numerator=d.channel is channel,
            code=d.channel.value,
            vi=f"Nộp {_CHANNEL_VI[d.channel]}",
            en=f"submitted {_CHANNEL_EN[d.channel]}",
        )
        for d in ctx.received
    ]
    return from_rows(rows)


def counter_dossier_share(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """3.3 (tracking): counter dossiers (KenhThucHien 1 or missing) / dossiers received."""
    return _channel_share(ctx, Channel.COUNTER)


def postal_dossier_share(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """3.3 (tracking): public-postal dossiers (KenhThucHien 3) / dossiers received."""
    return _channel_share(ctx, Channel.POSTAL)


def full_online_dossiers(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """DVCTT (12 points): full-online dossiers / dossiers received of procedures eligible for full-online
    service. Policy ``full_online_times_sync_ratio`` applies the 3.3 sync multiplier here too."""
    rows = []
    for d in ctx.received:
        procedure = ctx.procedure(d.procedure_code)
        if procedure is None or not procedure.full_online_eligible:
            continue
        ok, vi, en = _online_with_result(ctx, d)
        if ok and d.online_mode is not OnlineMode.FULL:
            ok, vi, en = (
                False,
                "Nộp trực tuyến một phần, không toàn trình",
                "submitted online, partial (not full) service",
            )
        elif ok:
            vi, en = "Nộp trực tuyến toàn trình", "submitted online, full-online service"
        rows.append(
            dossier_row(d, numerator=ok, code="FULL_ONLINE" if ok else "NOT_FULL_ONLINE", vi=vi, en=en)
        )
    times_sync = ctx.policy.full_online_times_sync_ratio
    return from_rows(
        rows,
        adjust=ctx.sync_ratio if times_sync else None,
        policy_used={"full_online_times_sync_ratio": str(times_sync).lower()},
    )


def procedures_online(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """3.1 (tracking): procedures in competence offered as an online service (partial or full)."""
    rows = [
        procedure_row(
            p,
            numerator=p.online_level is not OnlineLevel.NONE,
            code=f"ONLINE_{p.online_level.value}",
            vi={
                OnlineLevel.NONE: "Chưa cung cấp DVCTT",
                OnlineLevel.PARTIAL: "DVCTT một phần",
                OnlineLevel.FULL: "DVCTT toàn trình",
            }[p.online_level],
            en={
                OnlineLevel.NONE: "no online service",
                OnlineLevel.PARTIAL: "partial online service",
                OnlineLevel.FULL: "full online service",
            }[p.online_level],
        )
        for p in ctx.competent_procedures
    ]
    return from_rows(rows)


def full_online_procedures(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """Tracking: procedures eligible for full-online service that are offered full online."""
    rows = [
        procedure_row(
            p,
            numerator=p.online_level is OnlineLevel.FULL,
            code="FULL" if p.online_level is OnlineLevel.FULL else "NOT_FULL",
            vi="Đủ điều kiện, đã cung cấp toàn trình"
            if p.online_level is OnlineLevel.FULL
            else "Đủ điều kiện nhưng chưa cung cấp toàn trình",
            en="eligible and offered full online"
            if p.online_level is OnlineLevel.FULL
            else "eligible but not offered full online",
        )
        for p in ctx.competent_procedures
        if p.full_online_eligible
    ]
    return from_rows(rows)


def _received_by_procedure(ctx: EvaluationContext) -> dict[str, list[DossierFact]]:
    grouped: dict[str, list[DossierFact]] = defaultdict(list)
    for d in ctx.received:
        grouped[d.procedure_code].append(d)
    return grouped


def online_services_used(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """3.2 (tracking): online services of the unit that received at least one online dossier in the period."""
    by_procedure = _received_by_procedure(ctx)
    rows = []
    for p in ctx.competent_procedures:
        if p.online_level is OnlineLevel.NONE:
            continue
        online = [d for d in by_procedure.get(p.procedure_code, []) if d.channel is Channel.ONLINE]
        rows.append(
            procedure_row(
                p,
                numerator=bool(online),
                code="USED" if online else "UNUSED",
                vi=f"{len(online)} hồ sơ trực tuyến trong kỳ",
                en=f"{len(online)} online dossier(s) in the period",
            )
        )
    return from_rows(rows)


# -- online payment ------------------------------------------------------------------------------------------


def dossiers_paid_online(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """3.6: dossiers paid online (DuocThanhToanTrucTuyen 1 or 2) / dossiers of fee-bearing procedures,
    less those whose synced fee list is all zero (or empty)."""
    rows: list[ExplanationRow] = []
    for d in ctx.received:
        procedure = ctx.procedure(d.procedure_code)
        if procedure is None or not procedure.fee_bearing:
            continue
        if d.fee_total_vnd == 0:
            rows.append(
                dossier_row(
                    d,
                    numerator=False,
                    denominator=False,
                    code="ZERO_FEE",
                    vi="Danh sách phí, lệ phí đồng bộ bằng 0: loại khỏi mẫu số",
                    en="synced fee lines are all zero: removed from the denominator",
                )
            )
            continue
        method = d.payment_method
        fee_vi = f"{d.fee_total_vnd:,}".replace(",", ".")
        if method is not None and method.is_online:
            paid_vi = f" lúc {when_vi(d.paid_at)}" if d.paid_at is not None else ""
            paid_en = f" at {when_en(d.paid_at)}" if d.paid_at is not None else ""
            code, vi, en = (
                "PAID_ONLINE",
                f"Phí {fee_vi} đồng, thanh toán trực tuyến ({method.value}){paid_vi}",
                f"fee {d.fee_total_vnd:,} VND paid online ({method.value}){paid_en}",
            )
        elif method is not None:
            code, vi, en = (
                "PAID_OTHERWISE",
                f"Phí {fee_vi} đồng, thanh toán không trực tuyến ({method.value})",
                f"fee {d.fee_total_vnd:,} VND paid, not online ({method.value})",
            )
        else:
            code, vi, en = (
                "UNPAID",
                f"Phí {fee_vi} đồng, chưa thanh toán",
                f"fee {d.fee_total_vnd:,} VND, not paid",
            )
        rows.append(
            dossier_row(
                d,
                numerator=code == "PAID_ONLINE",
                code=code,
                vi=vi,
                en=en,
                details={"fee_total_vnd": str(d.fee_total_vnd)},
            )
        )
    return from_rows(rows)


def _fee_procedure_rows(ctx: EvaluationContext, *, online_only: bool) -> list[ExplanationRow]:
    by_procedure = _received_by_procedure(ctx)
    rows = []
    for p in ctx.competent_procedures:
        if not p.fee_bearing:
            continue
        with_fee = [d for d in by_procedure.get(p.procedure_code, []) if d.fee_total_vnd > 0]
        paid_online = [d for d in with_fee if d.payment_method is not None and d.payment_method.is_online]
        hits = paid_online if online_only else with_fee
        if online_only:
            vi = f"{len(paid_online)} hồ sơ thanh toán trực tuyến trong kỳ"
            en = f"{len(paid_online)} dossier(s) paid online in the period"
        else:
            vi = f"{len(with_fee)} hồ sơ có dữ liệu phí, lệ phí khác 0 trong kỳ"
            en = f"{len(with_fee)} dossier(s) with non-zero fee data in the period"
        rows.append(procedure_row(p, numerator=bool(hits), code="YES" if hits else "NO", vi=vi, en=en))
    return rows


def fee_procedures_paid_online(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """TTTT term 2: fee-bearing procedures with at least one online payment / fee-bearing procedures."""
    return from_rows(_fee_procedure_rows(ctx, online_only=True))


def fee_procedures_with_fee_dossiers(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """3.5 / TTTT term 3: fee-bearing procedures whose dossiers carried non-zero fee data / fee-bearing ones."""
    return from_rows(_fee_procedure_rows(ctx, online_only=False))
