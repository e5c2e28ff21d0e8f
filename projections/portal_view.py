"""The national portal's view of each dossier (DVCQG, domain.md §2.13): a pure fold of public dossier
events into the status code ``TrangThaiHoSo`` (1–10) and the synchronisation payload, with the ordered list
of transitions portal-sync must push.

- ``DossierPortalView.apply(event)`` folds one event and returns the transitions it causes (none, or one):
  a new status, or a new promised return time (``NgayHenTra``) under the same status — both must reach the
  portal promptly (766 indicator 1.4). Every transition carries the whole payload and its SHA-256 over
  canonical JSON (sorted keys, UTF-8), which portal-sync records in E28 ``payload_hash``.
- Events arrive on several topics, so a late event must not move the status backwards: an event that
  occurred before the last status change only updates the payload, and the terminal statuses 3, 8 and 10
  never change. ``fold`` and ``portal_transitions`` first put the events in ``canonical_order`` (each
  producer's events in ``seq`` order, the producers merged by occurred_at), so the result is a function of
  the set of events, whatever order the topics delivered them in (ADR 0643).
- Every processing step and status change is also kept as a per-step record (``QuaTrinhXuLy``: NguoiXuLy,
  PhongBanXuLy, NoiDungXuLy, TrangThai, NgayBatDau, ThoiDiemXuLy, NgayKetThucTheoQuyDinh); ``ChucDanh`` is
  always empty, no event carries a job title.
- Dates are ``yyyyMMddHHmmss`` in local time (Asia/Ho_Chi_Minh). A repeated event (same event_id) is ignored.
- Open choices are explicit in ``PortalViewPolicy`` (ADR 0604): the code a rejection is synced with (no
  dedicated code: 9 by default, UNCONFIRMED), and the ``HinhThuc`` code of each return method.

Imports only ``contracts`` (architecture.md §3).
"""

from __future__ import annotations

import hashlib
import heapq
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from contracts import delivery as delivery_events
from contracts import intake as intake_events
from contracts import processing as processing_events
from contracts.enums import (
    ActorKind,
    ClockPauseReason,
    DigitisationSource,
    DvcqgStatus,
    Producer,
    ReturnMethod,
    StepKind,
)
from contracts.envelope import Actor, DossierEvent, PublicEvent
from contracts.payment import PaymentReceived

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DVCQG_DATE_FORMAT = "%Y%m%d%H%M%S"
TERMINAL_STATUSES = frozenset({DvcqgStatus.REFUSED, DvcqgStatus.STOPPED, DvcqgStatus.RESULT_RETURNED})
_PRODUCER_ORDER = {
    Producer.INTAKE: 0,
    Producer.PROCESSING: 1,
    Producer.PAYMENT: 2,
    Producer.DELIVERY: 3,
    Producer.POSTAL: 4,
    Producer.PORTAL_SYNC: 5,
    Producer.REFERENCE: 6,
}
_PROCESSING_STEPS = (
    intake_events.DossierTransferred,
    processing_events.HandlerAssigned,
    processing_events.ProcessingStepCompleted,
    processing_events.VerificationScheduled,
    processing_events.ConsultationRequested,
    processing_events.ConsultationAnswered,
    processing_events.InterAgencyHandoff,
)


def dvcqg_date(at: datetime | None) -> str | None:
    """``yyyyMMddHHmmss`` in local time; ``None`` stays ``None``."""
    return at.astimezone(LOCAL_TZ).strftime(DVCQG_DATE_FORMAT) if at is not None else None


@dataclass(frozen=True)
class ProcedureInfo:
    """Catalogue names the events do not carry (TenTTHC, MaLinhVuc, TenLinhVuc)."""

    name: str
    field_code: str | None = None
    field_name: str | None = None


@dataclass(frozen=True)
class PortalViewPolicy:
    rejected_status: DvcqgStatus = DvcqgStatus.PROCESSED
    return_forms: Mapping[ReturnMethod, int] = field(
        default_factory=lambda: {
            ReturnMethod.COUNTER: 1,
            ReturnMethod.ONLINE: 2,
            ReturnMethod.POSTAL: 3,
            ReturnMethod.KIOSK: 1,  # a locker is a variant of counter pick-up (domain.md §2.8)
        }
    )
    procedures: Mapping[str, ProcedureInfo] = field(default_factory=dict)


