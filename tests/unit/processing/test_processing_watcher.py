"""The deadline watcher on simulated time: due soon, overdue, the apology window and late steps, each once.

The dossier of most tests: 1.004200 (3 WD = 24 working hours) received Tue 28/4/2026 10:00 at H44.100.
Tue 10:00–11:30, 13:00–17:00 = 5.5 h; Wed 29/4 8 h (13.5); Thu 30/4 and Fri 1/5 are public holidays,
Sat 2/5 and Sun 3/5 the weekend; Mon 4/5 8 h (21.5); Tue 5/5 07:30 + 2.5 h → due Tue 5/5/2026 10:00
(a wall-clock "3 days" would have ended on the holiday Fri 1/5 10:00).
"""

from __future__ import annotations

from datetime import timedelta
from uuid import NAMESPACE_URL, uuid5

from processing_kit import LEAD, MISSING_ITEM, SPECIALIST, Desk, Journey, deadlines, t

from contracts.enums import Channel, ClockPauseReason, StepKind, StepOutcome
from processing.signals import Alert, AlertKind
from processing.watcher import WatcherConfig, alerts_for


def kinds(alerts: list[Alert]) -> list[tuple[str, str]]:
    return [(alert.kind.value, alert.due_at.strftime("%d/%m %H:%M")) for alert in alerts]


def watch(j: Journey, at: str) -> list[tuple[str, str]]:
    j.clock.set(t(at))
    return kinds(j.app.run_watcher())


def test_overdue_at_the_right_working_hour_across_a_weekend_and_a_public_holiday() -> None:
    j = Journey("1.004200", "2026-04-28 10:00")
    j.assign("2026-04-28 10:30")
    assert j.case.effective_due_at == t("2026-05-05 10:00")
    # The last moment for the apology is one working day (8 h) before the due time: Tue 5/5 07:30–10:00 2.5 h,
    # Mon 4/5 13:00–17:00 4 h, Mon 10:00–11:30 1.5 h → Mon 4/5 10:00. Its alert comes 4 working hours
    # earlier: Mon 07:30–10:00 2.5 h and Wed 29/4 15:30–17:00 1.5 h → Wed 29/4 15:30.
    assert watch(j, "2026-04-29 15:29") == []
    assert watch(j, "2026-04-29 15:30") == [("APOLOGY_WINDOW_CLOSING", "04/05 10:00")]
    # Fri 1/5, a public holiday: the naive three days are over, the working hours are not.
    assert watch(j, "2026-05-01 10:01") == []
    # DUE_SOON once 8 working hours are left: Mon 4/5 10:00–11:30 1.5 h + 13:00–17:00 4 h + Tue 2.5 h = 8 h.
    assert watch(j, "2026-05-04 09:59") == []
    assert watch(j, "2026-05-04 10:00") == [("DUE_SOON", "05/05 10:00")]
    # The appraisal stage had 0.5 WD for the desk + 1.5 WD = 16 h from Tue 28/4 10:00 → Mon 4/5 10:00.
    assert watch(j, "2026-05-04 10:01") == [("STEP_OVERDUE", "04/05 10:00")]
    assert watch(j, "2026-05-05 10:00") == []  # due at 10:00 is not yet overdue at 10:00
    assert watch(j, "2026-05-05 10:01") == [("OVERDUE", "05/05 10:00")]
    assert watch(j, "2026-05-05 10:02") == []  # raised once
    recorded = j.case.raised_alerts
    assert {alert.kind for alert in recorded.values()} == set(AlertKind)
    assert j.published_types() == ["handler-assigned"]  # alerts are the case's own, not public events


def test_a_new_due_time_is_watched_again_and_the_apology_window_closes_for_good() -> None:
    j = Journey("1.004200", "2026-04-28 10:00")
    j.assign("2026-04-28 10:30")
    assert watch(j, "2026-05-04 10:00") == [
        ("DUE_SOON", "05/05 10:00"),
        ("APOLOGY_WINDOW_CLOSING", "04/05 10:00"),
    ]
    j.at("2026-05-04 10:00").app.issue_apology(
        j.id, **j.by(LEAD), reason="Chờ kết quả xác minh", new_due_at=t("2026-05-07 17:00")
    )
    # New due Thu 7/5 17:00; 8 working hours before it is Wed 6/5 17:00 (= Thu 07:30).
    assert watch(j, "2026-05-06 16:59") == [("STEP_OVERDUE", "04/05 10:00")]
    assert watch(j, "2026-05-06 17:00") == [("DUE_SOON", "07/05 17:00")]
    assert watch(j, "2026-05-07 17:01") == [("OVERDUE", "07/05 17:00")]


