"""Processing end to end (issue 5): dossiers received through intake-api and published by intake-relay are
opened as cases by processing-worker; officers and leads act through processing-api; processing-relay
publishes to processing.dossiers.v1. Each journey is checked on Kafka (decoded against the v1 contracts)
and through the API. Illegal transitions are refused with the rule named and write no event; a kill -9 of
the worker opens no case twice; the watcher flags an overdue dossier at the right working hour.

The post-receipt supplement (E14) and the payment platform's payment have no producer among the running
deployables yet: the test plays the desk's and the payment gateway's part and publishes those two public
events on their topics itself (deterministic ids, as their producers would).
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from e2e_stack import Stack, auth
from kafka_kit import publish_sync, read_events_sync
from waiting import wait_until

from contracts.enums import ActorKind, FeeKind, PaymentMethod, Producer
from contracts.envelope import Actor, PublicEvent
from contracts.identity import public_event_id
from contracts.payment import PaymentReceived
from contracts.topic_names import INTAKE_DOSSIERS, PAYMENT_PAYMENTS, PROCESSING_DOSSIERS
from contracts.values import FeeLine

VN = ZoneInfo("Asia/Ho_Chi_Minh")
COMMUNE, PROVINCE_DEPT = "H44.100", "H44.18"
DESK = {COMMUNE: auth("counter_officer", "cb.h44100.tiepnhan01", unit=COMMUNE)}
DESK[PROVINCE_DEPT] = auth("counter_officer", "cb.h4418.tiepnhan01", unit=PROVINCE_DEPT)
CITIZEN = auth("applicant", "025187004512")
SPECIALIST = auth("processing_officer", "cv.h44100.tuphap02", unit=COMMUNE)
LEAD = auth("agency_lead", "ld.h44100.chutich", unit=COMMUNE)
AUDITOR = auth("auditor", "kt.thanhtra01")
POLICE = auth("processing_officer", "cb.h4415.anninh01", unit="H44.15")
NEIGHBOUR = auth("processing_officer", "cv.h44101.tuphap01", unit="H44.101")
# Officers act only on their own unit's cases (ADR 0531): the science department H44.08 and the land registry
# H44.06.01 handle the provincial dossiers received at the centre H44.18.
SCIENCE, LAND = "H44.08", "H44.06.01"
SPECIALISTS = {unit: auth("processing_officer", f"cv.{unit}.01", unit=unit) for unit in (SCIENCE, LAND)}
LEADS = {unit: auth("agency_lead", f"ld.{unit}", unit=unit) for unit in (SCIENCE, LAND)}
SPECIALISTS[COMMUNE], LEADS[COMMUNE] = SPECIALIST, LEAD
CLOCKED = ("intake-api", "processing-api", "processing-worker")
MISSING = {"component_code": "CN", "name": "Giấy tờ chứng minh chỗ ở hợp pháp", "issue": "MISSING"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VN)


# --- the stack --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ps(stack: Stack) -> Iterator[Stack]:
    # The watcher looks often in tests so a moved clock is seen at once (it is idempotent per due time).
    # Small pools: the test server's connections are shared with other suites running at the same time.
    saved = {k: os.environ.get(k) for k in ("PROCESSING_WATCHER_INTERVAL_S", "PG_POOL_SIZE")}
    os.environ.update(PROCESSING_WATCHER_INTERVAL_S="0.3", PG_POOL_SIZE="2")
    try:
        for name in (
            "intake-api",
            "intake-relay",
            "intake-worker",
            "processing-worker",
            "processing-api",
            "processing-relay",
        ):
            stack.start(name)
        yield stack
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def clock(ps: Stack, when: str) -> None:
    for name in CLOCKED:
        ps.set_clock(name, at(when))


def component(code: str, name: str) -> dict[str, Any]:
    return {"code": code, "name": name, "form": "ORIGINAL"}


COMPONENTS = {
    "1.004200": [component("TK", "Tờ khai CT01"), component("CN", "Giấy tờ chứng minh chỗ ở hợp pháp")],
    "1.004873": [component("TK", "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân")],
    "1.004884": [component("TK", "Tờ khai liên thông"), component("GCS", "Giấy chứng sinh")],
    "1.012790": [component("DN", "Đơn yêu cầu công nhận sáng kiến"), component("BC", "Báo cáo kết quả")],
    "1.012780": [
        component("DK", "Đơn đăng ký biến động (Mẫu 11/ĐK)"),
        component("HD", "Hợp đồng chuyển nhượng đã công chứng"),
        component("GCN", "Giấy chứng nhận đã cấp"),
    ],
}


def walk_in(ps: Stack, procedure: str, when: str, unit: str = COMMUNE, n: int = 0) -> dict[str, Any]:
    """Received at the desk of ``unit`` at ``when`` (intake-api), then opened by processing-worker."""
    clock(ps, when)
    receipt = walk_in_only(ps, procedure, unit, n)
    wait_for_case(ps, receipt["dossier_id"])
    return receipt


def walk_in_only(ps: Stack, procedure: str, unit: str = COMMUNE, n: int = 0) -> dict[str, Any]:
    submission = {
        "procedure_code": procedure,
        "channel": "COUNTER",
        "receiving_unit_code": unit,
        "applicant": {
            "kind": "CITIZEN",
            "name": f"Nguyễn Thị Thu Hà {n}",
            "id_number": f"{25187004512 + n:012d}",
            "phone": "0912345678",
        },
        "components": COMPONENTS[procedure],
    }
    headers = {**DESK[unit], "Idempotency-Key": str(uuid.uuid4())}
    r = httpx.post(
        f"{ps.urls['intake-api']}/dossiers/walk-in",
        json={"submission": submission},
        headers=headers,
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def case(ps: Stack, dossier_id: str, who: dict[str, str] = AUDITOR) -> httpx.Response:
    return httpx.get(f"{ps.urls['processing-api']}/cases/{dossier_id}", headers=who, timeout=30)


def wait_for_case(
    ps: Stack, dossier_id: str, check: Callable[[dict[str, Any]], bool] = lambda c: True
) -> None:
    def ready() -> bool:
        r = case(ps, dossier_id)
        return r.status_code == 200 and check(r.json())

    wait_until(ready, 60, f"processing to have case {dossier_id}")


def act(
    ps: Stack, dossier_id: str, path: str, body: Any = None, who: dict[str, str] = SPECIALIST, when: str = ""
) -> httpx.Response:
    if when:
        clock(ps, when)
    return httpx.post(
        f"{ps.urls['processing-api']}/cases/{dossier_id}/{path}", json=body, headers=who, timeout=30
    )


def ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    return dict(r.json())


def assign(ps: Stack, d: str, when: str, unit: str = COMMUNE) -> dict[str, Any]:
    body = {"handler_id": "cv.h44100.tuphap02", "department": "Tư pháp"}
    return ok(act(ps, d, "assignment", body, LEADS[unit], when))


def step(
    ps: Stack, d: str, kind: str, when: str, outcome: str = "SATISFACTORY", unit: str = COMMUNE
) -> dict[str, Any]:
    who = LEADS[unit] if kind in ("REVIEW", "SIGNING") else SPECIALISTS[unit]
    return ok(act(ps, d, "steps", {"step": kind, "outcome": outcome}, who, when))


def result_body(when: str) -> dict[str, Any]:
    return {
        "documents": [
            {
                "code": "KQ",
                "name": "Giấy xác nhận kết quả giải quyết",
                "number": "KQ-0042/2026",
                "signed_at": at(when).isoformat(),
                "signer": "Nguyễn Văn An",
                "e_file_ref": "dms://h44.100/2026/KQ.pdf",
                "sha256": "ab" * 32,
                "digitally_signed": True,
            }
        ],
        "e_result": True,
    }


def all_steps(ps: Stack, d: str, day: str) -> None:
    step(ps, d, "APPRAISAL", f"{day} 10:00")
    step(ps, d, "REVIEW", f"{day} 14:00")
    step(ps, d, "SIGNING", f"{day} 15:00")


# --- Kafka --------------------------------------------------------------------------------------------


def published(ps: Stack, dossier_id: str, count: int) -> list[PublicEvent]:
    """The dossier's events on processing.dossiers.v1, once at least ``count`` have arrived."""
    topic = ps.namespace + PROCESSING_DOSSIERS
    mine: list[PublicEvent] = []

    def arrived() -> bool:
        mine[:] = [e for e in read_events_sync(ps.kafka_bootstrap, topic) if str(e.dossier_id) == dossier_id]
        return len(mine) >= count

    wait_until(arrived, 60, f"{count} processing events of {dossier_id} on Kafka")
    mine.sort(key=lambda e: e.seq)
    assert [e.seq for e in mine] == list(range(1, len(mine) + 1))  # in order, no gaps, no repeats
    return mine


