"""Notification gateways behind the delivery ``NotificationSender`` port (ADR 0601, 0640).

- ``SmtpSender``: the real e-mail path. The message's id is the RFC 5322 ``Message-ID``, so a resend after
  a crash is recognisably the same message.
- ``HttpGatewaySender``: an SMS brand-name gateway or the national portal's inbox, over HTTP; the message id
  is the ``Idempotency-Key``, so a gateway that honours it drops a resend.

Configuration comes from the environment (``DELIVERY_SMTP_*``, ``DELIVERY_SMS_GATEWAY_URL``,
``DELIVERY_PORTAL_INBOX_URL``); a channel without a configured gateway has no sender, and its messages are
abandoned as permanent failures — recorded in the store, never silently dropped.
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime

import httpx

from contracts.enums import NotificationChannel
from delivery.notifications import (
    ChannelRouter,
    NotificationSender,
    OutgoingMessage,
    SendFailed,
    SendReceipt,
    email_message_id,
)


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int
    sender: str
    domain: str
    timeout_s: float = 10.0
    username: str | None = None
    password: str | None = None
    starttls: bool = False

    def send(self, message: OutgoingMessage) -> SendReceipt:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Message-ID"] = email_message_id(message.message_id, self.domain)
        mail["Date"] = format_datetime(message.requested_at)
        mail["X-Motcua-Dossier"] = str(message.dossier_id)
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            raise SendFailed(f"recipient refused: {error.recipients}", permanent=True) from error
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            raise SendFailed(f"smtp: {type(error).__name__}: {error}") from error
        if refused:
            raise SendFailed(f"recipient refused: {refused}", permanent=True)
        return SendReceipt(provider_ref=f"smtp:{mail['Message-ID']}")


@dataclass(frozen=True)
class HttpGatewaySender:
    url: str
    timeout_s: float = 10.0
    transport: httpx.BaseTransport | None = None  # the network by default; tests give a mock transport

    def send(self, message: OutgoingMessage) -> SendReceipt:
        body = {
            "message_id": str(message.message_id),
            "dossier_id": str(message.dossier_id),
            "kind": message.kind.value,
            "channel": message.channel.value,
            "to": message.to,
            "subject": message.subject,
            "body": message.body,
        }
        try:
            with httpx.Client(transport=self.transport, timeout=self.timeout_s) as client:
                r = client.post(self.url, json=body, headers={"Idempotency-Key": message.idempotency_key})
        except httpx.HTTPError as error:
            raise SendFailed(f"gateway: {type(error).__name__}: {error}") from error
        if r.status_code >= 500 or r.status_code == 429:
            raise SendFailed(f"gateway answered {r.status_code}")
        if r.status_code >= 400:
            raise SendFailed(f"gateway refused the message: {r.status_code} {r.text[:200]}", permanent=True)
        return SendReceipt(provider_ref=_provider_ref(r, message))


def _provider_ref(response: httpx.Response, message: OutgoingMessage) -> str:
    """The gateway's reference when its answer names one; an accepted message is never refused for its
    answer's shape (a 202 or 204 without a JSON body is an acceptance all the same)."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    ref = answer.get("ref") if isinstance(answer, dict) else None
    return str(ref) if ref not in (None, "") else f"http:{message.message_id}"


def senders_from_environment() -> ChannelRouter:
    senders: dict[NotificationChannel, NotificationSender] = {}
    if host := os.environ.get("DELIVERY_SMTP_HOST"):
        senders[NotificationChannel.EMAIL] = SmtpSender(
            host=host,
            port=int(os.environ.get("DELIVERY_SMTP_PORT", "25")),
            sender=os.environ.get("DELIVERY_SMTP_FROM", "Bộ phận Một cửa <motcua@sonha.gov.vn>"),
            domain=os.environ.get("DELIVERY_SMTP_DOMAIN", "motcua.sonha.gov.vn"),
            username=os.environ.get("DELIVERY_SMTP_USERNAME") or None,
            password=os.environ.get("DELIVERY_SMTP_PASSWORD") or None,
            starttls=os.environ.get("DELIVERY_SMTP_STARTTLS", "") == "1",
        )
    if url := os.environ.get("DELIVERY_SMS_GATEWAY_URL"):
        senders[NotificationChannel.SMS] = HttpGatewaySender(url)
    if url := os.environ.get("DELIVERY_PORTAL_INBOX_URL"):
        senders[NotificationChannel.PORTAL] = HttpGatewaySender(url)
    return ChannelRouter(senders)
