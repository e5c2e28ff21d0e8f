"""E30 DueDateCorrected end to end (ADR 0254): intake-api, intake-relay, the projector and projections-api as
processes on the real broker and server.

A counter officer asks intake-api to correct the promise printed on a slip, an agency lead co-signs with
her own token (``Approver-Authorization``); wrong roles, a missing or self-given approval, a time the office
cannot keep and a dossier not received yet are refused and record nothing; the correction reaches the
intake topic as E30, and the projector's dossier timeline shows it with the corrected promise.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from e2e_stack import Stack, auth, token
from kafka_kit import read_events_sync
from test_delivery_support import start_with_env
from waiting import wait_until

from contracts.intake import DueDateCorrected
from contracts.topic_names import INTAKE_DOSSIERS

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICER_ID = "cb.h44100.tiepnhan01"
LEAD_ID = "ld.h44100.truongbophan"
OFFICER = auth("counter_officer", OFFICER_ID, unit="H44.100")
LEAD = auth("agency_lead", LEAD_ID, unit="H44.100")
AUDITOR = auth("auditor", "kiemtoan.e2e")
LEAD_SIGNS = {"Approver-Authorization": f"Bearer {token('agency_lead', LEAD_ID, unit='H44.100')}"}
COLLEAGUE_SIGNS = {
    "Approver-Authorization": f"Bearer {token('counter_officer', 'cb.h44100.tiepnhan02', unit='H44.100')}"
}
REASON = "Áp dụng nhầm thời hạn 3 ngày làm việc; thủ tục có thời hạn 4 ngày làm việc."
RECEIPT_DUE = datetime(2026, 3, 10, 9, 0, tzinfo=VN)
CORRECTED = datetime(2026, 3, 11, 17, 0, tzinfo=VN)


def registration() -> dict[str, Any]:
    return {
        "procedure_code": "2.000575",
        "channel": "COUNTER",
        "receiving_unit_code": "H44.100",
        "applicant": {"kind": "CITIZEN", "name": "Nguyễn Thị Thu Hà", "id_number": "025187004512"},
        "components": [
            {"code": "TK", "name": "Giấy đề nghị đăng ký hộ kinh doanh", "form": "DECLARATION_FORM"}
        ],
    }


@pytest.fixture(scope="module")
def corrections(stack: Stack) -> Iterator[Stack]:
    stack.start("intake-api")
    stack.start("intake-relay")
    start_with_env(stack, "projector")
    start_with_env(stack, "projections-api")
    yield stack


def post(
    stack: Stack, path: str, body: Any, *headers: dict[str, str], key: str | None = None
) -> httpx.Response:
    merged: dict[str, str] = {}
    for h in headers:
        merged.update(h)
    merged["Idempotency-Key"] = key or str(uuid.uuid4())
    return httpx.post(f"{stack.urls['intake-api']}{path}", json=body, headers=merged, timeout=30)


def events_in_store(stack: Stack) -> int:
    return stack.scalar(f'SELECT count(*) FROM "{stack.prefix}intake".intake_events')


def body(new_due_at: datetime = CORRECTED, reason: str = REASON) -> dict[str, str]:
    return {"new_due_at": new_due_at.isoformat(), "reason": reason}


def test_a_co_signed_correction_reaches_the_topic_and_the_timeline(corrections: Stack) -> None:
    stack = corrections
    stack.set_clock("intake-api", datetime(2026, 3, 5, 9, 0, tzinfo=VN))
    r = post(stack, "/dossiers/walk-in", {"submission": registration()}, OFFICER)
    assert r.status_code == 201, r.text
    dossier_id = r.json()["dossier_id"]
    assert datetime.fromisoformat(r.json()["due_at"]) == RECEIPT_DUE
    path = f"/dossiers/{dossier_id}/due-date-corrections"

    # Refusals: each a clear 4xx naming the rule or the field, none records anything.
    r = post(stack, "/dossiers", registration(), OFFICER)
    assert r.status_code == 201, r.text
    not_received = r.json()["dossier_id"]
    before = events_in_store(stack)
    refusals: list[tuple[str, httpx.Response, int, str, str | None]] = [
        ("an auditor asks", post(stack, path, body(), AUDITOR, LEAD_SIGNS), 403, "", None),
        ("no approval", post(stack, path, body(), OFFICER), 422, "APPROVAL_REQUIRED", "approved_by"),
        (
            "a colleague signs",
            post(stack, path, body(), OFFICER, COLLEAGUE_SIGNS),
            403,
            "APPROVER_ROLE",
            None,
        ),
        (
            "the lead signs her own",
            post(stack, path, body(), LEAD, LEAD_SIGNS),
            422,
            "FOUR_EYES",
            "approved_by",
        ),
        (
            "a Saturday",
            post(stack, path, body(datetime(2026, 3, 7, 10, 0, tzinfo=VN)), OFFICER, LEAD_SIGNS),
            422,
            "DUE_NOT_WORKING_DAY",
            "new_due_at",
        ),
        (
            "no reason",
            post(stack, path, body(reason=" "), OFFICER, LEAD_SIGNS),
            422,
            "REASON_REQUIRED",
            "reason",
        ),
        (
            "not received yet",
            post(stack, f"/dossiers/{not_received}/due-date-corrections", body(), OFFICER, LEAD_SIGNS),
            409,
            "NOT_RECEIVED",
            None,
        ),
    ]
    for what, response, status, rule, field in refusals:
        assert response.status_code == status, f"{what}: {response.text}"
        problem = response.json()
        if rule:
            assert problem["rule"] == rule, f"{what}: {problem}"
        if field:
            assert [e["field"] for e in problem["errors"]] == [field], f"{what}: {problem}"
    no_key = httpx.post(f"{stack.urls['intake-api']}{path}", json=body(), headers={**OFFICER, **LEAD_SIGNS})
    assert no_key.status_code == 400, no_key.text
    assert events_in_store(stack) == before

    # The correction, and its replay under the same key.
    key = str(uuid.uuid4())
    r = post(stack, path, body(), OFFICER, LEAD_SIGNS, key=key)
    assert r.status_code == 201, r.text
    view = r.json()
    assert datetime.fromisoformat(view["due_at"]) == CORRECTED
    assert datetime.fromisoformat(view["receipt_due_at"]) == RECEIPT_DUE
    (history,) = view["due_corrections"]
    assert (history["requested_by"], history["approved_by"], history["approver_role"]) == (
        OFFICER_ID,
        LEAD_ID,
        "AGENCY_LEAD",
    )
    assert view["history"][-1]["event_type"] == "vn.one-stop.intake.due-date-corrected.v1"
    again = post(stack, path, body(), OFFICER, LEAD_SIGNS, key=key)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == view
    assert events_in_store(stack) == before + 1
    slip = httpx.get(
        f"{stack.urls['intake-api']}/dossiers/{dossier_id}/receipt-slip", headers=OFFICER, timeout=30
    )
    assert "17 giờ 00 phút, ngày 11 tháng 03 năm 2026" in slip.text

    # intake-relay publishes it as E30.
    topic = stack.namespace + INTAKE_DOSSIERS
    published: list[DueDateCorrected] = []

    def relayed() -> bool:
        published[:] = [
            e
            for e in read_events_sync(stack.kafka_bootstrap, topic)
            if isinstance(e, DueDateCorrected) and str(e.dossier_id) == dossier_id
        ]
        return bool(published)

    wait_until(relayed, 60, "the relay to publish the correction")
    (e30,) = published
    assert (e30.old_due_at, e30.new_due_at, e30.approved_by) == (RECEIPT_DUE, CORRECTED, LEAD_ID)
    assert e30.actor.id == OFFICER_ID and e30.seq == 3  # submitted, received, corrected

    # The projector folds it into the dossier's timeline.
    timeline: dict[str, Any] = {}

    def folded() -> bool:
        r = httpx.get(
            f"{stack.urls['projections-api']}/dossiers/{dossier_id}/timeline", headers=AUDITOR, timeout=30
        )
        if r.status_code == 404:
            return False
        assert r.status_code == 200, r.text
        timeline.update(r.json())
        return any(row["kind"] == "DUE_CORRECTED" for row in timeline["rows"])

    wait_until(folded, 90, "the projector to fold the correction")
    row = next(row for row in timeline["rows"] if row["kind"] == "DUE_CORRECTED")
    assert LEAD_ID in row["note"] and REASON in row["note"]
    assert datetime.fromisoformat(row["effective_due_at"]) == CORRECTED
    assert datetime.fromisoformat(timeline["dossier"]["original_due_at"]) == CORRECTED
