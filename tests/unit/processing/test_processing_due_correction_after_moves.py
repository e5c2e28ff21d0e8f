"""The desk's audited correction (E30) after the due time moved: what processing keeps current (ADR 0512).

Arithmetic conventions as in test_processing_journeys.py (office hours 07:30–11:30, 13:00–17:00, 1 WD = 8 h);
calendar facts in processing_kit's docstring. E30's ``old_due_at`` is the desk's promise, never processing's
effective time: the desk does not learn of apologies, restarts or pauses.
"""

from __future__ import annotations

import json
from dataclasses import replace

from processing_kit import LEAD, MISSING_ITEM, Journey, deadlines, t

from contracts.enums import ClockPauseReason, StepKind, StepOutcome
from contracts.envelope import DossierEvent
from processing.case_events import DueDateCorrectionApplied
from processing.ledger import DueRule
from processing.watcher import WatcherConfig, next_alert_at
from projections.readmodels.dossier_fold import fold_dossier
from projections.readmodels.dossier_state import DossierState


def correct(j: Journey, at: str, old: str, new: str) -> None:
    j.clock.set(t(at))
    j.deliver(j.desk.due_corrected(t(at), old=t(old), new=t(new)))


def projected(j: Journey, *desk_events: DossierEvent) -> DossierState:
    """The read model of the same dossier: the desk's events and processing's public ones, in time order."""
    events: list[DossierEvent] = [j.received, *desk_events, *j.published()]
    events.sort(key=lambda event: (event.occurred_at, event.recorded_at))
    return fold_dossier(DossierState(dossier_id=str(j.id)), events).state


def apologised(at: str = "2026-04-29 15:00", new_due: str = "2026-05-08 17:00") -> Journey:
    # 1.004200, 3 WD, received Tue 28/4/2026 10:00 → due Tue 5/5 10:00; apology to Fri 8/5 17:00.
    j = Journey("1.004200", "2026-04-28 10:00")
    j.assign("2026-04-28 10:30")
    j.at(at).app.issue_apology(j.id, **j.by(LEAD), reason="Chờ xác minh", new_due_at=t(new_due))
    return j


def posted(name: str = "") -> Journey:
    # 1.012782 Cấp lại GCN bị mất, 10 WD excluding public posting, received at H44.18 Mon 2/3/2026 09:00 →
    # due Mon 16/3 09:00. Posting paused from Tue 3/3 08:00.
    j = Journey("1.012782", "2026-03-02 09:00", receiving_unit="H44.18", name=name)
    j.at("2026-03-03 08:00").app.pause_clock(
        j.id,
        **j.by(),
        pause_id="NIEMYET-1",
        reason=ClockPauseReason.PUBLIC_POSTING,
        legal_basis="Nghị định 101/2024 Điều 37",
    )
    return j


def test_a_correction_with_nothing_moved_moves_the_promise_and_the_due_time() -> None:
    # 1.004873, 3 WD, received Mon 2/3/2026 08:00 → due Thu 5/3 08:00; the slip should have said Fri 6/3.
    j = Journey("1.004873", "2026-03-02 08:00")
    correct(j, "2026-03-02 10:00", old="2026-03-05 08:00", new="2026-03-06 08:00")
    case = j.case
    assert case.original_due_at == t("2026-03-06 08:00")
    assert case.effective_due_at == t("2026-03-06 08:00")
    entry = case.clock.entries[-1]
    assert entry.rule is DueRule.AUDITED_CORRECTION
    assert (entry.previous_due_at, entry.new_due_at) == (t("2026-03-05 08:00"), t("2026-03-06 08:00"))
    assert entry.corrected_promise_at == t("2026-03-06 08:00")
    read = projected(
        j, j.desk.due_corrected(t("2026-03-02 10:00"), t("2026-03-05 08:00"), t("2026-03-06 08:00"))
    )
    assert (read.original_due_at, read.effective_due_at) == (case.original_due_at, case.effective_due_at)


