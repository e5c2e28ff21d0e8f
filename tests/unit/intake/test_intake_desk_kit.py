"""Builders shared by the intake desk, hand-over and outbound tests (this module holds no tests).

Procedures used from the shipped catalogue (tests/unit/intake/conftest.py loads it):
- 2.000575 household-business registration: commune, 3 working days, fully online, postal allowed,
  fee "Lệ phí đăng ký hộ kinh doanh" 100,000 VND; components TK (required), DS (optional);
- 1.004884 birth registration: commune, 3 working days, 15:00 cut-off, postal allowed;
- 2.000884 signature certification: commune, same day, immediate result, personal presence required;
- 2.000815 copy certification: immediate result, fees per page (2,000 and 1,000 VND);
- 1.012780 land certificate: provincial, handled by H44.06.01, partial online only.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from contracts.enums import (
    ActorKind,
    ApplicantKind,
    Channel,
    ComponentForm,
    DigitisationSource,
    FeeKind,
    ItemIssue,
    OnlineMode,
)
from intake.clock import SettableClock
from intake.desk import IntakeDesk
from intake.dossier import Dossier
from intake.dossier_commands import SubmitDossier, SupplementRequest
from intake.dossier_values import (
    Actor,
    Applicant,
    CommandContext,
    Component,
    ComponentFile,
    FeeLine,
    RequestedItem,
)
from intake.reference import ReferenceData

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
THURSDAY_0900 = datetime(2026, 3, 5, 9, 0, tzinfo=TZ)
OFFICER = Actor(ActorKind.OFFICER, "cb.h44100.tiepnhan01", "H44.100")
FLOW = UUID("019ca531-5680-765c-b809-f33f07307147")
CONTEXT = CommandContext(OFFICER, FLOW)
HKD_FEE = FeeLine(FeeKind.LE_PHI, "Lệ phí đăng ký hộ kinh doanh", 100_000)
PDF = b"%PDF-1.7 giay de nghi dang ky ho kinh doanh"
PDF_SHA = hashlib.sha256(PDF).hexdigest()


def make_desk(reference: ReferenceData, at: datetime = THURSDAY_0900) -> tuple[IntakeDesk, SettableClock]:
    clock = SettableClock(at)
    return IntakeDesk(reference, clock=clock, env={"PERSISTENCE_MODULE": "eventsourcing.popo"}), clock


def applicant(**overrides: Any) -> Applicant:
    values: dict[str, Any] = {
        "kind": ApplicantKind.CITIZEN,
        "name": "Nguyễn Thị Thu Hà",
        "id_number": "025187004512",
        "phone": "0912345678",
    }
    return Applicant(**{**values, **overrides})


def business_registration(**overrides: Any) -> SubmitDossier:
    """2.000575 at the counter of Phường Sơn Hà, complete (TK given)."""
    values: dict[str, Any] = {
        "procedure_code": "2.000575",
        "channel": Channel.COUNTER,
        "receiving_unit_code": "H44.100",
        "applicant": applicant(),
        "components": (
            Component("TK", "Giấy đề nghị đăng ký hộ kinh doanh", ComponentForm.DECLARATION_FORM),
        ),
    }
    return SubmitDossier(**{**values, **overrides})


def birth_registration(**overrides: Any) -> SubmitDossier:
    """1.004884 at Phường Sơn Hà, complete (TK and GCS given)."""
    values: dict[str, Any] = {
        "procedure_code": "1.004884",
        "channel": Channel.COUNTER,
        "receiving_unit_code": "H44.100",
        "applicant": applicant(),
        "components": (
            Component("TK", "Tờ khai đăng ký khai sinh", ComponentForm.DECLARATION_FORM),
            Component("GCS", "Giấy chứng sinh", ComponentForm.ORIGINAL),
        ),
    }
    return SubmitDossier(**{**values, **overrides})


def online_business_registration(**overrides: Any) -> SubmitDossier:
    return business_registration(
        channel=Channel.ONLINE,
        online_mode=OnlineMode.FULL,
        components=(
            Component(
                "TK",
                "Giấy đề nghị đăng ký hộ kinh doanh",
                ComponentForm.ELECTRONIC,
                files=(ComponentFile("dvcqg://tailieu/2026/03/05/7f3a91c2.pdf", PDF_SHA),),
                source=DigitisationSource.UPLOADED_BY_APPLICANT,
            ),
        ),
        **overrides,
    )


def missing_ds() -> SupplementRequest:
    return SupplementRequest(
        reasons="Thiếu danh sách thành viên hộ gia đình góp vốn.",
        items=(RequestedItem("Danh sách thành viên hộ gia đình góp vốn", ItemIssue.MISSING, "DS"),),
    )


def context(**overrides: Any) -> CommandContext:
    values: dict[str, Any] = {"actor": OFFICER, "correlation_id": uuid4()}
    return CommandContext(**{**values, **overrides})


def stored_events(desk: IntakeDesk, dossier_id: UUID) -> list[Dossier.Event]:
    return [event for event in desk.events.get(dossier_id) if isinstance(event, Dossier.Event)]


def event_names(desk: IntakeDesk, dossier_id: UUID) -> list[str]:
    return [type(event).__name__ for event in stored_events(desk, dossier_id)]


def head(desk: IntakeDesk) -> int:
    """The last notification id: unchanged after a refused command."""
    return desk.recorder.max_notification_id() or 0
