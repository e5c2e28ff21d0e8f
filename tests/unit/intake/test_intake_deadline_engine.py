"""DeadlineEngine API beyond the worked cases: durations, pauses, and use through a port."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest

from intake.calendar import VIETNAM_TZ
from intake.deadlines import DeadlineEngine, DeadlinePolicy, Duration, DurationUnit
from intake.reference import ReferenceData


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM_TZ)


@pytest.fixture
def engine(reference: ReferenceData) -> DeadlineEngine:
    return DeadlineEngine(reference.calendar_for("H44.100"))


@pytest.mark.parametrize(
    ("value", "unit", "problem"),
    [
        (-1, DurationUnit.WORKING_DAY, "≥ 0"),
        (0, DurationUnit.WORKING_DAY, "must be positive"),
        (1, DurationUnit.SAME_DAY, "value 0"),
        (Decimal("1.5"), DurationUnit.CALENDAR_DAY, "whole number"),
        (Decimal("0.5"), DurationUnit.MONTH, "whole number"),
        (Decimal("NaN"), DurationUnit.WORKING_HOUR, "finite"),
    ],
)
def test_invalid_durations_are_refused(value: Decimal | int, unit: DurationUnit, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Duration(Decimal(value), unit)


def test_durations_read_in_vietnamese() -> None:
    assert str(Duration(Decimal("0.5"), DurationUnit.WORKING_DAY)) == "0.5 ngày làm việc"
    assert str(Duration(Decimal(15), DurationUnit.CALENDAR_DAY)) == "15 ngày"
    assert str(Duration(Decimal(0), DurationUnit.SAME_DAY)) == "trong ngày"


@dataclass(frozen=True)
class ForeignDuration:
    """What another context (or a contracts model) might hold: plain value and unit string."""

    value: Decimal
    unit: str


def test_any_object_with_value_and_unit_is_a_duration(engine: DeadlineEngine) -> None:
    due = engine.due_at(ForeignDuration(Decimal(2), "WORKING_HOUR"), at("2026-03-10 09:00"))
    assert due == at("2026-03-10 11:00")
    with pytest.raises(ValueError):
        engine.due_at(ForeignDuration(Decimal(2), "FORTNIGHT"), at("2026-03-10 09:00"))


def test_naive_received_at_is_refused(engine: DeadlineEngine) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        engine.due_at(Duration(Decimal(1), DurationUnit.WORKING_DAY), datetime(2026, 3, 10, 9))


def test_pause_extends_by_the_office_time_waited(engine: DeadlineEngine) -> None:
    # Paused Thu 12/2/2026 15:00 → resumed Tue 24/2 09:00 across Tết: 2 h + 8 h (13/2) + 8 h (23/2) + 1.5 h
    # = 19.5 h. From Mon 2/3 10:00: 5.5 h Monday, 8 h Tuesday (13.5), Wed 4/3 4 h + 2 h from 13:00 → 15:00.
    extended = engine.extended_by_pause(
        at("2026-03-02 10:00"), at("2026-02-12 15:00"), at("2026-02-24 09:00")
    )
    assert (
        engine.calendar.working_time_between(at("2026-03-02 10:00"), extended).total_seconds() / 3600 == 19.5
    )
    assert extended == at("2026-03-04 15:00")
    with pytest.raises(ValueError, match="before"):
        engine.extended_by_pause(at("2026-03-02 10:00"), at("2026-02-24 09:00"), at("2026-02-12 15:00"))


def test_a_pause_outside_office_hours_extends_nothing(engine: DeadlineEngine) -> None:
    due = at("2026-03-02 10:00")
    assert engine.extended_by_pause(due, at("2026-03-06 17:30"), at("2026-03-09 07:00")) == due


def test_restart_after_supplement_is_a_new_deadline_from_acceptance(engine: DeadlineEngine) -> None:
    limit = Duration(Decimal(3), DurationUnit.WORKING_DAY)
    first = engine.deadline(limit, at("2026-03-02 09:00"))
    restarted = engine.deadline(limit, at("2026-03-05 14:00"))
    assert first.due_at == at("2026-03-05 09:00")
    assert restarted.clock_start_at == at("2026-03-05 14:00")
    assert restarted.due_at == at("2026-03-10 14:00")


def test_working_day_length_follows_the_policy(reference: ReferenceData) -> None:
    short_day = reference.calendar_for("H44.211")
    assert DeadlineEngine(short_day).working_day_length.total_seconds() == 7.5 * 3600
    explicit = DeadlineEngine(short_day, DeadlinePolicy(hours_per_working_day=Decimal(8)))
    assert explicit.working_day_length.total_seconds() == 8 * 3600
    with pytest.raises(ValueError):
        DeadlinePolicy(hours_per_working_day=Decimal(0))


def test_every_shipped_procedure_gets_a_deadline(reference: ReferenceData) -> None:
    engine = DeadlineEngine(reference.calendar_for("H44.100"))
    received = at("2026-02-12 16:30")
    for procedure in reference.procedures:
        deadline = engine.deadline(procedure.duration, received, cutoff=procedure.receipt_cutoff)
        assert deadline.due_at > deadline.clock_start_at >= received, procedure.code
