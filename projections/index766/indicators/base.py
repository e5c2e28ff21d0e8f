"""The shape every indicator calculator returns, and row helpers shared by the families."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from ..context import EvaluationContext
from ..explain import row
from ..facts import DossierFact, ProcedureFact
from ..results import ExplanationRow, SubjectKind, ValueKind
from ..ruleset import IndicatorSpec


@dataclass(frozen=True)
class Tally:
    numerator: int
    denominator: int
    rows: tuple[ExplanationRow, ...]
    ratio: Fraction | None = None  # set when the ratio is not simply numerator / denominator
    value_kind: ValueKind = ValueKind.RATIO
    policy_used: dict[str, str] = field(default_factory=dict)


Calculator = Callable[[EvaluationContext, IndicatorSpec], Tally]


def from_rows(
    rows: Iterable[ExplanationRow],
    *,
    adjust: Fraction | None = None,
    policy_used: dict[str, str] | None = None,
) -> Tally:
    """Numerator and denominator counted from the rows themselves, so the explanation always adds up.

    ``adjust`` multiplies the ratio (VPCP-TECH 3.3 multiplies the online share by the sync ratio).
    """
    ordered = tuple(sorted(rows, key=lambda r: (r.subject_kind.value, r.subject_id)))
    denominator = sum(1 for r in ordered if r.in_denominator)
    numerator = sum(1 for r in ordered if r.in_denominator and r.in_numerator)
    ratio = None
    if adjust is not None and denominator:
        ratio = Fraction(numerator, denominator) * adjust
    return Tally(numerator, denominator, ordered, ratio=ratio, policy_used=dict(policy_used or {}))


def dossier_row(
    dossier: DossierFact,
    *,
    numerator: bool,
    denominator: bool = True,
    code: str,
    vi: str,
    en: str,
    details: dict[str, str] | None = None,
) -> ExplanationRow:
    return row(
        SubjectKind.DOSSIER,
        dossier.dossier_id,
        numerator=numerator,
        denominator=denominator,
        code=code,
        vi=vi,
        en=en,
        subject_code=dossier.code,
        unit_code=dossier.unit_code,
        details=details,
    )


def procedure_row(
    procedure: ProcedureFact | str,
    *,
    numerator: bool,
    denominator: bool = True,
    code: str,
    vi: str,
    en: str,
    details: dict[str, str] | None = None,
) -> ExplanationRow:
    key = procedure if isinstance(procedure, str) else procedure.procedure_code
    return row(
        SubjectKind.PROCEDURE,
        key,
        numerator=numerator,
        denominator=denominator,
        code=code,
        vi=vi,
        en=en,
        subject_code=key,
        details=details,
    )


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"
