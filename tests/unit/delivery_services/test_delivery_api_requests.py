"""delivery-api over HTTP, wired to an in-memory event store: field-level 422s, who may do what (roles, the
applicant's own dossier, the officer's own desk), and that every refusal records nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from delivery_services_kit import (
    AUDITOR,
    CITIZEN,
    CITIZEN_VNEID,
    DESK,
    IN_MEMORY,
    OFFICER,
    OPERATOR,
    ORIGINAL,
    OTHER_OFFICER,
    STRANGER,
    Story,
    at,
    me,
    runtime,
    serving,
)

from delivery.clock import SettableClock
from delivery.service import Delivery
from services.delivery.api import build


@pytest.fixture
def delivery() -> Delivery:
    return Delivery(clock=SettableClock(at(2026, 3, 25, 14)), env=IN_MEMORY)


@pytest.fixture
async def api(delivery: Delivery) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(build(runtime("delivery-api"), lambda _: delivery), "delivery-api") as client:
        yield client


@pytest.fixture
def ready(delivery: Delivery) -> Story:
    story = Story(return_method="COUNTER")
    story.ready(delivery.apply_public_event)
    return story


def stored(delivery: Delivery, story: Story) -> int:
    return len(list(delivery.events.get(story.dossier_id)))


def fields_of(problem: dict[str, Any]) -> set[str]:
    return {e["field"] for e in problem.get("errors") or ()}


async def test_a_malformed_counter_return_names_every_bad_field(
    api: httpx.AsyncClient, delivery: Delivery, ready: Story
) -> None:
    before = stored(delivery, ready)
    r = await api.post(
        f"/dossiers/{ready.dossier_id}/counter-return",
        json={
            "recipient": {"name": "", "id_type": "CMND9", "id_number": "123"},
            "fees_collected_vnd": -1,
            "tip_vnd": 50_000,
        },
        headers=OFFICER,
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert fields_of(problem) == {
        "recipient.name",
        "recipient.id_type",
        "recipient.id_number",
        "fees_collected_vnd",
        "tip_vnd",
    }
    assert all(e["message_vi"] and e["message_en"] for e in problem["errors"])
    assert stored(delivery, ready) == before


async def test_a_rule_with_a_field_is_a_422_naming_it_and_a_state_rule_a_409(
    api: httpx.AsyncClient, delivery: Delivery, ready: Story
) -> None:
    before = stored(delivery, ready)
    r = await api.post(
        f"/dossiers/{ready.dossier_id}/counter-return", json={"recipient": me()}, headers=OFFICER
    )  # the deed the agency holds is not given back
    assert r.status_code == 422, r.text
    assert r.json()["rule"] == "ORIGINALS_NOT_RETURNED" and fields_of(r.json()) == {"originals_returned"}
    waiting = Story(return_method="COUNTER")
    delivery.apply_public_event(waiting.submitted())
    r = await api.post(
        f"/dossiers/{waiting.dossier_id}/counter-return",
        json={"recipient": me(), "originals_returned": [ORIGINAL]},
        headers=OFFICER,
    )
    assert r.status_code == 409 and r.json()["rule"] == "RETURN_BEFORE_RESULT", r.text
    assert r.json()["detail_vi"]  # the officer reads why, in Vietnamese
    assert stored(delivery, ready) == before


async def test_an_unknown_dossier_is_a_404_problem(api: httpx.AsyncClient) -> None:
    for path, body in (("counter-return", {"recipient": me()}), ("kiosk-deposit", None), ("", None)):
        url = f"/dossiers/{uuid4()}/{path}".rstrip("/")
        if path == "kiosk-deposit":
            r = await api.post(url, json={"locker_id": "TU-01", "pickup_code": "482913"}, headers=OFFICER)
        elif body is not None:
            r = await api.post(url, json=body, headers=OFFICER)
        else:
            r = await api.get(url, headers=OFFICER)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["type"].endswith("/not-found") and r.json()["detail_vi"].startswith("Không tìm thấy")


async def test_only_counter_officers_hand_results_over(
    api: httpx.AsyncClient, delivery: Delivery, ready: Story
) -> None:
    before = stored(delivery, ready)
    body = {"recipient": me(), "originals_returned": [ORIGINAL]}
    url = f"/dossiers/{ready.dossier_id}/counter-return"
    assert (await api.post(url, json=body)).status_code == 401
    for who in (CITIZEN, AUDITOR, OPERATOR):
        r = await api.post(url, json=body, headers=who)
        assert r.status_code == 403 and r.json()["type"].endswith("/role-required"), r.text
    assert stored(delivery, ready) == before


async def test_an_officer_of_another_unit_cannot_hand_over_or_deposit(
    api: httpx.AsyncClient, delivery: Delivery, ready: Story
) -> None:
    before = stored(delivery, ready)
    body = {"recipient": me(), "originals_returned": [ORIGINAL]}
    deposit = {"locker_id": "TU-01", "pickup_code": "482913"}
    for path, payload in (
        ("counter-return", body),
        ("kiosk-deposit", deposit),
        ("postal-pickup-request", {}),
    ):
        r = await api.post(f"/dossiers/{ready.dossier_id}/{path}", json=payload, headers=OTHER_OFFICER)
        assert r.status_code == 403 and r.json()["rule"] == "NOT_YOUR_UNIT", (path, r.text)
        assert DESK in r.json()["detail"]
    assert stored(delivery, ready) == before
    r = await api.post(f"/dossiers/{ready.dossier_id}/counter-return", json=body, headers=OFFICER)
    assert r.status_code == 200 and r.json()["returned_method"] == "COUNTER", r.text


async def test_an_applicant_acts_and_reads_only_their_own_dossier(
    api: httpx.AsyncClient, delivery: Delivery, ready: Story
) -> None:
    r = await api.post(
        f"/dossiers/{ready.dossier_id}/counter-return",
        json={"recipient": me(), "originals_returned": [ORIGINAL]},
        headers=OFFICER,
    )
    assert r.status_code == 200, r.text
    before = stored(delivery, ready)
    for path in ("", "/events"):
        r = await api.get(f"/dossiers/{ready.dossier_id}{path}", headers=STRANGER)
        assert r.status_code == 403 and r.json()["rule"] == "NOT_YOUR_DOSSIER", r.text
    r = await api.post(f"/dossiers/{ready.dossier_id}/rating", json={"level": "SATISFIED"}, headers=STRANGER)
    assert r.status_code == 403 and r.json()["rule"] == "NOT_YOUR_DOSSIER"
    assert stored(delivery, ready) == before
    assert (await api.get(f"/dossiers/{ready.dossier_id}", headers=CITIZEN)).status_code == 200
    r = await api.post(
        f"/dossiers/{ready.dossier_id}/rating",
        json={"level": "SATISFIED", "criteria": [{"criterion": "thai-do-phuc-vu", "score": 5}]},
        headers=CITIZEN_VNEID,  # signed in through VNeID: the same person
    )
    assert r.status_code == 200 and r.json()["rated"] is True, r.text


async def test_a_rating_names_its_bad_criterion(
    api: httpx.AsyncClient, delivery: Delivery, ready: Story
) -> None:
    r = await api.post(
        f"/dossiers/{ready.dossier_id}/counter-return",
        json={"recipient": me(), "originals_returned": [ORIGINAL]},
        headers=OFFICER,
    )
    assert r.status_code == 200
    before = stored(delivery, ready)
    r = await api.post(
        f"/dossiers/{ready.dossier_id}/rating",
        json={"level": "VERY_HAPPY", "criteria": [{"criterion": "thai-do-phuc-vu", "score": 9}]},
        headers=CITIZEN,
    )
    assert r.status_code == 422 and fields_of(r.json()) == {"level", "criteria[0].score"}, r.text
    r = await api.post(
        f"/dossiers/{ready.dossier_id}/rating",
        json={"level": "SATISFIED", "criteria": [{"criterion": "do-dep-trai", "score": 4}]},
        headers=CITIZEN,
    )
    assert r.status_code == 422 and r.json()["rule"] == "RATING_CRITERION_UNKNOWN"
    assert fields_of(r.json()) == {"criteria[0].criterion"}
    assert stored(delivery, ready) == before


async def test_the_outbox_is_for_staff_and_lists_unsent_messages(
    api: httpx.AsyncClient, delivery: Delivery, ready: Story
) -> None:
    assert (await api.get("/ops/outbox", headers=CITIZEN)).status_code == 403
    r = await api.get("/ops/outbox", headers=OPERATOR)
    assert r.status_code == 200
    pending = [m for m in r.json() if m["dossier_id"] == str(ready.dossier_id)]
    # The receipt and the result (ready on 25/3, before the promised 26/3: an early-return invitation), on
    # each channel the applicant has (phone and e-mail).
    assert sorted(m["kind"] for m in pending) == ["EARLY_RETURN", "EARLY_RETURN", "RECEIPT", "RECEIPT"]
    assert {m["message_id"] for m in pending} == {str(m.message_id) for m in delivery.pending_messages()}
