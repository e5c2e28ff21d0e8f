"""Intake end to end (issue 4): intake-api and intake-relay as processes on the real broker and server.

A counter dossier, an online dossier and a postal hand-over of five dossiers are received with the right
codes and due dates; every event they caused reaches Kafka and decodes against the v1 contracts; bad inputs
are refused with a clear 4xx and leave the event store untouched; two concurrent receipts of one dossier
give one success and one conflict.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from e2e_stack import Stack, auth
from kafka_kit import publish_sync, read_events_sync
from waiting import wait_until

from contracts.enums import Producer
from contracts.golden import example_event
from contracts.identity import public_event_id
from contracts.processing import ResultIssued
from contracts.topic_names import INTAKE_DOSSIERS
from services.runtime.auth import AuthSettings, issue_token

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICER = auth("counter_officer", "cb.h44100.tiepnhan01", unit="H44.100")
CITIZEN = auth("applicant", "025187004512")
POST = auth("postal_partner", "vnpost.sonha.bc01", partner="VNPOST-H44")
PDF = b"%PDF-1.7 giay de nghi dang ky ho kinh doanh"


def applicant(id_number: str = "025187004512", name: str = "Nguyễn Thị Thu Hà") -> dict[str, Any]:
    return {
        "kind": "CITIZEN",
        "name": name,
        "id_number": id_number,
        "phone": "0912345678",
        "address": {"street": "Số 12, đường Trần Hưng Đạo", "commune": "Phường Sơn Hà", "province": "Sơn Hà"},
    }


def business_registration(channel: str = "COUNTER", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "procedure_code": "2.000575",
        "channel": channel,
        "receiving_unit_code": "H44.100",
        "applicant": applicant(),
        "components": [
            {"code": "TK", "name": "Giấy đề nghị đăng ký hộ kinh doanh", "form": "DECLARATION_FORM"}
        ],
    }
    if channel == "ONLINE":
        body["online_mode"] = "FULL"
        body["components"] = [
            {
                "code": "TK",
                "name": "Giấy đề nghị đăng ký hộ kinh doanh",
                "form": "ELECTRONIC",
                "files": [
                    {
                        "file_ref": "dvcqg://tailieu/2026/03/05/7f3a91c2.pdf",
                        "sha256": hashlib.sha256(PDF).hexdigest(),
                    }
                ],
                "source": "UPLOADED_BY_APPLICANT",
            }
        ]
        body["result_return_method"] = "ONLINE"
    if channel == "POSTAL":
        body["result_return_method"] = "POSTAL"
        body["postal_return_address"] = applicant()["address"]
    return {**body, **overrides}


def post(
    stack: Stack, path: str, body: Any, headers: dict[str, str], key: str | None = None
) -> httpx.Response:
    h = dict(headers)
    if key is not None:
        h["Idempotency-Key"] = key
    return httpx.post(f"{stack.urls['intake-api']}{path}", json=body, headers=h, timeout=30)


def events_in_store(stack: Stack) -> int:
    return stack.scalar(f'SELECT count(*) FROM "{stack.prefix}intake".intake_events')


@pytest.fixture(scope="module")
def intake(stack: Stack) -> Iterator[Stack]:
    stack.start("intake-api")
    stack.start("intake-relay")
    yield stack


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN)  # type: ignore[misc]


def test_counter_walk_in_on_the_friday_before_tet_2026(intake: Stack) -> None:
    # By hand (household business registration, 3 working days = 24 office hours, 07:30–11:30 13:00–17:00):
    # Fri 13/2/2026 16:30–17:00 = 0.5 h; Sat 14/2 – Sun 22/2 off (weekend + Tết 16–20/2); Mon 23/2 8 h,
    # Tue 24/2 8 h (16.5 h); Wed 25/2 07:30–11:30 (20.5 h) and 13:00–16:30 (24 h) → due Wed 25/2 16:30.
    intake.set_clock("intake-api", at(2026, 2, 13, 16, 30))
    r = post(
        intake, "/dossiers/walk-in", {"submission": business_registration()}, OFFICER, key=str(uuid.uuid4())
    )
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["dossier_code"] == "000.00.100.H44-260213-0001"
    assert datetime.fromisoformat(receipt["due_at"]) == at(2026, 2, 25, 16, 30)
    slip = httpx.get(
        f"{intake.urls['intake-api']}/dossiers/{receipt['dossier_id']}/receipt-slip?format=pdf",
        headers=OFFICER,
        timeout=30,
    )
    assert slip.status_code == 200 and slip.content.startswith(b"%PDF")
    html = httpx.get(
        f"{intake.urls['intake-api']}/dossiers/{receipt['dossier_id']}/receipt-slip",
        headers=OFFICER,
        timeout=30,
    ).text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in html and "000.00.100.H44-260213-0001" in html
    assert "16 giờ 30 phút, ngày 25 tháng 02 năm 2026" in html


def test_online_dossier_submitted_by_the_citizen_and_received_at_the_desk(intake: Stack) -> None:
    # Submitted online Thu 5/3/2026 08:00, received by the officer at 09:00; the legal receipt time of an
    # online dossier is its submission (ADR 0252/0253): 3 working days from Thu 08:00 → Tue 10/3 08:00.
    intake.set_clock("intake-api", at(2026, 3, 5, 8, 0))
    r = post(intake, "/dossiers", business_registration("ONLINE"), CITIZEN, key=str(uuid.uuid4()))
    assert r.status_code == 201, r.text
    dossier = r.json()
    assert dossier["status"] == "SUBMITTED" and dossier["dossier_code"] is None
    intake.set_clock("intake-api", at(2026, 3, 5, 9, 0))
    r = post(intake, f"/dossiers/{dossier['dossier_id']}/receipt", None, OFFICER)
    assert r.status_code == 200, r.text
    receipt = r.json()
    assert receipt["dossier_code"] == "000.00.100.H44-260305-0001"
    assert datetime.fromisoformat(receipt["legal_receipt_at"]) == at(2026, 3, 5, 8, 0)
    assert datetime.fromisoformat(receipt["due_at"]) == at(2026, 3, 10, 8, 0)


def test_five_postal_dossiers_received_on_one_hand_over_record(intake: Stack) -> None:
    # The post collected them on Mon 9/3/2026; the record is signed at the desk Tue 10/3 10:00, which is
    # the legal receipt time of all five: due Fri 13/3 10:00 (3 working days of 8 h from Tue 10:00).
    intake.set_clock("intake-api", at(2026, 3, 9, 14, 0))
    ids = []
    for n in range(5):
        body = business_registration(
            "POSTAL", applicant=applicant(f"02518700{4600 + n}", f"Trần Văn Bưu {n}")
        )
        r = post(intake, "/dossiers", body, POST, key=str(uuid.uuid4()))
        assert r.status_code == 201, r.text
        ids.append(r.json()["dossier_id"])
    intake.set_clock("intake-api", at(2026, 3, 10, 10, 30))
    record = {
        "record_no": "BBGN-H44100-2026-0310-01",
        "signed_at": at(2026, 3, 10, 10, 0).isoformat(),
        "lines": [{"dossier_id": i, "decision": "RECEIVE"} for i in ids],
    }
    r = post(intake, "/postal-handovers", record, OFFICER, key=str(uuid.uuid4()))
    assert r.status_code == 201, r.text
    outcomes = r.json()
    codes = sorted(o["receipt"]["dossier_code"] for o in outcomes)
    assert codes == [f"000.00.100.H44-260310-000{n}" for n in range(1, 6)]
    for o in outcomes:
        assert datetime.fromisoformat(o["receipt"]["legal_receipt_at"]) == at(2026, 3, 10, 10, 0)
        assert datetime.fromisoformat(o["receipt"]["due_at"]) == at(2026, 3, 13, 10, 0)


def test_every_event_reached_kafka_and_validates_against_the_contracts(intake: Stack) -> None:
    # Runs after the journeys above (file order): the relay publishes what the desk recorded.
    topic = intake.namespace + INTAKE_DOSSIERS
    expected_received = 1 + 1 + 5
    events: list[Any] = []

    def relayed() -> bool:
        events[:] = read_events_sync(intake.kafka_bootstrap, topic)  # decoded: raises if invalid
        return sum(e.event_type.endswith("dossier-received.v1") for e in events) >= expected_received

    wait_until(relayed, 60, "the relay to publish the receipts")
    types = [e.event_type for e in events]
    assert types.count("vn.one-stop.intake.dossier-submitted.v1") == 7
    assert types.count("vn.one-stop.intake.dossier-received.v1") == 7
    codes = {e.dossier_code for e in events if e.event_type.endswith("dossier-received.v1")}
    assert "000.00.100.H44-260213-0001" in codes and len(codes) == 7
    per_dossier: dict[uuid.UUID, list[int]] = {}
    for e in events:
        per_dossier.setdefault(e.dossier_id, []).append(e.seq)
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in per_dossier.values())  # in order, no gaps


# -- bad inputs: a clear 4xx and nothing recorded --------------------------------------------------------


def _submitted(intake: Stack, **overrides: Any) -> str:
    r = post(intake, "/dossiers", business_registration(**overrides), OFFICER, key=str(uuid.uuid4()))
    assert r.status_code == 201, r.text
    return str(r.json()["dossier_id"])


def test_bad_inputs_are_refused_and_change_nothing(intake: Stack) -> None:
    intake.set_clock("intake-api", at(2026, 3, 16, 9, 0))
    api = intake.urls["intake-api"]
    supplemented = _submitted(intake)
    assert (
        post(
            intake,
            f"/dossiers/{supplemented}/intake-supplement-request",
            {
                "reasons": "Thiếu danh sách",
                "items": [{"name": "Danh sách thành viên", "issue": "MISSING", "component_code": "DS"}],
            },
            OFFICER,
        ).status_code
        == 200
    )
    received = _submitted(intake)
    assert post(intake, f"/dossiers/{received}/receipt", None, OFFICER).status_code == 200
    refused = _submitted(intake)
    assert (
        post(
            intake,
            f"/dossiers/{refused}/refusal",
            {"reason_code": "INELIGIBLE", "reason_text": "Không thuộc đối tượng"},
            OFFICER,
        ).status_code
        == 200
    )
    digitised = _submitted(intake)
    expired = {
        "Authorization": "Bearer "
        + issue_token(
            AuthSettings(),
            "cb.h44100.tiepnhan01",
            ["counter_officer"],
            timedelta(minutes=1),
            unit_code="H44.100",
            now=datetime.now(VN) - timedelta(hours=1),
        )
    }
    same_key = str(uuid.uuid4())
    assert post(intake, "/dossiers", business_registration(), OFFICER, key=same_key).status_code == 201
    before = events_in_store(intake)

    cases: list[tuple[str, httpx.Response, int]] = [
        (
            "unknown procedure",
            post(
                intake,
                "/dossiers",
                business_registration(procedure_code="9.999999"),
                OFFICER,
                key=str(uuid.uuid4()),
            ),
            422,
        ),
        (
            "postal channel for a personal-presence procedure",
            post(
                intake,
                "/dossiers",
                business_registration(
                    "POSTAL",
                    procedure_code="2.000884",
                    components=[
                        {"code": "GTTT", "name": "Giấy tờ tùy thân", "form": "ORIGINAL_TO_SHOW"},
                        {"code": "VB", "name": "Văn bản cần chứng thực chữ ký", "form": "ORIGINAL"},
                    ],
                ),
                OFFICER,
                key=str(uuid.uuid4()),
            ),
            422,
        ),
        (
            "second intake supplement request",
            post(
                intake,
                f"/dossiers/{supplemented}/intake-supplement-request",
                {"reasons": "Lần hai", "items": [{"name": "X", "issue": "MISSING"}]},
                OFFICER,
            ),
            409,
        ),
        ("receive twice", post(intake, f"/dossiers/{received}/receipt", None, OFFICER), 409),
        ("receive a refused dossier", post(intake, f"/dossiers/{refused}/receipt", None, OFFICER), 409),
        (
            "malformed citizen id (CCCD has 12 digits)",
            post(
                intake,
                "/dossiers",
                business_registration(applicant=applicant("02518700451")),
                OFFICER,
                key=str(uuid.uuid4()),
            ),
            422,
        ),
        (
            "negative fee",
            post(
                intake,
                f"/dossiers/{digitised}/receipt",
                {"fee_lines": [{"kind": "LE_PHI", "name": "Lệ phí", "amount_vnd": -100000}]},
                OFFICER,
            ),
            422,
        ),
        (
            "file hash that is not a sha256",
            post(
                intake,
                f"/dossiers/{digitised}/digitisation",
                {
                    "component_code": "TK",
                    "file_ref": "dms://x.pdf",
                    "sha256": "abc123",
                    "source": "SCANNED_AT_COUNTER",
                },
                OFFICER,
            ),
            422,
        ),
        (
            "idempotency key replayed with a different body",
            post(intake, "/dossiers", business_registration(summary="khác"), OFFICER, key=same_key),
            422,
        ),
        (
            "submission without an idempotency key",
            post(intake, "/dossiers", business_registration(), OFFICER),
            400,
        ),
        (
            "wrong role (an applicant receiving a dossier)",
            post(intake, f"/dossiers/{digitised}/receipt", None, CITIZEN),
            403,
        ),
        ("expired token", post(intake, f"/dossiers/{digitised}/receipt", None, expired), 401),
        ("no token", httpx.post(f"{api}/dossiers/{digitised}/receipt", timeout=10), 401),
        (
            "unknown unit",
            post(
                intake,
                "/dossiers",
                business_registration(receiving_unit_code="H44.999"),
                OFFICER,
                key=str(uuid.uuid4()),
            ),
            422,
        ),
        (
            "dossier code collision (a portal code already issued)",
            post(
                intake,
                "/dossiers",
                business_registration("ONLINE", dossier_code="000.00.100.H44-260213-0001"),
                CITIZEN,
                key=str(uuid.uuid4()),
            ),
            409,
        ),
        (
            "oversized payload",
            post(
                intake,
                "/dossiers",
                business_registration(summary="x" * 2_000_000),
                OFFICER,
                key=str(uuid.uuid4()),
            ),
            413,
        ),
        (
            "unknown field",
            post(
                intake, "/dossiers", {**business_registration(), "bogus": 1}, OFFICER, key=str(uuid.uuid4())
            ),
            422,
        ),
        (
            "withdraw a refused dossier",
            post(intake, f"/dossiers/{refused}/withdrawal", {"channel": "COUNTER"}, OFFICER),
            409,
        ),
    ]
    assert events_in_store(intake) == before  # not one event from any of the refused commands
    failures = []
    for what, response, status in cases:
        body = response.json() if response.headers.get("content-type", "").startswith("application/") else {}
        if response.status_code != status:
            failures.append(f"{what}: expected {status}, got {response.status_code} {response.text[:300]}")
        elif not (body.get("title") and body.get("type")):
            failures.append(f"{what}: no problem details in {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert len(cases) >= 15


def test_two_concurrent_receipts_of_one_dossier_one_wins_one_conflicts(intake: Stack) -> None:
    intake.set_clock("intake-api", at(2026, 3, 17, 9, 0))
    dossier = _submitted(intake)
    barrier = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def receive() -> None:
        barrier.wait()
        answers.append(post(intake, f"/dossiers/{dossier}/receipt", None, OFFICER))

    threads = [threading.Thread(target=receive) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409).json()
    assert loser["rule"] in {"RECEIVE_TWICE", "CONCURRENT_UPDATE"} or "concurrent" in loser["type"]
    history = httpx.get(
        f"{intake.urls['intake-api']}/dossiers/{dossier}/events", headers=OFFICER, timeout=30
    ).json()
    received = [e for e in history if e["event_type"].endswith("dossier-received.v1")]
    assert len(received) == 1  # received once, with one code: never a lost update, never a double


def test_withdrawal_after_a_result_is_refused_once_intake_learns_of_it(intake: Stack) -> None:
    # Processing's ResultIssued reaches intake through Kafka (intake-worker); from then on a withdrawal is
    # refused with the rule that forbids it, and the store does not move.
    intake.start("intake-worker")
    intake.set_clock("intake-api", at(2026, 3, 18, 9, 0))
    r = post(
        intake, "/dossiers/walk-in", {"submission": business_registration()}, OFFICER, key=str(uuid.uuid4())
    )
    assert r.status_code == 201, r.text
    dossier_id = uuid.UUID(r.json()["dossier_id"])
    result = example_event(ResultIssued.EVENT_TYPE).model_copy(
        update={
            "event_id": public_event_id(Producer.PROCESSING, dossier_id, 9, at(2026, 3, 19, 10, 0)),
            "dossier_id": dossier_id,
            "seq": 9,
            "occurred_at": at(2026, 3, 19, 10, 0),
            "recorded_at": at(2026, 3, 19, 10, 0),
        }
    )

    # Delivered twice, as after a relay crash: the desk notes it once.
    publish_sync(intake.kafka_bootstrap, intake.namespace, [result, result], declare=False)

    def result_ready() -> bool:
        view = httpx.get(
            f"{intake.urls['intake-api']}/dossiers/{dossier_id}", headers=OFFICER, timeout=10
        ).json()
        return bool(view["status"] == "RESULT_READY")

    wait_until(result_ready, 60, "intake to learn the result from processing")
    before = events_in_store(intake)
    r = post(intake, f"/dossiers/{dossier_id}/withdrawal", {"channel": "COUNTER"}, CITIZEN)
    assert r.status_code == 409, r.text
    assert r.json()["rule"] == "WITHDRAW_AFTER_RESULT"
    assert events_in_store(intake) == before