@dataclass(frozen=True)
class PortalTransition:
    """One push to the national portal, in order (``number`` 1, 2, 3 … per dossier)."""

    dossier_id: UUID
    number: int
    status: DvcqgStatus
    status_changed: bool
    state_changed_at: datetime
    cause_event_id: UUID
    cause_event_type: str
    payload: Mapping[str, Any]
    payload_hash: str


class DossierPortalView:
    """The portal's view of one dossier, folded event by event."""

    def __init__(self, dossier_id: UUID, policy: PortalViewPolicy | None = None) -> None:
        self.dossier_id = dossier_id
        self.policy = policy or PortalViewPolicy()
        self.status: DvcqgStatus | None = None
        self.status_changed_at: datetime | None = None
        self.received = False
        self.cancelled = False
        self.payload: dict[str, Any] = _empty_payload()
        self.transitions: list[PortalTransition] = []
        self._seen: set[UUID] = set()
        self._components: dict[str, dict[str, Any]] = {}
        self._results: dict[str, dict[str, Any]] = {}
        self._supplements: list[dict[str, Any]] = []
        self._open_supplement: dict[str, Any] | None = None
        self._fees: list[dict[str, Any]] = []
        self._open_obligations: set[str] = set()
        self._financial_pause = False
        self._steps: list[dict[str, Any]] = []

    # --- folding --------------------------------------------------------------------------------------

    def apply(self, event: PublicEvent) -> tuple[PortalTransition, ...]:
        if not isinstance(event, DossierEvent) or event.dossier_id != self.dossier_id:
            return ()
        if event.event_id in self._seen:
            return ()
        self._seen.add(event.event_id)
        due_before = self.payload["NgayHenTra"]
        target = self._fold(event)
        new_status = self._accept_status(target, event.occurred_at)
        if new_status is not None:
            self.status = new_status
            self.status_changed_at = event.occurred_at
            self.payload["TrangThaiHoSo"] = int(new_status)
        self._record_step(event, status_changed=new_status is not None)
        if new_status is not None:
            return (self._push(event, status_changed=True),)
        if self.status is not None and self.payload["NgayHenTra"] != due_before and due_before is not None:
            return (self._push(event, status_changed=False),)
        return ()

    def _accept_status(self, target: DvcqgStatus | None, at: datetime) -> DvcqgStatus | None:
        if target is None or target == self.status or self.cancelled:
            return None
        if self.status in TERMINAL_STATUSES:
            return None
        if self.status_changed_at is not None and at < self.status_changed_at:
            return None  # a late arrival from another topic: history, not news
        return target

    def _fold(self, event: DossierEvent) -> DvcqgStatus | None:
        p = self.payload
        if isinstance(event, intake_events.DossierSubmitted):
            self._identify(event.procedure_code, event.channel.kenh_thuc_hien)
            applicant = event.applicant
            p.update(
                MaHoSo=event.dossier_code or p["MaHoSo"],
                ChuHoSo=applicant.name,
                LoaiDoiTuong=applicant.kind.loai_doi_tuong,
                MaDoiTuong=applicant.id_number,
                SoDienThoai=applicant.phone,
                Email=applicant.email,
                TrichYeuHoSo=event.summary,
                TaiKhoanDuocXacThucVoiVNeID=int(event.vneid_authenticated),
                MaCSDL=applicant.population_record_code,
            )
            for component in event.components:
                self._components[component.code] = {
                    "MaThanhPhan": component.code,
                    "TenThanhPhan": component.name,
                    "DuocSoHoa": int(bool(component.files)),
                    "DuocLayTuKhoDMQG": int(component.source is DigitisationSource.FROM_DATA_STORE),
                    "TepDinhKem": [f.file_ref for f in component.files],
                }
            self._refresh_components()
            return DvcqgStatus.SUBMITTED
        if isinstance(event, intake_events.DossierRefused):
            return DvcqgStatus.REFUSED
        if isinstance(event, intake_events.DossierReceived):
            self.received = True
            self._identify(event.procedure_code, event.channel.kenh_thuc_hien)
            p.update(
                MaHoSo=event.dossier_code,
                DonViXuLy=event.processing_unit_code,
                NgayTiepNhan=dvcqg_date(event.legal_receipt_at),
                NgayHenTra=dvcqg_date(event.due_at),
            )
            for line in event.fee_lines:
                self._fees.append(
                    {"LoaiPhiLePhi": line.kind.value, "TenPhiLePhi": line.name, "MucPhi": line.amount_vnd}
                )
            p["DanhSachLePhi"] = list(self._fees)
            return DvcqgStatus.RECEIVED
        if isinstance(event, intake_events.ComponentDigitized):
            entry = self._components.setdefault(
                event.component_code,
                {"MaThanhPhan": event.component_code, "TenThanhPhan": None, "TepDinhKem": []},
            )
            entry["DuocSoHoa"] = 1
            entry["DuocLayTuKhoDMQG"] = int(event.source is DigitisationSource.FROM_DATA_STORE)
            entry["TepDinhKem"] = [*entry.get("TepDinhKem", []), event.file_ref]
            self._refresh_components()
            return None
        if isinstance(event, _PROCESSING_STEPS):
            return DvcqgStatus.IN_PROCESSING if self.status is DvcqgStatus.RECEIVED else None
        if isinstance(event, processing_events.SupplementRequested):
            self._open_supplement = {
                "Loai": "BO_SUNG",
                "SoLan": event.request_no,
                "NgayYeuCau": dvcqg_date(event.occurred_at),
                "NoiDung": event.reasons,
                "NgayHenTraTruoc": p["NgayHenTra"],
                "NgayHenTraMoi": None,
            }
            self._supplements.append(self._open_supplement)
            p["DanhSachHoSoBoSung"] = [dict(s) for s in self._supplements]
            return DvcqgStatus.SUPPLEMENT_REQUESTED
        if isinstance(event, processing_events.SupplementAccepted):
            new_due = dvcqg_date(event.new_due_at)
            if self._open_supplement is not None:
                self._open_supplement.update(
                    NgayHenTraTruoc=dvcqg_date(event.previous_due_at),
                    NgayHenTraMoi=new_due,
                    NgayHoanThanh=dvcqg_date(event.occurred_at),
                )
                self._open_supplement = None
            p["DanhSachHoSoBoSung"] = [dict(s) for s in self._supplements]
            p["NgayHenTra"] = new_due
            return DvcqgStatus.IN_PROCESSING
        if isinstance(event, processing_events.DelayApologyIssued):
            self._supplements.append(
                {
                    "Loai": "GIA_HAN",
                    "SoLan": event.extension_no,
                    "NgayYeuCau": dvcqg_date(event.occurred_at),
                    "NoiDung": event.reason,
                    "NgayHenTraTruoc": dvcqg_date(event.previous_due_at),
                    "NgayHenTraMoi": dvcqg_date(event.new_due_at),
                }
            )
            p["DanhSachHoSoBoSung"] = [dict(s) for s in self._supplements]
            p["NgayHenTra"] = dvcqg_date(event.new_due_at)
            return None
        if isinstance(event, intake_events.DueDateCorrected):
            p["NgayHenTra"] = dvcqg_date(event.new_due_at)
            return None
        if isinstance(event, processing_events.FinancialObligationRequested):
            self._open_obligations.add(event.obligation_id)
            for line in event.lines:
                self._fees.append(
                    {"LoaiPhiLePhi": line.kind.value, "TenPhiLePhi": line.name, "MucPhi": line.amount_vnd}
                )
            p["DanhSachLePhi"] = list(self._fees)
            return DvcqgStatus.FINANCIAL_OBLIGATION_REQUESTED
        if isinstance(event, PaymentReceived):
            code = int(event.online_payment_code)
            if code:
                p["DuocThanhToanTrucTuyen"] = code
            if event.obligation_id is not None:
                self._open_obligations.discard(event.obligation_id)
            return self._back_to_processing()
        if isinstance(event, processing_events.ClockPaused):
            if event.reason is ClockPauseReason.FINANCIAL_OBLIGATION:
                self._financial_pause = True
                return DvcqgStatus.FINANCIAL_OBLIGATION_REQUESTED
            return None
        if isinstance(event, processing_events.ClockResumed):
            if event.reason is ClockPauseReason.FINANCIAL_OBLIGATION:
                self._financial_pause = False
                return self._back_to_processing()
            return None
        if isinstance(event, intake_events.WithdrawalRequested):
            if not self.received:
                self.cancelled = True  # before receipt: a cancellation, not status 7 (domain.md §2.15)
                return None
            return DvcqgStatus.APPLICANT_WITHDREW
        if isinstance(event, processing_events.ProcessingStopped):
            p["NgayKetThucXuLy"] = dvcqg_date(event.occurred_at)
            return DvcqgStatus.STOPPED
        if isinstance(event, processing_events.DossierRejected):
            p["NgayKetThucXuLy"] = dvcqg_date(event.occurred_at)
            self._results["tu-choi"] = {
                "MaKetQua": "tu-choi",
                "TenGiayTo": "Văn bản từ chối giải quyết",
                "SoKyHieu": event.notice_no,
                "DuongDanTepTinKetQua": None,
            }
            p["DanhSachGiayToKetQua"] = list(self._results.values())
            return self.policy.rejected_status
        if isinstance(event, processing_events.ResultIssued):
            p["NgayKetThucXuLy"] = dvcqg_date(event.occurred_at)
            for document in event.documents:
                self._results[document.code] = {
                    "MaKetQua": document.code,
                    "TenGiayTo": document.name,
                    "SoKyHieu": document.number,
                    "DuongDanTepTinKetQua": document.e_file_ref,
                }
            p["DanhSachGiayToKetQua"] = list(self._results.values())
            return DvcqgStatus.PROCESSED
        if isinstance(event, processing_events.ResultDigitized):
            entry = self._results.setdefault(event.document_code, {"MaKetQua": event.document_code})
            entry["DuongDanTepTinKetQua"] = event.file_ref
            p["DanhSachGiayToKetQua"] = list(self._results.values())
            return None
        if isinstance(event, delivery_events.ResultReturned):
            p["NgayTra"] = dvcqg_date(event.occurred_at)
            p["HinhThuc"] = self.policy.return_forms.get(event.method)
            return DvcqgStatus.RESULT_RETURNED
        return None

    def _record_step(self, event: DossierEvent, *, status_changed: bool) -> None:
        """One ``QuaTrinhXuLy`` record per processing step and per status change, in fold order."""
        step = _step_details(event)
        if step is None and not status_changed:
            return
        text, person, unit, started_at, due_at = step or (_STATUS_TEXTS[self.status], None, None, None, None)
        self._steps.append(
            {
                "NguoiXuLy": person or _officer(event.actor),
                "ChucDanh": None,  # no event carries the officer's job title
                "ThoiDiemXuLy": dvcqg_date(event.occurred_at),
                "PhongBanXuLy": unit or event.actor.unit_code,
                "NoiDungXuLy": text,
                "TrangThai": int(self.status) if self.status is not None else None,
                "NgayBatDau": dvcqg_date(started_at or event.occurred_at),
                "NgayKetThucTheoQuyDinh": dvcqg_date(due_at),
            }
        )
        self.payload["QuaTrinhXuLy"] = [dict(s) for s in self._steps]

    def _back_to_processing(self) -> DvcqgStatus | None:
        waiting = self._open_obligations or self._financial_pause
        if self.status is DvcqgStatus.FINANCIAL_OBLIGATION_REQUESTED and not waiting:
            return DvcqgStatus.IN_PROCESSING
        return None

    def _identify(self, procedure_code: str, channel_code: int) -> None:
        info = self.policy.procedures.get(procedure_code)
        self.payload.update(
            MaTTHC=procedure_code,
            TenTTHC=info.name if info else None,
            MaLinhVuc=info.field_code if info else None,
            TenLinhVuc=info.field_name if info else None,
            KenhThucHien=channel_code,
        )

    def _refresh_components(self) -> None:
        self.payload["TaiLieuNop"] = [dict(c) for c in self._components.values()]
        self.payload["HoSoCoThanhPhanSoHoa"] = int(any(c.get("DuocSoHoa") for c in self._components.values()))

    def _push(self, event: DossierEvent, *, status_changed: bool) -> PortalTransition:
        assert self.status is not None
        snapshot = json.loads(json.dumps(self.payload, ensure_ascii=False))
        transition = PortalTransition(
            dossier_id=self.dossier_id,
            number=len(self.transitions) + 1,
            status=self.status,
            status_changed=status_changed,
            state_changed_at=event.occurred_at,
            cause_event_id=event.event_id,
            cause_event_type=event.EVENT_TYPE,
            payload=snapshot,
            payload_hash=payload_hash(snapshot),
        )
        self.transitions.append(transition)
        return transition


