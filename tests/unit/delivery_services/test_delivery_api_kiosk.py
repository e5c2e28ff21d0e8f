"""Kiosk (result locker) return through delivery-api (ADR 0650): the officer deposits with a one-time code;
the kiosk hands the result out only for the right code AND the applicant's identity; every refusal is a 4xx
that records nothing; E25 names the kiosk and the identified recipient."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from delivery_services_kit import (
    APPLICANT_ID,
    CITIZEN,
    IN_MEMORY,
    OFFICER,
    ORIGINAL,
    STRANGER,
    Story,
    at,
    me,
    runtime,
    serving,
)

from contracts.delivery import ResultReturned
from delivery.clock import SettableClock
from delivery.outbound import outbound
from delivery.policy import DeliveryPolicy
from delivery.service import Delivery
from services.delivery.api import build

CODE = "482913"
LOCKER = "TU-A07"


def in_memory(policy: DeliveryPolicy | None = None) -> Delivery:
    return Delivery(clock=SettableClock(at(2026, 3, 25, 14)), policy=policy, env=IN_MEMORY)


@pytest.fixture
def delivery() -> Delivery:
    return in_memory()


@pytest.fixture
async def api(delivery: Delivery) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(build(runtime("delivery-api"), lambda _: delivery), "delivery-api") as client:
        yield client


def stored(delivery: Delivery, story: Story) -> int:
    return len(list(delivery.events.get(story.dossier_id)))


def returned(delivery: Delivery, story: Story) -> list[ResultReturned]:
    return [
        p for e in delivery.events.get(story.dossier_id) for p in outbound(e) if isinstance(p, ResultReturned)
    ]


async def deposited(api: httpx.AsyncClient, delivery: Delivery, **story: str) -> Story:
    kiosk = Story(**story)
    kiosk.ready(delivery.apply_public_event)
    r = await api.post(
        f"/dossiers/{kiosk.dossier_id}/kiosk-deposit",
        json={"locker_id": LOCKER, "pickup_code": CODE},
        headers=OFFICER,
    )
    assert r.status_code == 200 and r.json()["status"] == "IN_KIOSK", r.text
    return kiosk


async def test_the_kiosk_hands_the_result_to_the_applicant_with_code_and_identity(
    api: httpx.AsyncClient, delivery: Delivery
) -> None:
    kiosk = await deposited(api, delivery)
    assert any(
        m["kind"] == "IN_KIOSK"
        for m in (await api.get(f"/dossiers/{kiosk.dossier_id}", headers=OFFICER)).json()["messages"]
    )
    r = await api.post(
        f"/dossiers/{kiosk.dossier_id}/kiosk-collection",
        json={"pickup_code": CODE, "recipient": me(id_number=f" {APPLICANT_ID.lower()} ")},
        headers=CITIZEN,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "RETURNED" and r.json()["returned_method"] == "KIOSK"
    (e25,) = returned(delivery, kiosk)
    assert e25.method.value == "KIOSK" and e25.recipient is not None
    assert e25.recipient.id_number == APPLICANT_ID and e25.originals_returned == [ORIGINAL]
    assert e25.occurred_at == at(2026, 3, 25, 14)
    r = await api.get(f"/dossiers/{kiosk.dossier_id}/events", headers=CITIZEN)
    assert [e["method"] for e in r.json() if e["event_type"].endswith("result-returned.v1")] == ["KIOSK"]


async def test_a_wrong_code_or_person_is_refused_and_changes_nothing(
    api: httpx.AsyncClient, delivery: Delivery
) -> None:
    kiosk = await deposited(api, delivery)
    before = stored(delivery, kiosk)
    url = f"/dossiers/{kiosk.dossier_id}/kiosk-collection"
    cases = [
        ({"pickup_code": "000000", "recipient": me()}, 422, "PICKUP_CODE_MISMATCH", "pickup_code"),
        (
            {"pickup_code": CODE, "recipient": me(id_number="025187009999")},
            409,
            "RECIPIENT_NOT_AUTHORISED",
            "recipient.id_number",
        ),
        (
            {
                "pickup_code": CODE,
                "recipient": me(
                    name="Trần Văn Khác",
                    id_number="025187009999",
                    authorised=True,
                    authorisation_ref="UQ-12/2026",
                ),
            },
            409,
            "KIOSK_IN_PERSON_ONLY",
            "recipient.authorised",
        ),
    ]
    for body, status, rule, field in cases:
        r = await api.post(url, json=body, headers=OFFICER)
        assert r.status_code == status, (rule, r.text)
        assert r.json()["rule"] == rule and [e["field"] for e in r.json()["errors"]] == [field]
    r = await api.post(url, json={"pickup_code": CODE}, headers=OFFICER)  # the code alone identifies nobody
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["recipient"]
    r = await api.post(url, json={"pickup_code": CODE, "recipient": me()}, headers=STRANGER)
    assert r.status_code == 403 and r.json()["rule"] == "NOT_YOUR_DOSSIER"
    r = await api.post(
        f"/dossiers/{kiosk.dossier_id}/counter-return",
        json={"recipient": me(), "originals_returned": [ORIGINAL]},
        headers=OFFICER,
    )
    assert r.status_code == 409 and r.json()["rule"] == "RESULT_IN_KIOSK"
    assert stored(delivery, kiosk) == before and returned(delivery, kiosk) == []
    r = await api.post(url, json={"pickup_code": CODE, "recipient": me()}, headers=OFFICER)
    assert r.status_code == 200 and r.json()["returned_method"] == "KIOSK", r.text
    r = await api.post(url, json={"pickup_code": CODE, "recipient": me()}, headers=OFFICER)
    assert r.status_code == 409 and r.json()["rule"] == "RESULT_ALREADY_RETURNED"
    assert len(returned(delivery, kiosk)) == 1


async def test_a_deposit_needs_a_strong_code_and_a_result_at_the_desk(
    api: httpx.AsyncClient, delivery: Delivery
) -> None:
    kiosk = Story()
    delivery.apply_public_event(kiosk.submitted())
    url = f"/dossiers/{kiosk.dossier_id}/kiosk-deposit"
    r = await api.post(url, json={"locker_id": LOCKER, "pickup_code": CODE}, headers=OFFICER)
    assert r.status_code == 409 and r.json()["rule"] == "RETURN_BEFORE_RESULT"
    delivery.apply_public_event(kiosk.result_issued())
    before = stored(delivery, kiosk)
    r = await api.post(url, json={"locker_id": LOCKER, "pickup_code": "48291a"}, headers=OFFICER)
    assert r.status_code == 422 and r.json()["rule"] == "PICKUP_CODE_WEAK"
    r = await api.post(url, json={"locker_id": "", "pickup_code": "12"}, headers=OFFICER)
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"locker_id", "pickup_code"}
    r = await api.post(url, json={"locker_id": LOCKER, "pickup_code": CODE}, headers=CITIZEN)
    assert r.status_code == 403
    assert stored(delivery, kiosk) == before


async def test_an_organisations_result_goes_to_a_locker_only_where_authorised_pickup_is_allowed() -> None:
    strict, lenient = in_memory(), in_memory(DeliveryPolicy(kiosk_authorised_pickup=True))
    for delivery, allowed in ((strict, False), (lenient, True)):
        async with serving(build(runtime("delivery-api"), lambda _, d=delivery: d), "delivery-api") as api:
            firm = Story(applicant_kind="ORGANISATION")
            firm.ready(delivery.apply_public_event)
            r = await api.post(
                f"/dossiers/{firm.dossier_id}/kiosk-deposit",
                json={"locker_id": LOCKER, "pickup_code": CODE},
                headers=OFFICER,
            )
            if not allowed:
                assert r.status_code == 409 and r.json()["rule"] == "KIOSK_IN_PERSON_ONLY", r.text
                continue
            assert r.status_code == 200, r.text
            agent = me(
                name="Lê Văn Bình", id_number="025079001283", authorised=True, authorisation_ref="GGT-07/2026"
            )
            r = await api.post(
                f"/dossiers/{firm.dossier_id}/kiosk-collection",
                json={"pickup_code": CODE, "recipient": {**agent, "authorisation_ref": ""}},
                headers=OFFICER,
            )
            assert r.status_code == 422 and r.json()["rule"] == "AUTHORISATION_REF_REQUIRED"
            r = await api.post(
                f"/dossiers/{firm.dossier_id}/kiosk-collection",
                json={"pickup_code": CODE, "recipient": agent},
                headers=OFFICER,
            )
            assert r.status_code == 200, r.text
            (e25,) = returned(delivery, firm)
            assert e25.recipient is not None and e25.recipient.authorisation_ref == "GGT-07/2026"
