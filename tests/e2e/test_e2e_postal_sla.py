"""A postal SLA breach detected on simulated time across a weekend (issue 6): postal-partner as a process,
its SLA scan running on the process clock.

An intra-district dossier accepted on Friday 20/3/2026 at 16:00 without an appointment slip has n = 1:
J + 1 is Monday 23/3 (Saturday and Sunday are not working days), so it is late from Tuesday 24/3 00:00.
Moving the clock over the weekend finds nothing; past Monday midnight the scan records one breach, once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from e2e_stack import Stack, auth
from test_delivery_support import APPLICANT_NAME, HOME, POST, at, start_with_env
from waiting import wait_until

OPERATOR = auth("operator", "ops.e2e")


@pytest.fixture(scope="module")
def postal(stack: Stack) -> Iterator[Stack]:
    start_with_env(stack, "postal-partner", {"POSTAL_SLA_SCAN_INTERVAL_S": "0.3"})
    yield stack


def call(stack: Stack, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{stack.urls['postal-partner']}{path}", json=body, headers=headers, timeout=30)


def clocks(stack: Stack) -> list[dict[str, Any]]:
    r = httpx.get(f"{stack.urls['postal-partner']}/sla-clocks", headers=POST, timeout=10)
    assert r.status_code == 200, r.text
    return list(r.json())


def breaches_in_store(stack: Stack) -> int:
    return stack.scalar(
        f"SELECT count(*) FROM \"{stack.prefix}postal\".postal_events WHERE topic LIKE '%SlaBreached'"
    )


def scan_at(stack: Stack, when: datetime) -> list[dict[str, Any]]:
    stack.set_clock("postal-partner", when, rate=0)
    r = call(stack, "/ops/sla-scan", None, OPERATOR)
    assert r.status_code == 200, r.text
    return list(r.json())


def test_sla_breach_is_found_on_simulated_time_across_a_weekend(postal: Stack) -> None:
    postal.set_clock("postal-partner", at(2026, 3, 20, 15, 50), rate=0)
    r = call(
        postal,
        "/registrations",
        {
            "form": "SEND",
            "requested_via": "APPLICANT_AT_POST_OFFICE",
            "procedure_code": "2.000575",
            "agency_unit_code": "H44.100",
            "contact": {"name": APPLICANT_NAME, "phone": "0912345678"},
            "pickup_address": HOME,
        },
        POST,
    )
    assert r.status_code == 201, r.text
    dossier_id = r.json()["dossier_id"]
    number = f"EB{uuid.uuid4().int % 10**9:09d}VN"
    postal.set_clock("postal-partner", at(2026, 3, 20, 16, 0), rate=0)
    r = call(
        postal,
        f"/files/{dossier_id}/acceptance",
        {
            "waybill_no": number,
            "consignment_note_no": "PG-0320",
            "items": [{"name": "Giấy đề nghị đăng ký hộ kinh doanh", "original": True}],
            "postage_vnd": 32000,
            "post_office_code": "BC-SH-01",
            "route_class": "INTRA_DISTRICT",
            "slip_required": False,
        },
        POST,
    )
    assert r.status_code == 200, r.text
    (clock,) = [c for c in clocks(postal) if c["waybill_no"] == number]
    assert datetime.fromisoformat(clock["due_at"]) == at(2026, 3, 24, 0, 0)  # end of Monday 23/3

    # Over the weekend and through Monday: on time.
    for when in (at(2026, 3, 21, 10, 0), at(2026, 3, 22, 23, 59), at(2026, 3, 23, 23, 59)):
        assert scan_at(postal, when) == []
    assert breaches_in_store(postal) == 0

    # Tuesday 00:05 with the clock running: the background scan finds it on its own.
    postal.set_clock("postal-partner", at(2026, 3, 24, 0, 5), rate=1)
    wait_until(
        lambda: any(c["breach_recorded"] for c in clocks(postal) if c["waybill_no"] == number),
        30,
        "the SLA scan to record the breach",
    )
    assert breaches_in_store(postal) == 1
    assert scan_at(postal, at(2026, 3, 25, 9, 0)) == []  # recorded once, never again
    assert breaches_in_store(postal) == 1
