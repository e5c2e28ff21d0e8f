"""Payments of fees and financial obligations, recorded by whichever context took the money."""

from typing import ClassVar

from pydantic import Field, ValidationInfo, field_validator

from contracts.enums import OnlinePaymentCode, PaymentMethod, Producer
from contracts.envelope import DossierEvent, PublicEvent
from contracts.fields import DocumentNumber, Identifier, PositiveVnd
from contracts.topic_names import PAYMENT_PAYMENTS
from contracts.values import FeeLine


class PaymentReceived(DossierEvent):
    """E17 — Đã thanh toán: money for a dossier's fee lines or obligation was received.

    `producer` names the context whose aggregate recorded it (the payment platform adapter, the desk, or
    the postal partner for fees collected by post); `seq` is that aggregate's version.
    """

    TOPIC: ClassVar[str] = PAYMENT_PAYMENTS
    SCHEMA_VERSION: ClassVar[str] = "1.0"
    PRODUCERS: ClassVar[frozenset[Producer]] = frozenset({Producer.PAYMENT, Producer.INTAKE, Producer.POSTAL})
    EVENT_TYPE: ClassVar[str] = "vn.one-stop.payment.payment-received.v1"

    obligation_id: Identifier | None = Field(
        default=None, description="FinancialObligationRequested paid; absent for fee lines paid at receipt"
    )
    lines: list[FeeLine] = Field(min_length=1)
    amount_vnd: PositiveVnd
    method: PaymentMethod
    transaction_ref: Identifier | None = Field(default=None, validate_default=True)
    receipt_no: DocumentNumber | None = Field(default=None, description="E-receipt (biên lai điện tử) number")

    @property
    def online_payment_code(self) -> OnlinePaymentCode:
        """DuocThanhToanTrucTuyen for the national portal (766 indicator 3.6)."""
        return self.method.online_payment_code

    @field_validator("amount_vnd")
    @classmethod
    def _amount_is_sum_of_lines(cls, value: int, info: ValidationInfo) -> int:
        lines = info.data.get("lines")
        if lines is not None and sum(line.amount_vnd for line in lines) != value:
            total = sum(line.amount_vnd for line in lines)
            raise ValueError(f"amount_vnd {value} is not the sum of the paid lines ({total})")
        return value

    @field_validator("transaction_ref")
    @classmethod
    def _electronic_payment_has_reference(cls, value: str | None, info: ValidationInfo) -> str | None:
        method = info.data.get("method")
        if isinstance(method, PaymentMethod) and method.needs_transaction_ref and value is None:
            raise ValueError(f"a {method} payment carries its transaction reference")
        return value


EVENTS: tuple[type[PublicEvent], ...] = (PaymentReceived,)