_STEP_NAMES = {
    StepKind.RECEIVE: "Tiếp nhận",
    StepKind.APPRAISAL: "Thẩm định",
    StepKind.VERIFICATION: "Xác minh",
    StepKind.CONSULTATION: "Lấy ý kiến",
    StepKind.INTER_AGENCY: "Liên thông",
    StepKind.REVIEW: "Xem xét",
    StepKind.APPROVAL: "Phê duyệt",
    StepKind.SIGNING: "Ký duyệt",
    StepKind.RETURN_RESULT: "Trả kết quả",
}
_STATUS_TEXTS: dict[DvcqgStatus | None, str] = {
    None: "Cập nhật hồ sơ",
    DvcqgStatus.SUBMITTED: "Nộp hồ sơ",
    DvcqgStatus.RECEIVED: "Tiếp nhận hồ sơ",
    DvcqgStatus.REFUSED: "Từ chối tiếp nhận hồ sơ",
    DvcqgStatus.IN_PROCESSING: "Đang xử lý",
    DvcqgStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    DvcqgStatus.FINANCIAL_OBLIGATION_REQUESTED: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DvcqgStatus.APPLICANT_WITHDREW: "Công dân yêu cầu rút hồ sơ",
    DvcqgStatus.STOPPED: "Dừng xử lý",
    DvcqgStatus.PROCESSED: "Đã xử lý xong",
    DvcqgStatus.RESULT_RETURNED: "Đã trả kết quả",
}
_StepDetails = tuple[str, str | None, str | None, datetime | None, datetime | None]


