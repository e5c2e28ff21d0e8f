"""Test kit for the delivery and postal contexts: the REAL intake working calendar behind the delivery
calendar port, builders of the public events delivery consumes, and an in-memory relay that carries the
public events of one application to another through the Kafka codec (encode → decode), as the relays
and workers do.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from eventsourcing.application import Application

from contracts import codec
from contracts import intake as intake_events
from contracts import processing as processing_events
from contracts.enums import ActorKind, IdDocumentType
from contracts.envelope import PublicEvent, new_event_id
from contracts.payment import PaymentReceived
from delivery.calendar import WorkingDays
from delivery.clock import SettableClock
from delivery.values import Actor, CommandContext, Recipient
from intake.calendar import WorkingCalendar
from intake.reference import load_reference_data

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DESK_UNIT = "H44.18"
APPLICANT_ID = "025079001283"
APPLICANT_NAME = "Lê Văn Bình"
APPLICANT_PHONE = "0983456721"
APPLICANT_EMAIL = "binh.le@example.vn"
DOSSIER_CODE = "000.00.18.H44-260302-0123"
ORIGINAL_DEED = "Giấy chứng nhận quyền sử dụng đất (bản chính để đối chiếu)"


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


class IntakeWorkingDays:
    """The delivery ``WorkingDays`` port served by the intake context's real working calendar."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self._calendar = calendar

    def is_working_day(self, day: date) -> bool:
        return self._calendar.is_working_day(day)

    def add_working_days(self, day: date, n: int) -> date:
        return self._calendar.add_working_days(day, n)

    def working_days_between(self, start: date, end: date) -> int:
        return self._calendar.working_days_between(start, end)


@functools.cache
def working_days() -> WorkingDays:
    """The province-wide calendar of the shipped reference data (Tết, swaps, make-up days included)."""
    return IntakeWorkingDays(load_reference_data().calendars.for_unit(None))


def officer(unit: str = DESK_UNIT) -> CommandContext:
    return CommandContext(Actor(ActorKind.OFFICER, "cb.h4418.motcua07", unit), uuid4())


def applicant_context() -> CommandContext:
    return CommandContext(Actor(ActorKind.APPLICANT, f"vneid.{APPLICANT_ID}"), uuid4())


def the_applicant(**changes: Any) -> Recipient:
    fields: dict[str, Any] = {
        "name": APPLICANT_NAME,
        "id_type": IdDocumentType.CCCD,
        "id_number": APPLICANT_ID,
    }
    fields.update(changes)
    return Recipient(**fields)


