"""Group 4, digitisation (domain.md §1.3 4.1–4.5, §1.4 MDSH rows)."""

from __future__ import annotations

from collections import defaultdict

from ..context import EvaluationContext
from ..explain import row
from ..facts import ApplicantKind, ComponentSource, DossierFact, Outcome, UnitLevel
from ..results import ExplanationRow, SubjectKind
from ..ruleset import IndicatorSpec
from .base import Tally, dossier_row, from_rows, procedure_row


def _with_result(ctx: EvaluationContext) -> list[DossierFact]:
    """Dossiers received in the period whose result (approval) was issued: only these can carry a result file."""
    return [d for d in ctx.received if d.outcome is Outcome.APPROVED]


def original_result_available(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """4.1: approved dossiers of paper-result procedures whose synced result has a file link."""
    rows = []
    for d in _with_result(ctx):
        procedure = ctx.procedure(d.procedure_code)
        if procedure is None or not procedure.paper_result:
            continue
        ok = d.result_file_linked
        rows.append(
            dossier_row(
                d,
                numerator=ok,
                code="E_RESULT" if ok else "NO_E_RESULT",
                vi="Có tệp kết quả điện tử" if ok else "Kết quả không có tệp điện tử",
                en="electronic result file linked" if ok else "no electronic result file",
            )
        )
    return from_rows(rows)


def digitised_dossiers(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """4.2: approved dossiers with files attached to their components and to the result."""
    rows = []
    for d in _with_result(ctx):
        components, result = d.has_component_files, d.result_file_linked
        missing_vi = [x for x, ok in (("thành phần hồ sơ", components), ("kết quả", result)) if not ok]
        missing_en = [x for x, ok in (("components", components), ("result", result)) if not ok]
        rows.append(
            dossier_row(
                d,
                numerator=not missing_en,
                code="DIGITISED" if not missing_en else "NOT_DIGITISED",
                vi="Đã số hóa thành phần và kết quả"
                if not missing_vi
                else "Chưa có tệp: " + ", ".join(missing_vi),
                en="components and result digitised"
                if not missing_en
                else "no files for: " + ", ".join(missing_en),
            )
        )
    return from_rows(rows)


def electronic_certified_copy(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """Communes in scope that issued at least one electronic certified copy (chứng thực bản sao điện tử)
    in the period / communes in scope."""
    issued: dict[str, list[str]] = defaultdict(list)
    for d in ctx.received:
        procedure = ctx.procedure(d.procedure_code)
        if procedure is not None and procedure.certification and d.result_file_linked:
            issued[d.unit_code].append(d.dossier_id)
    rows: list[ExplanationRow] = []
    for commune in ctx.scope_units:
        if commune.level is not UnitLevel.COMMUNE:
            continue
        count = len(issued.get(commune.unit_code, []))
        rows.append(
            row(
                SubjectKind.UNIT,
                commune.unit_code,
                numerator=count > 0,
                denominator=True,
                code="ISSUES_E_COPIES" if count else "NO_E_COPIES",
                vi=f"{commune.name or commune.unit_code}: {count} bản sao chứng thực điện tử trong kỳ",
                en=f"{commune.name or commune.unit_code}: {count} electronic certified cop{'y' if count == 1 else 'ies'}",
                subject_code=commune.unit_code,
                unit_code=commune.unit_code,
            )
        )
    return from_rows(rows)


_SOURCE_VI = {
    ComponentSource.DATA_STORE: "lấy từ kho dữ liệu",
    ComponentSource.REUSED_COMPONENT: "dùng lại từ hồ sơ khác",
    ComponentSource.REUSED_RESULT: "dùng lại từ kết quả",
}


def reused_digitised_data(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """4.3: dossiers received in the period with at least one component re-used from digitised data."""
    rows = []
    for d in ctx.received:
        reused = sorted(f"{c.code} ({_SOURCE_VI[c.source]})" for c in d.components if c.source in _SOURCE_VI)
        reused_en = sorted(f"{c.code} ({c.source.value})" for c in d.components if c.source in _SOURCE_VI)
        rows.append(
            dossier_row(
                d,
                numerator=bool(reused),
                code="REUSED" if reused else "NOT_REUSED",
                vi="Tái sử dụng: " + ", ".join(reused)
                if reused
                else "Không thành phần nào dùng lại dữ liệu số",
                en="re-used: " + ", ".join(reused_en) if reused_en else "no component re-uses digitised data",
            )
        )
    return from_rows(rows)


def data_store_connected(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """4.4: dossiers with a component taken from the applicant's data store on DVCQG, or whose e-result was
    pushed there."""
    rows = []
    for d in ctx.received:
        from_store = any(c.source is ComponentSource.DATA_STORE for c in d.components)
        ok = d.uses_data_store
        rows.append(
            dossier_row(
                d,
                numerator=ok,
                code="DATA_STORE" if ok else "NO_DATA_STORE",
                vi=("Thành phần lấy từ kho dữ liệu" if from_store else "Kết quả đã đưa vào kho dữ liệu")
                if ok
                else "Không kết nối kho dữ liệu cá nhân",
                en=(
                    "component taken from the data store" if from_store else "result pushed to the data store"
                )
                if ok
                else "not connected to the personal data store",
            )
        )
    return from_rows(rows)


def _population_flags(d: DossierFact) -> list[str]:
    return [n for n, on in (("VNeID", d.vneid_authenticated), ("MaCSDL", d.population_db_linked)) if on]


def citizen_data_dossiers(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """4.5 (dossiers): individuals' dossiers authenticated with VNeID or linked to the population database."""
    rows = []
    for d in ctx.received:
        if d.applicant_kind is not ApplicantKind.INDIVIDUAL:
            continue
        flags = _population_flags(d)
        rows.append(
            dossier_row(
                d,
                numerator=bool(flags),
                code="POPULATION_DATA" if flags else "NO_POPULATION_DATA",
                vi="Dùng dữ liệu dân cư: " + ", ".join(flags) if flags else "Không dùng dữ liệu dân cư",
                en="population data used: " + ", ".join(flags) if flags else "no population data used",
            )
        )
    return from_rows(rows)


def citizen_data_procedures(ctx: EvaluationContext, spec: IndicatorSpec) -> Tally:
    """4.5 (procedures): procedures for individuals, in competence and with dossiers in the period, at least
    one of which used population data."""
    by_procedure: dict[str, list[DossierFact]] = defaultdict(list)
    for d in ctx.received:
        if d.applicant_kind is ApplicantKind.INDIVIDUAL:
            by_procedure[d.procedure_code].append(d)
    rows = []
    for p in ctx.competent_procedures:
        dossiers = by_procedure.get(p.procedure_code, [])
        if not p.for_individuals or not dossiers:
            continue
        using = [d for d in dossiers if _population_flags(d)]
        rows.append(
            procedure_row(
                p,
                numerator=bool(using),
                code="CONNECTED" if using else "NOT_CONNECTED",
                vi=f"{len(using)}/{len(dossiers)} hồ sơ dùng dữ liệu dân cư",
                en=f"{len(using)}/{len(dossiers)} dossier(s) used population data",
            )
        )
    return from_rows(rows)