def _step_details(event: DossierEvent) -> _StepDetails | None:
    """(NoiDungXuLy, handling officer, unit, start, due by rule) of a processing step; None otherwise."""
    e = event
    if isinstance(e, intake_events.DossierReceived):
        return ("Tiếp nhận hồ sơ", None, e.receiving_unit_code, None, e.due_at)
    if isinstance(e, intake_events.DossierTransferred):
        return (f"Chuyển xử lý đến {e.to_unit_code}", None, e.from_unit_code, None, e.step_due_at)
    if isinstance(e, processing_events.HandlerAssigned):
        return (
            f"Phân công xử lý bước {_STEP_NAMES[e.step]}",
            e.handler_id,
            e.department,
            None,
            e.step_due_at,
        )
    if isinstance(e, processing_events.ProcessingStepCompleted):
        text = f"Hoàn thành bước {_STEP_NAMES[e.step]} ({e.outcome.value})" + (
            f": {e.note}" if e.note else ""
        )
        return (text, None, e.unit_code, e.started_at, e.step_due_at)
    if isinstance(e, processing_events.VerificationScheduled):
        return (f"Lên lịch xác minh thực địa tại {e.place}", None, None, None, e.scheduled_for)
    if isinstance(e, processing_events.ConsultationRequested):
        return (f"Lấy ý kiến {e.consulted_unit_code}", None, None, None, e.reply_due_at)
    if isinstance(e, processing_events.ConsultationAnswered):
        return (f"{e.consulted_unit_code} trả lời xin ý kiến", None, None, None, None)
    if isinstance(e, processing_events.InterAgencyHandoff):
        text = f"Chuyển liên thông đến {e.to_agency_code}: {e.task}"
        return (text, None, e.from_agency_code, None, e.step_due_at)
    if isinstance(e, processing_events.SupplementRequested):
        return (f"Yêu cầu bổ sung lần {e.request_no}: {e.reasons}", None, None, None, None)
    if isinstance(e, processing_events.SupplementAccepted):
        return ("Hoàn thành bổ sung hồ sơ", None, None, e.new_clock_start_at, e.new_due_at)
    if isinstance(e, processing_events.FinancialObligationRequested):
        return ("Yêu cầu thực hiện nghĩa vụ tài chính", None, None, None, e.pay_by)
    if isinstance(e, processing_events.DelayApologyIssued):
        return (f"Xin lỗi và hẹn lại ngày trả kết quả: {e.reason}", None, None, None, e.new_due_at)
    if isinstance(e, processing_events.ProcessingStopped):
        return (f"Dừng xử lý ({e.cause.value})", None, None, None, None)
    if isinstance(e, processing_events.DossierRejected):
        return (f"Từ chối giải quyết: {e.reasons}", None, None, None, None)
    if isinstance(e, processing_events.ResultIssued):
        return ("Đã xử lý xong, ban hành kết quả", None, None, None, None)
    return None


