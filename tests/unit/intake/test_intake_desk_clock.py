"""The desk's clocks: business time (+07:00) from the host, or a clock tests and simulations control."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intake.clock import SettableClock, SystemClock

HCM_OFFSET = timedelta(hours=7)


def test_the_system_clock_answers_business_time() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.utcoffset() == HCM_OFFSET
    assert before <= now <= datetime.now(UTC)


def test_a_settable_clock_stands_still_until_set_or_advanced() -> None:
    clock = SettableClock(datetime(2026, 2, 13, 9, 30, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2026, 2, 13, 9, 30, tzinfo=UTC)
    assert clock.now().utcoffset() == HCM_OFFSET and clock.now().hour == 16
    assert clock.advance(timedelta(minutes=30)).hour == 17
    clock.set(datetime(2026, 2, 23, 0, 30, tzinfo=UTC))
    assert (clock.now().day, clock.now().hour) == (23, 7)


def test_a_settable_clock_refuses_naive_times_and_going_backwards() -> None:
    with pytest.raises(ValueError, match="time zone"):
        SettableClock(datetime(2026, 2, 13, 16, 30))
    clock = SettableClock(datetime(2026, 2, 13, 9, 30, tzinfo=UTC))
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="time zone"):
        clock.set(datetime(2026, 2, 13, 16, 30))