def test_after_an_apology_the_correction_changes_the_promise_and_the_apology_date_stays() -> None:
    j = apologised()
    e30 = j.desk.due_corrected(t("2026-04-30 09:00"), old=t("2026-05-05 10:00"), new=t("2026-05-06 10:00"))
    j.clock.set(t("2026-04-30 09:00"))
    j.deliver(e30)
    case = j.case
    assert case.effective_due_at == t("2026-05-08 17:00")  # what the applicant was told last
    assert case.original_due_at == t("2026-05-06 10:00")  # form 06 and the 766 original basis
    assert [entry.rule for entry in case.clock.entries] == [
        DueRule.RECEIPT,
        DueRule.APOLOGY,
        DueRule.AUDITED_CORRECTION,
    ]
    entry = case.clock.entries[-1]
    assert entry.previous_due_at == entry.new_due_at == t("2026-05-08 17:00")
    assert entry.corrected_promise_at == t("2026-05-06 10:00")
    read = projected(j, e30)
    assert (read.original_due_at, read.effective_due_at) == (case.original_due_at, case.effective_due_at)


def test_after_a_supplement_restart_the_restarted_due_time_stays() -> None:
    # 1.004873 RESTART: the supplement accepted Tue 10/3 14:00 restarts 3 WD → new due Fri 13/3 14:00.
    j = Journey("1.004873", "2026-03-02 08:00")
    j.assign("2026-03-02 08:30")
    j.complete("2026-03-03 08:30", StepKind.APPRAISAL, outcome=StepOutcome.NEEDS_SUPPLEMENT)
    j.at("2026-03-03 09:00").app.request_supplement(j.id, **j.by(), reasons="Thiếu", items=[MISSING_ITEM])
    j.clock.set(t("2026-03-10 14:00"))
    submitted = j.desk.supplement_submitted(t("2026-03-10 14:00"))
    j.deliver(submitted)
    assert j.case.effective_due_at == t("2026-03-13 14:00")
    e30 = j.desk.due_corrected(t("2026-03-11 09:00"), old=t("2026-03-05 08:00"), new=t("2026-03-06 08:00"))
    j.clock.set(t("2026-03-11 09:00"))
    j.deliver(e30)
    case = j.case
    assert case.effective_due_at == t("2026-03-13 14:00")
    assert case.original_due_at == t("2026-03-06 08:00")
    read = projected(j, submitted, e30)
    assert (read.original_due_at, read.effective_due_at) == (case.original_due_at, case.effective_due_at)


def test_after_a_pause_the_corrected_promise_is_shifted_by_the_same_office_time() -> None:
    # Posting Tue 3/3 08:00 → Tue 10/3 08:00 = 40 h of office time: due Mon 16/3 09:00 → Mon 23/3 09:00.
    # The slip should have said Fri 13/3 15:00; shifted by the same 40 h: Fri 15:00–17:00 2 h, Mon 16/3 to
    # Thu 19/3 32 h (34), Fri 20/3 07:30–11:30 4 h (38), 13:00 + 2 h → Fri 20/3 15:00.
    j = posted()
    j.at("2026-03-10 08:00").app.resume_clock(j.id, **j.by(), pause_id="NIEMYET-1")
    assert j.case.effective_due_at == t("2026-03-23 09:00")
    correct(j, "2026-03-11 09:00", old="2026-03-16 09:00", new="2026-03-13 15:00")
    case = j.case
    assert case.original_due_at == t("2026-03-13 15:00")
    assert case.effective_due_at == t("2026-03-20 15:00")
    # The same correction while the posting is still open gives the same due time once it ends.
    k = posted("k")
    correct(k, "2026-03-04 09:00", old="2026-03-16 09:00", new="2026-03-13 15:00")
    assert k.case.effective_due_at == t("2026-03-13 15:00")
    k.at("2026-03-10 08:00").app.resume_clock(k.id, **k.by(), pause_id="NIEMYET-1")
    assert k.case.effective_due_at == case.effective_due_at


