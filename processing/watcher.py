"""The deadline watcher: which alerts a case is due at a given instant (pure; time comes from the caller).

Run on the injectable clock, so simulated time drives it in tests and demos. The due time only counts while
the clock runs: a case waiting for a supplement, paused by a sector-law exclusion, asked to be withdrawn or
finished raises no deadline alert. Each alert has a key naming the due time it is about; the case records
the keys it raised, so a second pass repeats nothing, while a new due time (after an apology, a supplement
or a pause) can be alerted again. ``next_alert_at`` says when a case can next have an alert, for the
application's due-index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from processing.case import Case
from processing.case_state import CaseState, PartnerTask, TaskStatus
from processing.clock import business_time
from processing.ports import Deadlines
from processing.signals import Alert, AlertKind

WATCHED_STATES = (CaseState.IN_PROCESSING, CaseState.AWAITING_PAYMENT)


@dataclass(frozen=True)
class WatcherConfig:
    """How early to warn, in office time (working hours), not in wall-clock time.

    - ``due_soon``: DUE_SOON once no more than this much office time is left before the due time
      (default one working day of 8 h).
    - ``apology_notice``: APOLOGY_WINDOW_CLOSING once no more than this much office time is left before the
      last moment for the form-04 apology (one working day before the due time); default half a day.
    - ``steps``: also watch the allotted time of workflow steps and partner agencies' tasks.
    """

    due_soon: timedelta = timedelta(hours=8)
    apology_notice: timedelta = timedelta(hours=4)
    steps: bool = True

    def __post_init__(self) -> None:
        if self.due_soon < timedelta(0) or self.apology_notice < timedelta(0):
            raise ValueError("lead times cannot be negative")


def alerts_for(case: Case, now: datetime, deadlines: Deadlines, config: WatcherConfig) -> list[Alert]:
    """The alerts ``case`` is due at ``now`` and has not raised before."""
    now = business_time(now)
    if case.state not in WATCHED_STATES or not case.clock.running:
        return []
    unit = case.calendar_unit_code
    due = case.effective_due_at
    found: list[Alert] = []
    if now > due:
        found.append(Alert(AlertKind.OVERDUE, _key(AlertKind.OVERDUE, due), now, due))
    elif deadlines.working_time_between(unit, now, due) <= config.due_soon:
        found.append(Alert(AlertKind.DUE_SOON, _key(AlertKind.DUE_SOON, due), now, due))
    if case.extension_count == 0 and case.state is CaseState.IN_PROCESSING:
        latest = deadlines.one_working_day_before(unit, due)
        if now <= latest and deadlines.working_time_between(unit, now, latest) <= config.apology_notice:
            kind = AlertKind.APOLOGY_WINDOW_CLOSING
            found.append(Alert(kind, _key(kind, latest), now, latest))
    if config.steps:
        found.extend(_step_alerts(case, now))
    return [alert for alert in found if alert.key not in case.raised_alerts]


def next_alert_at(
    case: Case, as_of: datetime, deadlines: Deadlines, config: WatcherConfig
) -> datetime | None:
    """The earliest instant at which ``alerts_for`` can find an alert on ``case`` as it stands, or None.

    The due-index of the watcher (ADR 0510) keeps this per case, so a pass visits only the cases whose time
    has come. It is never later than the first instant ``alerts_for`` is non-empty (for any ``now`` from
    ``as_of`` on, while the case does not change); being early only costs a visit. Windows that closed before
    ``as_of`` (DUE_SOON once the due time passed, the apology window after its last moment) are left out, so
    a visit that found nothing always moves the time on.
    """
    as_of = business_time(as_of)
    if case.state not in WATCHED_STATES or not case.clock.running:
        return None
    unit = case.calendar_unit_code
    due = case.effective_due_at
    raised = case.raised_alerts
    times: list[datetime] = []
    if _key(AlertKind.OVERDUE, due) not in raised:
        times.append(due + _TICK)
    if as_of <= due and _key(AlertKind.DUE_SOON, due) not in raised:
        times.append(_earliest_within(deadlines, unit, due, config.due_soon))
    if case.extension_count == 0 and case.state is CaseState.IN_PROCESSING:
        latest = deadlines.one_working_day_before(unit, due)
        if as_of <= latest and _key(AlertKind.APOLOGY_WINDOW_CLOSING, latest) not in raised:
            times.append(_earliest_within(deadlines, unit, latest, config.apology_notice))
    if config.steps:
        times.extend(step_due + _TICK for key, step_due, _task in _step_deadlines(case) if key not in raised)
    return min(times, default=None)


# Business times are exact to the microsecond, so "strictly after t" first holds at t + 1 µs.
_TICK = timedelta(microseconds=1)


def _earliest_within(deadlines: Deadlines, unit: str, end: datetime, lead: timedelta) -> datetime:
    """The earliest instant from which no more than ``lead`` of office time is left until ``end``.

    ``subtract_working_time`` gives the *latest* instant with exactly ``lead`` left; when that instant opens
    a session, the closed hours before it leave no more, so the earliest one is the end of the previous
    session: a tick more than ``lead`` back, then the tick forward again.
    """
    return deadlines.subtract_working_time(unit, end, lead + _TICK) + _TICK


def _step_alerts(case: Case, now: datetime) -> list[Alert]:
    found = []
    for key, due, task in _step_deadlines(case):
        if now <= due:
            continue
        if task is None:
            stage = case.current_stage
            assert stage is not None
            found.append(Alert(AlertKind.STEP_OVERDUE, key, now, due, step=stage.kind))
        else:
            step = case.workflow.steps[task.step_index].kind
            found.append(Alert(AlertKind.STEP_OVERDUE, key, now, due, step, task.agency_code))
    return found


def _step_deadlines(case: Case) -> list[tuple[str, datetime, PartnerTask | None]]:
    """The current lead stage's deadline and each partner task's in progress, with their alert keys."""
    found: list[tuple[str, datetime, PartnerTask | None]] = []
    stage = case.current_stage
    stage_due = case.current.due_at
    if stage is not None and not stage.partner and stage_due is not None:
        found.append((f"{_key(AlertKind.STEP_OVERDUE, stage_due)}#step{stage.index}", stage_due, None))
    for task in case.partner_tasks.values():
        if task.status is TaskStatus.IN_PROGRESS and task.due_at is not None:
            found.append(
                (f"{_key(AlertKind.STEP_OVERDUE, task.due_at)}#{task.agency_code}", task.due_at, task)
            )
    return found


def _key(kind: AlertKind, due: datetime) -> str:
    return f"{kind.value}@{business_time(due).isoformat()}"
