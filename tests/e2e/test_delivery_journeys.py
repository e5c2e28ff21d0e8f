"""Result return end to end (issue 6): intake-api/relay, delivery-worker/relay/api, postal-partner,
portal-sync and the fake national portal as processes on the real broker and server.

Processing's wiring is built elsewhere, so its public events (ResultIssued) are published onto the
namespaced processing topic from the golden examples, with the dossier's ids. Each journey ends with
E25 only when the citizen really has the result (for postal: on delivery).
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
    HOME,
    OFFICER,
    OTHER_POST,
    POST,
    SmtpSink,
    applicant,
    at,
    publish,
    registration,
    result_issued,
    start_result_return,
    start_with_env,
    wait_for_delivery,
    walk_in,
)
from waiting import wait_until

INTAKE_SLIP = "vn.one-stop.delivery.result-returned.v1"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="module")
def journeys(stack: Stack, smtp: SmtpSink) -> Iterator[Stack]:
    start_result_return(stack, smtp)
    start_with_env(stack, "fake-national-portal")
    start_with_env(stack, "postal-partner", {"POSTAL_SLA_SCAN_INTERVAL_S": "3600"})
    start_with_env(stack, "portal-sync", {"PORTAL_SYNC_PORTAL_URL": stack.urls["fake-national-portal"]})
    yield stack


def post(stack: Stack, service: str, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{stack.urls[service]}{path}", json=body, headers=headers, timeout=30)


def returned_events(stack: Stack, dossier_id: object) -> list[dict[str, Any]]:
    r = httpx.get(f"{stack.urls['delivery-api']}/dossiers/{dossier_id}/events", headers=OFFICER, timeout=10)
    assert r.status_code == 200, r.text
    return [e for e in r.json() if e["event_type"] == INTAKE_SLIP]


def result_ready(stack: Stack, dossier_id: uuid.UUID, when: datetime) -> dict[str, Any]:
    wait_for_delivery(stack, dossier_id, "AWAITING_RESULT")
    publish(stack, [result_issued(dossier_id, when)])
    return wait_for_delivery(stack, dossier_id, "RESULT_READY", "WITH_POSTAL_PARTNER")


def test_result_returned_at_the_counter(journeys: Stack, smtp: SmtpSink) -> None:
    journeys.set_clock("intake-api", at(2026, 3, 23, 9, 0), rate=1)
    receipt = walk_in(journeys, registration(applicant=applicant("thuha@example.vn")))
    dossier_id = uuid.UUID(receipt["dossier_id"])
    result_ready(journeys, dossier_id, at(2026, 3, 25, 10, 0))
    journeys.set_clock("delivery-api", at(2026, 3, 25, 14, 0), rate=1)
    before = returned_events(journeys, dossier_id)
    assert before == []  # a ready result is not a returned one
    r = post(
        journeys,
        "delivery-api",
        f"/dossiers/{dossier_id}/counter-return",
        {"recipient": {"name": APPLICANT_NAME, "id_type": "CCCD", "id_number": APPLICANT_ID}},
        OFFICER,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "RETURNED" and r.json()["returned_method"] == "COUNTER"
    (e25,) = returned_events(journeys, dossier_id)
    assert e25["method"] == "COUNTER" and e25["recipient"]["id_number"] == APPLICANT_ID
    # The applicant was told by e-mail, through the real SMTP path: the receipt, then the ready result.
    wait_until(
        lambda: any("kết quả" in m["subject"].lower() for m in smtp.for_dossier(dossier_id)),
        30,
        "the result-ready e-mail",
    )
    assert all(m["to"] == "thuha@example.vn" for m in smtp.for_dossier(dossier_id))
    # portal-sync folded E25 into DVCQG status 10 and pushed it, after 1, 2 and 9, to the national portal.
    portal = journeys.urls["fake-national-portal"]

    def statuses() -> list[int]:
        pushes = httpx.get(f"{portal}/control/received", timeout=10).json()["received"]
        return [p["TrangThaiHoSo"] for p in pushes if p["MaHoSo"] == receipt["dossier_code"]]

    wait_until(lambda: statuses()[-1:] == [10], 60, "status 10 at the national portal")
    assert statuses() == [1, 2, 9, 10]


def test_result_returned_online_when_the_citizen_downloads_it(journeys: Stack) -> None:
    journeys.set_clock("intake-api", at(2026, 3, 23, 8, 0), rate=1)
    r = post(
        journeys,
        "intake-api",
        "/dossiers",
        registration("ONLINE", "ONLINE"),
        {**CITIZEN, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert r.status_code == 201, r.text
    dossier_id = uuid.UUID(r.json()["dossier_id"])
    assert post(journeys, "intake-api", f"/dossiers/{dossier_id}/receipt", None, OFFICER).status_code == 200
    result_ready(journeys, dossier_id, at(2026, 3, 26, 15, 0))
    assert returned_events(journeys, dossier_id) == []  # issued and signed is not yet "the citizen has it"
    journeys.set_clock("delivery-api", at(2026, 3, 26, 16, 0), rate=0)
    r = post(journeys, "delivery-api", f"/dossiers/{dossier_id}/online-return", None, CITIZEN)
    assert r.status_code == 200, r.text
    (e25,) = returned_events(journeys, dossier_id)
    assert e25["method"] == "ONLINE"
    assert datetime.fromisoformat(e25["occurred_at"]) == at(2026, 3, 26, 16, 0)


# -- by post ------------------------------------------------------------------------------------------------


def waybill() -> str:
    return f"EB{uuid.uuid4().int % 10**9:09d}VN"


def postal_file(stack: Stack, dossier_id: object) -> dict[str, Any] | None:
    r = httpx.get(f"{stack.urls['postal-partner']}/files/{dossier_id}", headers=POST, timeout=10)
    return dict(r.json()) if r.status_code == 200 else None


def pickup_ordered(stack: Stack, dossier_id: object) -> None:
    def ordered() -> bool:
        found = postal_file(stack, dossier_id)
        return found is not None and any(
            s["direction"] == "RESULT_TO_APPLICANT" and s["status"] == "REQUESTED" for s in found["shipments"]
        )

    try:
        wait_until(ordered, 60, "the postal partner to take the pick-up order")
    except AssertionError as timeout:
        raise AssertionError(f"{timeout}; postal file: {postal_file(stack, dossier_id)}") from None


def postal_step(stack: Stack, when: datetime, path: str, body: Any) -> dict[str, Any]:
    stack.set_clock("postal-partner", when, rate=0)
    r = post(stack, "postal-partner", path, body, POST)
    assert r.status_code in (200, 201), f"{path}: {r.status_code} {r.text}"
    return dict(r.json())


def pick_up(stack: Stack, dossier_id: object, number: str, when: datetime) -> None:
    postal_step(
        stack,
        when,
        f"/files/{dossier_id}/result-pickup",
        {
            "waybill_no": number,
            "consignment_note_no": f"PG-{number[-6:]}",
            "agency_officer_id": "cb.h44100.tiepnhan01",
            "route_class": "INTER_DISTRICT",
        },
    )


def deliver(stack: Stack, number: str, when: datetime, *, dispatch: bool = True) -> None:
    if dispatch:
        postal_step(stack, when, f"/waybills/{number}/out-for-delivery", {"courier_id": "bt.sonha.05"})
    postal_step(
        stack,
        when,
        f"/waybills/{number}/delivery",
        {
            "recipient": {"name": APPLICANT_NAME, "id_type": "CCCD", "id_number": APPLICANT_ID},
            "signature_ref": f"ky://{number}",
        },
    )


def test_result_delivered_by_post_is_returned_on_delivery(journeys: Stack) -> None:
    journeys.set_clock("intake-api", at(2026, 3, 16, 9, 0), rate=1)
    dossier_id = uuid.UUID(walk_in(journeys, registration(returned="POSTAL"))["dossier_id"])
    result_ready(journeys, dossier_id, at(2026, 3, 18, 14, 0))
    wait_for_delivery(journeys, dossier_id, "WITH_POSTAL_PARTNER")
    pickup_ordered(journeys, dossier_id)
    number = waybill()
    pick_up(journeys, dossier_id, number, at(2026, 3, 19, 9, 0))
    postal_step(
        journeys, at(2026, 3, 20, 9, 0), f"/waybills/{number}/out-for-delivery", {"courier_id": "bt.05"}
    )
    assert returned_events(journeys, dossier_id) == []  # out for delivery: the citizen does not have it yet
    deliver(journeys, number, at(2026, 3, 20, 10, 30), dispatch=False)
    view = wait_for_delivery(journeys, dossier_id, "RETURNED")
    assert view["returned_method"] == "POSTAL"
    (e25,) = returned_events(journeys, dossier_id)
    assert e25["method"] == "POSTAL" and datetime.fromisoformat(e25["occurred_at"]) == at(2026, 3, 20, 10, 30)


def test_result_failing_twice_goes_back_and_is_collected_at_the_counter(journeys: Stack) -> None:
    journeys.set_clock("intake-api", at(2026, 3, 16, 9, 30), rate=1)
    dossier_id = uuid.UUID(walk_in(journeys, registration(returned="POSTAL"))["dossier_id"])
    result_ready(journeys, dossier_id, at(2026, 3, 18, 14, 30))
    pickup_ordered(journeys, dossier_id)
    number = waybill()
    pick_up(journeys, dossier_id, number, at(2026, 3, 19, 9, 30))
    for when in (at(2026, 3, 20, 10, 0), at(2026, 3, 24, 9, 0)):  # Fri, then Tue: two working days apart
        postal_step(journeys, when, f"/waybills/{number}/out-for-delivery", {"courier_id": "bt.sonha.05"})
        postal_step(
            journeys,
            when,
            f"/waybills/{number}/delivery-failure",
            {"reason": "NOT_AT_HOME", "invitation_issued": True},
        )
    postal_step(
        journeys, at(2026, 3, 25, 14, 0), f"/waybills/{number}/return-to-agency", {"reason": "NOT_AT_HOME"}
    )
    view = wait_for_delivery(journeys, dossier_id, "RESULT_READY")
    assert view["returned_by_post"] is True and returned_events(journeys, dossier_id) == []
    journeys.set_clock("delivery-api", at(2026, 3, 26, 10, 0), rate=1)
    r = post(
        journeys,
        "delivery-api",
        f"/dossiers/{dossier_id}/counter-return",
        {"recipient": {"name": APPLICANT_NAME, "id_type": "CCCD", "id_number": APPLICANT_ID}},
        OFFICER,
    )
    assert r.status_code == 200, r.text
    (e25,) = returned_events(journeys, dossier_id)
    assert e25["method"] == "COUNTER" and e25.get("shipment_id") is None


def test_dossier_sent_from_a_post_office_and_delivered_by_post(journeys: Stack) -> None:
    # P1 and P2 at the post office on Mon 9/3/2026; hand-over to the desk signed Tue 10/3 10:00, which is
    # the legal receipt time; the result goes back by post and is delivered.
    postal = postal_step(
        journeys,
        at(2026, 3, 9, 8, 30),
        "/registrations",
        {
            "form": "BOTH",
            "requested_via": "APPLICANT_AT_POST_OFFICE",
            "procedure_code": "2.000575",
            "agency_unit_code": "H44.100",
            "contact": {"name": APPLICANT_NAME, "phone": "0912345678"},
            "pickup_address": HOME,
            "delivery_address": HOME,
        },
    )
    dossier_id = uuid.UUID(postal["dossier_id"])
    sent = waybill()
    postal_step(
        journeys,
        at(2026, 3, 9, 9, 0),
        f"/files/{dossier_id}/acceptance",
        {
            "waybill_no": sent,
            "consignment_note_no": f"PG-{sent[-6:]}",
            "items": [{"name": "Giấy đề nghị đăng ký hộ kinh doanh", "original": True}],
            "postage_vnd": 32000,
            "post_office_code": "BC-SH-01",
            "route_class": "INTRA_DISTRICT",
            "slip_required": False,
        },
    )
    journeys.set_clock("intake-api", at(2026, 3, 9, 9, 5), rate=1)
    r = post(
        journeys,
        "intake-api",
        "/dossiers",
        registration("POSTAL", "POSTAL", dossier_id=str(dossier_id)),
        {**POST, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert r.status_code == 201, r.text
    handover_at = at(2026, 3, 10, 10, 0)
    postal_step(
        journeys,
        handover_at,
        "/handovers",
        {
            "record_no": f"BBGN-{sent}",
            "agency_unit_code": "H44.100",
            "agency_officer_id": "cb.h44100.tiepnhan01",
            "lines": [{"waybill_no": sent}],
        },
    )
    journeys.set_clock("intake-api", at(2026, 3, 10, 10, 20), rate=1)
    r = post(
        journeys,
        "intake-api",
        "/postal-handovers",
        {
            "record_no": f"BBGN-{sent}",
            "signed_at": handover_at.isoformat(),
            "lines": [{"dossier_id": str(dossier_id), "decision": "RECEIVE"}],
        },
        {**OFFICER, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert r.status_code == 201, r.text
    (outcome,) = r.json()
    assert datetime.fromisoformat(outcome["receipt"]["legal_receipt_at"]) == handover_at
    result_ready(journeys, dossier_id, at(2026, 3, 12, 15, 0))
    pickup_ordered(journeys, dossier_id)
    back = waybill()
    pick_up(journeys, dossier_id, back, at(2026, 3, 13, 9, 0))
    deliver(journeys, back, at(2026, 3, 13, 15, 0))
    view = wait_for_delivery(journeys, dossier_id, "RETURNED")
    assert view["returned_method"] == "POSTAL"
    shipments = postal_file(journeys, dossier_id)
    assert shipments is not None
    assert sorted((s["direction"], s["status"]) for s in shipments["shipments"]) == [
        ("DOSSIER_TO_AGENCY", "HANDED_OVER"),
        ("RESULT_TO_APPLICANT", "DELIVERED"),
    ]


# -- bad inputs: a clear 4xx and nothing recorded --------------------------------------------------------


def stored_events(stack: Stack) -> tuple[int, int]:
    return (
        stack.scalar(f'SELECT count(*) FROM "{stack.prefix}delivery".delivery_events'),
        stack.scalar(f'SELECT count(*) FROM "{stack.prefix}postal".postal_events'),
    )


def test_bad_inputs_are_refused_and_change_nothing(journeys: Stack) -> None:
    me = {"name": APPLICANT_NAME, "id_type": "CCCD", "id_number": APPLICANT_ID}
    journeys.set_clock("intake-api", at(2026, 4, 6, 9, 0), rate=1)
    journeys.set_clock("delivery-api", at(2026, 4, 8, 9, 0), rate=1)
    # A result ready at the desk, and one returned and rated.
    ready = uuid.UUID(walk_in(journeys, registration())["dossier_id"])
    result_ready(journeys, ready, at(2026, 4, 7, 10, 0))
    rated = uuid.UUID(walk_in(journeys, registration())["dossier_id"])
    result_ready(journeys, rated, at(2026, 4, 7, 10, 5))
    r = post(journeys, "delivery-api", f"/dossiers/{rated}/counter-return", {"recipient": me}, OFFICER)
    assert r.status_code == 200, r.text
    r = post(journeys, "delivery-api", f"/dossiers/{rated}/rating", {"level": "SATISFIED"}, CITIZEN)
    assert r.status_code == 200, r.text
    # A result the post brought back after two invitations.
    back = uuid.UUID(walk_in(journeys, registration(returned="POSTAL"))["dossier_id"])
    result_ready(journeys, back, at(2026, 4, 7, 10, 10))
    pickup_ordered(journeys, back)
    returned_waybill = waybill()
    pick_up(journeys, back, returned_waybill, at(2026, 4, 7, 14, 0))
    for when in (at(2026, 4, 8, 9, 0), at(2026, 4, 10, 9, 0)):
        postal_step(journeys, when, f"/waybills/{returned_waybill}/out-for-delivery", {"courier_id": "bt.05"})
        postal_step(
            journeys,
            when,
            f"/waybills/{returned_waybill}/delivery-failure",
            {"reason": "NOT_AT_HOME", "invitation_issued": True},
        )
    postal_step(
        journeys,
        at(2026, 4, 13, 9, 0),
        f"/waybills/{returned_waybill}/return-to-agency",
        {"reason": "NOT_AT_HOME"},
    )
    # A result out with the post after one failed attempt.
    out = uuid.UUID(walk_in(journeys, registration(returned="POSTAL"))["dossier_id"])
    result_ready(journeys, out, at(2026, 4, 7, 10, 15))
    pickup_ordered(journeys, out)
    out_waybill = waybill()
    pick_up(journeys, out, out_waybill, at(2026, 4, 7, 14, 30))
    postal_step(
        journeys, at(2026, 4, 8, 9, 30), f"/waybills/{out_waybill}/out-for-delivery", {"courier_id": "b"}
    )
    postal_step(
        journeys,
        at(2026, 4, 8, 9, 30),
        f"/waybills/{out_waybill}/delivery-failure",
        {"reason": "NOT_AT_HOME", "invitation_issued": True},
    )
    wait_for_delivery(journeys, back, "RESULT_READY")

    def outbox_empty() -> bool:
        r = httpx.get(f"{journeys.urls['delivery-api']}/ops/outbox", headers=OFFICER, timeout=10)
        return r.status_code == 200 and r.json() == []

    wait_until(outbox_empty, 30, "every notification to be sent")  # the dispatcher is idle from here on
    # The postal steps above still travel postal-partner → Kafka → delivery-worker after their HTTP answers:
    # take the snapshot only once two readings a second apart agree (and nothing waits in the outbox).
    readings: list[object] = []

    def settled() -> bool:
        reading = (stored_events(journeys), outbox_empty())
        quiet = bool(readings) and readings[-1] == reading and reading[1]
        readings[:] = [reading]
        return quiet

    wait_until(settled, 60, "the stack to settle before the refusals", interval=1.0)
    before = stored_events(journeys)
    dapi, papi = "delivery-api", "postal-partner"

    cases: list[tuple[str, httpx.Response, int, str | None]] = [
        (
            "rating before return",
            post(journeys, dapi, f"/dossiers/{ready}/rating", {"level": "SATISFIED"}, CITIZEN),
            409,
            "RATING_BEFORE_RETURN",
        ),
        (
            "second rating",
            post(journeys, dapi, f"/dossiers/{rated}/rating", {"level": "DISSATISFIED"}, CITIZEN),
            409,
            "RATING_TWICE",
        ),
        (
            "result handed to an unauthorised person",
            post(
                journeys,
                dapi,
                f"/dossiers/{ready}/counter-return",
                {"recipient": {**me, "name": "Trần Văn Khác", "id_number": "025187009999"}},
                OFFICER,
            ),
            409,
            "RECIPIENT_NOT_AUTHORISED",
        ),
        (
            "second return",
            post(journeys, dapi, f"/dossiers/{rated}/counter-return", {"recipient": me}, OFFICER),
            409,
            "RESULT_ALREADY_RETURNED",
        ),
        (
            "counter return while the post holds the result",
            post(journeys, dapi, f"/dossiers/{out}/counter-return", {"recipient": me}, OFFICER),
            409,
            "RESULT_WITH_POSTAL_PARTNER",
        ),
        (
            "rating score out of range",
            post(
                journeys,
                dapi,
                f"/dossiers/{rated}/rating",
                {"level": "SATISFIED", "criteria": [{"criterion": "thai-do-phuc-vu", "score": 9}]},
                CITIZEN,
            ),
            422,
            None,
        ),
        (
            "applicant doing a counter return",
            post(journeys, dapi, f"/dossiers/{ready}/counter-return", {"recipient": me}, CITIZEN),
            403,
            None,
        ),
        (
            "an applicant rating someone else's dossier",
            post(
                journeys,
                dapi,
                f"/dossiers/{rated}/rating",
                {"level": "SATISFIED"},
                auth("applicant", "001099012345"),
            ),
            403,
            "NOT_YOUR_DOSSIER",
        ),
        (
            "no token",
            httpx.post(
                f"{journeys.urls[dapi]}/dossiers/{ready}/counter-return", json={"recipient": me}, timeout=10
            ),
            401,
            None,
        ),
        (
            "unknown dossier",
            post(journeys, dapi, f"/dossiers/{uuid.uuid4()}/counter-return", {"recipient": me}, OFFICER),
            404,
            None,
        ),
        (
            "unknown field",
            post(
                journeys,
                dapi,
                f"/dossiers/{ready}/counter-return",
                {"recipient": me, "tip_vnd": 50000},
                OFFICER,
            ),
            422,
            None,
        ),
        (
            "postal event for an unknown waybill",
            post(journeys, papi, "/waybills/EB000000000VN/out-for-delivery", {"courier_id": "b"}, POST),
            404,
            None,
        ),
        (
            "third delivery attempt after the return to the agency",
            post(journeys, papi, f"/waybills/{returned_waybill}/out-for-delivery", {"courier_id": "b"}, POST),
            409,
            "ATTEMPT_AFTER_RETURN",
        ),
        (
            "a partner touching another partner's shipment",
            post(
                journeys, papi, f"/waybills/{out_waybill}/out-for-delivery", {"courier_id": "x"}, OTHER_POST
            ),
            403,
            "NOT_YOUR_SHIPMENT",
        ),
        (
            "return to the agency after one invitation",
            post(
                journeys, papi, f"/waybills/{out_waybill}/return-to-agency", {"reason": "NOT_AT_HOME"}, POST
            ),
            409,
            "INVITATIONS_REQUIRED",
        ),
        (
            "a result pick-up for a dossier the post never heard of",
            post(
                journeys,
                papi,
                f"/files/{ready}/result-pickup",
                {
                    "waybill_no": out_waybill,
                    "consignment_note_no": "PG-1",
                    "agency_officer_id": "cb.1",
                    "route_class": "INTER_DISTRICT",
                },
                POST,
            ),
            404,
            None,
        ),
        (
            "an officer token at the postal API",
            post(journeys, papi, f"/waybills/{out_waybill}/out-for-delivery", {"courier_id": "b"}, OFFICER),
            403,
            None,
        ),
    ]
    assert stored_events(journeys) == before  # not one event from any of the refused commands
    failures = []
    for what, response, status, rule in cases:
        body = response.json() if response.headers.get("content-type", "").startswith("application/") else {}
        if response.status_code != status:
            failures.append(f"{what}: expected {status}, got {response.status_code} {response.text[:300]}")
        elif not (body.get("title") and body.get("type")):
            failures.append(f"{what}: no problem details in {response.text[:200]}")
        elif rule is not None and body.get("rule") != rule:
            failures.append(f"{what}: expected rule {rule}, got {body.get('rule')}")
    assert not failures, "\n".join(failures)
    assert len(cases) >= 10