def test_two_corrections_each_correct_the_promise_and_the_due_follows_only_while_nothing_moved_it() -> None:
    j = Journey("1.004873", "2026-03-02 08:00")
    correct(j, "2026-03-02 10:00", old="2026-03-05 08:00", new="2026-03-06 08:00")
    correct(j, "2026-03-03 10:00", old="2026-03-06 08:00", new="2026-03-09 08:00")
    assert (j.case.original_due_at, j.case.effective_due_at) == (t("2026-03-09 08:00"), t("2026-03-09 08:00"))
    assert [entry.rule for entry in j.case.clock.entries].count(DueRule.AUDITED_CORRECTION) == 2

    k = apologised()
    correct(k, "2026-04-30 09:00", old="2026-05-05 10:00", new="2026-05-06 10:00")
    correct(k, "2026-05-04 09:00", old="2026-05-06 10:00", new="2026-05-07 10:00")
    assert (k.case.original_due_at, k.case.effective_due_at) == (t("2026-05-07 10:00"), t("2026-05-08 17:00"))


def test_a_correction_that_changes_neither_time_records_nothing() -> None:
    j = apologised()
    correct(j, "2026-04-30 09:00", old="2026-05-05 10:00", new="2026-05-06 10:00")
    count = j.event_count()
    # The desk states the same correction again as a new event (another id, so not a redelivery).
    correct(j, "2026-04-30 10:00", old="2026-05-05 10:00", new="2026-05-06 10:00")
    assert j.event_count() == count
    correct(j, "2026-04-30 11:00", old="2026-05-06 10:00", new="2026-05-06 11:00")
    assert j.event_count() == count + 1


def test_the_watcher_follows_the_current_due_time() -> None:
    config = WatcherConfig(steps=False)  # the late appraisal step is not what this test is about

    def overdue(j: Journey, at: str) -> list[str]:
        j.clock.set(t(at))
        return [
            alert.due_at.strftime("%d/%m %H:%M") for alert in j.app.run_watcher() if alert.kind == "OVERDUE"
        ]

    # Nothing moved: the corrected promise Wed 6/5 10:00 is the due time watched.
    j = Journey("1.004200", "2026-04-28 10:00")
    j.assign("2026-04-28 10:30")
    correct(j, "2026-04-29 09:00", old="2026-05-05 10:00", new="2026-05-06 10:00")
    assert overdue(j, "2026-05-05 10:01") == []
    assert overdue(j, "2026-05-06 10:01") == ["06/05 10:00"]

    # After an apology to Fri 8/5 17:00, a promise corrected to Wed 6/5 10:00 makes nothing overdue before it.
    k = apologised()
    correct(k, "2026-04-30 09:00", old="2026-05-05 10:00", new="2026-05-06 10:00")
    # The next alert is DUE_SOON, 8 working hours before the apology's date: Thu 7/5 17:00.
    assert next_alert_at(k.case, t("2026-05-06 10:01"), deadlines(), config) == t("2026-05-07 17:00")
    assert overdue(k, "2026-05-06 10:01") == []
    assert overdue(k, "2026-05-08 17:01") == ["08/05 17:00"]


def test_a_correction_stored_before_the_corrected_promise_existed_keeps_its_meaning() -> None:
    # Before ADR 0512 the event made ``new_due_at`` the due time and left the recorded promise alone.
    j = apologised()
    correct(j, "2026-04-30 09:00", old="2026-05-05 10:00", new="2026-05-06 10:00")
    mapper = j.app.mapper
    stored = [mapper.to_stored_event(event) for event in j.internal_events()]
    index, correction = next(
        (i, s) for i, s in enumerate(stored) if s.topic.endswith(DueDateCorrectionApplied.__name__)
    )
    state = json.loads(correction.state)
    # As the old code wrote it: no corrected promise, and the desk's corrected time as the new due time.
    state["new_due_at"] = state.pop("corrected_promise_at")
    old_style = replace(correction, state=json.dumps(state).encode())
    events = [mapper.to_domain_event(s) for s in (*stored[:index], old_style)]
    case = None
    for event in events:
        case = event.mutate(case)
    assert case is not None
    loaded = events[-1]
    assert isinstance(loaded, DueDateCorrectionApplied) and loaded.corrected_promise_at is None
    assert case.effective_due_at == t("2026-05-06 10:00")  # the old meaning, even after the apology
    assert case.original_due_at == t("2026-05-05 10:00")  # the old event never moved the recorded promise
    assert case.clock.entries[-1].corrected_promise_at is None
