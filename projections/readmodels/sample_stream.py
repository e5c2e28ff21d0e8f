"""A realistic, deterministic stream of public events for demos, replays and tests of the read models.

``sample_stream(dossiers=30, seed=766)`` builds a small province after the 2025 reform (a province, its
service centre, two departments, a land registration office and five communes), a working calendar, four
procedures of the catalogue (announced, published, offered online) and ``dossiers`` dossiers in March 2026
whose journeys mix what domain.md §5.4 suggests: counter, online and postal submission, intake refusals,
supplements, financial obligations paid online or at the counter, an apology, a legal pause, rejections,
withdrawals, dossiers still open, postal return, ratings, portal syncs (one refused and retried) and
petitions. Every event is a valid contract model, ids are derived (``contracts.identity``), ``seq`` is
gap-free per producer and key, and the same arguments always give the same events.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid5

from contracts import delivery, intake, payment, portal, postal, processing, reference
from contracts.enums import (
    AckStatus,
    ActorKind,
    AnnouncementKind,
    AnnouncerLevel,
    ApplicantKind,
    CalendarDayKind,
    Channel,
    ClockPauseReason,
    ComponentForm,
    DeliveryFailureReason,
    DigitisationSource,
    DurationUnit,
    DvcqgStatus,
    FeeKind,
    IdDocumentType,
    ItemIssue,
    NotificationChannel,
    NotificationKind,
    OnlineMode,
    OnlineServiceState,
    PaymentMethod,
    PetitionClassification,
    PetitionSource,
    PostalRequestSource,
    PostalRouteClass,
    PostalServiceForm,
    ProcedureContentPart,
    Producer,
    PublicationState,
    RatingChannel,
    RefusalReason,
    ResultForm,
    ReturnMethod,
    SatisfactionLevel,
    StepKind,
    StepOutcome,
    StopCause,
    SupplementClockPolicy,
    TransferMode,
    UnitLevel,
)
from contracts.envelope import Actor, DossierEvent, PublicEvent
from contracts.fields import BUSINESS_TZ
from contracts.golden import load_example
from contracts.identity import public_event_id
from contracts.registry import EVENT_TYPES
from contracts.values import (
    Address,
    Applicant,
    ComponentFile,
    Contact,
    CriterionScore,
    FeeLine,
    LegalDocument,
    OfficeSession,
    PostalItem,
    ProvidedItem,
    PublishedFee,
    Recipient,
    RequestedItem,
    ResultDocument,
    StatutoryDuration,
    SubmittedComponent,
)

PROVINCE = "H44"
SERVICE_CENTRE = "H44.18"
LAND_DEPARTMENT = "H44.06"
LAND_OFFICE = "H44.06.01"
TRADE_DEPARTMENT = "H44.17"
COMMUNES = ("H44.100", "H44.101", "H44.102", "H44.103", "H44.104")
DISSOLVED_DISTRICT = "H44.41"

HOLIDAYS_2026 = frozenset(
    {date(2026, 1, 1), *(date(2026, 2, d) for d in range(16, 21)), date(2026, 4, 27), date(2026, 4, 30)}
    | {date(2026, 5, 1), date(2026, 9, 1), date(2026, 9, 2)}
)
_OPEN = (time(7, 30), time(11, 30), time(13, 0), time(17, 0))
_NAMESPACE = UUID("6f1d3a52-5c0e-4b7e-9a0d-76600000aa01")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BUSINESS_TZ)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS_2026


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_days_after(start: datetime, days: int) -> datetime:
    """Closing time (17:00) of the ``days``-th working day after the start day (0: the start day)."""
    day = start.date()
    if not is_working_day(day) or start.time() >= _OPEN[3]:
        day = next_working_day(day)
    for _ in range(days):
        day = next_working_day(day)
    return _at(day, 17)


def add_office_hours(start: datetime, hours: float) -> datetime:
    """``start`` plus office time (07:30–11:30, 13:00–17:00 on working days)."""
    remaining = timedelta(hours=hours)
    cursor = start
    while True:
        day = cursor.date()
        if is_working_day(day):
            for opens, closes in ((_OPEN[0], _OPEN[1]), (_OPEN[2], _OPEN[3])):
                begin = max(cursor, _at(day, opens.hour, opens.minute))
                end = _at(day, closes.hour, closes.minute)
                if begin >= end:
                    continue
                if end - begin >= remaining:
                    return begin + remaining
                remaining -= end - begin
        cursor = _at(day + timedelta(days=1), 0)


@dataclass(frozen=True)
class SampleProcedure:
    code: str
    name: str
    field_name: str
    levels: tuple[UnitLevel, ...]
    handling_unit: str | None
    days: int  # working days; 0 = same day
    fee_vnd: int
    online: OnlineMode | None
    postal_allowed: bool
    obligation: bool = False


PROCEDURES = (
    SampleProcedure(
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        "Chứng thực",
        (UnitLevel.COMMUNE,),
        None,
        0,
        2_000,
        OnlineMode.PARTIAL,
        False,
    ),
    SampleProcedure(
        "2.000575",
        "Đăng ký thành lập hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        (UnitLevel.COMMUNE,),
        None,
        3,
        100_000,
        OnlineMode.FULL,
        True,
    ),
    SampleProcedure(
        "1.012780",
        "Đăng ký biến động quyền sử dụng đất do chuyển nhượng, tặng cho, thừa kế",
        "Đất đai",
        (UnitLevel.PROVINCE,),
        LAND_OFFICE,
        10,
        100_000,
        OnlineMode.PARTIAL,
        True,
        obligation=True,
    ),
    SampleProcedure(
        "2.000633",
        "Cấp Giấy phép bán lẻ sản phẩm rượu",
        "Lưu thông hàng hóa trong nước",
        (UnitLevel.PROVINCE,),
        TRADE_DEPARTMENT,
        15,
        1_200_000,
        OnlineMode.FULL,
        True,
    ),
)


@dataclass(frozen=True)
class _Pending:
    cls: type[PublicEvent]
    producer: Producer
    key: str
    at: datetime
    recorded: datetime
    actor: Actor
    correlation: UUID
    payload: dict[str, Any]


@dataclass
class _Emitter:
    """Collects events, then stamps envelopes: ``seq`` gap-free per producer and key in recorded order (so a
    producer's sequence never runs against its clock), derived ids, recorded 2 s after the fact."""

    pending: list[_Pending] = field(default_factory=list)

    def emit(
        self,
        cls: type[PublicEvent],
        producer: Producer,
        key: str,
        at: datetime,
        actor: Actor,
        correlation: UUID,
        *,
        lag: timedelta = timedelta(seconds=2),
        **payload: Any,
    ) -> None:
        self.pending.append(_Pending(cls, producer, key, at, at + lag, actor, correlation, payload))

    def events(self) -> list[PublicEvent]:
        ordered = sorted(
            enumerate(self.pending), key=lambda ip: (ip[1].producer, ip[1].key, ip[1].recorded, ip[0])
        )
        seqs: dict[tuple[Producer, str], int] = {}
        out = []
        for _, p in ordered:
            seq = seqs[(p.producer, p.key)] = seqs.get((p.producer, p.key), 0) + 1
            out.append(
                p.cls(
                    event_id=public_event_id(p.producer, p.key, seq, p.recorded),
                    seq=seq,
                    occurred_at=p.at,
                    recorded_at=p.recorded,
                    producer=p.producer,
                    actor=p.actor,
                    correlation_id=p.correlation,
                    **p.payload,
                )
            )
        return out


_SYSTEM = Actor(kind=ActorKind.SYSTEM, id="system:reference-loader")
_PORTAL = Actor(kind=ActorKind.SYSTEM, id="system:portal-sync")
_PAYGATE = Actor(kind=ActorKind.SYSTEM, id="system:payment-gateway")
_POSTMAN = Actor(kind=ActorKind.POSTAL_STAFF, id="bdpt.vt.0231")
_ADDRESS = Address(street="Số 12, phố Hòa Phong", commune="Phường Sơn Hà", province="Tỉnh Sơn Hà")


def _officer(unit: str, role: str) -> Actor:
    return Actor(kind=ActorKind.OFFICER, id=f"cb.{unit.lower().replace('.', '')}.{role}", unit_code=unit)


def _sha(text: str) -> str:
    return uuid5(_NAMESPACE, text).hex * 2


def _reference(out: _Emitter) -> None:
    corr = uuid5(_NAMESPACE, "reference")
    loaded = _at(date(2025, 6, 30), 17)
    units: list[tuple[str, str, UnitLevel, str | None]] = [
        (PROVINCE, "UBND tỉnh Sơn Hà", UnitLevel.PROVINCE, None),
        (SERVICE_CENTRE, "Trung tâm Phục vụ hành chính công tỉnh", UnitLevel.SERVICE_CENTRE, PROVINCE),
        (LAND_DEPARTMENT, "Sở Nông nghiệp và Môi trường", UnitLevel.PROVINCIAL_AGENCY, PROVINCE),
        (LAND_OFFICE, "Văn phòng Đăng ký đất đai", UnitLevel.AGENCY_OFFICE, LAND_DEPARTMENT),
        (TRADE_DEPARTMENT, "Sở Công Thương", UnitLevel.PROVINCIAL_AGENCY, PROVINCE),
        *((c, f"Phường Sơn Hà {i + 1}", UnitLevel.COMMUNE, PROVINCE) for i, c in enumerate(COMMUNES)),
    ]
    out.emit(
        reference.UnitEstablished,
        Producer.REFERENCE,
        DISSOLVED_DISTRICT,
        _at(date(2020, 1, 2), 8),
        _SYSTEM,
        corr,
        unit_code=DISSOLVED_DISTRICT,
        name="UBND thành phố Sơn Hà",
        level=UnitLevel.DISTRICT,
        parent_code=PROVINCE,
        valid_from=date(2020, 1, 1),
    )
    out.emit(
        reference.UnitDissolved,
        Producer.REFERENCE,
        DISSOLVED_DISTRICT,
        loaded,
        _SYSTEM,
        corr,
        unit_code=DISSOLVED_DISTRICT,
        valid_to=date(2025, 6, 30),
        successor_codes=list(COMMUNES[:2]),
        legal_basis="1656/NQ-UBTVQH15",
    )
    for code, name, level, parent in units:
        out.emit(
            reference.UnitEstablished,
            Producer.REFERENCE,
            code,
            loaded,
            _SYSTEM,
            corr,
            unit_code=code,
            name=name,
            level=level,
            parent_code=parent,
            valid_from=date(2025, 7, 1),
        )
    out.emit(
        reference.OfficeHoursSet,
        Producer.REFERENCE,
        "VN",
        loaded,
        _SYSTEM,
        corr,
        calendar_code="VN",
        valid_from=date(2025, 7, 1),
        sessions=[
            OfficeSession(start=_OPEN[0], end=_OPEN[1]),
            OfficeSession(start=_OPEN[2], end=_OPEN[3]),
        ],
    )
    for day in sorted(HOLIDAYS_2026):
        out.emit(
            reference.CalendarDayDeclared,
            Producer.REFERENCE,
            "VN",
            _at(date(2025, 12, 29), 10),
            _SYSTEM,
            corr,
            calendar_code="VN",
            day=day,
            kind=CalendarDayKind.PUBLIC_HOLIDAY,
            name="Ngày nghỉ lễ, Tết",
            legal_basis="Bộ luật Lao động 2019, Điều 112",
        )
    for n, p in enumerate(PROCEDURES):
        decided = date(2025, 7, 10 + n)
        out.emit(
            reference.ProcedureAnnounced,
            Producer.REFERENCE,
            p.code,
            _at(decided, 16),
            _SYSTEM,
            corr,
            procedure_code=p.code,
            change_kind=AnnouncementKind.NEW,
            decision_no=f"{400 + n}/QĐ-UBND",
            decision_date=decided,
            announcing_unit_code=PROVINCE,
            announcer_level=AnnouncerLevel.PROVINCE,
            legal_documents=[
                LegalDocument(
                    number="118/2025/NĐ-CP", title="Nghị định về một cửa", effective_date=date(2025, 7, 1)
                )
            ],
            procedure_name=p.name,
            field_name=p.field_name,
            competent_levels=list(p.levels),
            handling_unit_code=p.handling_unit,
            applicant_kinds=[ApplicantKind.CITIZEN, ApplicantKind.ORGANISATION],
            statutory_duration=StatutoryDuration(
                value=float(p.days), unit=DurationUnit.WORKING_DAY if p.days else DurationUnit.SAME_DAY
            ),
            receipt_cutoff=time(15, 0) if p.days == 0 else None,
            fee_lines=[PublishedFee(kind=FeeKind.LE_PHI, name="Lệ phí", amount_vnd=p.fee_vnd, per="hồ sơ")],
            result_forms=[ResultForm.PAPER, ResultForm.ELECTRONIC],
            online_mode=p.online,
            full_online_eligible=p.online is OnlineMode.FULL,
            personal_presence_required=False,
            postal_allowed=p.postal_allowed,
        )
        parts = list(ProcedureContentPart) if n != 3 else list(ProcedureContentPart)[:-1]
        out.emit(
            reference.ProcedurePublished,
            Producer.REFERENCE,
            p.code,
            _at(next_working_day(next_working_day(decided)), 10),
            _officer(PROVINCE, "kstthc02"),
            corr,
            procedure_code=p.code,
            state=PublicationState.PUBLISHED,
            decision_no=f"{400 + n}/QĐ-UBND",
            content_parts=parts,
        )
        offering = COMMUNES if p.handling_unit is None else (p.handling_unit,)
        for unit in offering:
            out.emit(
                reference.OnlineServiceConfigured,
                Producer.REFERENCE,
                p.code,
                _at(date(2025, 8, 1), 9),
                _officer(PROVINCE, "cntt01"),
                corr,
                procedure_code=p.code,
                unit_code=unit,
                service_id=f"DVC-{unit}-{p.code}",
                online_mode=p.online,
                state=OnlineServiceState.PUBLISHED,
                payment_integrated=True,
            )


@dataclass(frozen=True)
class Twists:
    """What happens to one dossier beyond the plain path (receipt, processing, result, return)."""

    refused: bool = False
    intake_supplement: bool = False
    supplement: bool = False
    supplement_unanswered: bool = False
    late: bool = False
    apology: bool = False
    withdrawn: bool = False
    rejected: bool = False
    open: bool = False
    uncollected: bool = False


# The first dossiers of every sample show each twist at least once; the rest draw them at the rates of
# domain.md §5.4 (refusal 1–3 %, supplements 3–10 %, apologies 1–5 %, late 2–12 %).
_FORCED = (
    Twists(),
    Twists(),
    Twists(refused=True),
    Twists(supplement=True),
    Twists(late=True, apology=True),
    Twists(rejected=True),
    Twists(withdrawn=True),
    Twists(open=True),
    Twists(intake_supplement=True, supplement=True, supplement_unanswered=True),
    Twists(late=True),
    Twists(uncollected=True),
)


def _twists(index: int, rnd: random.Random) -> Twists:
    if index < len(_FORCED):
        return _FORCED[index]
    fate = rnd.random()
    late = rnd.random() < 0.1
    supplement = rnd.random() < 0.1
    return Twists(
        refused=fate < 0.03,
        intake_supplement=rnd.random() < 0.1,
        supplement=supplement,
        supplement_unanswered=supplement and rnd.random() < 0.15,
        late=late,
        apology=late and rnd.random() < 0.5,
        withdrawn=0.03 <= fate < 0.06,
        rejected=0.06 <= fate < 0.1,
        open=fate > 0.96,
        uncollected=rnd.random() < 0.05,
    )


@dataclass
class _Journey:
    """One dossier's events, written in business-time order."""

    out: _Emitter
    rnd: random.Random
    index: int
    procedure: SampleProcedure
    unit: str
    receiving: str
    channel: Channel
    submitted_at: datetime
    twists: Twists
    dossier_id: UUID = field(init=False)
    corr: UUID = field(init=False)
    code: str = field(init=False)

    def __post_init__(self) -> None:
        self.dossier_id = public_event_id(Producer.INTAKE, "sample-dossier", self.index, self.submitted_at)
        self.corr = uuid5(_NAMESPACE, f"corr-{self.index}")
        self.code = f"000.00.18.{PROVINCE}-{self.submitted_at:%y%m%d}-{self.index + 1:04d}"

    @property
    def key(self) -> str:
        return str(self.dossier_id)

    def emit(
        self, cls: type[PublicEvent], producer: Producer, at: datetime, actor: Actor, **payload: Any
    ) -> None:
        self.out.emit(cls, producer, self.key, at, actor, self.corr, dossier_id=self.dossier_id, **payload)

    def sync(self, status: DvcqgStatus, changed: datetime, *, refused_first: bool = False) -> None:
        attempt = 1
        if refused_first:
            sent = changed + timedelta(seconds=20)
            answered = sent + timedelta(seconds=3)
            self._sync(status, changed, sent, answered, attempt, AckStatus.REJECTED)
            attempt = 2
            changed_sent = answered + timedelta(minutes=5)
        else:
            changed_sent = changed + timedelta(seconds=self.rnd.randint(5, 90))
        self._sync(
            status, changed, changed_sent, changed_sent + timedelta(seconds=2), attempt, AckStatus.ACCEPTED
        )

    def _sync(
        self,
        status: DvcqgStatus,
        changed: datetime,
        sent: datetime,
        answered: datetime,
        attempt: int,
        ack: AckStatus,
    ) -> None:
        self.emit(
            portal.StatusSyncedToNationalPortal,
            Producer.PORTAL_SYNC,
            answered,
            _PORTAL,
            lag=timedelta(seconds=1),
            dossier_code=self.code,
            status_code=status,
            payload_hash=_sha(f"{self.code}-{status}-{attempt}"),
            state_changed_at=changed,
            sent_at=sent,
            attempt=attempt,
            ack_status=ack,
            error_code="E-MAHOSO-TRUNG" if ack is AckStatus.REJECTED else None,
            latency_ms=(answered - changed) // timedelta(milliseconds=1),
        )


def _components(j: _Journey) -> list[SubmittedComponent]:
    source = DigitisationSource.UPLOADED_BY_APPLICANT
    names = (("TK", "Tờ khai theo mẫu"), ("GT", "Giấy tờ chứng minh nhân thân"))
    out = []
    for n, (code, name) in enumerate(names):
        files = []
        chosen_source = None
        if j.channel is Channel.ONLINE:
            reused = n == 1 and j.rnd.random() < 0.4
            chosen_source = DigitisationSource.FROM_DATA_STORE if reused else source
            files = [ComponentFile(file_ref=f"dvcqg://{j.code}/{code}.pdf", sha256=_sha(f"{j.code}{code}"))]
        out.append(
            SubmittedComponent(
                code=code,
                name=name,
                form=ComponentForm.ELECTRONIC if files else ComponentForm.COPY_WITH_ORIGINAL,
                copies=1,
                files=files,
                source=chosen_source,
            )
        )
    return out


def _journey(j: _Journey) -> None:
    rnd, p = j.rnd, j.procedure
    desk = _officer(j.receiving, "motcua01")
    handler = _officer(j.unit, "chuyenvien02")
    twists = j.twists
    applicant = Applicant(
        kind=ApplicantKind.CITIZEN,
        name="Nguyễn Văn An",
        id_number=f"0251870{j.index:05d}",
        phone="0912345678",
        population_record_code=f"CSDLQGDC-0251870{j.index:05d}" if rnd.random() < 0.7 else None,
    )
    postal_return = j.channel is not Channel.POSTAL and p.postal_allowed and rnd.random() < 0.15
    return_method = (
        ReturnMethod.POSTAL
        if postal_return or j.channel is Channel.POSTAL
        else ReturnMethod.ONLINE
        if j.channel is Channel.ONLINE
        else ReturnMethod.COUNTER
    )
    t = j.submitted_at
    if j.channel is Channel.POSTAL:
        shipment = uuid5(_NAMESPACE, f"ship-in-{j.index}")
        j.emit(
            postal.PostalServiceRequested,
            Producer.POSTAL,
            t - timedelta(hours=26),
            _POSTMAN,
            service_form=PostalServiceForm.BOTH,
            requested_via=PostalRequestSource.APPLICANT_AT_POST_OFFICE,
            procedure_code=p.code,
            agency_unit_code=j.receiving,
            contact=Contact(name="Nguyễn Văn An", phone="0912345678"),
            pickup_address=_ADDRESS,
            delivery_address=_ADDRESS,
        )
        accepted = t - timedelta(hours=25)
        j.emit(
            postal.PostalItemAccepted,
            Producer.POSTAL,
            accepted,
            _POSTMAN,
            shipment_id=shipment,
            waybill_no=f"EB{104733000 + j.index}VN",
            consignment_note_no=f"PGHS-{j.index:04d}",
            items=[PostalItem(name="Tờ khai", original=True)],
            postage_vnd=27_000,
            post_office_code="290100",
            route_class=PostalRouteClass.INTRA_DISTRICT,
            slip_returned_to_applicant=True,
            sla_due_at=working_days_after(accepted, 2),
        )
        j.emit(
            postal.DossierHandedOverToAgency,
            Producer.POSTAL,
            t - timedelta(minutes=30),
            _POSTMAN,
            shipment_id=shipment,
            waybill_no=f"EB{104733000 + j.index}VN",
            handover_record_no=f"BBGN-{j.index:04d}",
            batch_size=1,
            agency_unit_code=j.receiving,
            agency_officer_id="cb.motcua02",
            complete=True,
        )
    j.emit(
        intake.DossierSubmitted,
        Producer.INTAKE,
        t,
        Actor(kind=ActorKind.APPLICANT, id=f"vneid.{applicant.id_number}")
        if j.channel is Channel.ONLINE
        else desk,
        dossier_code=j.code if j.channel is Channel.ONLINE else None,
        channel=j.channel,
        online_mode=p.online if j.channel is Channel.ONLINE else None,
        procedure_code=p.code,
        receiving_unit_code=j.receiving,
        applicant=applicant,
        vneid_authenticated=j.channel is Channel.ONLINE,
        components=_components(j),
        result_return_method=return_method,
        postal_return_address=_ADDRESS if return_method is ReturnMethod.POSTAL else None,
    )
    if twists.refused:
        j.emit(
            intake.DossierRefused,
            Producer.INTAKE,
            add_office_hours(t, 2),
            desk,
            reason_code=RefusalReason.OUT_OF_COMPETENCE,
            reason_text="Hồ sơ không thuộc thẩm quyền giải quyết",
        )
        return
    if twists.intake_supplement:
        t = add_office_hours(t, 1)
        j.emit(
            intake.IntakeSupplementRequested,
            Producer.INTAKE,
            t,
            desk,
            reasons="Thiếu bản chụp giấy tờ chứng minh nhân thân",
            items=[
                RequestedItem(
                    component_code="GT", name="Giấy tờ chứng minh nhân thân", issue=ItemIssue.MISSING
                )
            ],
            notice_channel=NotificationChannel.PORTAL
            if j.channel is Channel.ONLINE
            else NotificationChannel.PAPER,
        )
        t = add_office_hours(t, rnd.randint(3, 20))
        j.emit(
            intake.IntakeSupplementProvided,
            Producer.INTAKE,
            t,
            Actor(kind=ActorKind.APPLICANT, id=f"vneid.{applicant.id_number}")
            if j.channel is Channel.ONLINE
            else desk,
            items=[ProvidedItem(component_code="GT", name="Giấy tờ chứng minh nhân thân")],
            channel=j.channel,
        )
    received = add_office_hours(t, 0.5 if j.channel is Channel.ONLINE else 0.1)
    due = working_days_after(received, p.days)
    fee = [FeeLine(kind=FeeKind.LE_PHI, name="Lệ phí", amount_vnd=p.fee_vnd)] if p.fee_vnd else []
    j.emit(
        intake.DossierReceived,
        Producer.INTAKE,
        received,
        desk,
        dossier_code=j.code,
        procedure_code=p.code,
        channel=j.channel,
        receiving_unit_code=j.receiving,
        processing_unit_code=j.unit,
        legal_receipt_at=min(received, t if j.channel is not Channel.POSTAL else t - timedelta(minutes=30)),
        clock_start_at=received,
        statutory_duration=StatutoryDuration(
            value=float(p.days), unit=DurationUnit.WORKING_DAY if p.days else DurationUnit.SAME_DAY
        ),
        due_at=due,
        receipt_slip_no=f"{j.index:04d}/GTN",
        fee_lines=fee,
    )
    j.sync(DvcqgStatus.RECEIVED, received, refused_first=j.index % 11 == 3)
    if fee:
        method = PaymentMethod.ONLINE_NATIONAL if j.channel is Channel.ONLINE else PaymentMethod.CASH_COUNTER
        j.emit(
            payment.PaymentReceived,
            Producer.PAYMENT if method is PaymentMethod.ONLINE_NATIONAL else Producer.INTAKE,
            received + timedelta(minutes=3),
            _PAYGATE if method is PaymentMethod.ONLINE_NATIONAL else desk,
            lines=fee,
            amount_vnd=p.fee_vnd,
            method=method,
            transaction_ref=f"PAYGOV.{j.index:06d}" if method is PaymentMethod.ONLINE_NATIONAL else None,
            receipt_no=f"BL-{j.index:06d}",
        )
    if j.channel is not Channel.ONLINE:
        for code in ("TK", "GT"):
            j.emit(
                intake.ComponentDigitized,
                Producer.INTAKE,
                received + timedelta(minutes=5),
                desk,
                component_code=code,
                file_ref=f"dms://{j.receiving.lower()}/{j.code}/{code}.pdf",
                sha256=_sha(f"scan{j.code}{code}"),
                source=DigitisationSource.SCAN_AT_COUNTER,
                digitally_signed=True,
                signer="Trung tâm Phục vụ hành chính công",
                stored_in_data_store=True,
            )
    if p.days == 0:
        finish = received + timedelta(minutes=rnd.randint(20, 90))
        _finish(j, finish, due, return_method, handler, desk)
        return
    step_start = received + timedelta(minutes=10)
    j.emit(
        intake.DossierTransferred,
        Producer.INTAKE,
        step_start,
        desk,
        from_unit_code=j.receiving,
        to_unit_code=j.unit if j.receiving != j.unit else f"{j.unit}.VP",
        mode=TransferMode.ELECTRONIC,
    )
    assigned = add_office_hours(step_start, 1)
    j.emit(
        processing.HandlerAssigned,
        Producer.PROCESSING,
        assigned,
        handler,
        handler_id=handler.id,
        unit_code=j.unit,
        department="Phòng chuyên môn",
        step=StepKind.APPRAISAL,
        step_due_at=working_days_after(assigned, max(1, p.days // 2)),
    )
    j.sync(DvcqgStatus.IN_PROCESSING, assigned)
    cursor = add_office_hours(assigned, 4)
    waited = timedelta(0)
    if twists.supplement:
        requested = add_office_hours(assigned, 3)
        j.emit(
            processing.SupplementRequested,
            Producer.PROCESSING,
            requested,
            handler,
            request_no=1,
            reasons="Giấy tờ chứng minh nhân thân hết hạn",
            items=[
                RequestedItem(
                    component_code="GT", name="Giấy tờ chứng minh nhân thân", issue=ItemIssue.INCORRECT
                )
            ],
            one_stop_unit_code=j.receiving,
            within_three_working_days=True,
            clock_policy=SupplementClockPolicy.RESTART,
        )
        j.sync(DvcqgStatus.SUPPLEMENT_REQUESTED, requested)
        if twists.supplement_unanswered:
            return  # the applicant never came back: counted at the request
        handed_in = add_office_hours(requested, rnd.randint(4, 30))
        j.emit(
            intake.SupplementSubmitted,
            Producer.INTAKE,
            handed_in,
            desk,
            request_no=1,
            items=[ProvidedItem(component_code="GT", name="Giấy tờ chứng minh nhân thân")],
            channel=j.channel if j.channel is not Channel.POSTAL else Channel.COUNTER,
        )
        accepted = handed_in + timedelta(minutes=30)
        waited = accepted - requested
        new_due = working_days_after(accepted, p.days)
        j.emit(
            processing.SupplementAccepted,
            Producer.PROCESSING,
            accepted,
            handler,
            request_no=1,
            new_clock_start_at=accepted,
            previous_due_at=due,
            new_due_at=new_due,
            waited=waited,
        )
        j.sync(DvcqgStatus.IN_PROCESSING, accepted)
        cursor = add_office_hours(accepted, 2)
    effective_due = due + waited
    if p.obligation:
        obligation_at = cursor
        j.emit(
            processing.FinancialObligationRequested,
            Producer.PROCESSING,
            obligation_at,
            handler,
            obligation_id=f"NVTC-{j.index:05d}",
            lines=[
                FeeLine(kind=FeeKind.TAX, name="Thuế thu nhập cá nhân", amount_vnd=12_000_000),
                FeeLine(kind=FeeKind.LE_PHI, name="Lệ phí trước bạ", amount_vnd=3_000_000),
            ],
            pay_by=working_days_after(obligation_at, 10),
            allowed_methods=[PaymentMethod.ONLINE_NATIONAL, PaymentMethod.BANK_TRANSFER],
        )
        pause_id = f"TD-{j.index:05d}"
        paused = rnd.random() < 0.5
        if paused:
            j.emit(
                processing.ClockPaused,
                Producer.PROCESSING,
                obligation_at,
                handler,
                pause_id=pause_id,
                reason=ClockPauseReason.FINANCIAL_OBLIGATION,
                legal_basis="Luật Đất đai 2024, Điều 22",
            )
        paid_at = add_office_hours(obligation_at, rnd.randint(4, 24))
        online = rnd.random() < 0.6
        j.emit(
            payment.PaymentReceived,
            Producer.PAYMENT,
            paid_at,
            _PAYGATE,
            obligation_id=f"NVTC-{j.index:05d}",
            lines=[
                FeeLine(kind=FeeKind.TAX, name="Thuế thu nhập cá nhân", amount_vnd=12_000_000),
                FeeLine(kind=FeeKind.LE_PHI, name="Lệ phí trước bạ", amount_vnd=3_000_000),
            ],
            amount_vnd=15_000_000,
            method=PaymentMethod.ONLINE_NATIONAL if online else PaymentMethod.BANK_TRANSFER,
            transaction_ref=f"TXN.{j.index:06d}",
        )
        if paused:
            effective_due = add_office_hours(
                effective_due, (paid_at - obligation_at).total_seconds() / 3600 / 3
            )
            j.emit(
                processing.ClockResumed,
                Producer.PROCESSING,
                paid_at + timedelta(minutes=10),
                handler,
                pause_id=pause_id,
                reason=ClockPauseReason.FINANCIAL_OBLIGATION,
                paused_at=obligation_at,
                new_effective_due_at=effective_due,
            )
        cursor = add_office_hours(paid_at, 1)
    late = twists.late
    if twists.apology:
        apology_at = min(cursor, effective_due - timedelta(days=1))
        apology_at = max(apology_at, cursor)
        new_due = working_days_after(effective_due, 3)
        j.emit(
            processing.DelayApologyIssued,
            Producer.PROCESSING,
            apology_at,
            handler,
            reason="Chờ ý kiến của cơ quan phối hợp",
            previous_due_at=effective_due,
            new_due_at=new_due,
            issued_late=apology_at > effective_due - timedelta(days=1),
        )
        cursor = apology_at
    if twists.open:
        return  # still being processed at the end of the sample
    if late:
        finish = add_office_hours(effective_due, rnd.randint(2, 20))
    else:
        span = max(1.0, (effective_due - cursor).total_seconds() / 3600 / 3)
        finish = min(add_office_hours(cursor, rnd.uniform(1, span)), effective_due - timedelta(minutes=5))
    finish = max(finish, cursor + timedelta(minutes=5))
    j.emit(
        processing.ProcessingStepCompleted,
        Producer.PROCESSING,
        finish - timedelta(minutes=2),
        handler,
        step=StepKind.APPRAISAL,
        unit_code=j.unit,
        started_at=assigned,
        outcome=StepOutcome.SATISFACTORY,
    )
    if twists.withdrawn:
        j.emit(
            intake.WithdrawalRequested,
            Producer.INTAKE,
            finish,
            desk,
            channel=j.channel if j.channel is not Channel.POSTAL else Channel.COUNTER,
            reason="Công dân không còn nhu cầu",
        )
        j.sync(DvcqgStatus.APPLICANT_WITHDREW, finish)
        j.emit(
            processing.ProcessingStopped,
            Producer.PROCESSING,
            finish + timedelta(hours=1),
            handler,
            cause=StopCause.APPLICANT_WITHDRAWAL,
            notice_no=f"{j.index}/TB-DXL",
        )
        return
    if twists.rejected:
        j.emit(
            processing.DossierRejected,
            Producer.PROCESSING,
            finish,
            handler,
            reasons="Không đủ điều kiện theo quy định",
            legal_basis="Điều 82 Luật Doanh nghiệp",
            notice_no=f"{j.index}/TB-TC",
        )
        j.sync(DvcqgStatus.PROCESSED, finish)
        return
    _finish(j, finish, effective_due, return_method, handler, desk)


def _finish(
    j: _Journey, finish: datetime, due: datetime, method: ReturnMethod, handler: Actor, desk: Actor
) -> None:
    rnd = j.rnd
    e_result = j.channel is Channel.ONLINE or rnd.random() < 0.5
    j.emit(
        processing.ResultIssued,
        Producer.PROCESSING,
        finish,
        handler,
        documents=[
            ResultDocument(
                code="KQ",
                name="Kết quả giải quyết",
                number=f"{j.index}/GCN",
                signed_at=finish - timedelta(minutes=1),
                signer="Trần Quốc Bảo",
                e_file_ref=f"dms://{j.code}/KQ.pdf" if e_result else None,
                sha256=_sha(f"kq{j.code}") if e_result else None,
                digitally_signed=e_result,
            )
        ],
        e_result=e_result,
    )
    j.sync(DvcqgStatus.PROCESSED, finish)
    if e_result and j.channel is Channel.ONLINE:
        j.emit(
            processing.ResultStoredInDataStore,
            Producer.PROCESSING,
            finish + timedelta(minutes=5),
            handler,
            document_code="KQ",
            file_ref=f"dms://{j.code}/KQ.pdf",
            data_store_ref=f"KHO-{j.index:06d}",
            vneid_pushed=True,
        )
    elif not e_result and rnd.random() < 0.6:
        j.emit(
            processing.ResultDigitized,
            Producer.PROCESSING,
            finish + timedelta(minutes=20),
            handler,
            document_code="KQ",
            file_ref=f"dms://{j.code}/KQ-scan.pdf",
            sha256=_sha(f"kqscan{j.code}"),
            digitally_signed=True,
        )
    j.emit(
        delivery.ApplicantNotified,
        Producer.DELIVERY,
        finish + timedelta(minutes=15),
        Actor(kind=ActorKind.SYSTEM, id="system:delivery-worker"),
        kind=NotificationKind.RESULT_READY,
        channel=NotificationChannel.SMS,
    )
    recipient = Recipient(
        name="Nguyễn Văn An", id_type=IdDocumentType.CCCD, id_number=f"0251870{j.index:05d}"
    )
    if j.twists.uncollected:
        return  # the result waits at the counter
    if method is ReturnMethod.POSTAL:
        shipment = uuid5(_NAMESPACE, f"ship-out-{j.index}")
        picked = add_office_hours(finish, 2)
        waybill = f"EB{104790000 + j.index}VN"
        j.emit(
            postal.ResultPickedUpFromAgency,
            Producer.POSTAL,
            picked,
            _POSTMAN,
            shipment_id=shipment,
            waybill_no=waybill,
            consignment_note_no=f"PGHS-KQ-{j.index:04d}",
            dossier_code=j.code,
            items=[PostalItem(name="Kết quả giải quyết", original=True)],
            agency_officer_id="cb.motcua07",
            route_class=PostalRouteClass.INTER_DISTRICT,
            sla_due_at=working_days_after(picked, 2),
        )
        out_at = add_office_hours(picked, 6)
        j.emit(
            postal.OutForDelivery,
            Producer.POSTAL,
            out_at,
            _POSTMAN,
            shipment_id=shipment,
            attempt_no=1,
            courier_id="bt.07",
        )
        delivered = out_at + timedelta(hours=1)
        if j.index % 3 == 0:
            j.emit(
                postal.DeliveryFailed,
                Producer.POSTAL,
                out_at + timedelta(minutes=40),
                _POSTMAN,
                shipment_id=shipment,
                attempt_no=1,
                reason=DeliveryFailureReason.NOT_AT_HOME,
                invitation_issued=True,
            )
            out_at = add_office_hours(out_at, 8 + 24 * (j.index % 2))
            j.emit(
                postal.OutForDelivery,
                Producer.POSTAL,
                out_at,
                _POSTMAN,
                shipment_id=shipment,
                attempt_no=2,
                courier_id="bt.07",
            )
            delivered = out_at + timedelta(hours=1)
        j.emit(
            postal.Delivered,
            Producer.POSTAL,
            delivered,
            _POSTMAN,
            shipment_id=shipment,
            recipient=recipient,
            signature_ref=f"vnpost://chuky/{waybill}",
        )
        returned = delivered + timedelta(minutes=10)
        j.emit(
            delivery.ResultReturned,
            Producer.DELIVERY,
            returned,
            Actor(kind=ActorKind.SYSTEM, id="system:delivery-worker"),
            method=ReturnMethod.POSTAL,
            recipient=recipient,
            shipment_id=shipment,
        )
    else:
        returned = add_office_hours(finish, rnd.uniform(0.5, 12))
        j.emit(
            delivery.ResultReturned,
            Producer.DELIVERY,
            returned,
            desk
            if method is ReturnMethod.COUNTER
            else Actor(kind=ActorKind.SYSTEM, id="system:delivery-worker"),
            method=method,
            recipient=recipient if method is ReturnMethod.COUNTER else None,
        )
    j.sync(DvcqgStatus.RESULT_RETURNED, returned)
    if rnd.random() < 0.45:
        level = (
            SatisfactionLevel.DISSATISFIED
            if finish > due or rnd.random() < 0.08
            else rnd.choice([SatisfactionLevel.SATISFIED, SatisfactionLevel.VERY_SATISFIED])
        )
        j.emit(
            delivery.SatisfactionRated,
            Producer.DELIVERY,
            returned + timedelta(hours=2),
            Actor(kind=ActorKind.APPLICANT, id=f"vneid.0251870{j.index:05d}"),
            level=level,
            criteria=[
                CriterionScore(criterion="thai-do-phuc-vu", score=5 if level.value != "DISSATISFIED" else 2)
            ],
            channel=RatingChannel.ONLINE_PORTAL
            if j.channel is Channel.ONLINE
            else RatingChannel.COUNTER_DEVICE,
        )
        if j.channel is Channel.ONLINE and rnd.random() < 0.3:
            j.emit(
                portal.DossierRatedOnPortal,
                Producer.PORTAL_SYNC,
                returned + timedelta(hours=20),
                _PORTAL,
                dossier_code=j.code,
                level=level,
            )


def _petitions(out: _Emitter, journeys: Sequence[_Journey]) -> None:
    candidates = [j for j in journeys if j.procedure.days > 0]
    if not candidates:
        return
    target = candidates[0]
    corr = uuid5(_NAMESPACE, "petitions")
    received = add_office_hours(target.submitted_at, 30)
    pid = "PAKN-2603-000101"
    out.emit(
        portal.PetitionReceived,
        Producer.PORTAL_SYNC,
        pid,
        received,
        _PORTAL,
        corr,
        petition_id=pid,
        handling_unit_code=target.unit,
        title="Phản ánh chậm giải quyết hồ sơ",
        classification=PetitionClassification.ADMINISTRATIVE_PROCEDURE,
        source=PetitionSource.DIRECT,
        submitted_at=received - timedelta(hours=3),
        related_dossier_code=target.code,
        related_procedure_code=target.procedure.code,
    )
    target.emit(
        portal.PetitionLinked,
        Producer.PORTAL_SYNC,
        received + timedelta(minutes=5),
        _PORTAL,
        petition_id=pid,
        classification=PetitionClassification.ADMINISTRATIVE_PROCEDURE,
        petition_received_at=received,
    )
    handled = add_office_hours(received, 20)
    for cls, at, extra in (
        (portal.PetitionHandled, handled, {"answer_summary": "Hồ sơ đang được giải quyết đúng quy trình"}),
        (portal.PetitionPublished, add_office_hours(handled, 4), {}),
        (portal.PetitionRated, add_office_hours(handled, 30), {"likes": 1, "dislikes": 3}),
    ):
        out.emit(cls, Producer.PORTAL_SYNC, pid, at, _PORTAL, corr, petition_id=pid, **extra)
    other = "PAKN-2603-000117"
    at = add_office_hours(candidates[-1].submitted_at, 10)
    out.emit(
        portal.PetitionReceived,
        Producer.PORTAL_SYNC,
        other,
        at,
        _PORTAL,
        corr,
        petition_id=other,
        handling_unit_code=COMMUNES[0],
        title="Kiến nghị về thủ tục chứng thực",
        classification=PetitionClassification.REGULATION_POLICY,
        source=PetitionSource.DIRECT,
        submitted_at=at - timedelta(hours=1),
    )
    out.emit(
        portal.PetitionRefused,
        Producer.PORTAL_SYNC,
        other,
        add_office_hours(at, 6),
        _PORTAL,
        corr,
        petition_id=other,
        reason="Nội dung không thuộc phạm vi xử lý phản ánh, kiến nghị",
    )


@dataclass(frozen=True)
class SampleStream:
    events: tuple[PublicEvent, ...]
    dossier_ids: tuple[UUID, ...]

    def by_topic(self) -> dict[str, list[PublicEvent]]:
        topics: dict[str, list[PublicEvent]] = {}
        for event in self.events:
            topics.setdefault(event.TOPIC, []).append(event)
        return topics


def _key_field(cls: type[PublicEvent]) -> str:
    for base, name in (
        (DossierEvent, "dossier_id"),
        (reference.ProcedureEvent, "procedure_code"),
        (reference.UnitEvent, "unit_code"),
        (reference.CalendarEvent, "calendar_code"),
        (portal.PetitionEvent, "petition_id"),
    ):
        if issubclass(cls, base):
            return name
    raise TypeError(f"{cls.__name__} has no known key")


def like_example(
    event_type: str,
    key: str | UUID,
    seq: int,
    at: datetime,
    *,
    lag: timedelta = timedelta(seconds=2),
    **fields: Any,
) -> PublicEvent:
    """An event shaped like the golden example of ``event_type``, re-keyed to ``key`` and re-timed to ``at``
    (recorded ``lag`` later), with ``fields`` replacing payload fields; validated like any event. Handy to
    script a scenario in a test or a demo without spelling out every field."""
    cls = EVENT_TYPES[event_type]
    data = {**load_example(event_type), **fields}
    producer = Producer(data["producer"])
    recorded = at + lag
    data.update(
        event_id=public_event_id(producer, str(key), seq, recorded),
        seq=seq,
        occurred_at=at,
        recorded_at=recorded,
    )
    data[_key_field(cls)] = str(key)
    return cls.model_validate(data)


def _production_order(event: PublicEvent) -> tuple[datetime, str, str, int]:
    return (event.recorded_at, event.producer.value, event.key(), event.seq)


def sample_stream(dossiers: int = 30, seed: int = 766, first_day: date = date(2026, 3, 2)) -> SampleStream:
    """Reference data, ``dossiers`` dossier journeys from ``first_day`` on, and petitions, in recorded order."""
    rnd = random.Random(seed)
    out = _Emitter()
    _reference(out)
    journeys = []
    submitted = _at(first_day, 8)
    for index in range(dossiers):
        # The forced twists need a multi-day procedure (the first dossier keeps the same-day one).
        procedure = (
            PROCEDURES[0]
            if index == 0
            else PROCEDURES[1 + index % (len(PROCEDURES) - 1)]
            if index < len(_FORCED)
            else rnd.choice(PROCEDURES)
        )
        commune = procedure.handling_unit is None
        unit = rnd.choice(COMMUNES) if commune else str(procedure.handling_unit)
        receiving = unit if commune else SERVICE_CENTRE
        roll = rnd.random()
        channel = (
            Channel.POSTAL
            if procedure.postal_allowed and roll < 0.08
            else Channel.ONLINE
            if roll < 0.65 and procedure.online is not None
            else Channel.COUNTER
        )
        if index == 1 and procedure.postal_allowed:
            channel = Channel.POSTAL
        twists = _twists(index, rnd)
        journey = _Journey(
            out, random.Random(rnd.random()), index, procedure, unit, receiving, channel, submitted, twists
        )
        _journey(journey)
        journeys.append(journey)
        submitted = add_office_hours(submitted, rnd.uniform(0.5, 5))
    _petitions(out, journeys)
    return SampleStream(
        events=tuple(sorted(out.events(), key=_production_order)),
        dossier_ids=tuple(j.dossier_id for j in journeys),
    )
