"""The notification gateways of delivery-worker (ADR 0601, 0640): SMTP against a real SMTP server on
loopback (aiosmtpd), the SMS / portal-inbox HTTP gateway against a mock transport, and which sender each
channel gets from the environment. A failure is permanent only when retrying cannot help."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiosmtpd.controller import Controller
from waiting import free_port

from contracts.enums import NotificationChannel
from delivery.notifications import MessageKind, OutgoingMessage, SendFailed, email_message_id
from services.delivery.senders import HttpGatewaySender, SmtpSender, senders_from_environment

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DOMAIN = "motcua.sonha.gov.vn"
UNKNOWN_MAILBOX = "khong-ton-tai@example.vn"


def message(
    channel: NotificationChannel = NotificationChannel.EMAIL, to: str = "thuha@example.vn"
) -> OutgoingMessage:
    return OutgoingMessage(
        message_id=uuid4(),
        dossier_id=uuid4(),
        kind=MessageKind.RESULT_READY,
        channel=channel,
        to=to,
        subject="Hồ sơ 000.35.29.H44-260305-0017 đã có kết quả",
        body="Mời Ông/Bà nhận kết quả tại Bộ phận Một cửa xã Sơn Hà; mang theo căn cước.",
        requested_at=datetime(2026, 3, 25, 10, 0, tzinfo=VN),
    )


class Mailbox:
    """What the SMTP server accepted, parsed; it refuses one address with 550 like a real MTA."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address == UNKNOWN_MAILBOX:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.mails.append((list(envelope.rcpt_tos), mail))
        return "250 OK queued"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def smtp(port: int) -> SmtpSender:
    return SmtpSender(
        host="127.0.0.1",
        port=port,
        sender="Bộ phận Một cửa <motcua@sonha.gov.vn>",
        domain=DOMAIN,
        timeout_s=5,
    )


def test_an_email_carries_the_message_id_and_reads_in_vietnamese(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    sent = message()
    receipt = smtp(port).send(sent)
    ((rcpt, mail),) = box.mails
    assert rcpt == ["thuha@example.vn"]
    assert mail["Message-ID"] == email_message_id(sent.message_id, DOMAIN) == f"<{sent.message_id}@{DOMAIN}>"
    assert receipt.provider_ref == f"smtp:<{sent.message_id}@{DOMAIN}>"
    assert mail["Subject"] == sent.subject and mail["To"] == "thuha@example.vn"
    assert mail["From"].addresses[0].display_name == "Bộ phận Một cửa"
    assert mail["X-Motcua-Dossier"] == str(sent.dossier_id)
    assert mail["Date"].datetime == sent.requested_at
    body = mail.get_body()
    assert body is not None and body.get_content().strip() == sent.body


def test_a_resend_is_the_same_message_to_the_server(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    sent = message()
    smtp(port).send(sent)
    smtp(port).send(sent)  # the dispatcher crashed before recording the first one
    first, second = (mail for _, mail in box.mails)
    assert first["Message-ID"] == second["Message-ID"] and first["Subject"] == second["Subject"]


def test_a_refused_mailbox_is_permanent_and_an_absent_server_is_not(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    with pytest.raises(SendFailed) as refused:
        smtp(port).send(message(to=UNKNOWN_MAILBOX))
    assert refused.value.permanent and UNKNOWN_MAILBOX in refused.value.reason
    with pytest.raises(SendFailed) as away:
        smtp(free_port()).send(message())  # nothing listens there
    assert not away.value.permanent and away.value.reason.startswith("smtp:")
    assert box.mails == []


class Gateway:
    """An SMS / portal-inbox gateway double behind httpx's mock transport."""

    def __init__(self, status: int = 200, body: bytes | None = b'{"ref": "SMS-000917"}') -> None:
        self.status = status
        self.body = body
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, content=self.body or b"")

    def sender(self) -> HttpGatewaySender:
        return HttpGatewaySender("https://sms.gateway.test/v1/messages", transport=httpx.MockTransport(self))


def test_the_gateway_gets_the_message_with_its_id_as_idempotency_key() -> None:
    gateway = Gateway()
    sent = message(NotificationChannel.SMS, to="0912345678")
    receipt = gateway.sender().send(sent)
    (request,) = gateway.requests
    assert request.method == "POST" and request.headers["Idempotency-Key"] == str(sent.message_id)
    body = json.loads(request.content)
    assert body == {
        "message_id": str(sent.message_id),
        "dossier_id": str(sent.dossier_id),
        "kind": "RESULT_READY",
        "channel": "SMS",
        "to": "0912345678",
        "subject": sent.subject,
        "body": sent.body,
    }
    assert receipt.provider_ref == "SMS-000917"


@pytest.mark.parametrize("body", [None, b"accepted", b"[]", b'{"ref": ""}'])
def test_an_acceptance_without_a_reference_is_still_an_acceptance(body: bytes | None) -> None:
    sent = message(NotificationChannel.PORTAL, to="dvcqg-inbox")
    receipt = Gateway(202 if body else 204, body).sender().send(sent)
    assert receipt.provider_ref == f"http:{sent.message_id}"


@pytest.mark.parametrize(
    ("status", "permanent"), [(500, False), (503, False), (429, False), (400, True), (422, True)]
)
def test_server_trouble_is_retried_and_a_refused_message_is_not(status: int, permanent: bool) -> None:
    with pytest.raises(SendFailed) as failed:
        Gateway(status, b'{"error": "x"}').sender().send(message(NotificationChannel.SMS, to="0912345678"))
    assert failed.value.permanent is permanent and str(status) in failed.value.reason


def test_an_unreachable_gateway_is_retried() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    sender = HttpGatewaySender(
        "https://sms.gateway.test/v1/messages", transport=httpx.MockTransport(unreachable)
    )
    with pytest.raises(SendFailed) as failed:
        sender.send(message(NotificationChannel.SMS, to="0912345678"))
    assert not failed.value.permanent and "ConnectError" in failed.value.reason


def test_each_channel_gets_the_gateway_its_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DELIVERY_SMTP_HOST", "DELIVERY_SMS_GATEWAY_URL", "DELIVERY_PORTAL_INBOX_URL"):
        monkeypatch.delenv(name, raising=False)
    assert senders_from_environment().senders == {}
    monkeypatch.setenv("DELIVERY_SMTP_HOST", "mail.sonha.gov.vn")
    monkeypatch.setenv("DELIVERY_SMTP_PORT", "2525")
    monkeypatch.setenv("DELIVERY_SMTP_STARTTLS", "1")
    monkeypatch.setenv("DELIVERY_SMTP_USERNAME", "motcua")
    monkeypatch.setenv("DELIVERY_SMS_GATEWAY_URL", "https://sms.sonha.gov.vn/send")
    router = senders_from_environment()
    assert set(router.senders) == {NotificationChannel.EMAIL, NotificationChannel.SMS}
    email = router.senders[NotificationChannel.EMAIL]
    assert isinstance(email, SmtpSender)
    assert (email.host, email.port, email.starttls, email.username) == (
        "mail.sonha.gov.vn",
        2525,
        True,
        "motcua",
    )
    sms = router.senders[NotificationChannel.SMS]
    assert isinstance(sms, HttpGatewaySender) and sms.url == "https://sms.sonha.gov.vn/send"
    with pytest.raises(SendFailed) as failed:  # no portal gateway configured: abandoned, never silent
        router.send(message(NotificationChannel.PORTAL, to="dvcqg-inbox"))
    assert failed.value.permanent
