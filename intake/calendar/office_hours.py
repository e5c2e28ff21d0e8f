"""Office hours: the morning and afternoon sessions in which a one-stop unit works."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True, order=True)
class Session:
    """One sitting of the office, ``[start, end)`` in local wall-clock time (e.g. 07:30–11:30)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("session times are local wall-clock times and must not carry a time zone")
        if self.start >= self.end:
            raise ValueError(f"session {self} must start before it ends")

    @property
    def length(self) -> timedelta:
        return _on_any_day(self.end) - _on_any_day(self.start)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class OfficeHours:
    """The sessions of one working day, in order and not overlapping (at least one)."""

    sessions: tuple[Session, ...]

    def __post_init__(self) -> None:
        if not self.sessions:
            raise ValueError("office hours need at least one session")
        for earlier, later in zip(self.sessions, self.sessions[1:], strict=False):
            if later.start < earlier.end:
                raise ValueError(f"sessions {earlier} and {later} overlap or are out of order")

    @classmethod
    def parse(cls, sessions: Iterable[tuple[str, str]]) -> OfficeHours:
        """Build from ``("HH:MM", "HH:MM")`` pairs, e.g. ``[("07:30", "11:30"), ("13:00", "17:00")]``."""
        return cls(
            tuple(Session(time.fromisoformat(start), time.fromisoformat(end)) for start, end in sessions)
        )

    @property
    def length(self) -> timedelta:
        """Working time in one such day (8 h for the default hours)."""
        return sum((session.length for session in self.sessions), timedelta())

    @property
    def opening(self) -> time:
        return self.sessions[0].start

    @property
    def closing(self) -> time:
        return self.sessions[-1].end

    def __str__(self) -> str:
        return ", ".join(str(session) for session in self.sessions)


def _on_any_day(t: time) -> datetime:
    return datetime.combine(date(2000, 1, 1), t)


DEFAULT_OFFICE_HOURS = OfficeHours.parse([("07:30", "11:30"), ("13:00", "17:00")])
"""Typical southern timetable (domain.md §3.2): 4 h + 4 h = 8 working hours a day."""