def _officer(actor: Actor) -> str | None:
    """NguoiXuLy is a person: an officer's (or postal staff's) account id; applicants and systems are not."""
    return actor.id if actor.kind in (ActorKind.OFFICER, ActorKind.POSTAL_STAFF) else None


def payload_hash(payload: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the payload as canonical JSON: sorted keys, no spaces, UTF-8."""
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def canonical_order(events: Iterable[PublicEvent]) -> list[DossierEvent]:
    """Each dossier's events in one order that depends only on the set of events (ADR 0643).

    A producer numbers a dossier's events 1, 2, 3 … in the order it decided them (``seq``, gap-free per
    producer and dossier), so each producer's events keep that order; the producers' sequences are merged
    by business time (occurred_at, then producer, seq and id to break ties). Repeated event ids count once.
    Dossiers follow one another in the order of their first event.
    """
    unique: dict[UUID, DossierEvent] = {}
    for event in events:
        if isinstance(event, DossierEvent):
            unique.setdefault(event.event_id, event)
    streams: dict[UUID, dict[Producer, list[DossierEvent]]] = {}
    for event in unique.values():
        streams.setdefault(event.dossier_id, {}).setdefault(event.producer, []).append(event)
    per_dossier = [_merge(list(by_producer.values())) for by_producer in streams.values()]
    per_dossier.sort(key=lambda ordered: _merge_key(ordered[0]))
    return [event for ordered in per_dossier for event in ordered]


def _merge(streams: list[list[DossierEvent]]) -> list[DossierEvent]:
    for stream in streams:
        stream.sort(key=lambda e: (e.seq, str(e.event_id)))
    heads = [(_merge_key(stream[0]), i, 0) for i, stream in enumerate(streams)]
    heapq.heapify(heads)
    merged: list[DossierEvent] = []
    while heads:
        _, i, at = heapq.heappop(heads)
        merged.append(streams[i][at])
        if at + 1 < len(streams[i]):
            heapq.heappush(heads, (_merge_key(streams[i][at + 1]), i, at + 1))
    return merged


def _merge_key(event: DossierEvent) -> tuple[datetime, int, int, str]:
    return (event.occurred_at, _PRODUCER_ORDER[event.producer], event.seq, str(event.event_id))


def fold(
    events: Iterable[PublicEvent], policy: PortalViewPolicy | None = None
) -> dict[UUID, DossierPortalView]:
    """The view of every dossier in ``events``, folded in canonical order."""
    views: dict[UUID, DossierPortalView] = {}
    for event in canonical_order(events):
        view = views.get(event.dossier_id)
        if view is None:
            view = views[event.dossier_id] = DossierPortalView(event.dossier_id, policy)
        view.apply(event)
    return views


def portal_transitions(
    events: Iterable[PublicEvent], policy: PortalViewPolicy | None = None
) -> list[PortalTransition]:
    """Every push, dossier by dossier in order of first appearance, each dossier's pushes in order."""
    return [t for view in fold(events, policy).values() for t in view.transitions]


