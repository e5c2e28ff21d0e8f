"""Reference data of the intake context: unit tree, procedure catalogue, working calendar (versioned files)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from intake.calendar import CalendarBook, WorkingCalendar
from intake.reference.calendar_data import CALENDAR_VERSION, load_calendar
from intake.reference.files import DATA_DIR, ReferenceDataError
from intake.reference.procedures import PROCEDURES_VERSION, Procedure, ProcedureCatalogue, load_procedures
from intake.reference.units import UNITS_VERSION, Unit, UnitTree, load_units


@dataclass(frozen=True)
class ReferenceData:
    """The three reference sets, checked against each other."""

    units: UnitTree
    procedures: ProcedureCatalogue
    calendars: CalendarBook

    def calendar_for(self, unit_code: str) -> WorkingCalendar:
        """The working calendar of one unit (its office hours and local days)."""
        return self.calendars.for_unit(unit_code)


def load_reference_data(
    directory: Path | None = None, *, calendar_supplements: Sequence[Path] = ()
) -> ReferenceData:
    """Load ``units``, ``procedures`` and ``calendar`` (current versions) from ``directory`` (default: shipped).

    Raises ``ReferenceDataError`` listing every problem found in a file, or between files (a procedure
    handled by a unit that does not exist).
    """
    directory = directory or DATA_DIR
    units = load_units(directory / f"units.v{UNITS_VERSION}.json")
    procedures_path = directory / f"procedures.v{PROCEDURES_VERSION}.json"
    procedures = load_procedures(procedures_path)
    missing = [
        f"procedure {p.code}: handling_unit {p.handling_unit} is not in the unit tree"
        for p in procedures
        if p.handling_unit is not None and p.handling_unit not in units
    ]
    missing += [
        f"announcement {a.decision_no}: announcing_unit {a.announcing_unit} is not in the unit tree"
        for a in procedures.announcements
        if a.announcer_level.value == "PROVINCE" and a.announcing_unit not in units
    ]
    if missing:
        raise ReferenceDataError(procedures_path, missing)
    calendars = load_calendar(
        directory / f"calendar.v{CALENDAR_VERSION}.json", units=units, supplements=calendar_supplements
    )
    return ReferenceData(units=units, procedures=procedures, calendars=calendars)


__all__ = [
    "DATA_DIR",
    "Procedure",
    "ProcedureCatalogue",
    "ReferenceData",
    "ReferenceDataError",
    "Unit",
    "UnitTree",
    "load_calendar",
    "load_procedures",
    "load_reference_data",
    "load_units",
]
