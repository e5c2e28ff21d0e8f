"""Processing's ports served by the intake context's real deadline engine and procedure catalogue.

``processing`` may not import ``intake`` (ADR 0002); the composition root may, so the two contexts share one
working calendar and one catalogue: the due time the desk printed on the receipt slip and the one processing
watches are computed by the same code from the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from contracts.enums import ClockPauseReason, DurationUnit, StepKind, SupplementClockPolicy
from intake.deadlines import DeadlineEngine, DeadlinePolicy
from intake.reference import ReferenceData
from processing.ports import Deadline, UnknownProcedure
from processing.workflow import StepRole, TimeLimit, Workflow, WorkflowStep


class IntakeDeadlines:
    """processing.ports.Deadlines on intake's DeadlineEngine, one engine per unit calendar."""

    def __init__(self, reference: ReferenceData, policy: DeadlinePolicy | None = None) -> None:
        self.reference = reference
        self.policy = policy or DeadlinePolicy()
        self._engines: dict[str, DeadlineEngine] = {}

    def engine(self, unit_code: str) -> DeadlineEngine:
        if unit_code not in self._engines:
            self._engines[unit_code] = DeadlineEngine(self.reference.calendar_for(unit_code), self.policy)
        return self._engines[unit_code]

    def deadline(
        self, unit_code: str, limit: TimeLimit, start: datetime, *, cutoff: time | None = None
    ) -> Deadline:
        computed = self.engine(unit_code).deadline(limit, start, cutoff=cutoff)
        return Deadline(computed.clock_start_at, computed.due_at)

    def add_working_time(self, unit_code: str, start: datetime, amount: timedelta) -> datetime:
        return self.engine(unit_code).calendar.add_working_time(start, amount)

    def working_time_between(self, unit_code: str, start: datetime, end: datetime) -> timedelta:
        return self.engine(unit_code).calendar.working_time_between(start, end)

    def working_days_between(self, unit_code: str, start: date, end: date) -> int:
        return self.engine(unit_code).calendar.working_days_between(start, end)

    def one_working_day_before(self, unit_code: str, at: datetime) -> datetime:
        engine = self.engine(unit_code)
        return engine.calendar.subtract_working_time(at, engine.working_day_length)

    def subtract_working_time(self, unit_code: str, end: datetime, amount: timedelta) -> datetime:
        return self.engine(unit_code).calendar.subtract_working_time(end, amount)


# Partner agencies the catalogue names in words, as unit codes; "{unit}" is the processing unit (a commune's
# own division). Commune police belong to the provincial police (H44.15); the health-insurance card is
# issued by the provincial social insurance (H44.16).
PARTNER_UNITS: Mapping[str, str] = {
    "Công an cấp xã": "H44.15",
    "Bảo hiểm xã hội": "H44.16",
    "Phòng Văn hóa - Xã hội cấp xã": "{unit}.VHXH",
}


class CatalogueWorkflows:
    """processing.ports.Workflows on intake's procedure catalogue."""

    def __init__(self, reference: ReferenceData, partner_units: Mapping[str, str] = PARTNER_UNITS) -> None:
        self.reference = reference
        self.partner_units = partner_units

    def workflow_for(self, procedure_code: str, processing_unit_code: str) -> Workflow:
        try:
            procedure = self.reference.procedures.get(procedure_code)
        except KeyError:
            raise UnknownProcedure(procedure_code) from None
        steps = []
        for step in procedure.workflow:
            role = StepRole(step.handled_by.value)
            agency_code = None
            if role is StepRole.PARTNER_AGENCY and step.agency is not None:
                agency_code = self.partner_units[step.agency].format(unit=processing_unit_code)
            steps.append(
                WorkflowStep(
                    kind=StepKind(step.step.value),
                    name=step.name,
                    role=role,
                    allotted=TimeLimit(step.allotted.value, DurationUnit(step.allotted.unit.value)),
                    agency_code=agency_code,
                    agency_name=step.agency,
                )
            )
        return Workflow(
            procedure_code=procedure.code,
            steps=tuple(steps),
            supplement_clock_policy=SupplementClockPolicy(procedure.supplement_clock_policy.value),
            clock_exclusions=frozenset(ClockPauseReason(e.value) for e in procedure.clock_exclusions),
            receipt_cutoff=procedure.receipt_cutoff,
            inter_agency_group=procedure.inter_agency_group.value if procedure.inter_agency_group else None,
            legal_basis=tuple(procedure.legal_basis),
        )
