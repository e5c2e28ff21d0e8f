"""The outbound mapper: every internal event maps to the v1 contracts, survives the Kafka codec, keeps its id,
and numbers a dossier's public events 1, 2, 3 … without gaps."""

from __future__ import annotations

import functools
import inspect
from datetime import UTC, datetime

from processing_kit import MISSING_ITEM, Journey, document, t

from contracts import codec
from contracts import processing as public
from contracts.enums import (
    ActorKind,
    ClockPauseReason,
    FeeKind,
    PaymentMethod,
    Producer,
    StepKind,
    StepOutcome,
    StopCause,
)
from contracts.envelope import Actor
from contracts.identity import public_event_id
from contracts.values import FeeLine
from processing import case_events
from processing.case import Act, DataStorePush, Digitisation
from processing.inbound import WORKER_ACTOR_ID
from processing.outbound import to_public

APPRAISAL, REVIEW, SIGNING = StepKind.APPRAISAL, StepKind.REVIEW, StepKind.SIGNING


def land_dossier() -> Journey:
    """1.012780 at the provincial centre: verification, consultation, supplement, pauses, apology, payment,
    and a result that is digitised and pushed to the data store."""
    j = Journey("1.012780", "2026-03-02 09:00", receiving_unit="H44.18", name="land")
    j.clock.set(t("2026-03-02 09:20"))
    j.deliver(j.desk.transferred(t("2026-03-02 09:20"), to_unit="H44.06.01", from_unit="H44.18"))
    j.assign("2026-03-02 09:30")
    j.at("2026-03-02 10:00").app.schedule_verification(
        j.id,
        **j.by(),
        scheduled_for=t("2026-03-03 09:00"),
        place="Thửa đất số 125, tờ bản đồ 12",
        participants=["Văn phòng Đăng ký đất đai", "UBND phường"],
        content="Đo đạc, xác minh hiện trạng",
    )
    j.at("2026-03-02 10:30").app.request_consultation(
        j.id,
        **j.by(),
        consultation_id="YK-01",
        consulted_unit_code="H44.17",
        question="Xác định nghĩa vụ thuế",
        reply_due_at=t("2026-03-04 17:00"),
    )
    j.complete("2026-03-03 11:00", StepKind.VERIFICATION)
    j.at("2026-03-04 09:00").app.record_consultation_answer(
        j.id, **j.by(), consultation_id="YK-01", answer_ref="dms://h44.17/yk-01.pdf", summary="Đồng ý"
    )
    j.complete("2026-03-04 09:30", StepKind.CONSULTATION)
    j.at("2026-03-04 10:00").app.request_supplement(
        j.id, **j.by(), reasons="Thiếu hợp đồng", items=[MISSING_ITEM]
    )
    j.clock.set(t("2026-03-05 10:00"))
    j.deliver(j.desk.supplement_submitted(t("2026-03-05 10:00")))
    j.complete("2026-03-06 10:00", APPRAISAL)
    j.at("2026-03-06 11:00").app.pause_clock(
        j.id,
        **j.by(),
        pause_id="GD-1",
        reason=ClockPauseReason.EXPERT_APPRAISAL,
        legal_basis="NĐ 101/2024 Điều 22",
    )
    j.at("2026-03-09 11:00").app.resume_clock(j.id, **j.by(), pause_id="GD-1")
    j.at("2026-03-09 14:00").app.issue_apology(
        j.id, **j.by(j.lead), reason="Chờ giám định", new_due_at=t("2026-03-31 17:00"), letter_no="04/XL-VPĐK"
    )
    j.at("2026-03-10 09:00").app.request_financial_obligation(
        j.id,
        **j.by(),
        obligation_id="NVTC-H4417-0001",
        lines=[FeeLine(kind=FeeKind.TAX, name="Thuế thu nhập cá nhân", amount_vnd=24_000_000)],
        allowed_methods=[PaymentMethod.ONLINE_NATIONAL, PaymentMethod.ONLINE_LOCAL],
        pay_by=t("2026-03-20 17:00"),
    )
    j.clock.set(t("2026-03-11 15:00"))
    j.deliver(j.desk.payment(t("2026-03-11 15:00"), 24_000_000, obligation_id="NVTC-H4417-0001"))
    j.complete("2026-03-12 09:00", REVIEW, actor=j.lead)
    j.complete("2026-03-12 14:00", SIGNING, actor=j.lead)
    j.at("2026-03-13 09:00").app.issue_result(
        j.id,
        **j.by(j.lead),
        documents=[document("KQ-GCN", signed_at=t("2026-03-13 08:30"))],
        e_result=True,
        digitised=[Digitisation("KQ-GCN", "dms://h44.06.01/KQ-GCN-scan.pdf", "ef" * 32, True, "VPĐKĐĐ tỉnh")],
    )
    j.at("2026-03-13 10:00").app.record_result_stored(
        j.id, **j.by(), push=DataStorePush("KQ-GCN", "dms://h44.06.01/KQ-GCN.pdf", "KHO-0001", False)
    )
    return j