def _empty_payload() -> dict[str, Any]:
    return {
        "MaHoSo": None,
        "MaTTHC": None,
        "TenTTHC": None,
        "MaLinhVuc": None,
        "TenLinhVuc": None,
        "KenhThucHien": None,
        "ChuHoSo": None,
        "LoaiDoiTuong": None,
        "MaDoiTuong": None,
        "SoDienThoai": None,
        "Email": None,
        "TrichYeuHoSo": None,
        "NgayTiepNhan": None,
        "NgayHenTra": None,
        "TrangThaiHoSo": None,
        "NgayTra": None,
        "HinhThuc": None,
        "NgayKetThucXuLy": None,
        "DonViXuLy": None,
        "TaiLieuNop": [],
        "DanhSachLePhi": [],
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [],
        "HoSoCoThanhPhanSoHoa": 0,
        "TaiKhoanDuocXacThucVoiVNeID": 0,
        "DuocThanhToanTrucTuyen": 0,
        "MaCSDL": None,
        "QuaTrinhXuLy": [],
    }


__all__ = [
    "DVCQG_DATE_FORMAT",
    "DossierPortalView",
    "PortalTransition",
    "PortalViewPolicy",
    "ProcedureInfo",
    "canonical_order",
    "dvcqg_date",
    "fold",
    "payload_hash",
    "portal_transitions",
]