class Flow:
    """One dossier's public story as other contexts would publish it (seq per producer, one correlation)."""

    def __init__(self, dossier_id: UUID | None = None) -> None:
        self.dossier_id = dossier_id or new_event_id()
        self.correlation_id = new_event_id()
        self._seq: dict[str, int] = {}

    def _envelope(self, producer: str, occurred_at: datetime) -> dict[str, Any]:
        self._seq[producer] = self._seq.get(producer, 0) + 1
        return {
            "seq": self._seq[producer],
            "occurred_at": occurred_at,
            "recorded_at": occurred_at,
            "producer": producer,
            "actor": {"kind": "officer", "id": "cb.h4418.motcua07", "unit_code": DESK_UNIT},
            "correlation_id": self.correlation_id,
            "dossier_id": self.dossier_id,
        }

    def submitted(
        self,
        occurred_at: datetime,
        *,
        return_method: str = "COUNTER",
        channel: str = "COUNTER",
        applicant_kind: str = "CITIZEN",
        phone: str | None = APPLICANT_PHONE,
        email: str | None = APPLICANT_EMAIL,
        original_to_show: bool = True,
        dossier_code: str | None = None,
    ) -> intake_events.DossierSubmitted:
        components: list[dict[str, Any]] = [
            {"code": "DON", "name": "Đơn đề nghị", "form": "DECLARATION_FORM", "copies": 1},
        ]
        if original_to_show:
            components.append({"code": "GCN", "name": ORIGINAL_DEED, "form": "ORIGINAL_TO_SHOW", "copies": 1})
        address = {"street": "Tổ 5, khu 3", "commune": "Phường Hòa Bình", "province": "Tỉnh Sơn Hà"}
        return intake_events.DossierSubmitted.model_validate(
            {
                **self._envelope("intake", occurred_at),
                "dossier_code": dossier_code,
                "channel": channel,
                "online_mode": "FULL" if channel == "ONLINE" else None,
                "procedure_code": "1.001193",
                "receiving_unit_code": DESK_UNIT,
                "applicant": {
                    "kind": applicant_kind,
                    "name": APPLICANT_NAME if applicant_kind == "CITIZEN" else "Công ty TNHH Bình An",
                    "id_number": APPLICANT_ID if applicant_kind == "CITIZEN" else "0101234567",
                    "phone": phone,
                    "email": email,
                },
                "vneid_authenticated": True,
                "components": components,
                "result_return_method": return_method,
                "postal_return_address": address if return_method == "POSTAL" else None,
            }
        )

    def received(self, occurred_at: datetime, due_at: datetime) -> intake_events.DossierReceived:
        return intake_events.DossierReceived.model_validate(
            {
                **self._envelope("intake", occurred_at),
                "dossier_code": DOSSIER_CODE,
                "procedure_code": "1.001193",
                "channel": "COUNTER",
                "receiving_unit_code": DESK_UNIT,
                "processing_unit_code": "H44.18",
                "legal_receipt_at": occurred_at,
                "clock_start_at": occurred_at,
                "statutory_duration": {"value": 10, "unit": "WORKING_DAY"},
                "due_at": due_at,
                "receipt_slip_no": "PTN-0123",
            }
        )

    def refused(self, occurred_at: datetime) -> intake_events.DossierRefused:
        return intake_events.DossierRefused.model_validate(
            {
                **self._envelope("intake", occurred_at),
                "reason_code": "INELIGIBLE",
                "reason_text": "Không đủ điều kiện",
            }
        )

    def result_issued(
        self, occurred_at: datetime, *, e_result: bool = False
    ) -> processing_events.ResultIssued:
        document: dict[str, Any] = {
            "code": "GCN-QSDD",
            "name": "Giấy chứng nhận quyền sử dụng đất",
            "number": "DK 045812",
            "signed_at": occurred_at,
            "signer": "Nguyễn Văn An",
        }
        if e_result:
            document |= {"e_file_ref": "kq://h44/045812.pdf", "sha256": "a" * 64, "digitally_signed": True}
        return processing_events.ResultIssued.model_validate(
            {**self._envelope("processing", occurred_at), "documents": [document], "e_result": e_result}
        )

    def rejected(self, occurred_at: datetime) -> processing_events.DossierRejected:
        return processing_events.DossierRejected.model_validate(
            {
                **self._envelope("processing", occurred_at),
                "reasons": "Thửa đất đang có tranh chấp",
                "legal_basis": "Luật Đất đai 2024 Điều 45",
                "notice_no": "15/TB-VPĐK",
            }
        )

    def stored_in_data_store(self, occurred_at: datetime) -> processing_events.ResultStoredInDataStore:
        return processing_events.ResultStoredInDataStore.model_validate(
            {
                **self._envelope("processing", occurred_at),
                "document_code": "GCN-QSDD",
                "file_ref": "kq://h44/045812.pdf",
                "data_store_ref": "kho-dlcn://025079001283/045812",
                "vneid_pushed": True,
            }
        )

    def obligation(
        self, occurred_at: datetime, amount_vnd: int
    ) -> processing_events.FinancialObligationRequested:
        return processing_events.FinancialObligationRequested.model_validate(
            {
                **self._envelope("processing", occurred_at),
                "obligation_id": "NVTC-1",
                "lines": [{"kind": "LE_PHI", "name": "Lệ phí cấp giấy chứng nhận", "amount_vnd": amount_vnd}],
                "allowed_methods": ["CASH_COUNTER", "ONLINE_NATIONAL"],
            }
        )

    def paid(self, occurred_at: datetime, amount_vnd: int) -> PaymentReceived:
        return PaymentReceived.model_validate(
            {
                **self._envelope("payment", occurred_at),
                "obligation_id": "NVTC-1",
                "lines": [{"kind": "LE_PHI", "name": "Lệ phí cấp giấy chứng nhận", "amount_vnd": amount_vnd}],
                "amount_vnd": amount_vnd,
                "method": "ONLINE_NATIONAL",
                "transaction_ref": "PAY-778",
            }
        )

    def apology(
        self, occurred_at: datetime, previous: datetime, new: datetime
    ) -> processing_events.DelayApologyIssued:
        return processing_events.DelayApologyIssued.model_validate(
            {
                **self._envelope("processing", occurred_at),
                "reason": "Phải xác minh thực địa",
                "previous_due_at": previous,
                "new_due_at": new,
            }
        )

    def stopped(self, occurred_at: datetime) -> processing_events.ProcessingStopped:
        return processing_events.ProcessingStopped.model_validate(
            {
                **self._envelope("processing", occurred_at),
                "cause": "LEGAL_GROUND",
                "notice_no": "03/TB-DXL",
                "reason": "Có quyết định thu hồi đất",
            }
        )

    def supplement_requested(self, occurred_at: datetime) -> processing_events.SupplementRequested:
        return processing_events.SupplementRequested.model_validate(
            {
                **self._envelope("processing", occurred_at),
                "request_no": 1,
                "reasons": "Thiếu bản vẽ sơ đồ thửa đất",
                "items": [{"name": "Sơ đồ thửa đất", "issue": "MISSING"}],
                "one_stop_unit_code": DESK_UNIT,
                "within_three_working_days": True,
                "clock_policy": "RESTART",
            }
        )


def wire(event: PublicEvent) -> PublicEvent:
    """The event as a consumer gets it: through the Kafka codec and back."""
    record = codec.encode(event)
    return codec.decode(record.headers, record.value)


class Relay:
    """Tails one application's event store and maps each new event to its public events, in order."""

    def __init__(self, app: Application[UUID], mapper: Callable[[object], Sequence[PublicEvent]]) -> None:
        self.app = app
        self.mapper = mapper
        self.position: int | None = None

    def new_public_events(self) -> list[PublicEvent]:
        found: list[PublicEvent] = []
        while page := self.app.recorder.select_notifications(self.position, 100, inclusive_of_start=False):
            for notification in page:
                found.extend(wire(e) for e in self.mapper(self.app.mapper.to_domain_event(notification)))
            self.position = page[-1].id
        return found


def clock_at(moment: datetime) -> SettableClock:
    return SettableClock(moment)