def kinds(events: list[PublicEvent]) -> list[str]:
    return [e.event_type.split(".")[-2] for e in events]


def api_kinds(ps: Stack, dossier_id: str) -> list[str]:
    r = httpx.get(f"{ps.urls['processing-api']}/cases/{dossier_id}/events", headers=SPECIALIST, timeout=30)
    assert r.status_code == 200, r.text
    return [e["event_type"].split(".")[-2] for e in r.json()]


def publish(ps: Stack, event: PublicEvent) -> None:
    # The running deployables declared the namespace's topics already.
    publish_sync(ps.kafka_bootstrap, ps.namespace, [event], declare=False)


def supplement_at_desk(ps: Stack, dossier_id: str, when: str) -> None:
    """E14 through intake: intake-worker learns processing's request from Kafka; the citizen answers at the
    desk, and intake-relay publishes SupplementSubmitted for processing-worker to accept."""
    clock(ps, when)
    body = {"items": [{"name": "Giấy tờ chứng minh chỗ ở hợp pháp"}], "channel": "COUNTER"}

    def answered() -> bool:
        r = httpx.post(
            f"{ps.urls['intake-api']}/dossiers/{dossier_id}/supplement",
            json=body,
            headers=CITIZEN,
            timeout=30,
        )
        if r.status_code == 409 and r.json().get("rule") == "NO_SUPPLEMENT_REQUESTED":
            return False  # intake has not learned of the request yet
        assert r.status_code == 200, r.text
        return True

    wait_until(answered, 60, f"the desk to take the supplement of {dossier_id}")


def payment(dossier_id: str, when: str, amount: int, obligation_id: str | None) -> PaymentReceived:
    d, occurred = uuid.UUID(dossier_id), at(when)
    return PaymentReceived(
        event_id=public_event_id(Producer.PAYMENT, d, 1, occurred),
        seq=1,
        occurred_at=occurred,
        recorded_at=occurred,
        producer=Producer.PAYMENT,
        actor=Actor(kind=ActorKind.SYSTEM, id="system:payment-gateway"),
        correlation_id=uuid.uuid4(),
        dossier_id=d,
        obligation_id=obligation_id,
        lines=[FeeLine(kind=FeeKind.LE_PHI, name="Lệ phí", amount_vnd=amount)],
        amount_vnd=amount,
        method=PaymentMethod.ONLINE_NATIONAL,
        transaction_ref="PAYGOV.260318.10321788",
        receipt_no="BL-2026-0004417",
    )


# --- journeys -------------------------------------------------------------------------------------------


