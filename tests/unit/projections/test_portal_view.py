"""The national-portal view: DVCQG status codes 1–10, the §2.13 payload, and the ordered pushes."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from contracts import delivery as delivery_events
from contracts import intake as intake_events
from contracts import processing as processing_events
from contracts.enums import DvcqgStatus
from contracts.envelope import PublicEvent, new_event_id
from contracts.payment import PaymentReceived
from projections.portal_view import (
    DossierPortalView,
    PortalViewPolicy,
    ProcedureInfo,
    dvcqg_date,
    fold,
    portal_transitions,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN)


class Story:
    """Public events of one dossier, as the producing contexts publish them."""

    def __init__(self) -> None:
        self.dossier_id: UUID = new_event_id()
        self.correlation_id = new_event_id()
        self.seq: dict[str, int] = {}

    def make(
        self, cls: type[PublicEvent], producer: str, occurred_at: datetime, **payload: Any
    ) -> PublicEvent:
        self.seq[producer] = self.seq.get(producer, 0) + 1
        return cls.model_validate(
            {
                "seq": self.seq[producer],
                "occurred_at": occurred_at,
                "recorded_at": occurred_at,
                "producer": producer,
                "actor": {"kind": "system", "id": "system:test"},
                "correlation_id": self.correlation_id,
                "dossier_id": self.dossier_id,
                **payload,
            }
        )

    def submitted(self, t: datetime, **extra: Any) -> PublicEvent:
        return self.make(
            intake_events.DossierSubmitted,
            "intake",
            t,
            channel="ONLINE",
            online_mode="FULL",
            procedure_code="1.001193",
            receiving_unit_code="H44.18",
            summary="Cấp đổi giấy chứng nhận",
            applicant={
                "kind": "CITIZEN",
                "name": "Lê Văn Bình",
                "id_number": "025079001283",
                "phone": "0983456721",
                "population_record_code": "CSDLQGDC-025079001283",
            },
            vneid_authenticated=True,
            components=[
                {
                    "code": "DON",
                    "name": "Đơn đề nghị",
                    "form": "ELECTRONIC",
                    "copies": 1,
                    "files": [{"file_ref": "dvcqg://don.pdf", "sha256": "b" * 64}],
                    "source": "UPLOADED_BY_APPLICANT",
                }
            ],
            result_return_method="COUNTER",
            **extra,
        )

    def received(self, t: datetime, due: datetime) -> PublicEvent:
        return self.make(
            intake_events.DossierReceived,
            "intake",
            t,
            dossier_code="000.00.18.H44-260302-0123",
            procedure_code="1.001193",
            channel="ONLINE",
            receiving_unit_code="H44.18",
            processing_unit_code="H44.18",
            legal_receipt_at=t,
            clock_start_at=t,
            statutory_duration={"value": 10, "unit": "WORKING_DAY"},
            due_at=due,
            receipt_slip_no="PTN-1",
            fee_lines=[{"kind": "LE_PHI", "name": "Lệ phí", "amount_vnd": 50_000}],
        )

    def transferred(self, t: datetime) -> PublicEvent:
        return self.make(
            intake_events.DossierTransferred,
            "intake",
            t,
            from_unit_code="H44.18",
            to_unit_code="H44.19",
            mode="ELECTRONIC",
        )

    def issued(self, t: datetime) -> PublicEvent:
        document = {
            "code": "GCN",
            "name": "Giấy chứng nhận",
            "number": "DK 1",
            "signed_at": t,
            "signer": "Nguyễn Văn An",
            "e_file_ref": "kq://gcn.pdf",
            "sha256": "c" * 64,
            "digitally_signed": True,
        }
        return self.make(processing_events.ResultIssued, "processing", t, documents=[document], e_result=True)

    def returned(self, t: datetime, method: str = "COUNTER") -> PublicEvent:
        recipient = {"name": "Lê Văn Bình", "id_type": "CCCD", "id_number": "025079001283"}
        shipment = new_event_id() if method == "POSTAL" else None
        return self.make(
            delivery_events.ResultReturned,
            "delivery",
            t,
            method=method,
            recipient=recipient,
            shipment_id=shipment,
        )


def statuses(transitions: list[Any]) -> list[int]:
    return [int(t.status) for t in transitions]


def test_a_dossier_s_life_becomes_its_ordered_pushes() -> None:
    s = Story()
    events = [
        s.submitted(at(2, 8)),
        s.received(at(2, 9), due=at(16, 17)),
        s.transferred(at(2, 10)),
        s.issued(at(12, 15)),
        s.returned(at(13, 10, 30)),
    ]
    pushes = portal_transitions(events)
    assert statuses(pushes) == [1, 2, 4, 9, 10]
    assert [t.number for t in pushes] == [1, 2, 3, 4, 5] and all(t.status_changed for t in pushes)
    last = pushes[-1].payload
    assert last["MaHoSo"] == "000.00.18.H44-260302-0123" and last["MaTTHC"] == "1.001193"
    assert (last["KenhThucHien"], last["LoaiDoiTuong"], last["TrangThaiHoSo"]) == (2, 1, 10)
    assert (last["NgayTiepNhan"], last["NgayHenTra"]) == ("20260302090000", "20260316170000")
    assert (last["NgayKetThucXuLy"], last["NgayTra"], last["HinhThuc"]) == (
        "20260312150000",
        "20260313103000",
        1,
    )
    assert last["DanhSachGiayToKetQua"] == [
        {
            "MaKetQua": "GCN",
            "TenGiayTo": "Giấy chứng nhận",
            "SoKyHieu": "DK 1",
            "DuongDanTepTinKetQua": "kq://gcn.pdf",
        }
    ]
    assert last["TaiLieuNop"][0]["DuocSoHoa"] == 1 and last["HoSoCoThanhPhanSoHoa"] == 1
    assert last["TaiKhoanDuocXacThucVoiVNeID"] == 1 and last["MaCSDL"] == "CSDLQGDC-025079001283"
    assert last["DanhSachLePhi"] == [{"LoaiPhiLePhi": "LE_PHI", "TenPhiLePhi": "Lệ phí", "MucPhi": 50_000}]
    assert pushes[0].payload["TrangThaiHoSo"] == 1 and pushes[0].payload["NgayTiepNhan"] is None  # a snapshot
    canonical = json.dumps(last, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert pushes[-1].payload_hash == hashlib.sha256(canonical).hexdigest()
    assert pushes[3].state_changed_at == at(12, 15) and pushes[3].cause_event_type.endswith(
        "result-issued.v1"
    )


def test_supplement_waits_in_5_and_the_new_due_date_is_recorded() -> None:
    s = Story()
    view = DossierPortalView(s.dossier_id)
    for event in (s.submitted(at(2, 8)), s.received(at(2, 9), due=at(16, 17)), s.transferred(at(2, 10))):
        view.apply(event)
    [requested] = view.apply(
        s.make(
            processing_events.SupplementRequested,
            "processing",
            at(3),
            request_no=1,
            reasons="Thiếu sơ đồ",
            items=[{"name": "Sơ đồ", "issue": "MISSING"}],
            one_stop_unit_code="H44.18",
            within_three_working_days=True,
            clock_policy="RESTART",
        )
    )
    assert requested.status is DvcqgStatus.SUPPLEMENT_REQUESTED
    [accepted] = view.apply(
        s.make(
            processing_events.SupplementAccepted,
            "processing",
            at(6),
            request_no=1,
            new_clock_start_at=at(6),
            previous_due_at=at(16, 17),
            new_due_at=at(20, 17),
            waited="P3D",
        )
    )
    assert accepted.status is DvcqgStatus.IN_PROCESSING and accepted.payload["NgayHenTra"] == "20260320170000"
    [record] = accepted.payload["DanhSachHoSoBoSung"]
    assert (record["NgayHenTraTruoc"], record["NgayHenTraMoi"]) == ("20260316170000", "20260320170000")
    [apology] = view.apply(
        s.make(
            processing_events.DelayApologyIssued,
            "processing",
            at(19),
            reason="Xác minh thực địa",
            previous_due_at=at(20, 17),
            new_due_at=at(27, 17),
        )
    )
    assert not apology.status_changed and apology.status is DvcqgStatus.IN_PROCESSING
    assert apology.payload["NgayHenTra"] == "20260327170000"
    assert [r["Loai"] for r in apology.payload["DanhSachHoSoBoSung"]] == ["BO_SUNG", "GIA_HAN"]


def test_financial_obligation_is_6_until_paid() -> None:
    s = Story()
    events = [
        s.submitted(at(2, 8)),
        s.received(at(2, 9), due=at(16, 17)),
        s.transferred(at(2, 10)),
        s.make(
            processing_events.FinancialObligationRequested,
            "processing",
            at(5),
            obligation_id="NV-1",
            lines=[{"kind": "LEVY", "name": "Tiền sử dụng đất", "amount_vnd": 12_000_000}],
            allowed_methods=["ONLINE_NATIONAL"],
        ),
        s.make(
            PaymentReceived,
            "payment",
            at(6),
            obligation_id="NV-1",
            lines=[{"kind": "LEVY", "name": "Tiền sử dụng đất", "amount_vnd": 12_000_000}],
            amount_vnd=12_000_000,
            method="ONLINE_NATIONAL",
            transaction_ref="TX-1",
        ),
    ]
    pushes = portal_transitions(events)
    assert statuses(pushes) == [1, 2, 4, 6, 4]
    assert pushes[-1].payload["DuocThanhToanTrucTuyen"] == 1


def test_terminal_statuses_stay_and_a_cancellation_before_receipt_is_not_synced() -> None:
    refused = Story()
    view = fold(
        [
            refused.submitted(at(2, 8)),
            refused.make(
                intake_events.DossierRefused,
                "intake",
                at(2, 9),
                reason_code="INELIGIBLE",
                reason_text="Không đủ",
            ),
            refused.make(intake_events.WithdrawalRequested, "intake", at(3), channel="ONLINE"),
        ]
    )[refused.dossier_id]
    assert statuses(view.transitions) == [1, 3] and view.status is DvcqgStatus.REFUSED

    cancelled = Story()
    view = fold(
        [
            cancelled.submitted(at(2, 8)),
            cancelled.make(intake_events.WithdrawalRequested, "intake", at(2, 9), channel="ONLINE"),
        ]
    )[cancelled.dossier_id]
    assert statuses(view.transitions) == [1] and view.cancelled

    withdrawn = Story()
    events = [
        withdrawn.submitted(at(2, 8)),
        withdrawn.received(at(2, 9), due=at(16, 17)),
        withdrawn.make(intake_events.WithdrawalRequested, "intake", at(3), channel="COUNTER"),
        withdrawn.make(
            processing_events.ProcessingStopped,
            "processing",
            at(4),
            cause="APPLICANT_WITHDRAWAL",
            notice_no="05/TB",
        ),
        withdrawn.issued(at(5)),
    ]
    assert statuses(portal_transitions(events)) == [1, 2, 7, 8]


def test_the_rejection_code_is_a_policy() -> None:
    s = Story()
    rejection = s.make(
        processing_events.DossierRejected,
        "processing",
        at(9),
        reasons="Tranh chấp",
        legal_basis="Luật Đất đai",
        notice_no="15/TB",
    )
    base = [s.submitted(at(2, 8)), s.received(at(2, 9), due=at(16, 17)), s.transferred(at(2, 10)), rejection]
    assert statuses(portal_transitions(base)) == [1, 2, 4, 9]
    assert statuses(portal_transitions(base, PortalViewPolicy(rejected_status=DvcqgStatus.REFUSED))) == [
        1,
        2,
        4,
        3,
    ]


def test_the_view_does_not_depend_on_the_order_the_topics_delivered_events() -> None:
    s = Story()
    events = [
        s.submitted(at(2, 8)),
        s.received(at(2, 9), due=at(16, 17)),
        s.transferred(at(2, 10)),
        s.issued(at(12, 15)),
        s.returned(at(13, 10, 30), method="POSTAL"),
    ]
    expected = [(t.status, t.payload_hash) for t in portal_transitions(events)]
    shuffled = list(events)
    random.Random(766).shuffle(shuffled)
    assert shuffled != events
    assert [(t.status, t.payload_hash) for t in portal_transitions(shuffled)] == expected
    assert portal_transitions(events)[-1].payload["HinhThuc"] == 3


def test_a_late_arrival_never_moves_the_status_backwards_and_repeats_are_ignored() -> None:
    s = Story()
    submitted, received, transferred, issued = (
        s.submitted(at(2, 8)),
        s.received(at(2, 9), due=at(16, 17)),
        s.transferred(at(2, 10)),
        s.issued(at(12, 15)),
    )
    view = DossierPortalView(s.dossier_id)
    for event in (submitted, received, issued):
        view.apply(event)
    assert view.apply(transferred) == ()  # intake's topic lagged: the transfer is history now
    assert view.apply(issued) == ()
    assert statuses(view.transitions) == [1, 2, 9]


def test_catalogue_names_and_local_dates() -> None:
    s = Story()
    policy = PortalViewPolicy(procedures={"1.001193": ProcedureInfo("Cấp đổi GCN", "G09-TN02", "Đất đai")})
    [push] = portal_transitions([s.submitted(at(2, 8))], policy)
    assert (push.payload["TenTTHC"], push.payload["MaLinhVuc"], push.payload["TenLinhVuc"]) == (
        "Cấp đổi GCN",
        "G09-TN02",
        "Đất đai",
    )
    assert dvcqg_date(datetime(2026, 3, 1, 18, 5, 7, tzinfo=UTC)) == "20260302010507"
    assert dvcqg_date(None) is None
