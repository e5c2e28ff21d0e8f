"""A procedure's internal workflow (quy trình nội bộ) as the processing context needs it.

The catalogue lives with the intake context; processing receives it through the ``Workflows`` port
(``processing.ports``) as these plain values, and copies the one it opened a case with into the case's first
event, so a later catalogue change never rewrites how an open case is handled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from contracts.enums import ClockPauseReason, DurationUnit, StepKind, SupplementClockPolicy


class StepRole(StrEnum):
    """Who performs a step (the catalogue's ``handled_by``)."""

    ONE_STOP = "ONE_STOP"  # Bộ phận Một cửa
    SPECIALIST = "SPECIALIST"  # chuyên viên thụ lý
    DIVISION_LEAD = "DIVISION_LEAD"  # lãnh đạo phòng
    AGENCY_LEAD = "AGENCY_LEAD"  # lãnh đạo cơ quan / Chủ tịch UBND
    PARTNER_AGENCY = "PARTNER_AGENCY"  # another agency of an inter-agency flow


@dataclass(frozen=True)
class TimeLimit:
    """A length of handling time: a statutory limit or a step's allotment (0 = "không tính thời gian")."""

    value: Decimal
    unit: DurationUnit

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", Decimal(str(self.value)))
        object.__setattr__(self, "unit", DurationUnit(self.unit))
        if not self.value.is_finite() or self.value < 0:
            raise ValueError(f"a time limit is a finite number ≥ 0, not {self.value}")

    @property
    def is_zero(self) -> bool:
        return self.value == 0 and self.unit is not DurationUnit.SAME_DAY

    def to_record(self) -> dict[str, str]:
        return {"value": str(self.value), "unit": self.unit.value}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> TimeLimit:
        return cls(Decimal(str(record["value"])), DurationUnit(record["unit"]))


@dataclass(frozen=True)
class WorkflowStep:
    """One step of the internal workflow: what, who, for which agency, and its allotted time."""

    kind: StepKind
    name: str
    role: StepRole
    allotted: TimeLimit
    agency_code: str | None = None  # the unit that performs it; required for a partner agency's step
    agency_name: str | None = None

    @property
    def is_partner(self) -> bool:
        return self.kind is StepKind.INTER_AGENCY

    def to_record(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "name": self.name,
            "role": self.role.value,
            "allotted": self.allotted.to_record(),
            "agency_code": self.agency_code,
            "agency_name": self.agency_name,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> WorkflowStep:
        return cls(
            kind=StepKind(record["kind"]),
            name=str(record["name"]),
            role=StepRole(record["role"]),
            allotted=TimeLimit.from_record(record["allotted"]),
            agency_code=record["agency_code"],
            agency_name=record["agency_name"],
        )


@dataclass(frozen=True)
class Workflow:
    """The handling rules of one procedure as published by the province.

    ``steps`` start with the desk's RECEIVE and end with the untimed RETURN_RESULT; the steps between are the
    competent agency's. INTER_AGENCY steps are tasks of partner agencies (one-stop liên thông).
    """

    procedure_code: str
    steps: tuple[WorkflowStep, ...]
    supplement_clock_policy: SupplementClockPolicy
    clock_exclusions: frozenset[ClockPauseReason] = frozenset()
    receipt_cutoff: time | None = None
    inter_agency_group: str | None = None
    legal_basis: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError(f"workflow of {self.procedure_code} is unusable: " + "; ".join(problems))

    def problems(self, lead_agency_code: str | None = None) -> list[str]:
        """What makes this workflow unusable (for the lead agency ``lead_agency_code`` when given)."""
        found: list[str] = []
        if len(self.steps) < 2 or self.steps[0].kind is not StepKind.RECEIVE:
            found.append("it must start with RECEIVE")
        if not self.steps or self.steps[-1].kind is not StepKind.RETURN_RESULT:
            found.append("it must end with RETURN_RESULT")
        previous_partner: str | None = None
        for step in self.agency_steps:
            if step.kind in (StepKind.RECEIVE, StepKind.RETURN_RESULT):
                found.append(f"{step.kind} may only open or close the workflow")
            if step.is_partner:
                if not step.agency_code:
                    found.append(f"partner step {step.name!r} names no agency code")
                elif step.agency_code == lead_agency_code:
                    found.append(f"partner step {step.name!r} is performed by the lead agency itself")
                elif step.agency_code == previous_partner:
                    found.append(f"partner step {step.name!r} follows a step of the same agency")
                if step.allotted.value <= 0:
                    found.append(f"partner step {step.name!r} has no allotted time for its transfer slip")
                previous_partner = step.agency_code
            else:
                previous_partner = None
        return found

    @property
    def receive_step(self) -> WorkflowStep:
        return self.steps[0]

    @property
    def agency_steps(self) -> tuple[WorkflowStep, ...]:
        """The steps between the desk's receipt and the return of the result."""
        return self.steps[1:-1]

    @property
    def partner_steps(self) -> tuple[WorkflowStep, ...]:
        return tuple(step for step in self.agency_steps if step.is_partner)

    @property
    def basis_text(self) -> str:
        """The legal basis of the procedure as one short text (≤ 255 characters, for public events)."""
        text = "; ".join(self.legal_basis) or f"Quy trình nội bộ thủ tục {self.procedure_code}"
        return text if len(text) <= 255 else text[:254] + "…"

    def to_record(self) -> dict[str, Any]:
        return {
            "procedure_code": self.procedure_code,
            "steps": [step.to_record() for step in self.steps],
            "supplement_clock_policy": self.supplement_clock_policy.value,
            "clock_exclusions": sorted(reason.value for reason in self.clock_exclusions),
            "receipt_cutoff": self.receipt_cutoff.isoformat() if self.receipt_cutoff else None,
            "inter_agency_group": self.inter_agency_group,
            "legal_basis": list(self.legal_basis),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Workflow:
        cutoff = record["receipt_cutoff"]
        return cls(
            procedure_code=str(record["procedure_code"]),
            steps=tuple(WorkflowStep.from_record(step) for step in record["steps"]),
            supplement_clock_policy=SupplementClockPolicy(record["supplement_clock_policy"]),
            clock_exclusions=frozenset(ClockPauseReason(reason) for reason in record["clock_exclusions"]),
            receipt_cutoff=time.fromisoformat(cutoff) if cutoff else None,
            inter_agency_group=record["inter_agency_group"],
            legal_basis=tuple(str(text) for text in record["legal_basis"]),
        )
