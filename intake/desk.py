"""IntakeDesk: the one-stop desk's application service (issue 4, item 3) — one method per command.

Every command runs the same rhythm: take "now" from the injected clock, load what it touches, check the
values against the reference data (``dossier_checks``), let the aggregates check their guards, map every
pending event to its public contract (a value the contract refuses is refused with the command), and save
everything in **one** ``save()``: the dossier together with the code books that numbered it, or all the
dossiers of a postal hand-over record. A refusal raises before ``save()``, so nothing is recorded.

Optimistic concurrency does the rest. A save that lost a race (same dossier, or the same code book)
raises eventsourcing's ``IntegrityError``; the command is then run again from a fresh load, where it either
succeeds with the next number or meets the rule the winner made true (``RECEIVE_TWICE``). After
``max_attempts`` lost races the caller gets ``ConcurrentUpdate`` (409).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import BaseAggregate, MutableOrImmutableAggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import EnvType
from pydantic import ValidationError
from uuid6 import uuid7

from contracts.enums import Channel, Outcome, TransferMode
from intake import dossier_checks as checks
from intake.calendar import VIETNAM_TZ, OutsideCalendarError
from intake.clock import Clock, SystemClock
from intake.codes import (
    BookKind,
    CodePolicy,
    SequenceBook,
    book_id,
    compose_dossier_code,
    parse_dossier_code,
)
from intake.deadlines import Deadline, DeadlineEngine, DeadlinePolicy
from intake.dossier import Dossier, DossierStatus
from intake.dossier_commands import (
    CounterPayment,
    Digitisation,
    DueDateCorrection,
    HandoverDecision,
    HandoverLine,
    HandoverOutcome,
    HandoverRecord,
    Receipt,
    ReceiveDetails,
    Refusal,
    SubmitDossier,
    SupplementRequest,
)
from intake.dossier_values import CommandContext, ProvidedItem, Stamp, register_value_transcodings
from intake.due_correction import Approver, ApproverRole, DueCorrectionPolicy
from intake.errors import ConcurrentUpdate, IntakeRuleViolation, NotFound, invalid
from intake.outbound import outbound
from intake.reference import Procedure, ReferenceData

T = TypeVar("T")


class IntakeDesk(Application[UUID]):
    """The one-stop desk: dossiers, their codes and receipt slips, in one event store (the outbox)."""

    name = "intake"
    # A busy centre's daily code book reaches hundreds of events.
    snapshotting_intervals: ClassVar[dict[type[MutableOrImmutableAggregate[Any]], int]] = {SequenceBook: 100}
    max_attempts = 5

    def __init__(
        self,
        reference: ReferenceData,
        *,
        clock: Clock | None = None,
        deadline_policy: DeadlinePolicy | None = None,
        code_policy: CodePolicy | None = None,
        correction_policy: DueCorrectionPolicy | None = None,
        env: EnvType | None = None,
    ) -> None:
        self.reference = reference
        self.clock: Clock = clock or SystemClock()
        self.deadline_policy = deadline_policy or DeadlinePolicy()
        self.code_policy = code_policy or CodePolicy()
        self.correction_policy = correction_policy or DueCorrectionPolicy()
        super().__init__(env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)

    # --- queries --------------------------------------------------------------------------------------

    def get(self, dossier_id: UUID) -> Dossier:
        """The dossier as intake knows it (``NotFound`` if there is none)."""
        try:
            aggregate: Any = self.repository.get(dossier_id)
        except AggregateNotFoundError:
            raise NotFound("dossier", dossier_id) from None
        if not isinstance(aggregate, Dossier):
            raise NotFound("dossier", dossier_id)
        return aggregate

    # --- commands -------------------------------------------------------------------------------------

    def submit(self, command: SubmitDossier, context: CommandContext) -> UUID:
        """E1 at the counter, online or by post: a new SUBMITTED dossier; returns its id."""

        def action(now: datetime) -> UUID:
            books = _Books(self, now)
            dossier = self._new_dossier(command, context, now, books)
            self._commit(dossier, *books.touched())
            return dossier.id

        return self._run(action)

    def submit_and_receive(
        self, command: SubmitDossier, context: CommandContext, details: ReceiveDetails | None = None
    ) -> Receipt:
        """A complete walk-in dossier received on the spot (§2.15 "(none) → RECEIVED"): E1 and E5 in one save."""
        if command.channel is not Channel.COUNTER:
            raise invalid(
                "WALK_IN_COUNTER_ONLY",
                "Chỉ hồ sơ nộp trực tiếp tại quầy mới được tiếp nhận ngay khi nộp.",
                "Only a counter dossier is received at once on submission.",
                field="channel",
            )

        def action(now: datetime) -> Receipt:
            books = _Books(self, now)
            dossier = self._new_dossier(command, context, now, books)
            receipt = self._receive(dossier, Stamp.of(context, now), details or ReceiveDetails(), books)
            self._commit(dossier, *books.touched())
            return receipt

        return self._run(action)

    def request_intake_supplement(
        self, dossier_id: UUID, context: CommandContext, request: SupplementRequest
    ) -> None:
        """E2: ask once, completely, for what is missing or wrong (form 02); the clock does not start."""

        def action(now: datetime) -> None:
            dossier = self.get(dossier_id)
            self._request_supplement(dossier, Stamp.of(context, now), request)
            self._commit(dossier)

        self._run(action)

    def provide_intake_supplement(
        self,
        dossier_id: UUID,
        context: CommandContext,
        *,
        items: Sequence[ProvidedItem],
        channel: Channel,
    ) -> None:
        """E3: the applicant completed the dossier; it is SUBMITTED again and may be received."""

        def action(now: datetime) -> None:
            dossier = self.get(dossier_id)
            checked = [
                replace(item, files=checks.check_files(item.files, field=f"items[{index}].files"))
                for index, item in enumerate(items)
            ]
            dossier.provide_intake_supplement(Stamp.of(context, now), items=checked, channel=Channel(channel))
            self._commit(dossier)

        self._run(action)

    def refuse(self, dossier_id: UUID, context: CommandContext, refusal: Refusal) -> None:
        """E4: refuse before receipt with a reason (form 03); terminal."""

        def action(now: datetime) -> None:
            dossier = self.get(dossier_id)
            self._refuse(dossier, Stamp.of(context, now), refusal)
            self._commit(dossier)

        self._run(action)

    def receive(
        self, dossier_id: UUID, context: CommandContext, details: ReceiveDetails | None = None
    ) -> Receipt:
        """E5: receive a complete dossier: dossier code, receipt slip, clock start and due time."""

        def action(now: datetime) -> Receipt:
            books = _Books(self, now)
            dossier = self.get(dossier_id)
            receipt = self._receive(dossier, Stamp.of(context, now), details or ReceiveDetails(), books)
            self._commit(dossier, *books.touched())
            return receipt

        return self._run(action)

    def digitise_component(
        self,
        dossier_id: UUID,
        context: CommandContext,
        digitisation: Digitisation,
        *,
        content: bytes | None = None,
    ) -> None:
        """E6: attach a component's file; with ``content`` the declared SHA-256 is verified."""

        def action(now: datetime) -> None:
            dossier = self.get(dossier_id)
            sha256 = checks.sha256_hex(digitisation.sha256, field="sha256")
            checks.check_content(sha256, content, field="sha256")
            dossier.digitise(
                Stamp.of(context, now),
                component_code=digitisation.component_code,
                file_ref=digitisation.file_ref,
                sha256=sha256,
                source=digitisation.source,
                reused_from=digitisation.reused_from,
                digitally_signed=digitisation.digitally_signed,
                signer=digitisation.signer,
                stored_in_data_store=digitisation.stored_in_data_store,
            )
            self._commit(dossier)

        self._run(action)

    def transfer(
        self,
        dossier_id: UUID,
        context: CommandContext,
        *,
        mode: TransferMode,
        to_unit_code: str | None = None,
        step_due_at: datetime | None = None,
        transfer_slip_no: str | None = None,
    ) -> None:
        """E7: hand the received dossier to the competent unit (by default the one it is attributed to)."""

        def action(now: datetime) -> None:
            dossier = self.get(dossier_id)
            target = to_unit_code or dossier.processing_unit_code
            checks.active_unit(self.reference, target, now.date(), field="to_unit_code")
            dossier.transfer(
                Stamp.of(context, now),
                to_unit_code=target,
                mode=TransferMode(mode),
                step_due_at=_aware(step_due_at, "step_due_at") if step_due_at else None,
                transfer_slip_no=transfer_slip_no,
            )
            self._commit(dossier)

        self._run(action)

    def record_counter_payment(
        self, dossier_id: UUID, context: CommandContext, payment: CounterPayment
    ) -> None:
        """E17 at the desk: receipt-time fee lines paid in cash or by transfer (ADR 0252)."""

        def action(now: datetime) -> None:
            dossier = self.get(dossier_id)
            self._pay(dossier, Stamp.of(context, now), payment)
            self._commit(dossier)

        self._run(action)

    def withdraw(
        self, dossier_id: UUID, context: CommandContext, *, channel: Channel, reason: str | None = None
    ) -> DossierStatus:
        """E19: CANCELLED before receipt, WITHDRAWAL_REQUESTED after it (processing stops it)."""

        def action(now: datetime) -> DossierStatus:
            dossier = self.get(dossier_id)
            status = dossier.withdraw(Stamp.of(context, now), channel=Channel(channel), reason=reason)
            self._commit(dossier)
            return status

        return self._run(action)

    def correct_due_date(
        self, dossier_id: UUID, context: CommandContext, correction: DueDateCorrection
    ) -> None:
        """E30: correct a wrongly promised return time, approved by a second person (ADR 0254)."""

        def action(now: datetime) -> None:
            dossier = self.get(dossier_id)
            self._check_approver_scope(dossier, correction.approver)
            dossier.correct_due_date(
                Stamp.of(context, now),
                new_due_at=_aware(correction.new_due_at, "new_due_at"),
                reason=correction.reason,
                approver=correction.approver,
                calendar=self.reference.calendar_for(dossier.processing_unit_code),
                after_end=self.correction_policy.after_end,
            )
            self._commit(dossier)

        self._run(action)

    def record_postal_handover(
        self, record: HandoverRecord, context: CommandContext
    ) -> tuple[HandoverOutcome, ...]:
        """P4 at the desk: decide every dossier of a signed hand-over record, all or nothing.

        Received dossiers take the record's signing time as legal receipt time; the others are sent back
        for supplement or refused. One bad line refuses the whole record, naming the line.
        """

        def action(now: datetime) -> tuple[HandoverOutcome, ...]:
            signed_at = self._check_record(record, now)
            books = _Books(self, now)
            dossiers: list[Dossier] = []
            outcomes: list[HandoverOutcome] = []
            for index, line in enumerate(record.lines):
                try:
                    dossier, outcome = self._handover_line(line, record, signed_at, context, now, books)
                    self._check_publishable(dossier)
                except IntakeRuleViolation as violation:
                    raise violation.within(
                        f"lines[{index}]", f"Dòng {index + 1}", f"Line {index + 1}"
                    ) from None
                except NotFound:
                    raise invalid(
                        "DOSSIER_NOT_FOUND",
                        f"Dòng {index + 1}: không có hồ sơ {line.dossier_id}.",
                        f"Line {index + 1}: there is no dossier {line.dossier_id}.",
                        field=f"lines[{index}].dossier_id",
                    ) from None
                dossiers.append(dossier)
                outcomes.append(outcome)
            self.save(*dossiers, *books.touched())
            return tuple(outcomes)

        return self._run(action)

    def note_result(
        self, dossier_id: UUID, context: CommandContext, *, outcome: Outcome, source_event_id: UUID
    ) -> None:
        """Processing issued the result or rejected the dossier: withdrawal is no longer possible."""

        def action(now: datetime) -> None:
            dossier = self.get(dossier_id)
            dossier.note_result(
                Stamp.of(context, now), outcome=Outcome(outcome), source_event_id=source_event_id
            )
            self._commit(dossier)

        self._run(action)

    def note_supplement_requested(
        self, dossier_id: UUID, context: CommandContext, *, request_no: int, source_event_id: UUID
    ) -> None:
        """Processing asked for a supplement after receipt (E13): the desk now awaits the applicant's answer."""

        def action(now: datetime) -> None:
            dossier = self.get(dossier_id)
            dossier.note_supplement_requested(
                Stamp.of(context, now), request_no=request_no, source_event_id=source_event_id
            )
            self._commit(dossier)

        self._run(action)

    def submit_supplement(
        self,
        dossier_id: UUID,
        context: CommandContext,
        *,
        items: Sequence[ProvidedItem],
        channel: Channel,
    ) -> None:
        """E14: the applicant's answer to the post-receipt request; processing restarts or resumes the clock."""

        def action(now: datetime) -> None:
            dossier = self.get(dossier_id)
            checked = [
                replace(item, files=checks.check_files(item.files, field=f"items[{index}].files"))
                for index, item in enumerate(items)
            ]
            dossier.submit_supplement(Stamp.of(context, now), items=checked, channel=Channel(channel))
            self._commit(dossier)

        self._run(action)

    def note_processing_stopped(
        self, dossier_id: UUID, context: CommandContext, *, source_event_id: UUID
    ) -> None:
        """Processing stopped the dossier (after a withdrawal or on legal grounds): STOPPED."""

        def action(now: datetime) -> None:
            dossier = self.get(dossier_id)
            dossier.note_processing_stopped(Stamp.of(context, now), source_event_id=source_event_id)
            self._commit(dossier)

        self._run(action)

    # --- steps shared by the commands -----------------------------------------------------------------

    def _new_dossier(
        self, command: SubmitDossier, context: CommandContext, now: datetime, books: _Books
    ) -> Dossier:
        submitted_at = _aware(command.submitted_at, "submitted_at") if command.submitted_at else now
        if submitted_at > now:
            raise invalid(
                "TIME_IN_FUTURE",
                "Thời điểm nộp không thể ở tương lai.",
                "The submission time cannot be in the future.",
                field="submitted_at",
            )
        day = submitted_at.date()
        procedure = checks.procedure_of(self.reference, command.procedure_code)
        receiving = checks.active_unit(
            self.reference, command.receiving_unit_code, day, field="receiving_unit_code"
        )
        processing_unit = checks.processing_unit_for(
            self.reference, procedure, receiving, command.processing_unit_code, day
        )
        checks.check_channel(procedure, command.channel, command.online_mode)
        checks.check_return_method(procedure, command.result_return_method, command.postal_return_address)
        applicant = checks.check_applicant(command.applicant)
        components = checks.check_components(procedure, command.components)
        dossier_id = command.dossier_id or UUID(int=uuid7().int)
        if command.dossier_id is not None and self._exists(dossier_id):
            raise IntakeRuleViolation(
                "DOSSIER_EXISTS",
                f"Hồ sơ {dossier_id} đã tồn tại.",
                f"Dossier {dossier_id} already exists.",
                field="dossier_id",
            )
        if command.dossier_code is not None:
            parts = parse_dossier_code(command.dossier_code)
            if parts is None:
                raise invalid(
                    "DOSSIER_CODE_MALFORMED",
                    "Mã hồ sơ phải có dạng <mã cơ quan>-<YYMMDD>-<số thứ tự>.",
                    "A dossier code is <agency identifier>-<YYMMDD>-<sequence>.",
                    field="dossier_code",
                )
            book = books.get(BookKind.DOSSIER_CODE, parts.agency, parts.day.isoformat())
            book.claim(parts.sequence, at=now)
        return Dossier.submit(
            dossier_id,
            Stamp.of(context, now, occurred_at=submitted_at),
            channel=command.channel,
            online_mode=command.online_mode,
            procedure_code=procedure.code,
            procedure_version=command.procedure_version,
            receiving_unit_code=receiving.code,
            processing_unit_code=processing_unit,
            summary=command.summary,
            applicant=applicant,
            vneid_authenticated=command.vneid_authenticated,
            components=components,
            result_return_method=command.result_return_method,
            postal_return_address=command.postal_return_address,
            dossier_code=command.dossier_code,
            published_components=[component.code for component in procedure.components],
            required_components=[component.code for component in procedure.components if component.required],
        )

    def _receive(
        self,
        dossier: Dossier,
        stamp: Stamp,
        details: ReceiveDetails,
        books: _Books,
        *,
        handover_record_no: str | None = None,
        handover_signed_at: datetime | None = None,
    ) -> Receipt:
        # Guards first, so a refused receipt consumes no number (nothing would be saved anyway).
        dossier.check_receivable(by_handover=handover_record_no is not None)
        procedure = checks.procedure_of(self.reference, dossier.procedure_code)
        fee_lines = checks.check_fee_lines(procedure, details.fee_lines)
        legal_receipt_at = dossier.legal_receipt_time(
            stamp.occurred_at, handover_signed_at=handover_signed_at
        )
        deadline = self._deadline(procedure, dossier, legal_receipt_at)
        day = stamp.occurred_at.astimezone(VIETNAM_TZ).date()
        dossier_code = dossier.dossier_code or self._allocate_code(
            books, dossier.receiving_unit_code, day, stamp
        )
        slip_no = None
        if not procedure.immediate_result or details.slip_requested:
            slip_no = self._allocate_slip(books, dossier.receiving_unit_code, day.year, stamp)
        dossier.receive(
            stamp,
            dossier_code=dossier_code,
            legal_receipt_at=legal_receipt_at,
            deadline=deadline,
            immediate_result=procedure.immediate_result,
            receipt_slip_no=slip_no,
            workflow_id=details.workflow_id,
            fee_lines=fee_lines,
            handover_record_no=handover_record_no,
        )
        if details.payment is not None:
            self._pay(dossier, stamp, details.payment)
        return Receipt(
            dossier.id, dossier_code, slip_no, legal_receipt_at, deadline.clock_start_at, deadline.due_at
        )

    def _deadline(self, procedure: Procedure, dossier: Dossier, legal_receipt_at: datetime) -> Deadline:
        units = self.reference.units
        # Land procedures add days for remote communes: the commune deciding, or the one receiving.
        remote = (
            units.get(dossier.processing_unit_code).remote_area
            or units.get(dossier.receiving_unit_code).remote_area
        )
        engine = DeadlineEngine(
            self.reference.calendar_for(dossier.processing_unit_code), self.deadline_policy
        )
        try:
            return engine.deadline(
                procedure.statutory_duration(remote_area=remote),
                legal_receipt_at,
                cutoff=procedure.receipt_cutoff,
            )
        except OutsideCalendarError as error:
            raise invalid(
                "OUTSIDE_CALENDAR",
                "Lịch làm việc chưa có dữ liệu cho thời gian này; không tính được hạn trả kết quả.",
                f"The working calendar does not cover this period: {error}",
                field="legal_receipt_at",
            ) from error

    def _allocate_code(self, books: _Books, unit_code: str, day: date, stamp: Stamp) -> str:
        policy = self.code_policy
        agency = policy.agency_identifier(unit_code)
        book = books.get(BookKind.DOSSIER_CODE, agency, day.isoformat())
        sequence = book.allocate(policy.sequence_text, at=stamp.recorded_at)
        return compose_dossier_code(agency, day, sequence)

    def _allocate_slip(self, books: _Books, unit_code: str, year: int, stamp: Stamp) -> str:
        book = books.get(BookKind.RECEIPT_SLIP, unit_code, str(year))
        return book.allocate(
            lambda number: self.code_policy.receipt_slip_no(unit_code, year, number), at=stamp.recorded_at
        )

    def _request_supplement(self, dossier: Dossier, stamp: Stamp, request: SupplementRequest) -> None:
        dossier.request_intake_supplement(
            stamp,
            reasons=request.reasons,
            items=request.items,
            notice_channel=request.notice_channel,
            notice_no=request.notice_no,
            applicant_deadline=_aware(request.applicant_deadline, "applicant_deadline")
            if request.applicant_deadline
            else None,
        )

    def _refuse(self, dossier: Dossier, stamp: Stamp, refusal: Refusal) -> None:
        dossier.refuse(
            stamp,
            reason_code=refusal.reason_code,
            reason_text=refusal.reason_text,
            notice_no=refusal.notice_no,
        )

    def _pay(self, dossier: Dossier, stamp: Stamp, payment: CounterPayment) -> None:
        lines = payment.lines if payment.lines is not None else dossier.open_fee_lines()
        dossier.record_payment(
            stamp,
            lines=lines,
            method=payment.method,
            receipt_no=payment.receipt_no,
            transaction_ref=payment.transaction_ref,
        )

    def _check_approver_scope(self, dossier: Dossier, approver: Approver) -> None:
        """An agency lead approves for the desk that received the dossier or the unit deciding it (or a unit
        above either); an operator runs the whole system."""
        if approver.role is not ApproverRole.AGENCY_LEAD:
            return
        units = self.reference.units
        scope: set[str] = set()
        for code in (dossier.receiving_unit_code, dossier.processing_unit_code):
            scope.add(code)
            scope.update(unit.code for unit in units.ancestors(code))
        if approver.unit_code not in scope:
            raise IntakeRuleViolation(
                "APPROVER_NOT_IN_UNIT",
                f"Lãnh đạo đơn vị {approver.unit_code} không phụ trách đơn vị tiếp nhận hoặc giải quyết hồ sơ"
                " này; không được phê duyệt điều chỉnh thời hạn.",
                f"A lead of {approver.unit_code} is not over the units receiving or deciding this dossier,"
                " so cannot approve the correction.",
                field="approved_by",
                status=403,
            )

    def _check_record(self, record: HandoverRecord, now: datetime) -> datetime:
        if not record.record_no.strip():
            raise invalid(
                "HANDOVER_RECORD_NO_REQUIRED",
                "Biên bản giao nhận phải có số.",
                "A hand-over record has a number.",
                field="record_no",
            )
        signed_at = _aware(record.signed_at, "signed_at")
        if signed_at > now:
            raise invalid(
                "TIME_IN_FUTURE",
                "Biên bản giao nhận không thể ký ở thời điểm tương lai.",
                "A hand-over record cannot be signed in the future.",
                field="signed_at",
            )
        if not record.lines:
            raise invalid(
                "HANDOVER_EMPTY",
                "Biên bản giao nhận không có hồ sơ nào.",
                "The hand-over record lists no dossier.",
                field="lines",
            )
        seen: set[UUID] = set()
        for index, line in enumerate(record.lines):
            if line.dossier_id in seen:
                raise invalid(
                    "HANDOVER_DUPLICATE_LINE",
                    f"Dòng {index + 1}: hồ sơ {line.dossier_id} đã có ở dòng khác.",
                    f"Line {index + 1}: dossier {line.dossier_id} is listed twice.",
                    field=f"lines[{index}].dossier_id",
                )
            seen.add(line.dossier_id)
        return signed_at

    def _handover_line(
        self,
        line: HandoverLine,
        record: HandoverRecord,
        signed_at: datetime,
        context: CommandContext,
        now: datetime,
        books: _Books,
    ) -> tuple[Dossier, HandoverOutcome]:
        if line.submission is not None:
            if line.submission.dossier_id not in (None, line.dossier_id):
                raise invalid(
                    "DOSSIER_ID_MISMATCH",
                    "Mã định danh hồ sơ trong dòng và trong hồ sơ nộp khác nhau.",
                    "The line and its submission name different dossiers.",
                    field="submission.dossier_id",
                )
            submission = replace(
                line.submission,
                dossier_id=line.dossier_id,
                submitted_at=line.submission.submitted_at or signed_at,
            )
            dossier = self._new_dossier(submission, context, now, books)
        else:
            dossier = self.get(line.dossier_id)
        if dossier.channel is not Channel.POSTAL:
            raise IntakeRuleViolation(
                "HANDOVER_NOT_POSTAL",
                "Hồ sơ không nộp qua bưu chính; không thuộc biên bản giao nhận.",
                f"The dossier was submitted {dossier.channel}, not by post.",
                field="dossier_id",
            )
        stamp = Stamp.of(context, now)
        receipt = None
        if line.decision is HandoverDecision.RECEIVE:
            receipt = self._receive(
                dossier,
                stamp,
                line.receive,
                books,
                handover_record_no=record.record_no,
                handover_signed_at=signed_at,
            )
        elif line.decision is HandoverDecision.SUPPLEMENT:
            if line.supplement is None:
                raise invalid(
                    "SUPPLEMENT_DETAILS_REQUIRED",
                    "Phải ghi nội dung yêu cầu bổ sung.",
                    "A supplement decision carries the request.",
                    field="supplement",
                )
            self._request_supplement(dossier, stamp, line.supplement)
        else:
            if line.refusal is None:
                raise invalid(
                    "REFUSAL_DETAILS_REQUIRED",
                    "Phải ghi lý do từ chối.",
                    "A refusal decision carries its reason.",
                    field="refusal",
                )
            self._refuse(dossier, stamp, line.refusal)
        return dossier, HandoverOutcome(dossier.id, line.decision, receipt)

    # --- infrastructure -------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return _aware(self.clock.now(), "clock")

    def _run(self, action: Callable[[datetime], T]) -> T:
        for _ in range(self.max_attempts - 1):
            try:
                return action(self._now())
            except IntegrityError:
                continue  # lost a race: reload and decide again
        try:
            return action(self._now())
        except IntegrityError as error:
            raise ConcurrentUpdate() from error

    def _exists(self, aggregate_id: UUID) -> bool:
        return next(iter(self.events.get(aggregate_id, limit=1)), None) is not None

    def _commit(self, *aggregates: BaseAggregate[UUID]) -> None:
        for aggregate in aggregates:
            self._check_publishable(aggregate)
        self.save(*aggregates)

    def _check_publishable(self, aggregate: BaseAggregate[UUID]) -> None:
        """Refuse, before saving, a value the public contract would refuse: the relay never meets it."""
        for event in aggregate.pending_events:
            try:
                outbound(event)
            except ValidationError as error:
                raise _contract_violation(error) from None


