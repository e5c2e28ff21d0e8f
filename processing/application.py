"""The Processing application service: officers' commands, the desk's events, and the deadline watcher.

One method per command. Each takes who acts (``actor``) and the flow ids (``correlation_id``,
``causation_id``); the time is read from the injectable clock. A refused command raises
``ProcessingRuleViolation`` (or ``NotFound``) and records nothing. The event store is the outbox: the
processing relay maps what is recorded with ``processing.outbound.to_public``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import get_topic

from contracts.enums import ActorKind, ClockPauseReason, PaymentMethod, StepKind, StepOutcome, StopCause
from contracts.envelope import Actor, DossierEvent, PublicEvent
from contracts.intake import DossierReceived
from contracts.values import FeeLine, RequestedItem, ResultDocument
from processing import inbound
from processing.case import Act, Case, DataStorePush, Digitisation
from processing.case_state import ControlSheetRow
from processing.clock import Clock, SystemClock
from processing.due_index import DueEntry, DueIndex, InMemoryDueIndex
from processing.errors import ConcurrentUpdate, NotFound, invalid, refused
from processing.ledger import ClockLedger
from processing.policy import ProcessingPolicy
from processing.ports import Deadlines, UnknownProcedure, Workflows
from processing.signals import Alert, Notice
from processing.transcodings import TimedeltaAsMicroseconds
from processing.watcher import WatcherConfig, alerts_for, next_alert_at

WATCHER_ACTOR_ID = "system:deadline-watcher"
ATTEMPTS = 3  # a command that lost an optimistic-concurrency race is re-run on the fresh case this often
LOG_PAGE = 500  # notifications read at a time while the due-index catches up
WATCHER_BATCH = 10_000  # due cases visited by one pass at most; the rest wait for the next pass
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recorded:
    """What a command or an inbound event recorded on a case."""

    dossier_id: UUID
    version: int
    events: tuple[str, ...]  # names of the internal events recorded, in order
    notices: tuple[Notice, ...] = ()


class Processing(Application[UUID]):
    """The competent agency's event-sourced application (one aggregate type: ``Case``, id = dossier id)."""

    name = "processing"

    def __init__(
        self,
        *,
        workflows: Workflows,
        deadlines: Deadlines,
        clock: Clock | None = None,
        policy: ProcessingPolicy | None = None,
        watcher: WatcherConfig | None = None,
        env: Mapping[str, str] | None = None,
        due_index: DueIndex | None = None,
    ) -> None:
        super().__init__(env)
        self.workflows = workflows
        self.deadlines = deadlines
        self.clock: Clock = clock or SystemClock()
        self.policy = policy or ProcessingPolicy()
        self.watcher = watcher or WatcherConfig()
        self.due_index: DueIndex = due_index or InMemoryDueIndex()

    def close(self) -> None:
        self.due_index.close()
        super().close()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(TimedeltaAsMicroseconds())

    # --- reading ------------------------------------------------------------------------------------------

    def case(self, dossier_id: UUID) -> Case:
        """The case of a dossier (``NotFound`` if the dossier was never received by processing)."""
        try:
            case: Case = self.repository.get(dossier_id)
        except AggregateNotFoundError:
            raise NotFound("case", dossier_id) from None
        return case

    def clock_ledger(self, dossier_id: UUID) -> ClockLedger:
        return self.case(dossier_id).clock

    def control_sheet(self, dossier_id: UUID) -> tuple[ControlSheetRow, ...]:
        return self.case(dossier_id).control_sheet

    def case_ids(self) -> list[UUID]:
        """Every case ever opened, in the order they were opened (read from the notification log)."""
        topic = get_topic(Case.Opened)
        ids: list[UUID] = []
        start: int | None = None
        while True:
            page = self.recorder.select_notifications(
                start, 500, topics=[topic], inclusive_of_start=start is None
            )
            ids.extend(UUID(str(n.originator_id)) for n in page)
            if len(page) < 500:
                return ids
            start = page[-1].id

    # --- commands -----------------------------------------------------------------------------------------

    def assign_handler(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        handler_id: str,
        department: str,
        unit_code: str | None = None,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.assign_handler(
                act, handler_id=handler_id, department=department, unit_code=unit_code
            ),
        )

    def complete_step(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        step: StepKind,
        outcome: StepOutcome,
        note: str | None = None,
        unit_code: str | None = None,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.complete_step(
                act, step=step, outcome=outcome, note=note, unit_code=unit_code, deadlines=self.deadlines
            ),
        )

    def schedule_verification(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        scheduled_for: datetime,
        place: str,
        participants: Sequence[str],
        content: str,
        applicant_presence_required: bool = False,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.schedule_verification(
                act,
                scheduled_for=scheduled_for,
                place=place,
                participants=participants,
                content=content,
                applicant_presence_required=applicant_presence_required,
            ),
        )

    def request_consultation(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        consultation_id: str,
        consulted_unit_code: str,
        question: str,
        reply_due_at: datetime,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.request_consultation(
                act,
                consultation_id=consultation_id,
                consulted_unit_code=consulted_unit_code,
                question=question,
                reply_due_at=reply_due_at,
            ),
        )

    def record_consultation_answer(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        consultation_id: str,
        answer_ref: str,
        summary: str | None = None,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.record_consultation_answer(
                act, consultation_id=consultation_id, answer_ref=answer_ref, summary=summary
            ),
        )

    def hand_off_to_partners(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        transfer_slip_no: str | None = None,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.hand_off_to_partners(
                act, deadlines=self.deadlines, transfer_slip_no=transfer_slip_no
            ),
        )

    def complete_partner_task(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        agency_code: str,
        outcome: StepOutcome,
        note: str | None = None,
        partial_result_refs: Sequence[str] = (),
        transfer_slip_no: str | None = None,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.complete_partner_task(
                act,
                agency_code=agency_code,
                outcome=outcome,
                note=note,
                partial_result_refs=partial_result_refs,
                transfer_slip_no=transfer_slip_no,
                deadlines=self.deadlines,
                policy=self.policy,
            ),
        )

    def request_supplement(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        reasons: str,
        items: Sequence[RequestedItem],
        one_stop_unit_code: str | None = None,
        sector_law_exception: bool = False,
        exception_legal_basis: str | None = None,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.request_supplement(
                act,
                reasons=reasons,
                items=items,
                one_stop_unit_code=one_stop_unit_code,
                sector_law_exception=sector_law_exception,
                exception_legal_basis=exception_legal_basis,
                deadlines=self.deadlines,
                policy=self.policy,
            ),
        )

    def request_financial_obligation(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        obligation_id: str,
        lines: Sequence[FeeLine],
        allowed_methods: Sequence[PaymentMethod],
        pay_by: datetime | None = None,
        payment_before_result: bool = True,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.request_financial_obligation(
                act,
                obligation_id=obligation_id,
                lines=lines,
                allowed_methods=allowed_methods,
                pay_by=pay_by,
                payment_before_result=payment_before_result,
                policy=self.policy,
            ),
        )

    def pause_clock(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        pause_id: str,
        reason: ClockPauseReason,
        legal_basis: str,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.pause_clock(
                act, pause_id=pause_id, reason=reason, legal_basis=legal_basis
            ),
        )

    def resume_clock(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        pause_id: str,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.resume_clock(act, pause_id=pause_id, deadlines=self.deadlines),
        )

    def issue_apology(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        reason: str,
        new_due_at: datetime,
        letter_no: str | None = None,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.issue_apology(
                act,
                reason=reason,
                new_due_at=new_due_at,
                letter_no=letter_no,
                deadlines=self.deadlines,
                policy=self.policy,
            ),
        )

    def stop(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        cause: StopCause,
        notice_no: str,
        reason: str | None = None,
        legal_basis: str | None = None,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.stop(
                act, cause=cause, notice_no=notice_no, reason=reason, legal_basis=legal_basis
            ),
        )

    def reject(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        reasons: str,
        legal_basis: str,
        notice_no: str,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.reject(
                act, reasons=reasons, legal_basis=legal_basis, notice_no=notice_no, policy=self.policy
            ),
        )

    def issue_result(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        documents: Sequence[ResultDocument],
        e_result: bool,
        digitised: Sequence[Digitisation] = (),
        pushed: Sequence[DataStorePush] = (),
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.issue_result(
                act, documents=documents, e_result=e_result, digitised=digitised, pushed=pushed
            ),
        )

    def record_result_digitized(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        digitisation: Digitisation,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.record_result_digitized(act, digitisation),
        )

    def record_result_stored(
        self,
        dossier_id: UUID,
        *,
        actor: Actor,
        correlation_id: UUID,
        push: DataStorePush,
        causation_id: UUID | None = None,
    ) -> Recorded:
        return self._command(
            dossier_id,
            self._act(actor, correlation_id, causation_id),
            lambda case, act: case.record_result_stored(act, push),
        )

    # --- inbound: the desk's and the payment platform's public events --------------------------------------

    def apply_intake_event(self, event: PublicEvent) -> Recorded | None:
        """Apply a public event of the intake (or payment) topic; None when it changed nothing.

        Idempotent: the case keeps the id of every public event it applied, so a redelivered event is a
        no-op; two workers opening the same dossier collide on the case's first version, and the loser
        finds the case already opened by that very event. Refusals raise ``ProcessingRuleViolation``.
        """
        if not isinstance(event, DossierEvent):
            return None
        if isinstance(event, DossierReceived):
            return self._open(event)
        change = inbound.change_for(event)
        if change is None:
            return None
        for _attempt in range(ATTEMPTS):
            try:
                case = self.case(event.dossier_id)
            except NotFound:
                if inbound.concerns_only_received_dossiers(event):
                    return None
                raise
            if event.event_id in case.applied_upstream_ids:
                return None
            act = inbound.act_for(event, case.processing_unit_code, self.clock.now())
            before = case.version
            change(case, act, self.deadlines)
            if case.version == before:
                return None
            try:
                return self._save(case)
            except IntegrityError:
                continue
        raise ConcurrentUpdate()

    def _open(self, event: DossierReceived) -> Recorded | None:
        if self._opened_by(event) is not None:
            return None
        try:
            workflow = self.workflows.workflow_for(event.procedure_code, event.processing_unit_code)
        except UnknownProcedure:
            raise invalid(
                "UNKNOWN_PROCEDURE",
                f"Danh mục không có quy trình của thủ tục {event.procedure_code}.",
                f"The catalogue has no workflow for procedure {event.procedure_code}.",
                field="procedure_code",
            ) from None
        case = inbound.open_case(
            event,
            workflow=workflow,
            deadlines=self.deadlines,
            policy=self.policy,
            recorded_at=self.clock.now(),
        )
        try:
            return self._save(case)
        except IntegrityError:
            # Another worker opened it first: fine if from this very event, a conflict otherwise.
            if self._opened_by(event) is not None:
                return None
            raise

    def _opened_by(self, event: DossierReceived) -> Case | None:
        """The case if it exists and was opened by ``event``; refuses a second receipt of one dossier."""
        try:
            existing: Case = self.repository.get(event.dossier_id)
        except AggregateNotFoundError:
            return None
        if event.event_id in existing.applied_upstream_ids:
            return existing
        raise refused(
            "RECEIVE_TWICE",
            f"Hồ sơ {existing.dossier_code} đã được tiếp nhận và đang giải quyết; không tiếp nhận lần hai.",
            f"Dossier {existing.dossier_code} was already received and has its case; it is not received twice.",
        )

    # --- the deadline watcher -----------------------------------------------------------------------------

    def run_watcher(self, dossier_ids: Iterable[UUID] | None = None) -> list[Alert]:
        """Raise the alerts due now (the injectable clock's now) on the given cases, or on every case due.

        Without ``dossier_ids`` a pass is proportional to the work (ADR 0510): it brings the due-index up to
        date from the notifications recorded since its last pass (loading only cases changed elsewhere), then
        visits only the cases whose next alert time has come. Each alert is recorded on its case, so running
        the watcher again at the same time raises nothing.
        """
        now = self.clock.now()
        if dossier_ids is None:
            self._catch_up_due_index(now)
            dossier_ids = self.due_index.due(now, WATCHER_BATCH)
        raised: list[Alert] = []
        for dossier_id in dossier_ids:
            for _attempt in range(ATTEMPTS):
                case = self.case(dossier_id)
                alerts = alerts_for(case, now, self.deadlines, self.watcher)
                if not alerts:
                    self._index(case)  # seen now: its next alert time moves on
                    break
                act = Act(
                    actor=Actor(
                        kind=ActorKind.SYSTEM, id=WATCHER_ACTOR_ID, unit_code=case.processing_unit_code
                    ),
                    at=now,
                    correlation_id=case.correlation_id,
                    recorded_at=now,
                )
                fresh = case.raise_alerts(act, alerts)
                try:
                    self._save(case)
                except IntegrityError:
                    continue
                raised.extend(fresh)
                break
        return raised

    def _catch_up_due_index(self, now: datetime) -> None:
        """Index every case changed since the index's position and not yet indexed at that version (changes
        recorded by another process, or lost between a save and its indexing)."""
        position = self.due_index.position()
        while True:
            page = self.recorder.select_notifications(position, LOG_PAGE, inclusive_of_start=False)
            if not page:
                return
            latest: dict[UUID, int] = {}
            for notification in page:
                case_id = UUID(str(notification.originator_id))
                latest[case_id] = max(latest.get(case_id, 0), notification.originator_version)
            known = self.due_index.versions(latest)
            entries = []
            for case_id, version in latest.items():
                if known.get(case_id, 0) >= version:
                    continue
                aggregate: object = self.repository.get(case_id)
                if isinstance(aggregate, Case):
                    entries.append(self._due_entry(aggregate, now))
            position = page[-1].id
            self.due_index.record(entries, position)
            if len(page) < LOG_PAGE:
                return

    def _due_entry(self, case: Case, now: datetime) -> DueEntry:
        return DueEntry(case.id, case.version, next_alert_at(case, now, self.deadlines, self.watcher))

    def _index(self, case: Case) -> None:
        """Keep the due-index current with a case just saved or seen; on failure the next pass catches up."""
        try:
            self.due_index.record([self._due_entry(case, self.clock.now())])
        except Exception:  # the case is saved; the index is a projection the watcher rebuilds from the log
            log.warning(
                "due-index not updated for case %s; the watcher will catch up", case.id, exc_info=True
            )

    # --- plumbing -----------------------------------------------------------------------------------------

    def _act(self, actor: Actor, correlation_id: UUID, causation_id: UUID | None) -> Act:
        now = self.clock.now()
        return Act(
            actor=actor, at=now, correlation_id=correlation_id, causation_id=causation_id, recorded_at=now
        )

    def _command(self, dossier_id: UUID, act: Act, command: Callable[[Case, Act], object]) -> Recorded:
        """Run ``command`` on the case and save; re-run it on a fresh case if another writer got there first.

        Commands that warn return their notices (a list of ``Notice``); what others return is not kept.
        """
        for _attempt in range(ATTEMPTS):
            case = self.case(dossier_id)
            returned = command(case, act)
            notices = [n for n in returned if isinstance(n, Notice)] if isinstance(returned, list) else []
            try:
                return self._save(case, notices=notices)
            except IntegrityError:
                continue
        raise ConcurrentUpdate()

    def _save(self, case: Case, *, notices: Sequence[Notice] = ()) -> Recorded:
        names = tuple(type(event).__name__ for event in case.pending_events)
        self.save(case)
        self._index(case)
        return Recorded(dossier_id=case.id, version=case.version, events=names, notices=tuple(notices))
