"""The demo's scheduling on the real working calendar of Sơn Hà: arrivals in office hours (or the portal's
evenings and weekends), decisions early / on time / late against the due time, steps in order."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from intake.reference import load_reference_data
from services.demo.timing import (
    VN,
    after_working,
    apology_deadline,
    arrival,
    decision_time,
    first_opening,
    month_bounds,
    new_due,
    previous_month,
    step_moments,
    working_days,
)

CALENDAR = load_reference_data().calendar_for("H44.100")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN)


def test_month_bounds_and_the_previous_month() -> None:
    assert month_bounds("2026-12") == (at("2026-12-01 00:00"), at("2027-01-01 00:00"))
    assert previous_month(date(2026, 1, 15)) == "2025-12"
    assert previous_month(date(2026, 11, 28)) == "2026-10"


def test_the_clocks_start_at_the_first_office_hour_of_the_month() -> None:
    # 1/8/2026 is a Saturday: the first office hour is Monday 3/8 at 07:30.
    assert first_opening(CALENDAR, "2026-08") == at("2026-08-03 07:30")


def test_working_days_skip_weekends_and_holidays() -> None:
    start, end = month_bounds("2026-09")
    days = working_days(CALENDAR, start, end)
    assert date(2026, 9, 2) not in days  # National Day
    assert date(2026, 9, 5) not in days  # Saturday
    assert date(2026, 9, 3) in days and all(CALENDAR.is_working_day(d) for d in days)


def test_counter_arrivals_are_in_office_hours_and_online_ones_partly_outside() -> None:
    rng = random.Random(1)
    start, end = month_bounds("2026-10")
    days = working_days(CALENDAR, start, end)
    counter = [arrival(rng, CALENDAR, days, "COUNTER") for _ in range(300)]
    assert all(CALENDAR.is_open(t) for t in counter)
    online = [arrival(rng, CALENDAR, days, "ONLINE") for _ in range(400)]
    outside = sum(not CALENDAR.is_open(t) for t in online)
    assert 40 < outside < 160


@pytest.mark.parametrize(
    ("fraction", "early", "late"),
    [(0.4, True, False), (0.97, False, False), (1.3, False, True)],
)
def test_the_decision_lands_early_on_time_or_late_against_the_due_time(
    fraction: float, early: bool, late: bool
) -> None:
    received, due = at("2026-10-05 09:00"), at("2026-10-12 09:00")  # 5 working days
    decided = decision_time(CALENDAR, received, due, fraction)
    assert (decided.date() < due.date()) is early
    assert (decided > due) is late
    assert CALENDAR.is_open(decided) or decided == CALENDAR.next_opening(decided)


def test_steps_are_in_order_between_the_receipt_and_the_decision() -> None:
    received = at("2026-10-05 09:00")
    decided = at("2026-10-08 15:00")
    plan = step_moments(CALENDAR, received, decided, ["assign", "APPRAISAL", "REVIEW", "SIGNING", "decide"])
    times = [t for _, t in plan]
    assert [name for name, _ in plan] == ["assign", "APPRAISAL", "REVIEW", "SIGNING", "decide"]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert received < times[0] <= after_working(CALENDAR, received, 0.5) and times[-1] == decided


def test_an_apology_comes_a_working_day_before_the_due_time_and_moves_it_later() -> None:
    received, due = at("2026-10-05 09:00"), at("2026-10-12 09:00")  # due on a Monday
    latest = apology_deadline(CALENDAR, received, due)
    assert latest == at("2026-10-09 08:00")  # the Friday before, with an hour to spare
    moved = new_due(CALENDAR, due, random.Random(2))
    assert moved > due + timedelta(days=2) and moved.hour == 17
    # A same-day dossier has no room for an apology.
    assert apology_deadline(CALENDAR, at("2026-10-05 09:00"), at("2026-10-05 16:00")) is None
