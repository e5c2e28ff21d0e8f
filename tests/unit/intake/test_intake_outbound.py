"""The outbound mapper: every internal intake event → its v1 contract (or nothing), through the codec."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest
from test_intake_desk_kit import (
    OFFICER,
    PDF,
    PDF_SHA,
    THURSDAY_0900,
    TZ,
    applicant,
    business_registration,
    make_desk,
    missing_ds,
    online_business_registration,
)

from contracts import intake as public
from contracts.codec import decode, encode
from contracts.enums import (
    Channel,
    ComponentForm,
    DigitisationSource,
    FeeKind,
    Outcome,
    Producer,
    RefusalReason,
    TransferMode,
)
from contracts.envelope import PublicEvent
from contracts.payment import PaymentReceived
from contracts.topic_names import INTAKE_DOSSIERS, PAYMENT_PAYMENTS
from intake.codes import SequenceBook
from intake.desk import IntakeDesk
from intake.dossier import Dossier
from intake.dossier_commands import (
    CounterPayment,
    Digitisation,
    DueDateCorrection,
    ReceiveDetails,
    Refusal,
    SubmitDossier,
)
from intake.dossier_values import CommandContext, Component, FeeLine, ProvidedItem, Stamp
from intake.due_correction import Approver, ApproverRole
from intake.outbound import outbound
from intake.reference import ReferenceData

CAUSE = UUID("019cd06e-1810-7818-aeb3-86f108b6204b")
LAND_FEE = FeeLine(FeeKind.LE_PHI, "Lệ phí cấp Giấy chứng nhận", 100_000)

EXPECTED: dict[type[Dossier.Event], type[PublicEvent] | None] = {
    Dossier.Submitted: public.DossierSubmitted,
    Dossier.IntakeSupplementRequested: public.IntakeSupplementRequested,
    Dossier.IntakeSupplementProvided: public.IntakeSupplementProvided,
    Dossier.Refused: public.DossierRefused,
    Dossier.Received: public.DossierReceived,
    Dossier.ComponentDigitized: public.ComponentDigitized,
    Dossier.Transferred: public.DossierTransferred,
    Dossier.PaymentRecorded: PaymentReceived,
    Dossier.WithdrawalRequested: public.WithdrawalRequested,
    Dossier.SupplementRequestNoted: None,
    Dossier.SupplementSubmitted: public.SupplementSubmitted,
    Dossier.ResultNoted: None,
    Dossier.ProcessingStopNoted: None,
    Dossier.DueDateCorrected: public.DueDateCorrected,
}


def dossier_event_classes() -> set[type]:
    """The event classes declared on Dossier (eventsourcing also derives a ``Created`` nobody triggers)."""
    return {
        value
        for value in vars(Dossier).values()
        if isinstance(value, type)
        and issubclass(value, Dossier.Event)
        and value not in (Dossier.Event, Dossier.Created)
    }


def test_the_expectations_name_every_dossier_event_class() -> None:
    assert set(EXPECTED) == dossier_event_classes()


@pytest.fixture
def lived(reference: ReferenceData) -> IntakeDesk:
    """A desk whose store holds every kind of internal event, from four dossiers."""
    desk, clock = make_desk(reference)
    flow = CommandContext(OFFICER, uuid4(), CAUSE)
    # Online, supplemented, received with its portal code, a component digitised.
    online = desk.submit(online_business_registration(dossier_code="000.00.100.H44-260305-0042"), flow)
    desk.request_intake_supplement(online, flow, missing_ds())
    clock.advance(timedelta(minutes=30))
    desk.provide_intake_supplement(
        online, flow, items=(ProvidedItem("Danh sách thành viên", "DS"),), channel=Channel.ONLINE
    )
    desk.receive(online, flow)
    desk.digitise_component(
        online,
        flow,
        Digitisation("TK", "s3://so-hoa/tk.pdf", PDF_SHA, DigitisationSource.UPLOADED_BY_APPLICANT),
        content=PDF,
    )
    # Provincial land dossier at the service centre: received, paid, transferred, withdrawn, stopped.
    land = SubmitDossier(
        procedure_code="1.012780",
        channel=Channel.COUNTER,
        receiving_unit_code="H44.18",
        applicant=applicant(),
        components=tuple(Component(code, code, ComponentForm.ORIGINAL) for code in ("DK", "HD", "GCN")),
    )
    land_id = desk.submit_and_receive(
        land, flow, ReceiveDetails(fee_lines=(LAND_FEE,), payment=CounterPayment(receipt_no="BL-0001"))
    ).dossier_id
    desk.transfer(land_id, flow, mode=TransferMode.ELECTRONIC)
    desk.withdraw(land_id, flow, channel=Channel.COUNTER, reason="Đã thỏa thuận hủy hợp đồng")
    desk.note_processing_stopped(land_id, flow, source_event_id=uuid4())
    # Refused; and a result learned from processing.
    refused = desk.submit(business_registration(), flow)
    desk.refuse(refused, flow, Refusal(RefusalReason.OUT_OF_COMPETENCE, "Không thuộc thẩm quyền cấp xã."))
    decided = desk.submit_and_receive(business_registration(), flow).dossier_id
    # Processing asks for a supplement after receipt; the applicant answers at the desk (E14).
    desk.note_supplement_requested(decided, flow, request_no=1, source_event_id=uuid4())
    desk.submit_supplement(
        decided, flow, items=(ProvidedItem("Danh sách thành viên", "DS"),), channel=Channel.COUNTER
    )
    # The slip's promise was wrong; a lead approved its correction (E30).
    lead = Approver("ld.h44100.truongbophan", ApproverRole.AGENCY_LEAD, "H44.100")
    fixed = DueDateCorrection(datetime(2026, 3, 11, 17, 0, tzinfo=TZ), "Áp dụng nhầm thời hạn.", lead)
    desk.correct_due_date(decided, flow, fixed)
    desk.note_result(decided, flow, outcome=Outcome.APPROVED, source_event_id=uuid4())
    # A public event after an internal one: seq must continue without a gap.
    scan = Digitisation("TK", "s3://so-hoa/tk-2.pdf", PDF_SHA, DigitisationSource.SCAN_AT_COUNTER)
    desk.digitise_component(decided, flow, scan)
    return desk


def stored(desk: IntakeDesk) -> list[object]:
    return [desk.mapper.to_domain_event(n) for n in desk.recorder.select_notifications(None, 1000)]


def test_every_internal_event_maps_to_its_contract_and_survives_the_codec(lived: IntakeDesk) -> None:
    events = stored(lived)
    assert {type(event) for event in events if isinstance(event, Dossier.Event)} == dossier_event_classes()
    for event in events:
        mapped = list(outbound(event))
        if not isinstance(event, Dossier.Event):
            assert isinstance(event, SequenceBook.Event) and mapped == []
            continue
        expected = EXPECTED[type(event)]
        assert [type(item) for item in mapped] == ([expected] if expected else [])
        for item in mapped:
            record = encode(item)
            assert record.topic == (PAYMENT_PAYMENTS if expected is PaymentReceived else INTAKE_DOSSIERS)
            assert decode(record.headers, record.value) == item


def test_seq_is_gap_free_per_dossier_across_topics(lived: IntakeDesk) -> None:
    seqs: dict[UUID, list[int]] = defaultdict(list)
    for event in stored(lived):
        for item in outbound(event):
            assert isinstance(item, public.IntakeDossierEvent | PaymentReceived)
            seqs[item.dossier_id].append(item.seq)
    assert len(seqs) == 4
    for dossier_seqs in seqs.values():
        assert dossier_seqs == list(range(1, len(dossier_seqs) + 1))


def test_the_envelope_carries_the_commands_actor_flow_and_business_time(lived: IntakeDesk) -> None:
    mapped = [item for event in stored(lived) for item in outbound(event)]
    ids = {item.event_id for item in mapped}
    assert len(ids) == len(mapped)
    correlation = {item.correlation_id for item in mapped}
    assert len(correlation) == 1
    for item in mapped:
        assert item.producer is Producer.INTAKE
        assert (item.actor.kind.value, item.actor.id, item.actor.unit_code) == (
            "officer",
            OFFICER.id,
            "H44.100",
        )
        assert item.causation_id == CAUSE
        assert item.occurred_at.utcoffset() == item.recorded_at.utcoffset() == timedelta(hours=7)
        assert item.recorded_at >= THURSDAY_0900
        assert dict(encode(item).headers)["ce_time"] == item.occurred_at.isoformat().encode()


def test_a_received_dossier_is_understood_from_its_public_event(lived: IntakeDesk) -> None:
    received = [
        item
        for event in stored(lived)
        for item in outbound(event)
        if isinstance(item, public.DossierReceived)
    ]
    land = next(item for item in received if item.procedure_code == "1.012780")
    assert (land.receiving_unit_code, land.processing_unit_code) == ("H44.18", "H44.06.01")
    assert (land.statutory_duration.value, land.statutory_duration.unit.value) == (10.0, "WORKING_DAY")
    assert land.dossier_code == "000.00.18.H44-260305-0001" and land.receipt_slip_no == "0001/2026/GTN-H44.18"
    assert [line.amount_vnd for line in land.fee_lines] == [100_000]
    online = next(item for item in received if item.channel.value == "ONLINE")
    assert online.dossier_code == "000.00.100.H44-260305-0042"
    assert online.legal_receipt_at == THURSDAY_0900 + timedelta(minutes=30)  # the completed supplement


def test_event_ids_are_the_same_before_saving_and_after_reloading(reference: ReferenceData) -> None:
    desk, _ = make_desk(reference)
    dossier_id = desk.submit(business_registration(), CommandContext(OFFICER, uuid4()))
    dossier = desk.get(dossier_id)
    # A sub-millisecond recording time, to show the id survives the store's round trip.
    at = THURSDAY_0900 + timedelta(seconds=1, microseconds=500_123)
    dossier.withdraw(Stamp.of(CommandContext(OFFICER, uuid4()), at), channel=Channel.COUNTER)
    before = [item for event in dossier.pending_events for item in outbound(event)]
    desk.save(dossier)
    after = [item for event in list(desk.events.get(dossier_id))[-1:] for item in outbound(event)]
    assert before == after and before[0].seq == 2


def test_internal_and_book_events_map_to_nothing(lived: IntakeDesk) -> None:
    quiet = [
        event
        for event in stored(lived)
        if isinstance(event, Dossier.ResultNoted | Dossier.ProcessingStopNoted | SequenceBook.Event)
    ]
    assert quiet and all(outbound(event) == () for event in quiet)
    assert outbound(object()) == ()


def test_a_published_dossier_event_without_a_mapping_stops_the_relay() -> None:
    unmapped = Dossier.Event(
        originator_id=uuid4(),
        originator_version=1,
        timestamp=THURSDAY_0900,
        occurred_at=THURSDAY_0900,
        actor=OFFICER,
        correlation_id=uuid4(),
        causation_id=None,
        public_seq=1,
    )
    with pytest.raises(TypeError, match="no public mapping"):
        outbound(unmapped)
