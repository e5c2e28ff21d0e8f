"""The desk's command inputs and answers that carry more than a few values (built by the API layer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from contracts.enums import (
    Channel,
    DigitisationSource,
    NotificationChannel,
    OnlineMode,
    PaymentMethod,
    RefusalReason,
    ReturnMethod,
)
from intake.dossier_values import Address, Applicant, Component, FeeLine, RequestedItem
from intake.due_correction import Approver


@dataclass(frozen=True)
class SubmitDossier:
    """E1 — a dossier handed in at the counter, online or through the post."""

    procedure_code: str
    channel: Channel
    receiving_unit_code: str
    applicant: Applicant
    components: tuple[Component, ...]
    result_return_method: ReturnMethod = ReturnMethod.COUNTER
    online_mode: OnlineMode | None = None  # ONLINE only: FULL (toàn trình) or PARTIAL (một phần)
    postal_return_address: Address | None = None
    vneid_authenticated: bool = False
    summary: str | None = None  # trích yếu
    procedure_version: str | None = None
    processing_unit_code: str | None = None  # commune-level procedures received outside the commune
    dossier_code: str | None = None  # assigned elsewhere (the national portal numbers online dossiers)
    dossier_id: UUID | None = None  # minted by the postal partner or the portal; a new one if None
    submitted_at: datetime | None = None  # when the portal or post took it; the desk's now if None

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel", Channel(self.channel))
        object.__setattr__(self, "result_return_method", ReturnMethod(self.result_return_method))
        if self.online_mode is not None:
            object.__setattr__(self, "online_mode", OnlineMode(self.online_mode))
        object.__setattr__(self, "components", tuple(self.components))


@dataclass(frozen=True)
class CounterPayment:
    """Fees paid at the desk (or remitted by the post); ``lines=None`` pays every open receipt-time line."""

    lines: tuple[FeeLine, ...] | None = None
    method: PaymentMethod = PaymentMethod.CASH_COUNTER
    receipt_no: str | None = None  # biên lai điện tử
    transaction_ref: str | None = None  # required for bank transfers


@dataclass(frozen=True)
class ReceiveDetails:
    """What the officer adds when receiving: the assessed fee lines and, optionally, their payment."""

    fee_lines: tuple[FeeLine, ...] = ()
    workflow_id: str | None = None
    slip_requested: bool = False  # an immediate-result procedure issues a slip only when asked
    payment: CounterPayment | None = None


@dataclass(frozen=True)
class SupplementRequest:
    """E2 — the request to supplement (form 02): every missing or incorrect item, at once."""

    reasons: str
    items: tuple[RequestedItem, ...]
    notice_channel: NotificationChannel = NotificationChannel.PAPER
    notice_no: str | None = None
    applicant_deadline: datetime | None = None


@dataclass(frozen=True)
class Refusal:
    """E4 — the refusal notice (form 03)."""

    reason_code: RefusalReason
    reason_text: str
    notice_no: str | None = None


@dataclass(frozen=True)
class Digitisation:
    """E6 — a component's file: scanned at the counter, uploaded, from the data store, or re-used."""

    component_code: str
    file_ref: str
    sha256: str
    source: DigitisationSource
    reused_from: str | None = None
    digitally_signed: bool = False
    signer: str | None = None
    stored_in_data_store: bool = False


@dataclass(frozen=True)
class DueDateCorrection:
    """E30 — the corrected promise, why, and who approved it (the officer asking gives the command)."""

    new_due_at: datetime
    reason: str
    approver: Approver


class HandoverDecision(StrEnum):
    """What the desk decides for one dossier of a postal hand-over record (domain.md §4.7)."""

    RECEIVE = "RECEIVE"
    SUPPLEMENT = "SUPPLEMENT"  # request-to-supplement sent back through the post
    REFUSE = "REFUSE"


@dataclass(frozen=True)
class HandoverLine:
    """One dossier on the record; ``submission`` when the dossier reaches intake with this record."""

    dossier_id: UUID
    decision: HandoverDecision
    receive: ReceiveDetails = field(default_factory=ReceiveDetails)
    supplement: SupplementRequest | None = None
    refusal: Refusal | None = None
    submission: SubmitDossier | None = None


@dataclass(frozen=True)
class HandoverRecord:
    """Biên bản giao nhận hồ sơ (P4): its signing time is the legal receipt time of what it hands over."""

    record_no: str
    signed_at: datetime
    lines: tuple[HandoverLine, ...]


@dataclass(frozen=True)
class Receipt:
    """What the receipt slip says (form 01)."""

    dossier_id: UUID
    dossier_code: str
    receipt_slip_no: str | None
    legal_receipt_at: datetime
    clock_start_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class HandoverOutcome:
    dossier_id: UUID
    decision: HandoverDecision
    receipt: Receipt | None = None
