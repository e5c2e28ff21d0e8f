"""Early / on time / late for the dashboards, decided without a calendar (docs/adr/0353).

The 766 engine judges timeliness itself from the facts the bridge gives it; the dashboards need the same
verdict stored on the fact row. Once a dossier's end is known the verdict needs no working calendar: the end
is the first terminal time (an unanswered supplement request ends the count at the request), completed
supplement waits are subtracted, more than one supplement request is late, and "early" means a counted end
on a date before the due date. What stays open (an unfinished dossier) is left to the views, which compare
with the current time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from contracts.fields import BUSINESS_TZ


class Timeliness(StrEnum):
    EARLY = "EARLY"
    ON_TIME = "ON_TIME"
    LATE = "LATE"
    UNDETERMINED = "UNDETERMINED"  # no promised return date


@dataclass(frozen=True)
class SupplementSpan:
    requested_at: datetime
    completed_at: datetime | None


def _merged(intervals: list[tuple[datetime, datetime]]) -> timedelta:
    total = timedelta(0)
    current: tuple[datetime, datetime] | None = None
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if current is None or start > current[1]:
            if current is not None:
                total += current[1] - current[0]
            current = (start, end)
        else:
            current = (current[0], max(current[1], end))
    if current is not None:
        total += current[1] - current[0]
    return total


def merged_wait_seconds(spans: list[SupplementSpan]) -> int:
    """Completed supplement waits, overlaps merged, in whole seconds."""
    waits = [(s.requested_at, s.completed_at) for s in spans if s.completed_at is not None]
    return int(_merged(waits).total_seconds())


def settled_timeliness(
    received_at: datetime | None,
    due_at: datetime | None,
    spans: list[SupplementSpan],
    finished_at: datetime | None,
    returned_at: datetime | None,
) -> tuple[datetime | None, str | None]:
    """(counted end, verdict) once the count has ended; (None, None) while the dossier is still running."""
    if received_at is None:
        return None, None
    open_requests = sorted(s.requested_at for s in spans if s.completed_at is None)
    if open_requests:
        end = open_requests[0]
    elif finished_at is not None:
        end = finished_at
    elif returned_at is not None:
        end = returned_at
    else:
        return None, None
    waits = [(s.requested_at, min(s.completed_at, end)) for s in spans if s.completed_at is not None]
    counted_end = (end - _merged(waits)).astimezone(BUSINESS_TZ)
    if due_at is None:
        return counted_end, Timeliness.UNDETERMINED.value
    if len(spans) > 1 or counted_end > due_at:
        return counted_end, Timeliness.LATE.value
    if counted_end.astimezone(BUSINESS_TZ).date() < due_at.astimezone(BUSINESS_TZ).date():
        return counted_end, Timeliness.EARLY.value
    return counted_end, Timeliness.ON_TIME.value
