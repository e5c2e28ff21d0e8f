"""The watcher's due-index (ADR 0510): a pass loads only the cases whose next alert time has come (and the
cases changed behind the index's back), and raises exactly what a pass over every case raises.

Loads are counted with a spy on the application's repository, not by timing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from processing_kit import MISSING_ITEM, Desk, deadlines, document, officer, reference, t, workflows

from contracts.enums import Channel, ClockPauseReason, StepKind, StepOutcome
from contracts.envelope import Actor
from processing.application import Processing
from processing.case import Act
from processing.clock import SettableClock
from processing.due_index import InMemoryDueIndex
from processing.signals import Alert, AlertKind
from processing.watcher import WatcherConfig, alerts_for, next_alert_at


class Loads:
    """Counts the cases the application loads from its repository."""

    def __init__(self, app: Processing) -> None:
        self.count = 0
        original = app.repository.get

        def get(*args: object, **kwargs: object) -> object:
            self.count += 1
            return original(*args, **kwargs)  # type: ignore[arg-type]

        app.repository.get = get  # type: ignore[method-assign]

    def since(self, before: int) -> int:
        return self.count - before


def receive(
    app: Processing, clock: SettableClock, n: int, procedure: str, at: datetime, desk_unit: str = "H44.100"
) -> UUID:
    dossier_id = uuid5(NAMESPACE_URL, f"index:{procedure}:{n}")
    desk = Desk(dossier_id, uuid5(NAMESPACE_URL, f"index-flow:{n}"))
    p = reference().procedures.get(procedure)
    clock.set(at)
    app.apply_intake_event(
        desk.received(
            p,
            at,
            channel=Channel.COUNTER,
            receiving_unit=desk_unit,
            processing_unit=p.handling_unit or desk_unit,
        )
    )
    return dossier_id


N = 40


def province(index: InMemoryDueIndex | None = None) -> tuple[Processing, SettableClock, UUID, list[UUID]]:
    """One 3-working-day dossier (1.004200, received Mon 2/3/2026 08:00, due Thu 5/3 08:00) and N three-month
    ones (1.012790 at the provincial centre, due in June)."""
    clock = SettableClock(t("2026-03-02 08:00"))
    app = Processing(workflows=workflows(), deadlines=deadlines(), clock=clock, due_index=index)
    short = receive(app, clock, 0, "1.004200", t("2026-03-02 08:00"))
    long = [
        receive(app, clock, k, "1.012790", t("2026-03-02 09:00") + timedelta(minutes=k), "H44.18")
        for k in range(1, N + 1)
    ]
    return app, clock, short, long


def test_a_pass_with_nothing_due_loads_no_case() -> None:
    app, clock, _short, _long = province()
    loads = Loads(app)
    clock.set(t("2026-03-02 17:00"))
    assert app.run_watcher() == []
    assert loads.count == 0
    # The spy sees loads: a pass over every case, as the watcher used to do, loads each of them.
    assert app.run_watcher(app.case_ids()) == []
    assert loads.count == N + 1


def test_a_pass_visits_only_the_case_whose_time_has_come() -> None:
    app, clock, short, _long = province()
    loads = Loads(app)
    # The short dossier's apology may come until Wed 4/3 08:00; its alert opens 4 office hours earlier
    # (Wed 07:30–08:00, Tue 13:30–17:00), Tue 3/3 13:30. The three-month dossiers have nothing to say.
    clock.set(t("2026-03-03 13:29"))
    assert app.run_watcher() == [] and loads.count == 0
    clock.set(t("2026-03-03 13:30"))
    raised = app.run_watcher()
    assert [(a.kind, a.due_at) for a in raised] == [(AlertKind.APOLOGY_WINDOW_CLOSING, t("2026-03-04 08:00"))]
    assert loads.count == 1 and app.case(short).raised_alerts
    before = loads.count
    assert app.run_watcher() == [] and loads.since(before) == 0


def test_an_empty_index_catches_up_from_the_log_once_and_follows_changes_made_elsewhere() -> None:
    app, clock, _short, long = province()
    app.due_index = InMemoryDueIndex()  # a process starting on an existing store
    loads = Loads(app)
    clock.set(t("2026-03-02 17:00"))
    assert app.run_watcher() == [] and loads.count == N + 1
    assert app.run_watcher() == [] and loads.count == N + 1
    # Another process pauses one case's clock: saved without going through this application's index.
    changed = app.case(long[7])
    officer_of = officer(changed.processing_unit_code, "cv", "thuly01")
    act = Act(actor=officer_of, at=clock.now(), correlation_id=changed.correlation_id)
    changed.pause_clock(act, pause_id="P-1", reason=ClockPauseReason.OTHER_LEGAL, legal_basis="Luật")
    app.save(changed)
    before = loads.count
    assert app.run_watcher() == [] and loads.since(before) == 1
    assert app.due_index.versions([long[7]]) == {long[7]: changed.version}


def test_next_alert_time_is_the_first_instant_alerts_come_not_later() -> None:
    # 1.004200 received Tue 28/4/2026 10:00 → due Tue 5/5 10:00 (ADR 0510's dossier): the apology alert opens
    # Wed 29/4 15:30, within office hours; with 2.5 h of notice it opens exactly when Mon 4/5 opens, 07:30, so
    # the first instant with no more than 2.5 office hours left is the close of Wed 29/4, 17:00.
    clock = SettableClock(t("2026-04-28 10:00"))
    config = WatcherConfig(apology_notice=timedelta(hours=2, minutes=30), steps=False)
    app = Processing(workflows=workflows(), deadlines=deadlines(), clock=clock, watcher=config)
    case = app.case(receive(app, clock, 99, "1.004200", t("2026-04-28 10:00")))
    first = next_alert_at(case, clock.now(), deadlines(), config)
    assert first == t("2026-04-29 17:00")
    assert alerts_for(case, first, deadlines(), config)
    assert not alerts_for(case, first - timedelta(microseconds=1), deadlines(), config)


# --- the same alerts as a pass over every case ----------------------------------------------------------------


class Twins:
    """Two applications fed the same facts: one watched through its due-index, one over every case."""

    def __init__(self) -> None:
        self.clocks = [SettableClock(t("2026-03-02 08:00")) for _ in range(2)]
        self.apps = [
            Processing(workflows=workflows(), deadlines=deadlines(), clock=clock) for clock in self.clocks
        ]
        self.desks: dict[UUID, Desk] = {}

    def at(self, when: datetime) -> None:
        for clock in self.clocks:
            clock.set(when)

    def receive(self, n: int, procedure: str, when: str, desk_unit: str, channel: Channel) -> UUID:
        dossier_id = uuid5(NAMESPACE_URL, f"twins:{n}")
        desk = Desk(dossier_id, uuid5(NAMESPACE_URL, f"twins-flow:{n}"))
        p = reference().procedures.get(procedure)
        received = desk.received(
            p,
            t(when),
            channel=channel,
            receiving_unit=desk_unit,
            processing_unit=p.handling_unit or desk_unit,
        )
        self.desks[dossier_id] = desk
        self.at(t(when))
        for app in self.apps:
            app.apply_intake_event(received)
        return dossier_id

    def both(self, command: Callable[[Processing], object]) -> None:
        for app in self.apps:
            command(app)

    def watch(self, when: datetime) -> tuple[Snapshot, Snapshot]:
        self.at(when)
        indexed, everything = self.apps
        returned = (indexed.run_watcher(), everything.run_watcher(everything.case_ids()))
        return (_snapshot(indexed, returned[0]), _snapshot(everything, returned[1]))


Snapshot = tuple[list[tuple[str, str]], list[tuple[UUID, str, datetime]]]


def _snapshot(app: Processing, returned: list[Alert]) -> Snapshot:
    """What a pass returned, and every alert recorded on every case (with when the watcher saw it)."""
    recorded = sorted(
        (i, key, alert.at) for i in app.case_ids() for key, alert in app.case(i).raised_alerts.items()
    )
    return sorted((a.kind.value, a.key) for a in returned), recorded


def test_the_indexed_watcher_raises_exactly_what_a_pass_over_every_case_raises() -> None:
    twins = Twins()
    apologised = twins.receive(1, "1.004200", "2026-03-02 08:00", "H44.100", Channel.COUNTER)
    supplemented = twins.receive(2, "1.004200", "2026-03-02 09:10", "H44.100", Channel.COUNTER)
    paused = twins.receive(3, "1.012782", "2026-03-02 09:20", "H44.18", Channel.COUNTER)
    partners = twins.receive(4, "1.004884", "2026-03-02 09:30", "H44.100", Channel.ONLINE)
    finished = twins.receive(5, "1.004200", "2026-03-02 09:40", "H44.100", Channel.COUNTER)
    commune = officer("H44.100", "cv", "thuly01")
    land = officer("H44.06.01", "cv", "thuly01")

    def by(dossier: UUID, who: Actor = commune) -> dict[str, Any]:
        return {"actor": who, "correlation_id": twins.apps[0].case(dossier).correlation_id}

    def assign_all(app: Processing) -> None:
        for dossier in (apologised, supplemented, partners, finished):
            app.assign_handler(dossier, **by(dossier), handler_id="cv.h44100.thuly01", department="Tư pháp")

    def finish(app: Processing) -> None:
        for kind in (StepKind.APPRAISAL, StepKind.REVIEW, StepKind.SIGNING):
            app.complete_step(finished, **by(finished), step=kind, outcome=StepOutcome.SATISFACTORY)
        documents = [document(signed_at=t("2026-03-02 16:00"))]
        app.issue_result(finished, **by(finished), documents=documents, e_result=True)

    def supplement_arrives(app: Processing) -> None:
        app.apply_intake_event(twins.desks[supplemented].supplement_submitted(t("2026-03-06 10:00")))

    script: dict[datetime, Callable[[Processing], object]] = {
        t("2026-03-02 10:00"): assign_all,
        t("2026-03-02 10:30"): lambda app: app.hand_off_to_partners(partners, **by(partners)),
        t("2026-03-02 15:00"): lambda app: app.complete_partner_task(
            partners, **by(partners), agency_code="H44.15", outcome=StepOutcome.SATISFACTORY
        ),
        t("2026-03-02 16:00"): finish,
        t("2026-03-03 09:00"): lambda app: app.pause_clock(
            paused,
            **by(paused, land),
            pause_id="NY-1",
            reason=ClockPauseReason.PUBLIC_POSTING,
            legal_basis="NĐ 101/2024",
        ),
        t("2026-03-03 10:00"): lambda app: app.request_supplement(
            supplemented, **by(supplemented), reasons="Thiếu", items=[MISSING_ITEM]
        ),
        t("2026-03-04 07:45"): lambda app: app.issue_apology(
            apologised, **by(apologised), reason="Chờ xác minh", new_due_at=t("2026-03-09 17:00")
        ),
        t("2026-03-06 10:00"): supplement_arrives,
        t("2026-03-09 09:00"): lambda app: app.resume_clock(paused, **by(paused, land), pause_id="NY-1"),
    }
    when, passes_with_alerts = t("2026-03-02 08:00"), 0
    while when <= t("2026-03-17 17:00"):
        if when in script:
            twins.at(when)
            twins.both(script[when])
        by_index, by_scan = twins.watch(when)
        assert by_index == by_scan, when
        passes_with_alerts += bool(by_scan[0])
        when += timedelta(minutes=30)
    recorded = {key.split("@")[0] for _i, key, _at in by_scan[1]}
    assert recorded == {kind.value for kind in AlertKind} and passes_with_alerts > 5