def test_simple_approval_on_time(ps: Stack) -> None:
    # 1.004200, 3 WD received Tue 28/4/2026 10:00: Thu 30/4 and Fri 1/5 are holidays → due Tue 5/5 10:00.
    receipt = walk_in(ps, "1.004200", "2026-04-28 10:00")
    d = receipt["dossier_id"]
    opened = ok(case(ps, d))
    assert opened["state"] == "IN_PROCESSING" and opened["effective_due_at"] == receipt["due_at"]
    assert at("2026-05-05 10:00") == datetime.fromisoformat(opened["effective_due_at"])
    assign(ps, d, "2026-04-28 10:30")
    step(ps, d, "APPRAISAL", "2026-04-28 14:00")
    step(ps, d, "REVIEW", "2026-04-29 09:00")
    step(ps, d, "SIGNING", "2026-04-29 10:00")
    done = ok(act(ps, d, "result", result_body("2026-05-04 16:00"), LEAD, "2026-05-04 16:00"))
    assert done["state"] == "RESULT_READY" and done["timeliness"] == "ON_TIME"
    expected = ["handler-assigned", *["processing-step-completed"] * 3, "result-issued"]
    assert kinds(published(ps, d, 5)) == expected == api_kinds(ps, d)
    timeline = httpx.get(f"{ps.urls['processing-api']}/cases/{d}/timeline", headers=LEAD, timeout=30).json()
    assert [row["on_time"] for row in timeline["control_sheet"]] == [True, False, True]
    sheet = httpx.get(f"{ps.urls['processing-api']}/cases/{d}/control-sheet", headers=LEAD, timeout=30)
    assert (
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in sheet.text and receipt["dossier_code"] in sheet.text
    )
    assert "Quá hạn" in sheet.text  # the review was half an hour late for its step
    pdf = httpx.get(
        f"{ps.urls['processing-api']}/cases/{d}/control-sheet?format=pdf", headers=LEAD, timeout=30
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_supplement_with_restart(ps: Stack) -> None:
    # 1.004873, 3 WD, RESTART; received Mon 2/3/2026 08:00 → due Thu 5/3 08:00. The complete dossier comes
    # Tue 10/3 14:00: 24 office hours from then → new due Fri 13/3 14:00.
    d = walk_in(ps, "1.004873", "2026-03-02 08:00", n=1)["dossier_id"]
    assign(ps, d, "2026-03-02 08:30")
    step(ps, d, "APPRAISAL", "2026-03-03 08:30", outcome="NEEDS_SUPPLEMENT")
    asked = ok(
        act(
            ps,
            d,
            "supplement-request",
            {"reasons": "Thiếu giấy tờ", "items": [MISSING]},
            when="2026-03-03 09:00",
        )
    )
    assert asked["state"] == "AWAITING_SUPPLEMENT" and not asked["clock_running"] and asked["notices"] == []
    supplement_at_desk(ps, d, "2026-03-10 14:00")
    wait_for_case(ps, d, lambda c: c["state"] == "IN_PROCESSING")
    resumed = ok(case(ps, d))
    assert datetime.fromisoformat(resumed["effective_due_at"]) == at("2026-03-13 14:00")
    assert datetime.fromisoformat(resumed["original_due_at"]) == at("2026-03-05 08:00")
    events = published(ps, d, 4)
    assert kinds(events) == [
        "handler-assigned",
        "processing-step-completed",
        "supplement-requested",
        "supplement-accepted",
    ]
    assert events[2].clock_policy == "RESTART"  # type: ignore[attr-defined]
    assert events[3].new_due_at == at("2026-03-13 14:00")  # type: ignore[attr-defined]
    timeline = httpx.get(f"{ps.urls['processing-api']}/cases/{d}/timeline", headers=LEAD, timeout=30).json()
    assert [e["rule"] for e in timeline["due_time"]] == ["RECEIPT", "SUPPLEMENT_RESTART"]


def test_supplement_with_pause(ps: Stack) -> None:
    # 1.012790 (3 months, PAUSE, handled by H44.08) received at the provincial centre H44.18 Mon 2/3/2026
    # 09:00 → Tue 2/6 17:00. Waiting Wed 4/3 10:00 → Fri 6/3 14:00 is 18.5 office hours → Fri 5/6 10:00.
    d = walk_in(ps, "1.012790", "2026-03-02 09:00", unit=PROVINCE_DEPT, n=2)["dossier_id"]
    opened = ok(case(ps, d))
    assert opened["processing_unit_code"] == SCIENCE
    assert datetime.fromisoformat(opened["effective_due_at"]) == at("2026-06-02 17:00")
    assign(ps, d, "2026-03-02 10:00", SCIENCE)
    demand = {"reasons": "Thiếu", "items": [MISSING]}
    ok(act(ps, d, "supplement-request", demand, SPECIALISTS[SCIENCE], "2026-03-04 10:00"))
    supplement_at_desk(ps, d, "2026-03-06 14:00")
    wait_for_case(ps, d, lambda c: c["state"] == "IN_PROCESSING")
    assert datetime.fromisoformat(ok(case(ps, d))["effective_due_at"]) == at("2026-06-05 10:00")
    events = published(ps, d, 3)
    assert kinds(events) == ["handler-assigned", "supplement-requested", "supplement-accepted"]
    assert events[1].clock_policy == "PAUSE"  # type: ignore[attr-defined]
    assert events[2].new_clock_start_at == at("2026-03-04 11:30")  # type: ignore[attr-defined]


def test_apology_then_result_after_the_new_date(ps: Stack) -> None:
    # 1.004200 received Tue 28/4/2026 10:00 → due Tue 5/5 10:00; the apology may come until Mon 4/5 10:00.
    receipt = walk_in(ps, "1.004200", "2026-04-28 10:00", n=3)
    d = receipt["dossier_id"]
    assign(ps, d, "2026-04-28 10:30")
    body = {
        "reason": "Chờ xác minh nơi cư trú",
        "new_due_at": at("2026-05-08 17:00").isoformat(),
        "letter_no": "04/XL",
    }
    apologised = ok(act(ps, d, "apology", body, LEAD, "2026-04-29 15:00"))
    assert apologised["extension_count"] == 1 and apologised["notices"] == []
    assert datetime.fromisoformat(apologised["effective_due_at"]) == at("2026-05-08 17:00")
    letter = httpx.get(f"{ps.urls['processing-api']}/cases/{d}/apology-letter", headers=LEAD, timeout=30)
    assert letter.status_code == 200
    assert (
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in letter.text
        and "Chờ xác minh nơi cư trú" in letter.text
    )
    assert (
        "17 giờ 00 phút, ngày 08/05/2026" in letter.text and "10 giờ 00 phút, ngày 05/05/2026" in letter.text
    )
    pdf = httpx.get(
        f"{ps.urls['processing-api']}/cases/{d}/apology-letter?format=pdf", headers=LEAD, timeout=30
    )
    assert pdf.content.startswith(b"%PDF")
    step(ps, d, "APPRAISAL", "2026-05-06 09:00")
    step(ps, d, "REVIEW", "2026-05-07 09:00")
    step(ps, d, "SIGNING", "2026-05-08 16:00")
    done = ok(act(ps, d, "result", result_body("2026-05-11 09:00"), LEAD, "2026-05-11 09:00"))
    assert done["timeliness"] == "LATE" and [n["code"] for n in done["notices"]] == ["RESULT_LATE"]
    events = published(ps, d, 6)
    assert (
        kinds(events)[:2] == ["handler-assigned", "delay-apology-issued"]
        and kinds(events)[-1] == "result-issued"
    )
    assert events[1].previous_due_at == at("2026-05-05 10:00")  # type: ignore[attr-defined]


def online_karaoke(ps: Stack, when: str) -> str:
    """1.013240 submitted online by the citizen and received by the desk: an electronic dossier."""
    clock(ps, when)
    files = [{"file_ref": "dvcqg://tailieu/2026/03/02/7f3a91c2.pdf", "sha256": "ab" * 32}]
    body = {
        "procedure_code": "1.013240",
        "channel": "ONLINE",
        "online_mode": "FULL",
        "receiving_unit_code": COMMUNE,
        "result_return_method": "ONLINE",
        "applicant": {
            "kind": "CITIZEN",
            "name": "Lê Văn Ca",
            "id_number": "025187004599",
            "phone": "0912345678",
        },
        "components": [
            {"code": c, "name": n, "form": "ELECTRONIC", "files": files, "source": "UPLOADED_BY_APPLICANT"}
            for c, n in (("TK", "Tờ khai điện tử liên thông"), ("PCCC", "Văn bản nghiệm thu PCCC"))
        ],
    }
    headers = {**CITIZEN, "Idempotency-Key": str(uuid.uuid4())}
    r = httpx.post(f"{ps.urls['intake-api']}/dossiers", json=body, headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    d = str(r.json()["dossier_id"])
    r = httpx.post(
        f"{ps.urls['intake-api']}/dossiers/{d}/receipt", json=None, headers=DESK[COMMUNE], timeout=30
    )
    assert r.status_code == 200, r.text
    wait_for_case(ps, d)
    return d


def test_three_agency_parallel_inter_agency_flow(ps: Stack) -> None:
    # The lead (commune economy office) and two partners (police H44.15, culture H44.100.VHXH) at once.
    d = online_karaoke(ps, "2026-03-02 09:00")
    assert datetime.fromisoformat(ok(case(ps, d))["effective_due_at"]) == at("2026-03-19 09:00")
    assign(ps, d, "2026-03-02 10:00")
    handed = ok(act(ps, d, "handoff", {"transfer_slip_no": "PCXL-07"}, LEAD, "2026-03-02 10:30"))
    assert {t["agency_code"] for t in handed["partner_tasks"]} == {"H44.15", "H44.100.VHXH"}
    step(ps, d, "APPRAISAL", "2026-03-04 16:00")
    police = {"agency_code": "H44.15", "outcome": "SATISFACTORY", "partial_result_refs": ["dms://anninh.pdf"]}
    ok(act(ps, d, "partner-tasks", police, POLICE, "2026-03-06 10:00"))  # the partner answers for itself
    early = act(ps, d, "result", result_body("2026-03-06 11:00"), LEAD, "2026-03-06 11:00")
    assert early.status_code == 409 and early.json()["rule"] == "LEAD_DECIDES_BEFORE_PARTNERS"
    culture = {"agency_code": "H44.100.VHXH", "outcome": "SATISFACTORY"}
    ok(act(ps, d, "partner-tasks", culture, when="2026-03-10 11:00"))
    assert (
        ok(act(ps, d, "result", result_body("2026-03-11 09:00"), LEAD, "2026-03-11 09:00"))["state"]
        == "RESULT_READY"
    )
    events = published(ps, d, 7)
    handoffs = [e for e in events if e.event_type.endswith("inter-agency-handoff.v1")]
    assert {(h.to_agency_code, h.parallel) for h in handoffs} == {("H44.15", True), ("H44.100.VHXH", True)}  # type: ignore[attr-defined]
    assert {h.step_due_at for h in handoffs} == {at("2026-03-09 10:30")}  # type: ignore[attr-defined]
    assert kinds(events)[-1] == "result-issued"


def test_three_in_one_on_paper(ps: Stack) -> None:
    # 1.004884 at the counter: police, then social insurance, each with its transfer slip.
    d = walk_in(ps, "1.004884", "2026-03-02 09:00", n=4)["dossier_id"]
    assign(ps, d, "2026-03-02 09:30")
    step(ps, d, "APPRAISAL", "2026-03-02 14:00")
    ok(act(ps, d, "handoff", {"transfer_slip_no": "PC-01"}, LEAD, "2026-03-02 14:30"))
    police = {
        "agency_code": "H44.15",
        "outcome": "SATISFACTORY",
        "partial_result_refs": ["dms://h44.15/thuong-tru.pdf"],
        "transfer_slip_no": "PC-02",
    }
    ok(act(ps, d, "partner-tasks", police, when="2026-03-03 10:00"))
    ok(
        act(
            ps,
            d,
            "partner-tasks",
            {"agency_code": "H44.16", "outcome": "SATISFACTORY"},
            when="2026-03-03 16:00",
        )
    )
    assert (
        ok(act(ps, d, "result", result_body("2026-03-04 08:00"), LEAD, "2026-03-04 08:00"))["timeliness"]
        == "ON_TIME"
    )
    events = published(ps, d, 6)
    handoffs = [e for e in events if e.event_type.endswith("inter-agency-handoff.v1")]
    assert [(h.from_agency_code, h.to_agency_code, h.order_index, h.parallel) for h in handoffs] == [  # type: ignore[attr-defined]
        ("H44.100", "H44.15", 1, False),
        ("H44.15", "H44.16", 2, False),
    ]
    assert [h.step_due_at for h in handoffs] == [at("2026-03-03 14:30"), at("2026-03-04 10:00")]  # type: ignore[attr-defined]


def test_financial_obligation_then_payment_then_result(ps: Stack) -> None:
    # 1.012780 (10 WD; the land law excludes paying time) received at H44.18 Mon 2/3/2026 09:00 → Mon 16/3
    # 09:00. Paused Wed 4/3 10:00, paid Fri 6/3 14:00: 18.5 office hours later → due Wed 18/3 11:30.
    d = walk_in(ps, "1.012780", "2026-03-02 09:00", unit=PROVINCE_DEPT, n=5)["dossier_id"]
    assign(ps, d, "2026-03-02 10:00", LAND)
    step(ps, d, "APPRAISAL", "2026-03-04 09:00", unit=LAND)
    lines = [
        {"kind": "TAX", "name": "Thuế thu nhập cá nhân", "amount_vnd": 24_000_000},
        {"kind": "LE_PHI", "name": "Lệ phí trước bạ", "amount_vnd": 6_000_000},
    ]
    demand = {"obligation_id": "NVTC-2026-00871", "lines": lines, "allowed_methods": ["ONLINE_NATIONAL"]}
    waiting = ok(act(ps, d, "financial-obligations", demand, SPECIALISTS[LAND], "2026-03-04 10:00"))
    assert waiting["state"] == "AWAITING_PAYMENT" and waiting["paused"]
    early = act(ps, d, "result", result_body("2026-03-05 09:00"), LEADS[LAND], "2026-03-05 09:00")
    assert early.status_code == 409 and early.json()["rule"] == "FEES_NOT_SETTLED"
    clock(ps, "2026-03-06 14:00")
    publish(ps, payment(d, "2026-03-06 14:00", 30_000_000, "NVTC-2026-00871"))
    wait_for_case(ps, d, lambda c: c["state"] == "IN_PROCESSING")
    assert datetime.fromisoformat(ok(case(ps, d))["effective_due_at"]) == at("2026-03-18 11:30")
    step(ps, d, "REVIEW", "2026-03-09 09:00", unit=LAND)
    step(ps, d, "SIGNING", "2026-03-09 15:00", unit=LAND)
    assert (
        ok(act(ps, d, "result", result_body("2026-03-10 09:00"), LEADS[LAND], "2026-03-10 09:00"))["state"]
        == "RESULT_READY"
    )
    assert kinds(published(ps, d, 8))[-6:] == [
        "financial-obligation-requested",
        "clock-paused",
        "clock-resumed",
        "processing-step-completed",
        "processing-step-completed",
        "result-issued",
    ]


def test_rejection(ps: Stack) -> None:
    d = walk_in(ps, "1.004873", "2026-03-02 08:00", n=6)["dossier_id"]
    assign(ps, d, "2026-03-02 08:30")
    step(ps, d, "APPRAISAL", "2026-03-03 10:00", outcome="UNSATISFACTORY")
    body = {"reasons": "Không đủ điều kiện", "legal_basis": "Luật Hộ tịch 2014 Điều 22", "notice_no": "TC-01"}
    rejected = ok(act(ps, d, "rejection", body, LEAD, "2026-03-03 14:00"))
    assert rejected["state"] == "RESULT_READY" and rejected["timeliness"] == "ON_TIME"
    events = published(ps, d, 3)
    assert kinds(events)[-1] == "dossier-rejected" and events[-1].notice_no == "TC-01"  # type: ignore[attr-defined]


def test_stop_after_withdrawal(ps: Stack) -> None:
    d = walk_in(ps, "1.004200", "2026-04-28 10:00", n=7)["dossier_id"]
    assign(ps, d, "2026-04-28 10:30")
    clock(ps, "2026-04-29 09:00")
    r = httpx.post(
        f"{ps.urls['intake-api']}/dossiers/{d}/withdrawal",
        json={"channel": "ONLINE", "reason": "Không còn nhu cầu"},
        headers=CITIZEN,
        timeout=30,
    )
    assert r.status_code == 200, r.text
    wait_for_case(ps, d, lambda c: c["state"] == "WITHDRAWAL_REQUESTED")
    pending = act(ps, d, "steps", {"step": "APPRAISAL", "outcome": "SATISFACTORY"}, when="2026-04-29 09:30")
    assert pending.status_code == 409 and pending.json()["rule"] == "WITHDRAWAL_PENDING"
    stopped = ok(
        act(
            ps,
            d,
            "stop",
            {"cause": "APPLICANT_WITHDRAWAL", "notice_no": "05/TB-DXL"},
            LEAD,
            "2026-04-29 10:00",
        )
    )
    assert stopped["state"] == "STOPPED"
    events = published(ps, d, 2)
    assert kinds(events) == ["handler-assigned", "processing-stopped"]
    assert events[-1].cause == "APPLICANT_WITHDRAWAL"  # type: ignore[attr-defined]


def test_a_second_supplement_request_is_refused(ps: Stack) -> None:
    d = walk_in(ps, "1.004873", "2026-03-02 08:00", n=8)["dossier_id"]
    assign(ps, d, "2026-03-02 08:30")
    ok(act(ps, d, "supplement-request", {"reasons": "Thiếu", "items": [MISSING]}, when="2026-03-03 09:00"))
    supplement_at_desk(ps, d, "2026-03-04 09:00")
    wait_for_case(ps, d, lambda c: c["state"] == "IN_PROCESSING")
    before = ok(case(ps, d))["version"]
    again = act(
        ps, d, "supplement-request", {"reasons": "Lại thiếu", "items": [MISSING]}, when="2026-03-04 15:00"
    )
    assert again.status_code == 409 and again.json()["rule"] == "SUPPLEMENT_ONCE"
    assert ok(case(ps, d))["version"] == before
    assert kinds(published(ps, d, 3)) == ["handler-assigned", "supplement-requested", "supplement-accepted"]
    assert api_kinds(ps, d) == ["handler-assigned", "supplement-requested", "supplement-accepted"]


# --- illegal transitions of domain.md §2.15: 409 naming the rule, no event written ----------------------

Arrange = Callable[[Stack, str], tuple[str, Any, dict[str, str]]]
DAY = "2026-03-02"
SIGNED = result_body(f"{DAY} 16:00")
APOLOGY = {"reason": "Quá tải", "new_due_at": at("2026-03-10 17:00").isoformat()}
REJECT = {"reasons": "Không đủ điều kiện", "legal_basis": "Luật Cư trú 2020", "notice_no": "TC-01"}
PAUSE = {"pause_id": "P-1", "reason": "OTHER_LEGAL", "legal_basis": "Luật chuyên ngành Điều 9"}
FEE = {
    "obligation_id": "NVTC-1",
    "lines": [{"kind": "LE_PHI", "name": "Lệ phí", "amount_vnd": 100_000}],
    "allowed_methods": ["ONLINE_NATIONAL"],
}
STOP = {"cause": "LEGAL_GROUND", "notice_no": "05/TB", "reason": "Có quyết định thu hồi"}


def _stopped(ps: Stack, d: str) -> None:
    ok(act(ps, d, "stop", STOP, LEAD, f"{DAY} 09:00"))


def _approved(ps: Stack, d: str) -> None:
    all_steps(ps, d, DAY)
    ok(act(ps, d, "result", SIGNED, LEAD, f"{DAY} 16:00"))


def _supplemented(ps: Stack, d: str) -> None:
    ok(act(ps, d, "supplement-request", {"reasons": "Thiếu", "items": [MISSING]}, when=f"{DAY} 09:00"))
    supplement_at_desk(ps, d, "2026-03-03 09:00")
    wait_for_case(ps, d, lambda c: c["state"] == "IN_PROCESSING")


RULES: dict[str, Arrange] = {
    # Any event on a terminal state.
    "CASE_STOPPED": lambda ps, d: (
        _stopped(ps, d),
        ("steps", {"step": "APPRAISAL", "outcome": "SATISFACTORY"}, SPECIALIST),
    )[1],
    # A second DelayApologyIssued; a new date not later; rescheduling after the dossier is finished.
    "APOLOGY_ONCE": lambda ps, d: (
        ok(act(ps, d, "apology", APOLOGY, LEAD, f"{DAY} 10:00")),
        ("apology", {**APOLOGY, "new_due_at": at("2026-03-12 17:00").isoformat()}, LEAD),
    )[1],
    "APOLOGY_NEW_DATE_NOT_LATER": lambda ps, d: (
        "apology",
        {**APOLOGY, "new_due_at": at("2026-03-05 08:00").isoformat()},
        LEAD,
    ),
    "APOLOGY_AFTER_FINISH": lambda ps, d: (_approved(ps, d), ("apology", APOLOGY, LEAD))[1],
    # A second post-receipt supplement request without the exception flag; one not routed via the one-stop.
    "SUPPLEMENT_ONCE": lambda ps, d: (
        _supplemented(ps, d),
        ("supplement-request", {"reasons": "Lại thiếu", "items": [MISSING]}, SPECIALIST),
    )[1],
    "SUPPLEMENT_NOT_VIA_ONE_STOP": lambda ps, d: (
        "supplement-request",
        {"reasons": "Thiếu", "items": [MISSING], "one_stop_unit_code": "H44.18"},
        SPECIALIST,
    ),
    # DossierRejected and ResultIssued both on one dossier.
    "OUTCOME_ALREADY_DECIDED": lambda ps, d: (_approved(ps, d), ("rejection", REJECT, LEAD))[1],
    # The transition table's guards.
    "MANDATORY_STEPS_PENDING": lambda ps, d: ("result", SIGNED, LEAD),
    "FEES_NOT_SETTLED": lambda ps, d: (
        all_steps(ps, d, DAY),
        ok(act(ps, d, "financial-obligations", FEE, when=f"{DAY} 15:30")),
        ("result", SIGNED, LEAD),
    )[2],
    "PAUSE_ALREADY_OPEN": lambda ps, d: (
        ok(act(ps, d, "pauses", PAUSE, when=f"{DAY} 09:00")),
        ("pauses", {**PAUSE, "pause_id": "P-2"}, SPECIALIST),
    )[1],
    "CLOCK_PAUSED_AT_DECISION": lambda ps, d: (
        all_steps(ps, d, DAY),
        ok(act(ps, d, "pauses", PAUSE, when=f"{DAY} 15:30")),
        ("result", SIGNED, LEAD),
    )[2],
    "STOP_WITHOUT_WITHDRAWAL_REQUEST": lambda ps, d: (
        "stop",
        {"cause": "APPLICANT_WITHDRAWAL", "notice_no": "05/TB"},
        LEAD,
    ),
    "STEP_OUT_OF_ORDER": lambda ps, d: ("steps", {"step": "SIGNING", "outcome": "SATISFACTORY"}, LEAD),
}


def events_of(ps: Stack, d: str) -> int:
    return ps.scalar(
        f"SELECT count(*) FROM \"{ps.prefix}processing\".processing_events WHERE originator_id = '{d}'"
    )


@pytest.mark.parametrize("rule", list(RULES))
def test_illegal_transition_is_refused_with_its_rule_and_writes_no_event(ps: Stack, rule: str) -> None:
    d = walk_in(ps, "1.004200", f"{DAY} 08:00", n=100 + list(RULES).index(rule))["dossier_id"]
    assign(ps, d, f"{DAY} 08:30")
    path, body, who = RULES[rule](ps, d)
    before, version = events_of(ps, d), ok(case(ps, d))["version"]
    refused = act(ps, d, path, body, who, f"{DAY} 16:30")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["rule"] == rule and problem["type"].endswith("rule-violation")
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert events_of(ps, d) == before and ok(case(ps, d))["version"] == version


def test_lead_decides_before_partners_is_refused(ps: Stack) -> None:
    d = walk_in(ps, "1.004884", f"{DAY} 09:00", n=150)["dossier_id"]
    assign(ps, d, f"{DAY} 09:30")
    before = events_of(ps, d)
    refused = act(ps, d, "result", SIGNED, LEAD, f"{DAY} 16:00")
    assert refused.status_code == 409 and refused.json()["rule"] == "LEAD_DECIDES_BEFORE_PARTNERS"
    assert events_of(ps, d) == before


def test_processing_commands_before_the_dossier_was_received_are_not_found(ps: Stack) -> None:
    stranger = str(uuid.uuid4())
    r = act(ps, stranger, "assignment", {"handler_id": "cv.x", "department": "Tư pháp"}, LEAD, f"{DAY} 09:00")
    assert r.status_code == 404 and events_of(ps, stranger) == 0


def test_a_stale_version_is_refused_and_a_replayed_key_records_once(ps: Stack) -> None:
    d = walk_in(ps, "1.004200", f"{DAY} 08:00", n=160)["dossier_id"]
    version = ok(case(ps, d))["version"]
    key = str(uuid.uuid4())
    body = {"handler_id": "cv.h44100.tuphap02", "department": "Tư pháp"}
    url = f"{ps.urls['processing-api']}/cases/{d}/assignment"
    first = httpx.post(url, json=body, headers={**LEAD, "Idempotency-Key": key, "If-Match": f'"{version}"'})
    again = httpx.post(url, json=body, headers={**LEAD, "Idempotency-Key": key, "If-Match": f'"{version}"'})
    assert (
        first.status_code == again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    )
    stale = act(ps, d, "steps", {"step": "APPRAISAL", "outcome": "SATISFACTORY"})
    assert stale.status_code == 200
    before = events_of(ps, d)
    r = httpx.post(
        f"{ps.urls['processing-api']}/cases/{d}/steps",
        json={"step": "REVIEW", "outcome": "SATISFACTORY"},
        headers={**LEAD, "If-Match": f'"{first.json()["version"]}"'},
    )
    assert r.status_code == 409 and r.json()["rule"] == "VERSION_MISMATCH" and events_of(ps, d) == before
    assert kinds(published(ps, d, 2)) == ["handler-assigned", "processing-step-completed"]


def test_roles_are_enforced(ps: Stack) -> None:
    d = walk_in(ps, "1.004200", f"{DAY} 08:00", n=170)["dossier_id"]
    body = {"handler_id": "cv.h44100.tuphap02", "department": "Tư pháp"}
    assert act(ps, d, "assignment", body, SPECIALIST, f"{DAY} 08:30").status_code == 403
    assert act(ps, d, "assignment", body, DESK[COMMUNE]).status_code == 403
    assert act(ps, d, "assignment", body, {}).status_code == 401
    assert events_of(ps, d) == 1  # only the opening


def test_an_officer_of_another_unit_is_refused_and_the_timeline_does_not_change(ps: Stack) -> None:
    # A dossier of the commune H44.100; the officer belongs to the neighbouring commune H44.101 (ADR 0531).
    d = walk_in(ps, "1.004200", f"{DAY} 08:00", n=175)["dossier_id"]
    assign(ps, d, f"{DAY} 08:30")
    url = f"{ps.urls['processing-api']}/cases/{d}/timeline"
    before = httpx.get(url, headers=LEAD, timeout=30).json()
    count = events_of(ps, d)
    refused = act(ps, d, "steps", {"step": "APPRAISAL", "outcome": "SATISFACTORY"}, NEIGHBOUR, f"{DAY} 10:00")
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "NOT_YOUR_UNIT" and "H44.101" in refused.json()["detail"]
    assert refused.headers["content-type"].startswith("application/problem+json")
    supplement = {"reasons": "Thiếu", "items": [MISSING]}
    assert act(ps, d, "supplement-request", supplement, NEIGHBOUR).json()["rule"] == "NOT_YOUR_UNIT"
    # Nor may it read the case; the auditor reads any case, and the timeline has not moved.
    assert httpx.get(url, headers=NEIGHBOUR, timeout=30).status_code == 403
    assert httpx.get(url, headers=AUDITOR, timeout=30).json() == before
    assert events_of(ps, d) == count
    step(ps, d, "APPRAISAL", f"{DAY} 10:30")  # the commune's own officer may
    assert events_of(ps, d) == count + 1


async def _dead_letters(bootstrap: str, topic: str) -> list[dict[str, str]]:
    """Every record on a dead-letter topic, as its headers (the event's own plus the ``dlq_*`` ones)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        out = []
        for records in (await consumer.getmany(timeout_ms=2000)).values():
            out.extend({k: v.decode() for k, v in r.headers} for r in records)
        return out
    finally:
        await consumer.stop()


def dead_letter(ps: Stack, topic: str, event_id: str) -> dict[str, str]:
    found: list[dict[str, str]] = []

    def parked() -> bool:
        found[:] = [
            h
            for h in asyncio.run(_dead_letters(ps.kafka_bootstrap, ps.namespace + topic))
            if h["ce_id"] == event_id
        ]
        return bool(found)

    wait_until(parked, 60, f"{event_id} on {topic}")
    return found[0]


def test_inbound_events_a_rule_refuses_are_dead_lettered_with_the_rule_and_write_nothing(ps: Stack) -> None:
    # DossierReceived twice, and a PaymentReceived that matches no open obligation (domain.md §2.15).
    d = walk_in(ps, "1.004200", f"{DAY} 08:00", n=180)["dossier_id"]
    assign(ps, d, f"{DAY} 08:30")
    before = events_of(ps, d)
    received = next(
        e
        for e in read_events_sync(ps.kafka_bootstrap, ps.namespace + INTAKE_DOSSIERS)
        if str(e.dossier_id) == d and e.event_type.endswith("dossier-received.v1")
    )
    again_id = public_event_id(Producer.INTAKE, uuid.UUID(d), 90, received.occurred_at)
    twice = received.model_copy(update={"event_id": again_id, "seq": 90})
    publish(ps, twice)
    stray = payment(d, f"{DAY} 10:00", 100_000, "NVTC-9")
    publish(ps, stray)
    parked = dead_letter(ps, INTAKE_DOSSIERS + ".dlq", str(twice.event_id))
    assert parked["dlq_reason"] == "rejected-by-handler", parked
    assert parked["dlq_error"].startswith("RECEIVE_TWICE"), parked
    parked = dead_letter(ps, PAYMENT_PAYMENTS + ".dlq", str(stray.event_id))
    assert parked["dlq_error"].startswith("PAYMENT_MATCHES_NOTHING")
    assert events_of(ps, d) == before


# --- the deadline watcher on simulated time ---------------------------------------------------------------


def alerts(ps: Stack, d: str) -> dict[str, str]:
    r = httpx.get(f"{ps.urls['processing-api']}/cases/{d}/alerts", headers=LEAD, timeout=30)
    assert r.status_code == 200, r.text
    return {a["kind"]: a["due_at"] for a in r.json()}


def alerts_once(ps: Stack, d: str, kind: str) -> dict[str, str]:
    """The case's alerts once the watcher, running on the worker's clock, has raised ``kind``."""
    seen: dict[str, str] = {}

    def raised() -> bool:
        seen.update(alerts(ps, d))
        return kind in seen

    wait_until(raised, 30, f"the watcher to raise {kind}")
    return seen


def test_the_watcher_flags_overdue_at_the_right_working_hour_across_a_weekend_and_holidays(ps: Stack) -> None:
    # 1.004200 received Tue 28/4/2026 10:00 → due Tue 5/5 10:00 (Thu 30/4, Fri 1/5 holidays; Sat, Sun off).
    d = walk_in(ps, "1.004200", "2026-04-28 10:00", n=200)["dossier_id"]
    assign(ps, d, "2026-04-28 10:30")
    # Fri 1/5 noon, a holiday: four calendar days before the due time but only Mon's 2.5 office hours before
    # the apology's last moment (Mon 4/5 10:00) — that alert comes, and nothing about the due time yet.
    clock(ps, "2026-05-01 12:00")
    seen = alerts_once(ps, d, "APOLOGY_WINDOW_CLOSING")
    assert set(seen) == {"APOLOGY_WINDOW_CLOSING"}
    assert datetime.fromisoformat(seen["APOLOGY_WINDOW_CLOSING"]) == at("2026-05-04 10:00")
    # A minute before the due time it is due soon, not overdue …
    clock(ps, "2026-05-05 09:59")
    seen = alerts_once(ps, d, "DUE_SOON")
    assert "OVERDUE" not in seen
    # … and a minute after it, overdue, about Tue 5/5 10:00.
    clock(ps, "2026-05-05 10:01")
    seen = alerts_once(ps, d, "OVERDUE")
    assert datetime.fromisoformat(seen["OVERDUE"]) == at("2026-05-05 10:00")
    view = ok(case(ps, d))
    assert view["timeliness"] == "OVERDUE"
    # Alerts are not public events: the topic has only the assignment.
    assert kinds(published(ps, d, 1)) == ["handler-assigned"]


# --- kill -9 of the worker while it opens 500 cases ------------------------------------------------------


def test_kill_minus_nine_of_the_worker_while_it_consumes_500_dossiers(ps: Stack) -> None:
    # The worker is stopped while 500 dossiers are received, so they wait on the topic; it then starts, is
    # killed (SIGKILL) while it opens the cases, and starts again.
    worker = ps.processes["processing-worker"]
    worker.terminate()
    worker.wait(timeout=30)
    ps.set_clock("intake-api", at("2026-03-09 09:00"))
    # One after another: the desk numbers a day's dossiers from one code book, so parallel receipts mostly
    # collide and are asked to retry (CONCURRENT_UPDATE) — that is intake's business, not this test's.
    ids = [walk_in_only(ps, "1.004200", n=1000 + n)["dossier_id"] for n in range(500)]
    assert len(set(ids)) == 500
    wanted = ", ".join(f"'{i}'" for i in ids)

    def opened() -> int:
        return ps.scalar(
            f'SELECT count(*) FROM "{ps.prefix}processing".processing_events '
            f"WHERE originator_version = 1 AND originator_id IN ({wanted})"
        )

    os.environ["SERVICE_CLOCK_START"] = at("2026-03-09 09:30").isoformat()  # the watcher's now on restart
    try:
        ps.start("processing-worker")
        wait_until(lambda: opened() > 0, 60, "the worker to start opening cases")
        ps.processes["processing-worker"].send_signal(signal.SIGKILL)
        ps.processes["processing-worker"].wait(timeout=30)
        at_kill = opened()
        assert 0 < at_kill < 500, at_kill  # killed in the middle of the work
        ps.start("processing-worker")
    finally:
        os.environ.pop("SERVICE_CLOCK_START", None)
    wait_until(lambda: opened() == 500, 120, "all 500 cases")
    # Exactly 500: one Opened event per dossier, none doubled (the store would refuse a second version 1,
    # and a second case cannot exist; count the Opened events themselves to be sure).
    assert (
        ps.scalar(
            f'SELECT count(*) FROM "{ps.prefix}processing".processing_events '
            f"WHERE topic LIKE '%Opened' AND originator_id IN ({wanted})"
        )
        == 500
    )
    assert (
        ps.scalar(
            f'SELECT count(DISTINCT originator_id) FROM "{ps.prefix}processing".processing_events '
            f"WHERE originator_id IN ({wanted})"
        )
        == 500
    )
    assert ok(case(ps, ids[0]))["state"] == "IN_PROCESSING"