def test_no_deadline_alert_while_the_clock_is_stopped() -> None:
    j = Journey("1.004200", "2026-04-28 10:00")
    j.assign("2026-04-28 10:30")
    j.at("2026-04-28 11:00").app.request_supplement(j.id, **j.by(), reasons="Thiếu", items=[MISSING_ITEM])
    assert watch(j, "2026-05-06 09:00") == []  # past the slip's due time, but the supplement is awaited

    k = Journey("1.012782", "2026-03-02 09:00", receiving_unit="H44.18")
    k.at("2026-03-03 08:00").app.pause_clock(
        k.id, **k.by(), pause_id="NY-1", reason=ClockPauseReason.PUBLIC_POSTING, legal_basis="NĐ 101/2024"
    )
    assert watch(k, "2026-03-20 09:00") == []  # due Mon 16/3 09:00, but the clock is paused
    k.at("2026-03-20 09:00").app.resume_clock(k.id, **k.by(), pause_id="NY-1")
    # Paused Tue 3/3 08:00 → Fri 20/3 09:00 = 13 WD + 1 h; due Mon 16/3 09:00 + 105 h → Thu 2/4 10:00.
    assert k.case.effective_due_at == t("2026-04-02 10:00")
    assert watch(k, "2026-03-20 09:00") == []


def test_a_partner_agency_late_with_its_task() -> None:
    # 3 in 1 online, received Mon 2/3/2026 09:00; partners handed off at 10:00 with 1 WD each → Tue 3/3 10:00.
    j = Journey("1.004884", "2026-03-02 09:00", channel=Channel.ONLINE)
    j.assign("2026-03-02 09:10")
    j.at("2026-03-02 10:00").app.hand_off_to_partners(j.id, **j.by(LEAD))
    j.at("2026-03-02 15:00").app.complete_partner_task(
        j.id, **j.by(SPECIALIST), agency_code="H44.15", outcome=StepOutcome.SATISFACTORY
    )
    j.clock.set(t("2026-03-03 10:01"))
    alerts = j.app.run_watcher()
    # The lead's own first stage (desk 2 h + birth registration 6 h from Mon 09:00 → Tue 3/3 09:00) is late,
    # and so is social insurance; the police answered in time. Due Thu 5/3 09:00 is not near yet.
    assert [(alert.kind, alert.agency_code, alert.step, alert.due_at) for alert in alerts] == [
        (AlertKind.STEP_OVERDUE, None, StepKind.APPRAISAL, t("2026-03-03 09:00")),
        (AlertKind.STEP_OVERDUE, "H44.16", StepKind.INTER_AGENCY, t("2026-03-03 10:00")),
    ]


def test_lead_times_are_configurable_in_working_hours() -> None:
    # Two working days of warning: 16 h before Tue 5/5 10:00 is Wed 29/4 10:00 (Mon 8 h, Tue 2.5 h, Wed 5.5 h),
    # across the holidays and the weekend.
    j = Journey(
        "1.004200", "2026-04-28 10:00", watcher=WatcherConfig(due_soon=timedelta(hours=16), steps=False)
    )
    assert ("DUE_SOON", "05/05 10:00") not in watch(j, "2026-04-29 09:59")
    assert ("DUE_SOON", "05/05 10:00") in watch(j, "2026-04-29 10:00")


def test_finished_cases_raise_nothing_and_the_function_is_pure() -> None:
    j = Journey("1.004200", "2026-04-28 10:00")
    j.assign("2026-04-28 10:30")
    case = j.case
    config = WatcherConfig()
    first = alerts_for(case, t("2026-05-05 10:01"), deadlines(), config)
    assert alerts_for(case, t("2026-05-05 10:01"), deadlines(), config) == first
    assert case.raised_alerts == {}  # computing alerts records nothing; the application does
    j.complete("2026-04-28 11:00", StepKind.APPRAISAL)
    j.complete("2026-04-28 14:00", StepKind.REVIEW, actor=LEAD)
    j.complete("2026-04-28 15:00", StepKind.SIGNING, actor=LEAD)
    j.issue("2026-04-28 16:00")
    assert watch(j, "2026-05-06 10:00") == []


def test_the_watcher_passes_over_every_case_of_the_application() -> None:
    j = Journey("1.004200", "2026-04-28 10:00")
    other_id = uuid5(NAMESPACE_URL, "dossier:other")
    other = Desk(other_id, uuid5(NAMESPACE_URL, "flow:other"))
    j.deliver(
        other.received(
            j.procedure,
            t("2026-04-29 08:00"),
            channel=Channel.COUNTER,
            receiving_unit="H44.100",
            processing_unit="H44.100",
        )
    )
    assert j.app.case_ids() == [j.id, other_id]
    j.clock.set(t("2026-05-06 09:00"))
    alerts = j.app.run_watcher()
    # Both are overdue (the second was due Tue 5/5 + 2 h … = Wed 6/5 08:00); the apology window passed unseen.
    assert sorted(alert.kind.value for alert in alerts if alert.kind is AlertKind.OVERDUE) == [
        "OVERDUE",
        "OVERDUE",
    ]
    assert j.app.case(other_id).raised_alerts and j.case.raised_alerts
    assert j.app.run_watcher() == []
