"""Properties of the working-time arithmetic and the deadline engine, over the shipped 2024–2030 calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from intake.calendar import VIETNAM_TZ, WorkingCalendar
from intake.deadlines import (
    DeadlineEngine,
    DeadlinePolicy,
    DueTime,
    Duration,
    DurationUnit,
    NonWorkingDueDay,
    WorkingDayModel,
)
from intake.reference import load_reference_data

REFERENCE = load_reference_data()  # the strategies below need it when the module is imported; read-only
UNITS = ["H44.100", "H44.208", "H44.211", "H44.06.01.02"]  # default, 07:00–17:30, 7.5 h day, inherited hours

calendars = st.sampled_from(UNITS).map(REFERENCE.calendar_for)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 6, 30), timezones=st.just(VIETNAM_TZ)
)
office_time = st.integers(min_value=0, max_value=300 * 60).map(lambda minutes: timedelta(minutes=minutes))
durations = st.one_of(
    st.integers(1, 480).map(lambda q: Duration(Decimal(q) / 4, DurationUnit.WORKING_HOUR)),
    st.integers(1, 120).map(lambda h: Duration(Decimal(h) / 2, DurationUnit.WORKING_DAY)),
    st.integers(1, 120).map(lambda n: Duration(Decimal(n), DurationUnit.CALENDAR_DAY)),
    st.integers(1, 6).map(lambda n: Duration(Decimal(n), DurationUnit.MONTH)),
    st.just(Duration(Decimal(0), DurationUnit.SAME_DAY)),
)
policies = st.builds(
    DeadlinePolicy,
    working_day_model=st.sampled_from(WorkingDayModel),
    hours_per_working_day=st.sampled_from([None, Decimal(8)]),
    count_start_day=st.booleans(),
    calendar_due_time=st.sampled_from(DueTime),
    non_working_due_day=st.sampled_from(NonWorkingDueDay),
)
cutoffs = st.sampled_from([None, time(15, 0), time(17, 0)])


@settings(deadline=None)
@given(calendars, instants, durations, policies, cutoffs)
def test_due_is_after_the_clock_start_which_is_not_before_receipt(
    calendar: WorkingCalendar,
    received: datetime,
    duration: Duration,
    policy: DeadlinePolicy,
    cutoff: time | None,
) -> None:
    deadline = DeadlineEngine(calendar, policy).deadline(duration, received, cutoff=cutoff)
    assert received <= deadline.clock_start_at < deadline.due_at
    assert calendar.is_open(deadline.clock_start_at)


@settings(deadline=None)
@given(calendars, instants, instants, durations, policies, cutoffs)
def test_a_later_receipt_is_never_due_earlier(
    calendar: WorkingCalendar,
    first: datetime,
    second: datetime,
    duration: Duration,
    policy: DeadlinePolicy,
    cutoff: time | None,
) -> None:
    early, late = sorted([first, second])
    engine = DeadlineEngine(calendar, policy)
    assert engine.due_at(duration, early, cutoff=cutoff) <= engine.due_at(duration, late, cutoff=cutoff)


@settings(deadline=None)
@given(calendars, instants, office_time, office_time)
def test_adding_n_then_m_working_hours_equals_adding_n_plus_m(
    calendar: WorkingCalendar, start: datetime, n: timedelta, m: timedelta
) -> None:
    assert calendar.add_working_time(calendar.add_working_time(start, n), m) == calendar.add_working_time(
        start, n + m
    )


@settings(deadline=None)
@given(calendars, instants, office_time)
def test_working_time_between_start_and_start_plus_n_is_n(
    calendar: WorkingCalendar, start: datetime, n: timedelta
) -> None:
    end = calendar.add_working_time(start, n)
    assert end >= start
    assert calendar.working_time_between(start, end) == n


@settings(deadline=None)
@given(calendars, instants, office_time.filter(bool))
def test_subtracting_undoes_adding_up_to_the_next_opening(
    calendar: WorkingCalendar, start: datetime, n: timedelta
) -> None:
    assert calendar.subtract_working_time(calendar.add_working_time(start, n), n) == calendar.next_opening(
        start
    )


@settings(deadline=None)
@given(calendars, instants, instants, instants)
def test_working_time_is_additive(calendar: WorkingCalendar, a: datetime, b: datetime, c: datetime) -> None:
    assert calendar.working_time_between(a, c) == calendar.working_time_between(
        a, b
    ) + calendar.working_time_between(b, c)


@settings(deadline=None)
@given(calendars, st.dates(min_value=date(2024, 3, 1), max_value=date(2030, 9, 30)), st.integers(-40, 40))
def test_working_days_forward_then_back_return_to_a_working_day(
    calendar: WorkingCalendar, day: date, n: int
) -> None:
    if not calendar.is_working_day(day):
        day = calendar.add_working_days(day, 1)
    there = calendar.add_working_days(day, n)
    assert calendar.is_working_day(there) or n == 0
    assert calendar.add_working_days(there, -n) == day
    assert calendar.working_days_between(day, there) == n


@settings(deadline=None)
@given(calendars, instants, st.integers(1, 120), cutoffs)
def test_hours_model_is_n_regular_days_of_office_time(
    calendar: WorkingCalendar, received: datetime, halves: int, cutoff: time | None
) -> None:
    engine = DeadlineEngine(calendar)
    days = Decimal(halves) / 2
    deadline = engine.deadline(Duration(days, DurationUnit.WORKING_DAY), received, cutoff=cutoff)
    assert calendar.working_time_between(
        deadline.clock_start_at, deadline.due_at
    ) == calendar.regular_day_length * (halves / 2)