def paper_three_in_one_rejected() -> Journey:
    j = Journey("1.004884", "2026-03-02 09:00", name="3in1")
    j.assign("2026-03-02 09:10")
    j.complete("2026-03-02 10:00", APPRAISAL)
    j.at("2026-03-02 10:30").app.hand_off_to_partners(j.id, **j.by(j.lead), transfer_slip_no="PC-01")
    j.at("2026-03-02 14:00").app.complete_partner_task(
        j.id,
        **j.by(),
        agency_code="H44.15",
        outcome=StepOutcome.SATISFACTORY,
        partial_result_refs=["dms://ct.pdf"],
    )
    j.at("2026-03-02 16:00").app.complete_partner_task(
        j.id,
        **j.by(),
        agency_code="H44.16",
        outcome=StepOutcome.UNSATISFACTORY,
        note="Sai mã số BHXH",
    )
    j.at("2026-03-03 09:00").app.reject(
        j.id,
        **j.by(j.lead),
        reasons="Thông tin không khớp CSDL",
        legal_basis="NĐ 63/2024 Điều 7",
        notice_no="TC-07",
    )
    return j


def withdrawn_and_stopped() -> Journey:
    j = Journey("1.004200", "2026-03-02 09:00", name="withdrawn")
    j.clock.set(t("2026-03-02 10:00"))
    j.deliver(j.desk.withdrawal(t("2026-03-02 10:00")))
    j.at("2026-03-02 11:00").app.stop(
        j.id, **j.by(j.lead), cause=StopCause.APPLICANT_WITHDRAWAL, notice_no="05/TB"
    )
    return j


@functools.cache
def tour() -> tuple[Journey, ...]:
    return land_dossier(), paper_three_in_one_rejected(), withdrawn_and_stopped()


def published_event_classes() -> set[type[case_events.CaseEvent]]:
    return {
        cls
        for _, cls in inspect.getmembers(case_events, inspect.isclass)
        if issubclass(cls, case_events.CaseEvent) and cls is not case_events.CaseEvent and cls.PUBLISHED
    }


def test_every_internal_event_type_maps_and_every_public_type_is_produced() -> None:
    seen = {type(event) for j in tour() for event in j.internal_events()}
    assert published_event_classes() <= seen, "the tour misses a published internal event type"
    produced = {type(event) for j in tour() for event in j.published()}
    assert produced == set(public.EVENTS)
    for j in tour():
        for event in j.internal_events():
            mapped = to_public(event)
            assert len(mapped) == (1 if type(event).PUBLISHED else 0), type(event).__name__


def test_public_events_round_trip_through_the_kafka_codec() -> None:
    for j in tour():
        for event in j.published():
            record = codec.encode(event)
            assert record.topic == "processing.dossiers.v1"
            assert record.key == str(j.id).encode()
            decoded = codec.decode(record.headers, record.value)
            assert decoded == event
            headers = dict(record.headers)
            assert headers["ce_time"].endswith(b"+07:00") and headers["ce_source"] == b"/motcua/processing"


