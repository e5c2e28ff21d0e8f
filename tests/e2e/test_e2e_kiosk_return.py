"""Result return at a self-service kiosk (result locker) end to end (issue 6, ADR 0650): intake-api/relay,
delivery-worker/relay/api, the projector and projections-api as processes on the real broker and server.

The desk deposits the result with a one-time code; the applicant is told by e-mail (real SMTP path); at the
kiosk a wrong code or a wrong identity number is a 4xx that records nothing; the right code with the
applicant's identity hands the result out, E25 ``ResultReturned`` goes onto the delivery topic with the
kiosk as method, and the projector's dossier facts show the return.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from e2e_stack import Stack, auth
from test_delivery_support import (
    APPLICANT_ID,
    APPLICANT_NAME,
    CITIZEN,
    OFFICER,
    SmtpSink,
    applicant,
    at,
    publish,
    read_topic,
    registration,
    result_issued,
    start_result_return,
    start_with_env,
    wait_for_delivery,
    walk_in,
)
from waiting import wait_until

from contracts.delivery import ResultReturned
from contracts.topic_names import DELIVERY_DOSSIERS

AUDITOR = auth("auditor", "kiemtoan.e2e")
OTHER_DESK = auth("counter_officer", "cb.h44200.tiepnhan03", unit="H44.200")
CODE = "730518"
LOCKER = "TU-A07"
ME = {"name": APPLICANT_NAME, "id_type": "CCCD", "id_number": APPLICANT_ID}


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="module")
def kiosk(stack: Stack, smtp: SmtpSink) -> Iterator[Stack]:
    start_result_return(stack, smtp)
    start_with_env(stack, "projector")
    start_with_env(stack, "projections-api")
    yield stack


def post(stack: Stack, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{stack.urls['delivery-api']}{path}", json=body, headers=headers, timeout=30)


def stored_delivery_events(stack: Stack) -> int:
    return stack.scalar(f'SELECT count(*) FROM "{stack.prefix}delivery".delivery_events')


def outbox_empty(stack: Stack) -> bool:
    r = httpx.get(f"{stack.urls['delivery-api']}/ops/outbox", headers=OFFICER, timeout=10)
    return r.status_code == 200 and r.json() == []


def returned_on_topic(stack: Stack, dossier_id: uuid.UUID) -> list[ResultReturned]:
    return [
        e
        for e in read_topic(stack, DELIVERY_DOSSIERS)
        if isinstance(e, ResultReturned) and e.dossier_id == dossier_id
    ]


def dossier_facts(stack: Stack, dossier_id: uuid.UUID) -> dict[str, Any] | None:
    r = httpx.get(
        f"{stack.urls['projections-api']}/dossiers/{dossier_id}/timeline", headers=AUDITOR, timeout=30
    )
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return dict(r.json()["dossier"])


def test_the_result_is_collected_at_the_kiosk_with_code_and_identity(kiosk: Stack, smtp: SmtpSink) -> None:
    kiosk.set_clock("intake-api", at(2026, 3, 23, 9, 0), rate=1)
    receipt = walk_in(kiosk, registration(returned="KIOSK", applicant=applicant("thuha.kiosk@example.vn")))
    dossier_id = uuid.UUID(receipt["dossier_id"])
    wait_for_delivery(kiosk, dossier_id, "AWAITING_RESULT")
    publish(kiosk, [result_issued(dossier_id, at(2026, 3, 25, 10, 0))])
    ready = wait_for_delivery(kiosk, dossier_id, "RESULT_READY")
    assert ready["return_method"] == "KIOSK"

    # The desk puts the result in a locker; an officer of another desk may not.
    kiosk.set_clock("delivery-api", at(2026, 3, 25, 15, 0), rate=0)
    deposit = {"locker_id": LOCKER, "pickup_code": CODE}
    r = post(kiosk, f"/dossiers/{dossier_id}/kiosk-deposit", deposit, OTHER_DESK)
    assert r.status_code == 403 and r.json()["rule"] == "NOT_YOUR_UNIT", r.text
    r = post(kiosk, f"/dossiers/{dossier_id}/kiosk-deposit", deposit, OFFICER)
    assert r.status_code == 200 and r.json()["status"] == "IN_KIOSK", r.text
    wait_until(
        lambda: any("tủ trả kết quả" in m["subject"] for m in smtp.for_dossier(dossier_id)),
        30,
        "the locker e-mail to the applicant",
    )
    # The code is the locker's secret: only its hash is stored.
    deposited = kiosk.scalar(
        f'SELECT count(*) FROM "{kiosk.prefix}delivery".delivery_events '
        "WHERE topic LIKE '%KioskDeposited' AND encode(state, 'escape') LIKE '%pickup_code_sha256%'"
    )
    leaked = kiosk.scalar(
        f'SELECT count(*) FROM "{kiosk.prefix}delivery".delivery_events '
        f"WHERE encode(state, 'escape') LIKE '%{CODE}%'"
    )
    assert (deposited, leaked) == (1, 0)

    # Nothing else writes for this dossier once its outbox is empty; refusals must leave the store as is.
    wait_until(lambda: outbox_empty(kiosk), 30, "every notification to be sent")
    before = stored_delivery_events(kiosk)
    collect = f"/dossiers/{dossier_id}/kiosk-collection"
    refusals: list[tuple[str, httpx.Response, int, str]] = [
        (
            "wrong code",
            post(kiosk, collect, {"pickup_code": "000000", "recipient": ME}, CITIZEN),
            422,
            "PICKUP_CODE_MISMATCH",
        ),
        (
            "someone else's identity",
            post(
                kiosk,
                collect,
                {"pickup_code": CODE, "recipient": {**ME, "id_number": "025187009999"}},
                OFFICER,
            ),
            409,
            "RECIPIENT_NOT_AUTHORISED",
        ),
        (
            "the code alone",
            post(kiosk, collect, {"pickup_code": CODE}, CITIZEN),
            422,
            "",
        ),
        (
            "a counter hand-over while the locker holds it",
            post(kiosk, f"/dossiers/{dossier_id}/counter-return", {"recipient": ME}, OFFICER),
            409,
            "RESULT_IN_KIOSK",
        ),
    ]
    for what, response, status, rule in refusals:
        assert response.status_code == status, f"{what}: {response.status_code} {response.text}"
        assert response.json().get("rule", "") == rule, f"{what}: {response.text}"
    assert stored_delivery_events(kiosk) == before
    assert wait_for_delivery(kiosk, dossier_id, "IN_KIOSK")["returned_at"] is None

    # The right code and the applicant's own identity document open the locker.
    r = post(kiosk, collect, {"pickup_code": CODE, "recipient": ME}, CITIZEN)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "RETURNED" and r.json()["returned_method"] == "KIOSK"
    handed_over = at(2026, 3, 25, 15, 0)
    assert datetime.fromisoformat(r.json()["returned_at"]) == handed_over

    wait_until(lambda: bool(returned_on_topic(kiosk, dossier_id)), 60, "E25 on the delivery topic")
    (e25,) = returned_on_topic(kiosk, dossier_id)
    assert e25.method.value == "KIOSK" and e25.occurred_at == handed_over
    assert e25.recipient is not None and e25.recipient.id_number == APPLICANT_ID
    assert e25.actor.kind.value == "applicant"

    facts: dict[str, Any] = {}

    def projected() -> bool:
        facts.update(dossier_facts(kiosk, dossier_id) or {})
        return facts.get("returned_at") is not None

    try:
        wait_until(projected, 60, "the projector to fold the return")
    except AssertionError as timeout:
        raise AssertionError(f"{timeout}; dossier facts: {facts}") from None
    assert facts["return_method"] == "KIOSK" and facts["requested_return_method"] == "KIOSK"
    assert datetime.fromisoformat(str(facts["returned_at"])) == handed_over
    assert facts["dossier_code"] == receipt["dossier_code"]
