"""The notification model: what a message to the applicant is, how it is named, and the sender port.

The outbox scheme (ADR 0601) in one paragraph: the application first records ``NotificationRequested`` —
kind, channel, recipient address and the rendered Vietnamese subject and body — in the dossier's event
stream, in the same transaction as the fact that caused it. A dispatcher later hands each requested message
that has no ``NotificationSent`` to a ``NotificationSender`` and records ``NotificationSent`` (or
``NotificationFailed``) afterwards. Every message has a ``message_id`` derived from the dossier, the kind,
the channel and the event that caused it, so re-processing the same cause never requests a second message,
and a resend after a crash carries the same id: SMS and portal gateways take it as their idempotency key,
and e-mail carries it as the RFC 5322 ``Message-ID`` so that a repeat is recognisably the same message.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from contracts.enums import NotificationChannel, NotificationKind

# Fixed forever: message ids derived from it are stored in the event store and sent to gateways.
MESSAGE_NAMESPACE = UUID("6f1d3c52-8a57-5b8e-9d0e-4f8f2a0c7d11")


class MessageKind(StrEnum):
    """What a message tells the applicant; ``public_kind`` is the E24 kind it is published as, if any."""

    RECEIPT = "RECEIPT"  # hồ sơ đã được tiếp nhận, hẹn trả
    SUPPLEMENT = "SUPPLEMENT"  # yêu cầu bổ sung, hoàn thiện (before or after receipt)
    REFUSAL = "REFUSAL"  # từ chối tiếp nhận
    RESCHEDULED = "RESCHEDULED"  # thư xin lỗi và hẹn lại ngày trả
    PAYMENT_REQUESTED = "PAYMENT_REQUESTED"  # yêu cầu thực hiện nghĩa vụ tài chính
    STOPPED = "STOPPED"  # dừng giải quyết
    RESULT_READY = "RESULT_READY"  # đã có kết quả (or rejection notice)
    EARLY_RETURN = "EARLY_RETURN"  # kết quả có trước ngày hẹn: mời nhận sớm
    RETURNED_BY_POST = "RETURNED_BY_POST"  # bưu điện chuyển hoàn: mời nhận tại quầy
    IN_KIOSK = "IN_KIOSK"  # kết quả đã đặt trong tủ trả kết quả

    @property
    def public_kind(self) -> NotificationKind | None:
        """The v1 E24 kind; ``None`` for a kind the v1 vocabulary lacks (the message is not published)."""
        return _PUBLIC_KIND.get(self)


_PUBLIC_KIND: dict[MessageKind, NotificationKind] = {
    MessageKind.SUPPLEMENT: NotificationKind.SUPPLEMENT,
    MessageKind.REFUSAL: NotificationKind.REFUSAL,
    MessageKind.RESCHEDULED: NotificationKind.RESCHEDULED,
    MessageKind.PAYMENT_REQUESTED: NotificationKind.PAYMENT_REQUESTED,
    MessageKind.STOPPED: NotificationKind.STOPPED,
    MessageKind.RESULT_READY: NotificationKind.RESULT_READY,
    MessageKind.EARLY_RETURN: NotificationKind.EARLY_RETURN,
    MessageKind.RETURNED_BY_POST: NotificationKind.RESULT_READY,
    MessageKind.IN_KIOSK: NotificationKind.RESULT_READY,
}


def message_id(dossier_id: UUID, kind: MessageKind, channel: NotificationChannel, cause: str) -> UUID:
    """The id of the one message of ``kind`` on ``channel`` that ``cause`` (an event id) warrants."""
    return uuid.uuid5(MESSAGE_NAMESPACE, f"{dossier_id}\x1f{kind.value}\x1f{channel.value}\x1f{cause}")


def email_message_id(message: UUID, domain: str) -> str:
    """RFC 5322 ``Message-ID`` of the e-mail that carries ``message``; a resend repeats it exactly."""
    return f"<{message}@{domain}>"


@dataclass(frozen=True)
class OutgoingMessage:
    """One message as a sender gets it. ``idempotency_key`` never changes between attempts."""

    message_id: UUID
    dossier_id: UUID
    kind: MessageKind
    channel: NotificationChannel
    to: str
    subject: str
    body: str
    requested_at: datetime

    @property
    def idempotency_key(self) -> str:
        return str(self.message_id)


@dataclass(frozen=True)
class SendReceipt:
    """What the gateway answered: its own reference for the message (SMS id, SMTP queue id…)."""

    provider_ref: str


class SendFailed(Exception):
    """The gateway did not take the message. ``permanent`` failures are not retried (bad address…)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class NotificationSender(Protocol):
    """The port a channel gateway implements (SMTP, SMS brand-name gateway, portal inbox …).

    ``send`` must either return a receipt after the gateway accepted the message, or raise ``SendFailed``.
    Implementations pass ``message.idempotency_key`` to gateways that support one, and e-mail senders put
    ``email_message_id(message.message_id, domain)`` in the ``Message-ID`` header.
    """

    def send(self, message: OutgoingMessage) -> SendReceipt: ...


@dataclass
class InMemorySender:
    """A gateway double: keeps what it accepted, honours idempotency keys, fails when told to.

    ``accepted`` holds each distinct message once; ``attempts`` counts every call, so a test can tell a
    resend (same id, counted again) from a duplicate delivery (which never happens here).
    """

    fail_next: int = 0
    permanent: bool = False
    accepted: dict[UUID, OutgoingMessage] = field(default_factory=dict)
    attempts: dict[UUID, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, message: OutgoingMessage) -> SendReceipt:
        with self._lock:
            self.attempts[message.message_id] = self.attempts.get(message.message_id, 0) + 1
            if self.fail_next > 0:
                self.fail_next -= 1
                raise SendFailed("gateway unavailable", permanent=self.permanent)
            self.accepted.setdefault(message.message_id, message)
            return SendReceipt(provider_ref=f"mem-{message.message_id.hex[:12]}")


@dataclass(frozen=True)
class ChannelRouter:
    """Sends each message through the sender of its channel; a channel without a sender fails permanently."""

    senders: dict[NotificationChannel, NotificationSender]

    def send(self, message: OutgoingMessage) -> SendReceipt:
        sender = self.senders.get(message.channel)
        if sender is None:
            raise SendFailed(f"no sender for channel {message.channel}", permanent=True)
        return sender.send(message)


def reachable_channels(
    *,
    phone: str | None,
    email: str | None,
    online: bool,
    preferred: Sequence[NotificationChannel],
) -> list[tuple[NotificationChannel, str]]:
    """The (channel, address) pairs the applicant can be reached on, in the deployment's order.

    SMS needs a phone, e-mail an address; the portal inbox (keyed by the dossier) is used for dossiers
    submitted online, whose applicant has a portal account.
    """
    found: list[tuple[NotificationChannel, str]] = []
    for channel in _unique(preferred):
        if channel is NotificationChannel.SMS and phone:
            found.append((channel, phone))
        elif channel is NotificationChannel.EMAIL and email:
            found.append((channel, email))
        elif channel is NotificationChannel.PORTAL and online:
            found.append((channel, "dvcqg-inbox"))
    return found


def _unique(channels: Iterable[NotificationChannel]) -> list[NotificationChannel]:
    seen: list[NotificationChannel] = []
    for channel in channels:
        if channel not in seen:
            seen.append(channel)
    return seen