def test_seq_is_gap_free_per_dossier_although_some_events_are_not_published() -> None:
    # Transfer, payment and withdrawal are recorded on the case but are not processing's public events.
    unpublished = {type(e).__name__ for j in tour() for e in j.internal_events()[1:] if not type(e).PUBLISHED}
    assert {"TransferRecorded", "PaymentRecorded", "WithdrawalNoted"} <= unpublished
    for j in tour():
        assert [event.seq for event in j.published()] == list(range(1, len(j.published()) + 1))


def test_ids_are_deterministic_uuid7_from_the_stored_event() -> None:
    j = tour()[0]
    first = [event.event_id for event in j.published()]
    again = [event.event_id for event in j.published()]  # read and mapped again, as a relay re-sending a page
    assert first == again
    assert len(set(first)) == len(first)
    assert all(event_id.version == 7 for event_id in first)
    stored = j.internal_events()
    published = [e for e in stored if type(e).PUBLISHED]
    assert [int(event.timestamp.timestamp() * 1000) for event in published] == [
        event_id.int >> 80 for event_id in first
    ]


def test_envelope_carries_actor_flow_and_business_time() -> None:
    j = tour()[0]
    accepted = next(e for e in j.published() if isinstance(e, public.SupplementAccepted))
    # The desk's SupplementSubmitted was its 3rd event on this dossier (DossierReceived, DossierTransferred).
    submitted_id = public_event_id(Producer.INTAKE, j.id, 3, t("2026-03-05 10:00"))
    assert accepted.actor.id == WORKER_ACTOR_ID and accepted.actor.kind is ActorKind.SYSTEM
    assert accepted.causation_id == submitted_id
    assert accepted.correlation_id == j.correlation_id
    assert accepted.occurred_at == t("2026-03-05 10:00")
    resumed = [e for e in j.published() if isinstance(e, public.ClockResumed)]
    assert [e.reason for e in resumed] == [
        ClockPauseReason.EXPERT_APPRAISAL,
        ClockPauseReason.FINANCIAL_OBLIGATION,
    ]
    assert all(e.dossier_id == j.id and e.producer.value == "processing" for e in j.published())


def test_times_given_in_another_zone_are_published_in_business_time() -> None:
    j = Journey("1.004200", "2026-03-02 09:00", name="utc")
    case = j.case
    act = Act(
        actor=Actor(kind=ActorKind.OFFICER, id="ld.h44100.chutich", unit_code="H44.100"),
        at=datetime(2026, 3, 2, 3, 0, tzinfo=UTC),  # 10:00 in Vietnam
        correlation_id=j.correlation_id,
        recorded_at=datetime(2026, 3, 2, 3, 0, 5, tzinfo=UTC),
    )
    case.assign_handler(act, handler_id="cv.h44100.tuphap02", department="Tư pháp")
    (event,) = to_public(case.pending_events[-1])
    headers = dict(codec.encode(event).headers)
    assert headers["ce_time"] == b"2026-03-02T10:00:00+07:00"
    assert headers["ce_recordedat"] == b"2026-03-02T10:00:05+07:00"


def test_an_assignment_to_an_overdue_step_publishes_no_step_deadline() -> None:
    # 1.004200 received Mon 2/3/2026 08:00: the first stage is due 0.5 + 1.5 WD = 16 h later: Mon 7.5 h,
    # Tue 8 h, Wed 07:30 + 0.5 h → Wed 4/3 08:00. Assigned after it, the contract's "step_due_at in the
    # future" cannot hold, so the public event omits it.
    j = Journey("1.004200", "2026-03-02 08:00", name="late-assignment")
    assert j.case.current.due_at == t("2026-03-04 08:00")
    j.assign("2026-03-04 09:00")
    (assigned,) = j.published()
    assert isinstance(assigned, public.HandlerAssigned) and assigned.step_due_at is None
    k = Journey("1.004200", "2026-03-02 08:00", name="timely-assignment")
    k.assign("2026-03-02 08:30")
    (assigned,) = k.published()
    assert isinstance(assigned, public.HandlerAssigned) and assigned.step_due_at == t("2026-03-04 08:00")


def test_events_of_other_aggregates_map_to_nothing() -> None:
    assert to_public(object()) == []  # type: ignore[arg-type]
    j = tour()[2]
    opened = j.internal_events()[0]
    assert type(opened).__name__ == "Opened" and to_public(opened) == []
