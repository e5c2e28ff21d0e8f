"""WorkingCalendar: days, sessions and working-time arithmetic; CalendarBook: per-unit specialisation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from intake.calendar import (
    VIETNAM_TZ,
    CalendarBook,
    DayEntry,
    DayKind,
    OfficeHours,
    OutsideCalendarError,
    Session,
    UnitCalendarProfile,
    WorkingCalendar,
)
from intake.reference import ReferenceData

MORNING_ONLY = OfficeHours.parse([("07:30", "11:30")])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM_TZ)


def small_calendar(*entries: DayEntry) -> WorkingCalendar:
    return WorkingCalendar(first_day=date(2026, 3, 1), last_day=date(2026, 3, 31), entries=entries)


@pytest.fixture
def commune(reference: ReferenceData) -> WorkingCalendar:
    return reference.calendar_for("H44.100")


# --- office hours ---------------------------------------------------------------------------------------


def test_default_office_hours_make_an_eight_hour_day() -> None:
    hours = OfficeHours.parse([("07:30", "11:30"), ("13:00", "17:00")])
    assert hours.length == timedelta(hours=8)
    assert str(hours) == "07:30–11:30, 13:00–17:00"


@pytest.mark.parametrize(
    "sessions",
    [
        [("11:30", "07:30")],
        [("07:30", "11:30"), ("11:00", "17:00")],
        [("13:00", "17:00"), ("07:30", "11:30")],
        [],
    ],
)
def test_bad_office_hours_are_refused(sessions: list[tuple[str, str]]) -> None:
    with pytest.raises(ValueError):
        OfficeHours.parse(sessions)


def test_an_entry_is_consistent_with_its_kind() -> None:
    with pytest.raises(ValueError, match="needs its sessions"):
        DayEntry(date(2026, 3, 7), DayKind.SPECIAL_HOURS, "half day")
    with pytest.raises(ValueError, match="cannot have office sessions"):
        DayEntry(date(2026, 3, 9), DayKind.PUBLIC_HOLIDAY, "x", sessions=MORNING_ONLY)
    with pytest.raises(ValueError, match="not a kind"):
        DayEntry(date(2026, 3, 9), DayKind.WEEKLY_REST_DAY, "x")


# --- days -----------------------------------------------------------------------------------------------


def test_tet_2026_window_is_nine_days_off(commune: WorkingCalendar) -> None:
    window = [date(2026, 2, 14) + timedelta(days=i) for i in range(9)]
    assert not any(commune.is_working_day(d) for d in window)
    assert commune.is_working_day(date(2026, 2, 13)) and commune.is_working_day(date(2026, 2, 23))
    assert commune.day(date(2026, 2, 17)).kind is DayKind.PUBLIC_HOLIDAY
    assert not commune.day(date(2026, 2, 17)).provisional  # announced
    assert commune.day(date(2026, 2, 14)).kind is DayKind.WEEKLY_REST_DAY


def test_computed_days_are_provisional(commune: WorkingCalendar) -> None:
    assert commune.day(date(2027, 2, 8)).kind is DayKind.PUBLIC_HOLIDAY
    assert commune.day(date(2027, 2, 8)).provisional
    assert commune.day(date(2026, 4, 27)).kind is DayKind.COMPENSATORY_DAY_OFF


def test_make_up_saturday_and_swapped_weekday(commune: WorkingCalendar) -> None:
    assert commune.day(date(2025, 4, 26)).kind is DayKind.MAKE_UP_WORKING_DAY
    assert commune.is_working_day(date(2025, 4, 26))
    assert commune.day(date(2025, 5, 2)).kind is DayKind.SWAPPED_DAY_OFF
    assert not commune.is_working_day(date(2025, 5, 2))
    assert commune.closing_time(date(2025, 4, 26)) == at("2025-04-26 17:00")


def test_a_morning_only_day_has_one_session() -> None:
    calendar = small_calendar(
        DayEntry(date(2026, 3, 7), DayKind.MAKE_UP_WORKING_DAY, "sáng", sessions=MORNING_ONLY)
    )
    assert calendar.day(date(2026, 3, 7)).sessions == (Session(MORNING_ONLY.opening, MORNING_ONLY.closing),)
    assert calendar.closing_time(date(2026, 3, 7)) == at("2026-03-07 11:30")


def test_a_day_off_has_no_opening_or_closing() -> None:
    with pytest.raises(ValueError, match="not a working day"):
        small_calendar().closing_time(date(2026, 3, 8))


def test_add_working_days_skips_days_off(commune: WorkingCalendar) -> None:
    assert commune.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert commune.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)
    assert commune.add_working_days(date(2026, 2, 15), 0) == date(2026, 2, 15)
    assert commune.add_working_days(date(2024, 5, 3), 1) == date(2024, 5, 4)  # make-up Saturday counts


def test_working_days_between(commune: WorkingCalendar) -> None:
    assert commune.working_days_between(date(2026, 2, 12), date(2026, 2, 24)) == 3  # 13, 23, 24
    assert commune.working_days_between(date(2026, 2, 24), date(2026, 2, 12)) == -3
    assert commune.working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0


def test_outside_the_covered_years_is_an_error(commune: WorkingCalendar) -> None:
    with pytest.raises(OutsideCalendarError, match="2031-01-01"):
        commune.is_working_day(date(2031, 1, 1))
    with pytest.raises(OutsideCalendarError):
        commune.add_working_hours(at("2030-12-31 10:00"), 16)
    with pytest.raises(OutsideCalendarError):
        commune.is_working_day(date(2023, 12, 31))


def test_entries_are_checked() -> None:
    with pytest.raises(ValueError, match="two entries"):
        small_calendar(
            DayEntry(date(2026, 3, 9), DayKind.LOCAL_DAY_OFF, "a"),
            DayEntry(date(2026, 3, 9), DayKind.LOCAL_DAY_OFF, "b"),
        )
    with pytest.raises(ValueError, match="outside"):
        small_calendar(DayEntry(date(2026, 4, 1), DayKind.LOCAL_DAY_OFF, "a"))


# --- instants -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "opening"),
    [
        ("2026-03-10 06:45", "2026-03-10 07:30"),  # before opening
        ("2026-03-10 09:00", "2026-03-10 09:00"),  # open: itself
        ("2026-03-10 11:30", "2026-03-10 13:00"),  # a session's end is outside it
        ("2026-03-10 12:10", "2026-03-10 13:00"),  # lunch
        ("2026-03-10 17:00", "2026-03-11 07:30"),  # closing time
        ("2026-03-13 18:00", "2026-03-16 07:30"),  # Friday evening → Monday
    ],
)
def test_next_opening(moment: str, opening: str) -> None:
    calendar = small_calendar()
    assert calendar.next_opening(at(moment)) == at(opening)
    assert calendar.is_open(at(moment)) == (moment == opening)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        small_calendar().next_opening(datetime(2026, 3, 10, 9))


def test_other_time_zones_are_converted() -> None:
    utc = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam
    result = small_calendar().add_working_hours(utc, 1)
    assert result == at("2026-03-10 10:00")
    assert result.tzinfo is VIETNAM_TZ


def test_eight_hours_from_opening_end_at_closing_not_next_morning() -> None:
    assert small_calendar().add_working_hours(at("2026-03-10 07:30"), 8) == at("2026-03-10 17:00")


def test_fractional_hours() -> None:
    assert small_calendar().add_working_hours(at("2026-03-10 11:00"), Decimal("0.75")) == at(
        "2026-03-10 13:15"
    )


def test_add_working_time_refuses_negative_amounts() -> None:
    with pytest.raises(ValueError, match="negative"):
        small_calendar().add_working_time(at("2026-03-10 09:00"), timedelta(hours=-1))


def test_working_time_between_counts_only_sessions(commune: WorkingCalendar) -> None:
    # Fri 13/2/2026 16:00 → Mon 23/2 09:00 across Tết: 1 h on Friday + 1.5 h on Monday.
    assert commune.working_time_between(at("2026-02-13 16:00"), at("2026-02-23 09:00")) == timedelta(
        hours=2.5
    )
    assert commune.working_time_between(at("2026-02-23 09:00"), at("2026-02-13 16:00")) == -timedelta(
        hours=2.5
    )


def test_subtract_working_time_for_the_apology_deadline(commune: WorkingCalendar) -> None:
    # Due Tue 24/2/2026 10:00: one working day (8 h) earlier is Mon 23/2 10:00; 8 h before that is Fri 13/2
    # 10:00, across the Tết break.
    latest = commune.subtract_working_time(at("2026-02-24 10:00"), commune.regular_day_length)
    assert latest == at("2026-02-23 10:00")
    assert commune.subtract_working_time(at("2026-02-23 10:00"), timedelta(hours=8)) == at("2026-02-13 10:00")
    # Landing exactly on a session start returns that start, the latest such instant.
    assert commune.subtract_working_time(at("2026-03-10 09:00"), timedelta(hours=1.5)) == at(
        "2026-03-10 07:30"
    )


# --- calendar book -----------------------------------------------------------------------------------------


def test_unit_office_hours_come_from_the_unit_tree(reference: ReferenceData) -> None:
    mountain = reference.calendar_for("H44.208")
    assert str(mountain.office_hours) == "07:00–11:00, 13:30–17:30"
    assert reference.calendar_for("H44.211").regular_day_length == timedelta(hours=7, minutes=30)
    branch = reference.calendar_for("H44.06.01.02")
    assert branch.office_hours == reference.units.default_office_hours


def test_scoped_entries_override_province_wide_ones_for_their_units_only() -> None:
    units = {
        "H99": UnitCalendarProfile(OfficeHours.parse([("07:30", "11:30"), ("13:00", "17:00")]), ("H99",)),
        "H99.100": UnitCalendarProfile(
            OfficeHours.parse([("07:30", "11:30"), ("13:00", "17:00")]), ("H99.100", "H99")
        ),
        "H99.101": UnitCalendarProfile(
            OfficeHours.parse([("07:30", "11:30"), ("13:00", "17:00")]), ("H99.101", "H99")
        ),
    }
    province_off = DayEntry(date(2026, 3, 9), DayKind.LOCAL_DAY_OFF, "province")
    commune_works = DayEntry(
        date(2026, 3, 9),
        DayKind.SPECIAL_HOURS,
        "commune",
        sessions=MORNING_ONLY,
        scope=frozenset({"H99.100"}),
    )
    book = CalendarBook(
        first_day=date(2026, 3, 1),
        last_day=date(2026, 3, 31),
        entries=[province_off, commune_works],
        units=units,
    )
    assert book.for_unit("H99.100").closing_time(date(2026, 3, 9)) == at("2026-03-09 11:30")
    assert not book.for_unit("H99.101").is_working_day(date(2026, 3, 9))
    assert not book.for_unit(None).is_working_day(date(2026, 3, 9))
    with pytest.raises(KeyError):
        book.for_unit("H98")


def test_a_book_refuses_unknown_scopes_and_colliding_entries() -> None:
    units = {"H99": UnitCalendarProfile(MORNING_ONLY, ("H99",))}
    with pytest.raises(ValueError, match=r"unknown units: H99\.555"):
        CalendarBook(
            first_day=date(2026, 3, 1),
            last_day=date(2026, 3, 31),
            entries=[DayEntry(date(2026, 3, 9), DayKind.LOCAL_DAY_OFF, "x", scope=frozenset({"H99.555"}))],
            units=units,
        )
    with pytest.raises(ValueError, match="two entries"):
        CalendarBook(
            first_day=date(2026, 3, 1),
            last_day=date(2026, 3, 31),
            entries=[
                DayEntry(date(2026, 3, 9), DayKind.LOCAL_DAY_OFF, "x"),
                DayEntry(date(2026, 3, 9), DayKind.LOCAL_DAY_OFF, "y"),
            ],
            units=units,
        )
    # Two entries scoped to the same unit on the same day are found when the book is built.
    units["H99.100"] = UnitCalendarProfile(MORNING_ONLY, ("H99.100", "H99"))
    with pytest.raises(ValueError, match=r"two entries for unit H99\.100"):
        CalendarBook(
            first_day=date(2026, 3, 1),
            last_day=date(2026, 3, 31),
            entries=[
                DayEntry(date(2026, 3, 9), DayKind.LOCAL_DAY_OFF, "x", scope=frozenset({"H99.100"})),
                DayEntry(date(2026, 3, 9), DayKind.LOCAL_DAY_OFF, "y", scope=frozenset({"H99.100"})),
            ],
            units=units,
        )
