"""What ``evaluate`` returns: total, groups, indicators, explanation rows and the policy behind each figure.

Numbers are ``Decimal`` with 10 decimal places (docs/adr/0303); round to 2 places only for display.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from .facts import UnitLevel
from .periods import Period
from .policy import Band, Policy
from .ruleset import Scoring


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubjectKind(StrEnum):
    DOSSIER = "DOSSIER"
    PROCEDURE = "PROCEDURE"
    PETITION = "PETITION"
    UNIT = "UNIT"


class ExplanationRow(_Result):
    """Why one dossier (procedure, petition, commune) was or was not counted."""

    subject_kind: SubjectKind
    subject_id: str
    subject_code: str | None = None  # mã hồ sơ, procedure code …
    unit_code: str | None = None
    in_numerator: bool
    in_denominator: bool
    reason_code: str
    reason_vi: str
    reason_en: str
    details: dict[str, str] = {}


class IndicatorStatus(StrEnum):
    SCORED = "SCORED"
    EMPTY = "EMPTY"  # denominator 0: points from the empty-denominator rule
    NOT_APPLICABLE = "NOT_APPLICABLE"  # not applicable at the unit's level
    TRACKING = "TRACKING"  # maximum 0: shown, never scored


class ValueKind(StrEnum):
    RATIO = "RATIO"  # ratio in [0, 1]
    AVERAGE_WORKING_DAYS = "AVERAGE_WORKING_DAYS"  # ratio = numerator / denominator in working days


class IndicatorResult(_Result):
    id: str
    ref: str
    group_code: str
    name_vi: str
    name_en: str
    status: IndicatorStatus
    value_kind: ValueKind
    numerator: int
    denominator: int
    ratio: Decimal | None
    points: Decimal
    maximum: Decimal
    excluded: bool
    scoring: Scoring
    policy_used: dict[str, str]
    rows: tuple[ExplanationRow, ...] = ()


class CapResult(_Result):
    id: str
    indicators: tuple[str, ...]
    maximum: Decimal
    raw_points: Decimal
    points: Decimal
    mode: str


class GroupResult(_Result):
    code: str
    name_vi: str
    name_en: str
    points: Decimal
    maximum: Decimal
    raw_points: Decimal  # sum of the indicator points, before caps and rescaling
    scale: Decimal  # rescaling factor applied because indicators were excluded (1 when none)
    excluded: bool
    caps: tuple[CapResult, ...] = ()
    indicators: tuple[IndicatorResult, ...]


class IndexResult(_Result):
    ruleset_id: str
    ruleset_title_vi: str
    ruleset_title_en: str
    unit_code: str
    unit_name: str
    unit_level: UnitLevel
    period: Period
    evaluation_time: datetime
    knowledge_time: datetime | None
    policy: Policy
    scope_units: tuple[str, ...]
    groups: tuple[GroupResult, ...]
    total: Decimal
    maximum: Decimal
    total_scale: Decimal  # rescaling of the total when whole groups were excluded (1 when none)
    band: Band
    warnings: tuple[str, ...] = ()

    def indicator(self, indicator_id: str) -> IndicatorResult:
        for group in self.groups:
            for result in group.indicators:
                if result.id == indicator_id:
                    return result
        raise KeyError(indicator_id)

    def group(self, code: str) -> GroupResult:
        for group in self.groups:
            if group.code == code:
                return group
        raise KeyError(code)

    def to_json(self) -> str:
        return self.model_dump_json()


def for_display(value: Decimal) -> Decimal:
    """Two decimals, half up, as dashboards show scores and percentages (compute with full precision)."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
