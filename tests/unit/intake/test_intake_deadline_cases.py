"""Worked deadline cases, checkable by hand. Each case says why its due time is what it is.

Calendar facts used (shipped data, commune H44.100, office hours 07:30–11:30 and 13:00–17:00 = 8 h):
- Tết 2026: off Sat 14/2 – Sun 22/2 (announced); Giỗ Tổ Sun 26/4/2026 → compensatory Mon 27/4 (computed).
- 30/4–1/5/2025: make-up Sat 26/4, off Wed 30/4 – Sun 4/5 (Fri 2/5 swapped).
- 30/4–1/5/2024: off Sat 27/4 – Wed 1/5 (Mon 29/4 swapped), make-up Sat 4/5.
- Tết 2025: off Sat 25/1 – Sun 2/2. Tết 2024: off Thu 8/2 – Wed 14/2.
- March 2026 has no holiday; 1/3/2026 is a Sunday.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

import pytest

from intake.calendar import VIETNAM_TZ, DayEntry, DayKind, OfficeHours, WorkingCalendar
from intake.deadlines import (
    DeadlineEngine,
    DeadlinePolicy,
    DueTime,
    Duration,
    DurationUnit,
    NonWorkingDueDay,
    WorkingDayModel,
    legal_receipt_time,
)
from intake.reference import ReferenceData

WD, WH, CD, MO, SD = (
    DurationUnit.WORKING_DAY,
    DurationUnit.WORKING_HOUR,
    DurationUnit.CALENDAR_DAY,
    DurationUnit.MONTH,
    DurationUnit.SAME_DAY,
)
DATES = DeadlinePolicy(working_day_model=WorkingDayModel.DATES)

# A March 2026 calendar where Saturday 7/3 is a morning-only make-up day (a half day).
HALF_DAY_SATURDAY = WorkingCalendar(
    first_day=date(2026, 3, 1),
    last_day=date(2026, 3, 31),
    entries=[
        DayEntry(
            date(2026, 3, 7),
            DayKind.MAKE_UP_WORKING_DAY,
            "Làm bù buổi sáng",
            sessions=OfficeHours.parse([("07:30", "11:30")]),
        )
    ],
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM_TZ)


@dataclass(frozen=True)
class Case:
    why: str
    received: str
    duration: tuple[str | int, DurationUnit]
    due: str
    start: str | None = None  # the expected clock start, where the case is about it
    cutoff: str | None = None
    unit: str = "H44.100"
    policy: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    half_day_calendar: bool = False


CASES: dict[str, Case] = {
    # --- Tết ---------------------------------------------------------------------------------------------
    "tet2026-3wd-from-friday": Case(
        "Fri 13/2 10:00: 1.5 h + 4 h left on Friday (5.5); Tết until Sun 22/2; Mon 23/2 8 h (13.5); "
        "Tue 24/2 8 h (21.5); Wed 25/2 07:30 + 2.5 h",
        "2026-02-13 10:00",
        (3, WD),
        "2026-02-25 10:00",
        start="2026-02-13 10:00",
    ),
    "tet2026-same-day-after-15h": Case(
        "Fri 13/2 15:30 is after the 15:00 cut-off: next working day is Mon 23/2, due at its closing",
        "2026-02-13 15:30",
        (0, SD),
        "2026-02-23 17:00",
        start="2026-02-23 07:30",
        cutoff="15:00",
    ),
    "tet2026-online-on-mung-2": Case(
        "received online Wed 18/2 (mùng 2, holiday): clock starts Mon 23/2 07:30; 8 h → 17:00",
        "2026-02-18 09:00",
        (1, WD),
        "2026-02-23 17:00",
        start="2026-02-23 07:30",
    ),
    "tet2026-3wd-dates-model": Case(
        "DATES model: the 3rd working day after Fri 13/2 is Wed 25/2 (23, 24, 25), due at 17:00",
        "2026-02-13 10:00",
        (3, WD),
        "2026-02-25 17:00",
        policy=DATES,
    ),
    "tet2026-10-calendar-days": Case(
        "Mon 9/2 + 10 days = Thu 19/2, a Tết holiday: next working day Mon 23/2, at closing",
        "2026-02-09 10:00",
        (10, CD),
        "2026-02-23 17:00",
    ),
    "tet2026-8-working-hours": Case(
        "Fri 13/2 16:00: 1 h on Friday, then Mon 23/2 07:30–11:30 (4 h) and 13:00–16:00 (3 h)",
        "2026-02-13 16:00",
        (8, WH),
        "2026-02-23 16:00",
    ),
    "tet2025-same-day-after-15h": Case(
        "Fri 24/1/2025 16:00 is after 15:00; off Sat 25/1 – Sun 2/2; next working day Mon 3/2, at 17:00",
        "2025-01-24 16:00",
        (0, SD),
        "2025-02-03 17:00",
        cutoff="15:00",
    ),
    "tet2024-2wd-dates-model": Case(
        "DATES model, Wed 7/2/2024: off Thu 8/2 – Wed 14/2; working days after are Thu 15/2 (1), Fri 16/2 (2)",
        "2024-02-07 10:00",
        (2, WD),
        "2024-02-16 17:00",
        policy=DATES,
    ),
    "tet2026-8h-at-trade-department": Case(
        "C/O at H44.05, Thu 12/2 14:00: 3 h Thursday, Fri 13/2 07:30–11:30 (4 h) + 13:00–14:00 (1 h)",
        "2026-02-12 14:00",
        (8, WH),
        "2026-02-13 14:00",
        unit="H44.05",
    ),
    # --- 30/4–1/5, make-up Saturdays, swaps --------------------------------------------------------------
    "2025-0430-2wd": Case(
        "Tue 29/4/2025 14:00: 3 h Tuesday; off Wed 30/4 – Sun 4/5; Mon 5/5 8 h (11); Tue 6/5 4 h + 1 h → 14:00",
        "2025-04-29 14:00",
        (2, WD),
        "2025-05-06 14:00",
    ),
    "2025-make-up-saturday-counts": Case(
        "Fri 25/4/2025 09:00: 2.5 h + 4 h on Friday (6.5); Sat 26/4 is a make-up day: 07:30 + 1.5 h",
        "2025-04-25 09:00",
        (1, WD),
        "2025-04-26 09:00",
    ),
    "2025-received-on-make-up-saturday": Case(
        "Sat 26/4/2025 10:00 is a working (make-up) day and before 15:00: due that day at 17:00",
        "2025-04-26 10:00",
        (0, SD),
        "2025-04-26 17:00",
        start="2025-04-26 10:00",
        cutoff="15:00",
    ),
    "2025-received-on-swapped-friday": Case(
        "Fri 2/5/2025 is a swapped day off: clock starts Mon 5/5 07:30, same-day limit ends at 17:00",
        "2025-05-02 09:00",
        (0, SD),
        "2025-05-05 17:00",
        start="2025-05-05 07:30",
        cutoff="15:00",
    ),
    "2024-0430-1wd": Case(
        "Fri 26/4/2024 15:00: 2 h Friday; off Sat 27/4 – Wed 1/5 (Mon 29/4 swapped); Thu 2/5 4 h + 2 h → 15:00",
        "2024-04-26 15:00",
        (1, WD),
        "2024-05-02 15:00",
    ),
    "2024-make-up-saturday-dates-model": Case(
        "DATES model, Fri 3/5/2024: the next working day is make-up Sat 4/5, due at its 17:00",
        "2024-05-03 10:00",
        (1, WD),
        "2024-05-04 17:00",
        policy=DATES,
    ),
    "2026-0430-provisional-2wd": Case(
        "Wed 29/4/2026 10:00: 5.5 h Wednesday; Thu 30/4, Fri 1/5 holidays; Mon 4/5 8 h (13.5); Tue 5/5 2.5 h",
        "2026-04-29 10:00",
        (2, WD),
        "2026-05-05 10:00",
    ),
    "2026-gio-to-compensatory-monday": Case(
        "Fri 24/4/2026 14:00: 3 h Friday; Giỗ Tổ Sun 26/4 → Mon 27/4 off; Tue 28/4 4 h + 1 h → 14:00",
        "2026-04-24 14:00",
        (1, WD),
        "2026-04-28 14:00",
    ),
    # --- cut-offs ------------------------------------------------------------------------------------------
    "cutoff-15h-at-14:59": Case(
        "Thu 5/3/2026 14:59 is before 15:00: same day, due 17:00",
        "2026-03-05 14:59",
        (0, SD),
        "2026-03-05 17:00",
        cutoff="15:00",
    ),
    "cutoff-15h-at-exactly-15:00": Case(
        "15:00:00 is not after 15:00: still the same day",
        "2026-03-05 15:00:00",
        (0, SD),
        "2026-03-05 17:00",
        cutoff="15:00",
    ),
    "cutoff-15h-at-15:00:01": Case(
        "15:00:01 is after 15:00: next working day Fri 6/3, due 17:00",
        "2026-03-05 15:00:01",
        (0, SD),
        "2026-03-06 17:00",
        start="2026-03-06 07:30",
        cutoff="15:00",
    ),
    "same-day-default-cutoff-is-15h": Case(
        "no cut-off given for a SAME_DAY limit: the policy's 15:00 applies, 15:30 → next day",
        "2026-03-05 15:30",
        (0, SD),
        "2026-03-06 17:00",
    ),
    "3-in-1-after-15h": Case(
        "birth 3-in-1 (3 wd), Thu 5/3 15:30: clock starts Fri 6/3 07:30; 24 h = Fri, Mon, Tue → Tue 10/3 17:00",
        "2026-03-05 15:30",
        (3, WD),
        "2026-03-10 17:00",
        start="2026-03-06 07:30",
        cutoff="15:00",
    ),
    "3-in-1-before-15h": Case(
        "Thu 5/3 14:00: 3 h Thu, 8 h Fri (11), 8 h Mon (19), Tue 4 h + 1 h → Tue 10/3 14:00",
        "2026-03-05 14:00",
        (3, WD),
        "2026-03-10 14:00",
        cutoff="15:00",
    ),
    "decree-297-after-17h": Case(
        "unit open until 17:30 (H44.208), online Fri 6/3 17:15 with the 17:00 cut-off: clock starts Mon 9/3 "
        "07:00; 8 h = 07:00–11:00 + 13:30–17:30",
        "2026-03-06 17:15",
        (1, WD),
        "2026-03-09 17:30",
        start="2026-03-09 07:00",
        cutoff="17:00",
        unit="H44.208",
    ),
    "same-unit-without-cutoff": Case(
        "same dossier without cut-off: 0.25 h on Friday, Mon 9/3 4 h (07:00–11:00) + 3.75 h from 13:30",
        "2026-03-06 17:15",
        (1, WD),
        "2026-03-09 17:15",
        start="2026-03-06 17:15",
        unit="H44.208",
    ),
    "17h-cutoff-before-it": Case(
        "2 working hours, Fri 6/3 16:30 is before 17:00: 0.5 h Friday + 1.5 h from Mon 07:30",
        "2026-03-06 16:30",
        (2, WH),
        "2026-03-09 09:00",
        cutoff="17:00",
    ),
    # --- half days -------------------------------------------------------------------------------------------
    "half-day-limit-morning": Case(
        "0.5 wd = 4 h: Mon 9/3 09:00–11:30 (2.5 h) + 13:00–14:30 (1.5 h)",
        "2026-03-09 09:00",
        ("0.5", WD),
        "2026-03-09 14:30",
    ),
    "half-day-limit-afternoon": Case(
        "0.5 wd from Mon 9/3 14:00: 3 h Monday + 1 h Tuesday from 07:30",
        "2026-03-09 14:00",
        ("0.5", WD),
        "2026-03-10 08:30",
    ),
    "half-day-saturday-in-the-way": Case(
        "Sat 7/3 is a morning-only make-up day: Fri 6/3 15:00 2 h, Sat 4 h (6), Mon 07:30 + 2 h",
        "2026-03-06 15:00",
        (1, WD),
        "2026-03-09 09:30",
        half_day_calendar=True,
    ),
    "half-day-saturday-same-day": Case(
        "received Sat 7/3 10:00 on the morning-only day: due at its closing, 11:30",
        "2026-03-07 10:00",
        (0, SD),
        "2026-03-07 11:30",
        cutoff="15:00",
        half_day_calendar=True,
    ),
    "half-day-saturday-after-closing": Case(
        "Sat 7/3 12:00: before the cut-off but the office has closed: next opening Mon 9/3, due 17:00",
        "2026-03-07 12:00",
        (0, SD),
        "2026-03-09 17:00",
        start="2026-03-09 07:30",
        cutoff="15:00",
        half_day_calendar=True,
    ),
    "2.5wd-dates-model": Case(
        "DATES model: closing of the 2nd working day after Mon 9/3 (Wed 11/3 17:00) + 4 h → Thu 12/3 11:30",
        "2026-03-09 09:00",
        ("2.5", WD),
        "2026-03-12 11:30",
        policy=DATES,
    ),
    "0.5wd-dates-model": Case(
        "DATES model with less than a day: the 4 h run from the clock start, Mon 9/3 09:00 → 14:30",
        "2026-03-09 09:00",
        ("0.5", WD),
        "2026-03-09 14:30",
        policy=DATES,
    ),
    "1wd-dates-model-counting-the-start-day": Case(
        "DATES model counting the receipt day as day 1: 1 wd from Mon 9/3 ends Mon 9/3 17:00",
        "2026-03-09 09:00",
        (1, WD),
        "2026-03-09 17:00",
        policy=DeadlinePolicy(working_day_model=WorkingDayModel.DATES, count_start_day=True),
    ),
    # --- after hours and days off ----------------------------------------------------------------------------
    "before-opening": Case(
        "Tue 10/3 06:45 → clock starts 07:30; 2 h → 09:30",
        "2026-03-10 06:45",
        (2, WH),
        "2026-03-10 09:30",
        start="2026-03-10 07:30",
    ),
    "lunch-break": Case(
        "Tue 10/3 12:10 → clock starts 13:00; 2 h → 15:00",
        "2026-03-10 12:10",
        (2, WH),
        "2026-03-10 15:00",
        start="2026-03-10 13:00",
    ),
    "after-closing": Case(
        "Tue 10/3 18:00 → Wed 11/3 07:30; 8 h → Wed 17:00",
        "2026-03-10 18:00",
        (1, WD),
        "2026-03-11 17:00",
        start="2026-03-11 07:30",
    ),
    "sunday": Case(
        "Sun 8/3 → Mon 9/3 07:30; 16 h → Tue 10/3 17:00",
        "2026-03-08 10:00",
        (2, WD),
        "2026-03-10 17:00",
    ),
    # --- calendar days and months ----------------------------------------------------------------------------
    "15-calendar-days": Case(
        "building permit: Mon 2/3 + 15 = Tue 17/3, a working day: due 17:00",
        "2026-03-02 10:00",
        (15, CD),
        "2026-03-17 17:00",
    ),
    "calendar-days-ending-saturday": Case(
        "Wed 4/3 + 10 = Sat 14/3: rolled forward to Mon 16/3",
        "2026-03-04 10:00",
        (10, CD),
        "2026-03-16 17:00",
    ),
    "calendar-days-end-of-day": Case(
        "END_OF_DAY policy: Mon 2/3 + 15 = Tue 17/3, the period ends at 24:00 = Wed 18/3 00:00",
        "2026-03-02 10:00",
        (15, CD),
        "2026-03-18 00:00",
        policy=DeadlinePolicy(calendar_due_time=DueTime.END_OF_DAY),
    ),
    "calendar-days-roll-back": Case(
        "PREVIOUS_WORKING_DAY policy: Wed 4/3 + 10 = Sat 14/3 → Fri 13/3",
        "2026-03-04 10:00",
        (10, CD),
        "2026-03-13 17:00",
        policy=DeadlinePolicy(non_working_due_day=NonWorkingDueDay.PREVIOUS_WORKING_DAY),
    ),
    "calendar-days-counting-the-start-day": Case(
        "count_start_day: Mon 2/3 is day 1, so day 15 is Mon 16/3",
        "2026-03-02 10:00",
        (15, CD),
        "2026-03-16 17:00",
        policy=DeadlinePolicy(count_start_day=True),
    ),
    "month-end-clamp": Case(
        "Fri 30/1 + 1 month: February has no 30th → Sat 28/2 → Mon 2/3",
        "2026-01-30 10:00",
        (1, MO),
        "2026-03-02 17:00",
    ),
    "month-into-tet": Case(
        "Fri 16/1 + 1 month = Mon 16/2, a Tết holiday → Mon 23/2",
        "2026-01-16 10:00",
        (1, MO),
        "2026-02-23 17:00",
    ),
    "two-months": Case(
        "Tue 31/3 + 2 months = Sun 31/5 → Mon 1/6",
        "2026-03-31 10:00",
        (2, MO),
        "2026-06-01 17:00",
    ),
    # --- unit office hours ----------------------------------------------------------------------------------
    "mountain-commune-hours": Case(
        "H44.208 works 07:00–11:00, 13:30–17:30: Tue 10/3 06:50 → 07:00, 8 h → 17:30",
        "2026-03-10 06:50",
        (1, WD),
        "2026-03-10 17:30",
        start="2026-03-10 07:00",
        unit="H44.208",
    ),
    "seven-and-a-half-hour-day": Case(
        "H44.211 works 07:30–11:30, 13:30–17:00 (7.5 h): one working day from opening ends at closing",
        "2026-03-10 07:30",
        (1, WD),
        "2026-03-10 17:00",
        unit="H44.211",
    ),
    "explicit-eight-hours-on-a-short-day": Case(
        "same unit with hours_per_working_day = 8: 7.5 h Tuesday + 0.5 h Wednesday → 08:00",
        "2026-03-10 07:30",
        (1, WD),
        "2026-03-11 08:00",
        unit="H44.211",
        policy=DeadlinePolicy(hours_per_working_day=Decimal(8)),
    ),
}


def engine_for(case: Case, reference: ReferenceData) -> DeadlineEngine:
    calendar = HALF_DAY_SATURDAY if case.half_day_calendar else reference.calendar_for(case.unit)
    return DeadlineEngine(calendar, case.policy)


@pytest.mark.parametrize("case", [pytest.param(case, id=name) for name, case in CASES.items()])
def test_worked_case(case: Case, reference: ReferenceData) -> None:
    value, unit = case.duration
    cutoff = time.fromisoformat(case.cutoff) if case.cutoff else None
    deadline = engine_for(case, reference).deadline(
        Duration(Decimal(value), unit), at(case.received), cutoff=cutoff
    )
    assert deadline.due_at == at(case.due), case.why
    if case.start is not None:
        assert deadline.clock_start_at == at(case.start), case.why


def test_there_are_at_least_thirty_worked_cases() -> None:
    assert len(CASES) >= 30


# --- postal hand-over ---------------------------------------------------------------------------------------


def test_postal_clock_starts_at_the_hand_over_not_at_the_post_office(reference: ReferenceData) -> None:
    # Accepted by the post Mon 2/3 09:00, hand-over record signed Wed 4/3 15:30: transit is not counted.
    # 1 wd from Wed 15:30: 1.5 h Wednesday, Thu 5/3 4 h + 2.5 h → 15:30.
    received = legal_receipt_time(at("2026-03-04 15:30"), accepted_by_post_at=at("2026-03-02 09:00"))
    assert received == at("2026-03-04 15:30")
    engine = DeadlineEngine(reference.calendar_for("H44.100"))
    assert engine.due_at(Duration(Decimal(1), WD), received) == at("2026-03-05 15:30")


def test_postal_supplement_moves_the_legal_receipt_time(reference: ReferenceData) -> None:
    # Supplement completed Fri 6/3 10:00: 5.5 h on Friday, Mon 9/3 07:30 + 2.5 h → 10:00.
    received = legal_receipt_time(at("2026-03-04 15:30"), supplement_completed_at=at("2026-03-06 10:00"))
    engine = DeadlineEngine(reference.calendar_for("H44.100"))
    assert engine.due_at(Duration(Decimal(1), WD), received) == at("2026-03-09 10:00")


def test_postal_times_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="before the post office accepted"):
        legal_receipt_time(at("2026-03-02 08:00"), accepted_by_post_at=at("2026-03-02 09:00"))
    with pytest.raises(ValueError, match="supplement"):
        legal_receipt_time(at("2026-03-04 15:30"), supplement_completed_at=at("2026-03-04 15:00"))
    with pytest.raises(ValueError, match="no time zone"):
        legal_receipt_time(datetime(2026, 3, 4, 15, 30))
