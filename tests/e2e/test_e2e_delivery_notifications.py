"""Notifications survive a crash of their sender (issue 6, ADR 0601): delivery-worker is killed with
SIGKILL while it is sending a batch of e-mails through a local SMTP server; after a restart every message
reaches the server, and none is lost or sent as a second, different message.

What "exactly once" can mean over SMTP: the message id is the ``Message-ID`` header, fixed before the
first attempt. A crash between the server's "250 OK" and our commit of ``NotificationSent`` makes the
restarted sender repeat that one message with the same ``Message-ID`` — there is no SMTP command to ask
the server whether it already has it. So the test counts delivered messages by ``Message-ID`` (each
exactly once), and bounds the raw repeats by the number of crashes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from e2e_stack import Stack
from test_delivery_support import (
    OFFICER,
    SmtpSink,
    applicant,
    at,
    kill_hard,
    publish,
    registration,
    result_issued,
    start_with_env,
    walk_in,
)
from waiting import wait_until

DOSSIERS = 12


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def worker_env(smtp: SmtpSink) -> dict[str, str]:
    # Small batches, often: the kill lands in the middle of sending, not between two idle passes.
    return {
        **smtp.env(),
        "DELIVERY_NOTIFICATION_CHANNELS": "EMAIL",
        "DELIVERY_DISPATCH_BATCH": "2",
        "DELIVERY_DISPATCH_INTERVAL_S": "0.15",
    }


def outbox(stack: Stack) -> list[dict[str, str]]:
    r = httpx.get(f"{stack.urls['delivery-api']}/ops/outbox", headers=OFFICER, timeout=10)
    assert r.status_code == 200, r.text
    return list(r.json())


def test_kill_minus_nine_mid_batch_delivers_each_message_exactly_once(stack: Stack, smtp: SmtpSink) -> None:
    start_with_env(stack, "intake-api")
    start_with_env(stack, "intake-relay")
    start_with_env(stack, "delivery-api")
    stack.set_clock("intake-api", at(2026, 3, 23, 9, 0), rate=1)
    dossiers = [
        uuid.UUID(walk_in(stack, registration(applicant=applicant(f"cong.dan{n}@example.vn")))["dossier_id"])
        for n in range(DOSSIERS)
    ]
    # Each dossier calls for two e-mails: the receipt, and the ready result.
    publish(stack, [result_issued(d, at(2026, 3, 24, 10, 0)) for d in dossiers])
    expected = 2 * DOSSIERS

    start_with_env(stack, "delivery-worker", worker_env(smtp))
    wait_until(lambda: len(smtp.messages) >= 6, 60, "the worker to be sending")
    kill_hard(stack, "delivery-worker")
    at_crash = len(smtp.messages)
    assert at_crash < expected, "the batch had finished before the kill: nothing was tested"

    start_with_env(stack, "delivery-worker", worker_env(smtp))
    wait_until(lambda: len({m["message_id"] for m in smtp.messages}) >= expected, 90, "every e-mail")
    wait_until(lambda: outbox(stack) == [], 30, "the outbox to be empty")

    ids = [m["message_id"] for m in smtp.messages]
    assert len(set(ids)) == expected  # every message arrived, none lost, none sent as a new message
    assert len(ids) - len(set(ids)) <= 1  # at most the one message in flight at the kill was repeated
    for dossier_id in dossiers:
        mails = smtp.for_dossier(dossier_id)
        assert len({m["message_id"] for m in mails}) == 2
        assert {m["to"] for m in mails} == {mails[0]["to"]} and mails[0]["to"].endswith("@example.vn")
