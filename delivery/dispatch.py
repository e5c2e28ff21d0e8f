"""The notification dispatcher: sends what the outbox holds, then records that it was sent.

Order of effects per message (ADR 0601): the request was committed before (with the fact that caused
it) → ``sender.send(message)`` → ``record_sent`` in the event store. A crash between the gateway's
acceptance and ``record_sent`` leaves the message pending, so the next run sends it again **with the same
id**: gateways that honour an idempotency key drop the repeat; over SMTP the repeat carries the same
``Message-ID``, so at most one duplicate per crash reaches the mailbox and mail clients show it as the same
message. Nothing is ever lost: a message leaves the pending set only through ``NotificationSent`` or an
abandonment after ``max_send_attempts`` failures, both recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from delivery.notifications import NotificationSender, SendFailed
from delivery.service import Delivery


@dataclass(frozen=True)
class DispatchReport:
    sent: int
    failed: int
    already_recorded: int


class NotificationDispatcher:
    """One pass over the outbox per ``dispatch_pending`` call; run it periodically (or after each command)."""

    def __init__(self, delivery: Delivery, sender: NotificationSender) -> None:
        self.delivery = delivery
        self.sender = sender

    def dispatch_pending(self, limit: int | None = None) -> DispatchReport:
        sent = failed = already = 0
        messages = self.delivery.pending_messages()
        for message in messages if limit is None else messages[:limit]:
            try:
                receipt = self.sender.send(message)
            except SendFailed as failure:
                self.delivery.record_failed(
                    message.dossier_id, message.message_id, failure.reason, permanent=failure.permanent
                )
                failed += 1
                continue
            if self.delivery.record_sent(message.dossier_id, message.message_id, receipt):
                sent += 1
            else:
                already += 1  # another dispatcher recorded it between our read and our send
        return DispatchReport(sent=sent, failed=failed, already_recorded=already)
