"""The province's calendar book: one set of day entries, specialised into a WorkingCalendar per unit."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo

from intake.calendar.days import DayEntry
from intake.calendar.office_hours import DEFAULT_OFFICE_HOURS, OfficeHours
from intake.calendar.working_calendar import VIETNAM_TZ, WorkingCalendar


@dataclass(frozen=True)
class UnitCalendarProfile:
    """What the calendar needs to know about a unit: its hours, and its code followed by its ancestors'."""

    office_hours: OfficeHours
    lineage: tuple[str, ...]


class CalendarBook:
    """Every unit's working calendar from one set of entries.

    An entry with an empty scope applies to every unit; a scoped entry applies to the units named and their
    descendants, and overrides a less specific entry on the same date (a commune's own make-up morning
    beats the province-wide day). Two entries equally specific for one unit on one date are an error.
    """

    def __init__(
        self,
        *,
        first_day: date,
        last_day: date,
        entries: Sequence[DayEntry],
        units: Mapping[str, UnitCalendarProfile],
        default_office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
        weekly_rest_days: Collection[int] = (5, 6),
        timezone: tzinfo = VIETNAM_TZ,
    ) -> None:
        self.first_day = first_day
        self.last_day = last_day
        self.entries = tuple(entries)
        self.default_office_hours = default_office_hours
        self._units = dict(units)
        self._rest_days = tuple(weekly_rest_days)
        self._timezone = timezone
        self._cache: dict[str | None, WorkingCalendar] = {}
        unknown = sorted({code for entry in self.entries for code in entry.scope} - self._units.keys())
        if unknown:
            raise ValueError(f"calendar entries are scoped to unknown units: {', '.join(unknown)}")
        # Fail now, not at first use, if entries collide for some unit.
        self.for_unit(None)
        scoped = {code for entry in self.entries for code in entry.scope}
        for code, profile in self._units.items():
            if scoped.intersection(profile.lineage):
                self.for_unit(code)

    @property
    def unit_codes(self) -> frozenset[str]:
        return frozenset(self._units)

    def for_unit(self, unit_code: str | None) -> WorkingCalendar:
        """The working calendar of ``unit_code`` (``None``: province-wide days with the default hours)."""
        cached = self._cache.get(unit_code)
        if cached is not None:
            return cached
        if unit_code is None:
            profile = UnitCalendarProfile(self.default_office_hours, ())
        elif unit_code in self._units:
            profile = self._units[unit_code]
        else:
            raise KeyError(f"unknown unit {unit_code!r}")
        calendar = WorkingCalendar(
            first_day=self.first_day,
            last_day=self.last_day,
            office_hours=profile.office_hours,
            entries=self._entries_for(profile.lineage, unit_code),
            weekly_rest_days=self._rest_days,
            timezone=self._timezone,
        )
        self._cache[unit_code] = calendar
        return calendar

    def _entries_for(self, lineage: tuple[str, ...], unit_code: str | None) -> list[DayEntry]:
        chosen: dict[date, tuple[int, DayEntry]] = {}
        for entry in self.entries:
            if entry.scope:
                matches = [rank for rank, code in enumerate(lineage) if code in entry.scope]
                if not matches:
                    continue
                rank = min(matches)
            else:
                rank = len(lineage)  # province-wide: the least specific
            held = chosen.get(entry.day)
            if held is not None and held[0] == rank:
                raise ValueError(
                    f"{entry.day} has two entries for unit {unit_code or 'province-wide'}:"
                    f" {held[1].kind} {held[1].name!r} and {entry.kind} {entry.name!r}"
                )
            if held is None or rank < held[0]:
                chosen[entry.day] = (rank, entry)
        return [entry for _, entry in chosen.values()]
