"""What the processing context needs from outside and asks for through small ports (ADRs 0002, 0501).

The working calendar and the deadline engine, and the procedure catalogue, belong to the intake context;
``services/`` adapts them to these protocols. All calendar arithmetic is on the calendar of one unit,
named by its code, and every instant is timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from processing.workflow import TimeLimit, Workflow


@dataclass(frozen=True)
class Deadline:
    """When a clock started counting and when the time it was given runs out."""

    clock_start_at: datetime
    due_at: datetime


class Deadlines(Protocol):
    """Working-time arithmetic on a unit's working calendar (domain.md §3.3)."""

    def deadline(
        self, unit_code: str, limit: TimeLimit, start: datetime, *, cutoff: time | None = None
    ) -> Deadline:
        """Clock start and due time for ``limit`` counted from ``start`` (after the receipt ``cutoff``, if any,
        the count starts the next working day); the same rule the desk used for the receipt slip."""
        ...

    def add_working_time(self, unit_code: str, start: datetime, amount: timedelta) -> datetime:
        """The earliest instant at which ``amount`` of office time has run since ``start``."""
        ...

    def working_time_between(self, unit_code: str, start: datetime, end: datetime) -> timedelta:
        """Office time from ``start`` to ``end`` (negative if ``end`` is earlier)."""
        ...

    def working_days_between(self, unit_code: str, start: date, end: date) -> int:
        """Working days in ``(start, end]``: the "within 3 working days of receipt" test."""
        ...

    def one_working_day_before(self, unit_code: str, at: datetime) -> datetime:
        """The latest instant that is still one working day of office time before ``at``."""
        ...

    def subtract_working_time(self, unit_code: str, end: datetime, amount: timedelta) -> datetime:
        """The latest instant from which ``amount`` of office time runs until ``end``."""
        ...


class UnknownProcedure(LookupError):
    """The catalogue has no workflow for this procedure (and unit)."""


class Workflows(Protocol):
    """The procedure catalogue, as internal workflows."""

    def workflow_for(self, procedure_code: str, processing_unit_code: str) -> Workflow:
        """The workflow the unit ``processing_unit_code`` follows for ``procedure_code``.

        Partner agencies are given as unit codes, resolved for that unit (a commune's police, …).
        Raises ``UnknownProcedure`` when the catalogue does not know the procedure.
        """
        ...
