"""The deadline watcher: which alerts a case is due at a given instant (pure; time comes from the caller).

Run on the injectable clock, so simulated time drives it in tests and demos. The due time only counts while
the clock runs: a case waiting for a supplement, paused by a sector-law exclusion, asked to be withdrawn or
finished raises no deadline alert. Each alert has a key naming the due time it is about; the case records
the keys it raised, so a second pass repeats nothing, while a new due time (after an apology, a supplement
or a pause) can be alerted again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from processing.case import Case
from processing.case_state import CaseState, TaskStatus
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


def _step_alerts(case: Case, now: datetime) -> list[Alert]:
    found = []
    stage = case.current_stage
    stage_due = case.current.due_at
    if stage is not None and not stage.partner and stage_due is not None and now > stage_due:
        key = f"{_key(AlertKind.STEP_OVERDUE, stage_due)}#step{stage.index}"
        found.append(Alert(AlertKind.STEP_OVERDUE, key, now, stage_due, step=stage.kind))
    for task in case.partner_tasks.values():
        if task.status is TaskStatus.IN_PROGRESS and task.due_at is not None and now > task.due_at:
            key = f"{_key(AlertKind.STEP_OVERDUE, task.due_at)}#{task.agency_code}"
            step = case.workflow.steps[task.step_index].kind
            found.append(Alert(AlertKind.STEP_OVERDUE, key, now, task.due_at, step, task.agency_code))
    return found


def _key(kind: AlertKind, due: datetime) -> str:
    return f"{kind.value}@{business_time(due).isoformat()}"
