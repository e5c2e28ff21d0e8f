"""The working-calendar port of the delivery and postal contexts.

The calendar lives in the intake context (ADR 0200), which this package may not import (ADR 0002): the
postal SLA ``J + n``, the two working days between delivery invitations and the complaint deadlines only
need the three questions below, and ``services/`` wires the intake calendar (whose ``WorkingCalendar``
answers them as it is) behind this port.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol


class WorkingDays(Protocol):
    """Which days are worked, and counting in working days (the start day itself is never counted)."""

    def is_working_day(self, day: date) -> bool:
        """True if ``day`` is a working day."""
        ...

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day``; ``n`` = 0 returns ``day``."""
        ...

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in ``(start, end]`` (negative if ``end`` is before ``start``)."""
        ...