class _Books:
    """The code books one command touches, loaded once so a batch allocates from the same copy."""

    def __init__(self, desk: IntakeDesk, at: datetime) -> None:
        self._desk = desk
        self._at = at
        self._books: dict[UUID, SequenceBook] = {}

    def get(self, kind: BookKind, scope: str, period: str) -> SequenceBook:
        key = book_id(kind, scope, period)
        if key not in self._books:
            try:
                book: Any = self._desk.repository.get(key)
            except AggregateNotFoundError:
                book = SequenceBook.open(kind, scope, period, at=self._at)
            assert isinstance(book, SequenceBook)
            self._books[key] = book
        return self._books[key]

    def touched(self) -> list[SequenceBook]:
        return [book for book in self._books.values() if book.pending_events]


def _aware(at: datetime, field: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise invalid(
            "TIME_WITHOUT_ZONE",
            "Thời điểm phải kèm múi giờ.",
            "A time must carry its time zone.",
            field=field,
        )
    return at.astimezone(VIETNAM_TZ)


def _contract_violation(error: ValidationError) -> IntakeRuleViolation:
    detail = error.errors(include_url=False)[0]
    location = ".".join(str(part) for part in detail["loc"])
    message = str(detail["msg"]).removeprefix("Value error, ")
    return invalid(
        "INVALID_VALUE",
        f"Giá trị không hợp lệ ở {location}: {message}",
        f"Invalid value at {location}: {message}",
        field=location or None,
    )
