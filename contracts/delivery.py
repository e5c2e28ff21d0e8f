"""Events of result delivery: notices to the applicant, postal pick-up requests, results handed back,
and satisfaction ratings given at the desk or online."""

from typing import ClassVar
from uuid import UUID

from pydantic import Field, ValidationInfo, field_validator

from contracts.enums import (
    NotificationChannel,
    NotificationKind,
    Producer,
    RatingChannel,
    ReturnMethod,
    SatisfactionLevel,
)
from contracts.envelope import DossierEvent, PublicEvent
from contracts.fields import DossierCode, Identifier, ShortText, UnitCode, Vnd
from contracts.topic_names import DELIVERY_DOSSIERS
from contracts.values import Address, Contact, CriterionScore, PostalItem, Recipient


class DeliveryDossierEvent(DossierEvent):
    """Recorded by the result-return aggregate of the dossier."""

    TOPIC: ClassVar[str] = DELIVERY_DOSSIERS
    SCHEMA_VERSION: ClassVar[str] = "1.0"
    PRODUCERS: ClassVar[frozenset[Producer]] = frozenset({Producer.DELIVERY})


class ApplicantNotified(DeliveryDossierEvent):
    """E24 — Thông báo: the applicant was told something (occurred_at = sent time)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.delivery.applicant-notified.v1"

    kind: NotificationKind
    channel: NotificationChannel
    message_ref: Identifier | None = None


class PostalPickupRequested(DeliveryDossierEvent):
    """The desk asks the postal partner to collect a ready result (YeuCauBuuDienLayKetQua, §4.3 C, §4.7).

    Not in domain.md's E-list: without it the postal partner cannot learn that a result waits for it.
    """

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.delivery.postal-pickup-requested.v1"

    dossier_code: DossierCode
    pickup_unit_code: UnitCode
    recipient: Contact
    delivery_address: Address
    items: list[PostalItem] = Field(min_length=1)
    cod_amount_vnd: Vnd = Field(default=0, description="Fees the postal staff collects on delivery")


class ResultReturned(DeliveryDossierEvent):
    """E25 — Đã trả kết quả: terminal, DVCQG status 10 (occurred_at = hand-over time)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.delivery.result-returned.v1"

    method: ReturnMethod
    recipient: Recipient | None = Field(
        default=None, validate_default=True, description="Required for COUNTER and POSTAL hand-overs"
    )
    originals_returned: list[ShortText] = Field(default_factory=list)
    fees_collected_vnd: Vnd = 0
    shipment_id: UUID | None = Field(default=None, validate_default=True, description="Required for POSTAL")

    @field_validator("recipient")
    @classmethod
    def _person_hand_over_identifies(cls, value: Recipient | None, info: ValidationInfo) -> Recipient | None:
        method = info.data.get("method")
        if method in {ReturnMethod.COUNTER, ReturnMethod.POSTAL} and value is None:
            raise ValueError(f"a {method} hand-over records the identified recipient")
        return value

    @field_validator("shipment_id")
    @classmethod
    def _postal_return_names_shipment(cls, value: UUID | None, info: ValidationInfo) -> UUID | None:
        method = info.data.get("method")
        if method is ReturnMethod.POSTAL and value is None:
            raise ValueError("a POSTAL return names the shipment that delivered it")
        if method is not None and method is not ReturnMethod.POSTAL and value is not None:
            raise ValueError(f"a {method} return has no shipment")
        return value


class SatisfactionRated(DeliveryDossierEvent):
    """E26 — Đánh giá: the applicant rated the handling of the dossier (766 indicator 5.4)."""

    EVENT_TYPE: ClassVar[str] = "vn.one-stop.delivery.satisfaction-rated.v1"

    level: SatisfactionLevel
    criteria: list[CriterionScore] = Field(default_factory=list)
    channel: RatingChannel


EVENTS: tuple[type[PublicEvent], ...] = (
    ApplicantNotified,
    PostalPickupRequested,
    ResultReturned,
    SatisfactionRated,
)
