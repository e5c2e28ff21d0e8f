"""Delivery: the result-return application service (issue 6) — inbound facts, return commands, ratings,
and the notification outbox.

Every command runs the same rhythm as the desk's: take "now" from the injected clock, load the dossier's
``ResultDelivery``, let it check its guards, map every pending event to its public contract (a value the
contract refuses is refused with the command), and save in one ``save()``. A refusal raises before
``save()``, so nothing is recorded; a lost optimistic-concurrency race is retried from a fresh load.

Inbound public events (``apply_*_event``) are idempotent twice over: the worker's tracking records the
Kafka position, and the aggregate remembers the id of every event it applied, so a redelivered event
records nothing (``False``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import EnvType, get_topic
from pydantic import ValidationError

from contracts import intake as intake_events
from contracts import postal as postal_events
from contracts import processing as processing_events
from contracts.enums import (
    ActorKind,
    Channel,
    ComponentForm,
    NotificationChannel,
    Outcome,
    RatingChannel,
    ReturnMethod,
    SatisfactionLevel,
)
from contracts.envelope import DossierEvent, PublicEvent
from contracts.payment import PaymentReceived
from delivery.clock import Clock, SystemClock, business_time
from delivery.errors import ConcurrentUpdate, DeliveryRuleViolation, NotFound, invalid
from delivery.notifications import (
    MessageKind,
    OutgoingMessage,
    SendReceipt,
    message_id,
    reachable_channels,
)
from delivery.outbound import outbound
from delivery.policy import DeliveryPolicy
from delivery.result_delivery import ApplicantFacts, DeliveryStatus, ResultDelivery
from delivery.templates import MessageFacts, render
from delivery.values import (
    Actor,
    Address,
    CommandContext,
    CriterionScore,
    Recipient,
    ResultPaper,
    Stamp,
    register_value_transcodings,
)

T = TypeVar("T")

WORKER_ACTOR = Actor(ActorKind.SYSTEM, "system:delivery-worker")
DISPATCHER_ACTOR = Actor(ActorKind.SYSTEM, "system:delivery-notifier")
# Components whose original the agency keeps for comparison during processing and must give back (§2.8).
_ORIGINAL_HELD = frozenset({ComponentForm.ORIGINAL_TO_SHOW})


@dataclass(frozen=True)
class CounterReturn:
    """Hand-over at the desk: who took it, which originals went back, what was collected."""

    recipient: Recipient
    originals_returned: Sequence[str] = ()
    fees_collected_vnd: int = 0


@dataclass(frozen=True)
class Rating:
    level: SatisfactionLevel
    channel: RatingChannel
    criteria: Sequence[CriterionScore] = ()


class Delivery(Application[UUID]):
    """The result-return context: one ``ResultDelivery`` per dossier, in one event store (the outbox)."""

    name = "delivery"
    max_attempts = 5

    def __init__(
        self, *, clock: Clock | None = None, policy: DeliveryPolicy | None = None, env: EnvType | None = None
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.policy = policy or DeliveryPolicy()
        super().__init__(env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)

    # --- queries --------------------------------------------------------------------------------------

    def get(self, dossier_id: UUID) -> ResultDelivery:
        found = self._find(dossier_id)
        if found is None:
            raise NotFound("dossier", dossier_id)
        return found

    def pending_messages(self) -> list[OutgoingMessage]:
        """Requested messages with neither ``NotificationSent`` nor an abandonment, in request order.

        Derived from the event store alone, so a dispatcher that restarts after a crash finds exactly the
        messages whose sending was not recorded, with the same ids and the same words.
        """
        topics = [
            get_topic(ResultDelivery.NotificationRequested),
            get_topic(ResultDelivery.NotificationSent),
            get_topic(ResultDelivery.NotificationFailed),
        ]
        pending: dict[UUID, OutgoingMessage] = {}
        start: int | None = None
        while True:
            page = self.recorder.select_notifications(start, 500, topics=topics, inclusive_of_start=False)
            if not page:
                break
            for notification in page:
                event = self.mapper.to_domain_event(notification)
                if isinstance(event, ResultDelivery.NotificationRequested):
                    pending[event.message_id] = OutgoingMessage(
                        message_id=event.message_id,
                        dossier_id=event.originator_id,
                        kind=MessageKind(event.kind),
                        channel=NotificationChannel(event.channel),
                        to=event.to,
                        subject=event.subject,
                        body=event.body,
                        requested_at=business_time(event.occurred_at),
                    )
                elif isinstance(event, ResultDelivery.NotificationSent) or (
                    isinstance(event, ResultDelivery.NotificationFailed) and event.abandoned
                ):
                    pending.pop(event.message_id, None)
            start = page[-1].id
        return list(pending.values())

    # --- the outbox -----------------------------------------------------------------------------------

    def record_sent(self, dossier_id: UUID, message: UUID, receipt: SendReceipt) -> bool:
        """The gateway took ``message``: ``NotificationSent`` (E24 on the wire). False if already recorded."""

        def action(now: datetime) -> bool:
            aggregate = self.get(dossier_id)
            stamp = _dispatcher_stamp(aggregate, message, now)
            changed = aggregate.record_sent(stamp, message, receipt.provider_ref)
            self._commit(aggregate)
            return changed

        return self._run(action)

    def record_failed(self, dossier_id: UUID, message: UUID, error: str, *, permanent: bool = False) -> bool:
        """An attempt failed; after ``max_send_attempts`` (or a permanent failure) the message is abandoned."""

        def action(now: datetime) -> bool:
            aggregate = self.get(dossier_id)
            state = aggregate.messages.get(str(message))
            attempts = state.attempts + 1 if state else 1
            give_up = permanent or attempts >= self.policy.max_send_attempts
            stamp = _dispatcher_stamp(aggregate, message, now)
            changed = aggregate.record_failed(stamp, message, error, give_up=give_up)
            self._commit(aggregate)
            return changed

        return self._run(action)

    # --- inbound public events ------------------------------------------------------------------------

    def apply_public_event(self, event: PublicEvent) -> bool:
        """Route any subscribed public event; events this context does not need are ignored (False)."""
        if isinstance(event, intake_events.IntakeDossierEvent):
            return self.apply_intake_event(event)
        if isinstance(event, processing_events.ProcessingDossierEvent):
            return self.apply_processing_event(event)
        if isinstance(event, PaymentReceived):
            return self.apply_payment_event(event)
        if isinstance(event, postal_events.PostalDossierEvent):
            return self.apply_postal_event(event)
        return False

    def apply_intake_event(self, event: PublicEvent) -> bool:
        """E1 (who and how), E5 (code, promised time), E2/E4 notices, E30 corrected due time."""
        if isinstance(event, intake_events.DossierSubmitted):
            return self._inbound(event, lambda a, s: self._submitted(a, s, event))
        if isinstance(event, intake_events.DossierReceived):
            return self._inbound(event, lambda a, s: self._received(a, s, event))
        if isinstance(event, intake_events.IntakeSupplementRequested):
            return self._inbound(
                event, lambda a, s: self._notice(a, s, MessageKind.SUPPLEMENT, reasons=event.reasons)
            )
        if isinstance(event, intake_events.DossierRefused):
            return self._inbound(
                event, lambda a, s: self._closing(a, s, "REFUSED", MessageKind.REFUSAL, event.reason_text)
            )
        if isinstance(event, intake_events.DueDateCorrected):
            return self._inbound(event, lambda a, s: a.note_due_date(s, event.event_id, event.new_due_at))
        return False

    def apply_processing_event(self, event: PublicEvent) -> bool:
        """The outcome (E21/E22) and what the applicant must be told while processing runs."""
        if isinstance(event, processing_events.ResultIssued):
            papers = [
                ResultPaper(code=d.code, name=d.name, number=d.number, e_file_ref=d.e_file_ref)
                for d in event.documents
            ]
            return self._inbound(
                event,
                lambda a, s: a.note_result(
                    s, event.event_id, outcome=Outcome.APPROVED, papers=papers, e_result=event.e_result
                ),
            )
        if isinstance(event, processing_events.DossierRejected):
            notice = ResultPaper(
                code="tu-choi-giai-quyet", name="Văn bản từ chối giải quyết", number=event.notice_no
            )
            return self._inbound(
                event,
                lambda a, s: a.note_result(
                    s, event.event_id, outcome=Outcome.REJECTED, papers=[notice], e_result=False
                ),
            )
        if isinstance(event, processing_events.ResultStoredInDataStore):
            return self._inbound(
                event,
                lambda a, s: a.note_result_stored(
                    s, event.event_id, event.document_code, event.data_store_ref
                ),
            )
        if isinstance(event, processing_events.SupplementRequested):
            return self._inbound(
                event, lambda a, s: self._notice(a, s, MessageKind.SUPPLEMENT, reasons=event.reasons)
            )
        if isinstance(event, processing_events.SupplementAccepted):
            return self._inbound(event, lambda a, s: a.note_due_date(s, event.event_id, event.new_due_at))
        if isinstance(event, processing_events.ClockResumed):
            return self._inbound(
                event, lambda a, s: a.note_due_date(s, event.event_id, event.new_effective_due_at)
            )
        if isinstance(event, processing_events.DelayApologyIssued):

            def apology(aggregate: ResultDelivery, stamp: Stamp) -> None:
                aggregate.note_due_date(stamp, event.event_id, event.new_due_at)
                self._request(
                    aggregate, stamp, MessageKind.RESCHEDULED, str(event.event_id), reasons=event.reason
                )

            return self._inbound(event, apology)
        if isinstance(event, processing_events.FinancialObligationRequested):

            def obligation(aggregate: ResultDelivery, stamp: Stamp) -> None:
                aggregate.note_obligation(stamp, event.event_id, event.obligation_id, event.total_vnd)
                self._request(
                    aggregate,
                    stamp,
                    MessageKind.PAYMENT_REQUESTED,
                    str(event.event_id),
                    amount_vnd=event.total_vnd,
                )

            return self._inbound(event, obligation)
        if isinstance(event, processing_events.ProcessingStopped):
            return self._inbound(
                event, lambda a, s: self._closing(a, s, "STOPPED", MessageKind.STOPPED, event.reason)
            )
        return False

    def apply_payment_event(self, event: PublicEvent) -> bool:
        """E17 paying a processing obligation reduces what is collected on return."""
        if not isinstance(event, PaymentReceived) or event.obligation_id is None:
            return False
        obligation_id = event.obligation_id
        return self._inbound(
            event, lambda a, s: a.note_payment(s, event.event_id, obligation_id, event.amount_vnd)
        )

    def apply_postal_event(self, event: PublicEvent) -> bool:
        """P6 taken, P9 delivered (→ E25 POSTAL), P10 back at the agency, P11 lost; other P-events are not ours."""
        if isinstance(event, postal_events.ResultPickedUpFromAgency):
            return self._inbound(
                event,
                lambda a, s: a.note_postal_pickup(
                    s,
                    event.event_id,
                    shipment_id=event.shipment_id,
                    waybill_no=event.waybill_no,
                    originals=event.originals_returned,
                ),
                create=False,
            )
        if isinstance(event, postal_events.Delivered):
            r = event.recipient
            recipient = Recipient(r.name, r.id_type, r.id_number, r.authorised, r.authorisation_ref)
            return self._inbound(
                event,
                lambda a, s: a.note_postal_delivery(
                    s,
                    event.event_id,
                    shipment_id=event.shipment_id,
                    recipient=recipient,
                    fees_collected_vnd=event.fees_collected_vnd,
                ),
                create=False,
            )
        if isinstance(event, postal_events.ReturnedToAgency):

            def returned(aggregate: ResultDelivery, stamp: Stamp) -> None:
                aggregate.note_postal_return(
                    stamp, event.event_id, shipment_id=event.shipment_id, reason=event.reason
                )
                self._request(aggregate, stamp, MessageKind.RETURNED_BY_POST, str(event.event_id))

            return self._inbound(event, returned, create=False)
        if isinstance(event, postal_events.ItemLostOrDamaged):
            shipment = event.shipment_id
            return self._inbound(
                event,
                lambda a, s: (
                    a.note_postal_loss(s, event.event_id, shipment_id=shipment, kind=event.kind)
                    if a.shipment_id == shipment
                    else a.note_source(s, event.event_id)
                ),
                create=False,
            )
        return False

    # --- commands -------------------------------------------------------------------------------------

    def return_at_counter(self, dossier_id: UUID, command: CounterReturn, context: CommandContext) -> None:
        """E25 COUNTER (also after a postal return to the agency)."""
        self._command(
            dossier_id,
            context,
            lambda a, s: a.return_at_counter(
                s,
                recipient=command.recipient,
                originals_returned=command.originals_returned,
                fees_collected_vnd=command.fees_collected_vnd,
                early_notice_required=self.policy.require_early_return_notice,
            ),
        )

    def return_online(self, dossier_id: UUID, context: CommandContext) -> None:
        """E25 ONLINE: the applicant downloaded the e-result from the portal."""
        self._command(
            dossier_id,
            context,
            lambda a, s: a.return_online(s, early_notice_required=self.policy.require_early_return_notice),
        )

    def deposit_in_kiosk(
        self, dossier_id: UUID, context: CommandContext, *, locker_id: str, pickup_code: str
    ) -> None:
        """The result waits in a locker; the locker system gives the applicant the code (ADR 0600, 0650)."""

        def deposit(aggregate: ResultDelivery, stamp: Stamp) -> None:
            aggregate.deposit_in_kiosk(
                stamp,
                locker_id=locker_id,
                pickup_code=pickup_code,
                authorised_pickup=self.policy.kiosk_authorised_pickup,
            )
            self._request(
                aggregate,
                stamp,
                MessageKind.IN_KIOSK,
                f"kiosk:{locker_id}",
                place=f"tủ trả kết quả {locker_id}",
            )

        self._command(dossier_id, context, deposit)

    def collect_from_kiosk(
        self,
        dossier_id: UUID,
        context: CommandContext,
        *,
        pickup_code: str,
        recipient: Recipient,
    ) -> None:
        """E25 KIOSK: the pick-up code and the identity of the person collecting (ADR 0650)."""
        self._command(
            dossier_id,
            context,
            lambda a, s: a.collect_from_kiosk(
                s,
                pickup_code=pickup_code,
                recipient=recipient,
                authorised_pickup=self.policy.kiosk_authorised_pickup,
            ),
        )

    def request_postal_pickup(
        self, dossier_id: UUID, context: CommandContext, *, delivery_address: Address | None = None
    ) -> None:
        """Ask the postal partner to collect the ready result (an officer's decision, or a changed mind)."""
        self._command(
            dossier_id, context, lambda a, s: a.request_postal_pickup(s, delivery_address=delivery_address)
        )

    def rate(self, dossier_id: UUID, command: Rating, context: CommandContext) -> None:
        """E26: one rating per dossier, after the return."""
        self._command(
            dossier_id,
            context,
            lambda a, s: a.rate(
                s,
                level=command.level,
                criteria=command.criteria,
                channel=command.channel,
                known_criteria=self.policy.rating_criteria,
            ),
        )

    # --- inbound helpers ------------------------------------------------------------------------------

    def _submitted(
        self, aggregate: ResultDelivery, stamp: Stamp, event: intake_events.DossierSubmitted
    ) -> None:
        applicant = event.applicant
        address = event.postal_return_address
        facts = ApplicantFacts(
            kind=applicant.kind,
            name=applicant.name,
            id_number=applicant.id_number,
            phone=applicant.phone,
            email=applicant.email,
            channel=event.channel,
            procedure_code=event.procedure_code,
            receiving_unit_code=event.receiving_unit_code,
            return_method=event.result_return_method,
            postal_return_address=(
                Address(address.street, address.commune, address.province, address.district)
                if address
                else None
            ),
            originals_to_return=tuple(c.name for c in event.components if c.form in _ORIGINAL_HELD),
        )
        aggregate.note_applicant(stamp, event.event_id, facts, dossier_code=event.dossier_code)

    def _received(
        self, aggregate: ResultDelivery, stamp: Stamp, event: intake_events.DossierReceived
    ) -> None:
        aggregate.note_receipt(
            stamp,
            event.event_id,
            dossier_code=event.dossier_code,
            due_at=event.due_at,
            unit_code=event.receiving_unit_code,
        )
        self._request(aggregate, stamp, MessageKind.RECEIPT, str(event.event_id))

    def _notice(
        self, aggregate: ResultDelivery, stamp: Stamp, kind: MessageKind, *, reasons: str | None
    ) -> None:
        assert stamp.causation_id is not None
        aggregate.note_source(stamp, stamp.causation_id)
        self._request(aggregate, stamp, kind, str(stamp.causation_id), reasons=reasons)

    def _closing(
        self, aggregate: ResultDelivery, stamp: Stamp, reason: str, kind: MessageKind, text: str | None
    ) -> None:
        assert stamp.causation_id is not None
        aggregate.note_closed(stamp, stamp.causation_id, reason)
        self._request(aggregate, stamp, kind, str(stamp.causation_id), reasons=text)

    def _follow_up(self, aggregate: ResultDelivery, stamp: Stamp) -> None:
        """What a ready result calls for, once both it and the applicant are known (any arrival order)."""
        if aggregate.status is not DeliveryStatus.RESULT_READY or aggregate.applicant is None:
            return
        applicant = aggregate.applicant
        if aggregate.returned_by_post or aggregate.postal_losses:
            return  # the result already went out once; the post-return notice has been requested
        result_kinds = {MessageKind.RESULT_READY, MessageKind.EARLY_RETURN}
        if not result_kinds & aggregate.notified_kinds:
            early = (
                aggregate.due_at is not None
                and aggregate.result_at is not None
                and aggregate.result_at < aggregate.due_at
            )
            self._request(
                aggregate, stamp, MessageKind.EARLY_RETURN if early else MessageKind.RESULT_READY, "result"
            )
        if (
            applicant.return_method is ReturnMethod.POSTAL
            and self.policy.auto_request_postal_pickup
            and aggregate.postal_requests == 0
            and applicant.phone
            and applicant.postal_return_address is not None
            and aggregate.dossier_code is not None
        ):
            aggregate.request_postal_pickup(stamp)
        elif (
            applicant.return_method is ReturnMethod.ONLINE
            and self.policy.online_return_on_data_store
            and aggregate.data_store_refs
            and not aggregate.originals_to_return
            and not aggregate.fees_due_vnd
            and (aggregate.outcome is Outcome.REJECTED or any(p.e_file_ref for p in aggregate.papers))
        ):
            aggregate.return_online(stamp)

    def _request(
        self,
        aggregate: ResultDelivery,
        stamp: Stamp,
        kind: MessageKind,
        cause: str,
        *,
        reasons: str | None = None,
        amount_vnd: int | None = None,
        place: str | None = None,
    ) -> None:
        """Record the messages ``kind`` calls for on every channel the applicant is reachable on."""
        applicant = aggregate.applicant
        if applicant is None:
            return  # nobody to write to yet; a ready result is announced once the applicant is known
        facts = MessageFacts(
            dossier_ref=aggregate.dossier_code or f"nộp ngày {stamp.occurred_at:%d/%m/%Y}",
            due_at=aggregate.due_at,
            new_due_at=aggregate.due_at if kind is MessageKind.RESCHEDULED else None,
            reasons=reasons,
            amount_vnd=amount_vnd,
            place=place or aggregate.pickup_place,
        )
        subject, body = render(kind, facts)
        channels = reachable_channels(
            phone=applicant.phone,
            email=applicant.email,
            online=applicant.channel is Channel.ONLINE,
            preferred=self.policy.notification_channels,
        )
        for channel, to in channels:
            aggregate.request_message(
                stamp,
                message_id=message_id(aggregate.id, kind, channel, cause),
                kind=kind,
                channel=channel,
                to=to,
                subject=subject,
                body=body,
            )

    def _inbound(
        self,
        event: DossierEvent,
        handle: Callable[[ResultDelivery, Stamp], None],
        *,
        create: bool = True,
    ) -> bool:
        def action(now: datetime) -> bool:
            aggregate = self._find(event.dossier_id)
            if aggregate is not None and aggregate.has_applied(event.event_id):
                return False
            stamp = Stamp(WORKER_ACTOR, event.correlation_id, event.event_id, event.occurred_at, now)
            if aggregate is None:
                if not create:
                    raise NotFound("dossier", event.dossier_id)
                aggregate = ResultDelivery.open(event.dossier_id, stamp)
            handle(aggregate, stamp)
            self._follow_up(aggregate, stamp)
            self._commit(aggregate)
            return True

        return self._run(action)

    def _command(
        self, dossier_id: UUID, context: CommandContext, handle: Callable[[ResultDelivery, Stamp], None]
    ) -> None:
        def action(now: datetime) -> None:
            aggregate = self.get(dossier_id)
            stamp = Stamp.of(context, now)
            handle(aggregate, stamp)
            self._follow_up(aggregate, stamp)
            self._commit(aggregate)

        self._run(action)

    # --- plumbing -------------------------------------------------------------------------------------

    def _find(self, dossier_id: UUID) -> ResultDelivery | None:
        try:
            aggregate: Any = self.repository.get(dossier_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, ResultDelivery):
            raise NotFound("dossier", dossier_id)
        return aggregate

    def _now(self) -> datetime:
        return business_time(self.clock.now())

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

    def _commit(self, aggregate: ResultDelivery) -> None:
        for event in aggregate.pending_events:
            try:
                outbound(event)
            except ValidationError as error:
                raise contract_violation(error) from None
        self.save(aggregate)


def _dispatcher_stamp(aggregate: ResultDelivery, message: UUID, now: datetime) -> Stamp:
    """The outbox's own events stay in the business flow of the fact that asked for the message."""
    state = aggregate.messages.get(str(message))
    if state is None:
        raise NotFound("message", message)
    return Stamp(DISPATCHER_ACTOR, state.correlation_id, state.causation_id, now, now)


def contract_violation(error: ValidationError) -> DeliveryRuleViolation:
    """A value the public contract refuses, reported like any invalid command value (422)."""
    first = error.errors(include_url=False)[0]
    location = ".".join(str(part) for part in first["loc"]) or None
    return invalid(
        "CONTRACT_VIOLATION",
        f"Giá trị không hợp lệ ({location}): {first['msg']}",
        f"Invalid value ({location}): {first['msg']}",
        field=location,
    )
