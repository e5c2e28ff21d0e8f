"""Shared helpers of the delivery, postal and portal e2e tests (issue 6): no tests here.

Starting a deployable with extra environment, ``kill -9``, a local SMTP server (aiosmtpd) that keeps
every message it accepted, publishing processing's public events from the golden examples, and the
request bodies of the intake side.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from email import message_from_bytes, policy
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiosmtpd.controller import Controller
from e2e_stack import Stack, auth
from kafka_kit import publish_sync, read_events_sync
from waiting import free_port, wait_until

from contracts.enums import Producer
from contracts.golden import example_event
from contracts.identity import public_event_id

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICER = auth("counter_officer", "cb.h44100.tiepnhan01", unit="H44.100")
CITIZEN = auth("applicant", "025187004512")
POST = auth("postal_partner", "vnpost.sonha.bc01", partner="VNPOST")
OTHER_POST = auth("postal_partner", "viettelpost.sonha.07", partner="VIETTELPOST")
APPLICANT_NAME = "Nguyễn Thị Thu Hà"
APPLICANT_ID = "025187004512"
HOME = {"street": "Số 12, đường Trần Hưng Đạo", "commune": "Phường Sơn Hà", "province": "Sơn Hà"}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN)  # type: ignore[misc]


# PostgreSQL's connection slots are shared by every stack on the server: keep each process's pools small.
SMALL_POOLS = {"PG_POOL_SIZE": "2", "POSTGRES_MAX_OVERFLOW": "3"}


def start_with_env(stack: Stack, name: str, extra: dict[str, str] | None = None) -> str:
    """Start ``name`` like ``Stack.start`` does, with small pools and ``extra`` added to its environment."""
    base = stack.env
    stack.env = lambda n, p: {**base(n, p), **SMALL_POOLS, **(extra or {})}  # type: ignore[method-assign]
    try:
        return stack.start(name)
    finally:
        del stack.env


def kill_hard(stack: Stack, name: str) -> None:
    """``kill -9``: no shutdown hook runs, nothing is flushed."""
    process = stack.processes[name]
    process.kill()
    process.wait(timeout=30)


class SmtpSink:
    """A local SMTP server on loopback that keeps every message it accepted, repeats included."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[dict[str, str]] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
                mail = message_from_bytes(envelope.content, policy=policy.default)
                sink.messages.append(
                    {
                        "message_id": str(mail["Message-ID"]),
                        "to": ",".join(envelope.rcpt_tos),
                        "subject": str(mail["Subject"]),
                        "dossier": str(mail["X-Motcua-Dossier"]),
                    }
                )
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def env(self) -> dict[str, str]:
        return {"DELIVERY_SMTP_HOST": "127.0.0.1", "DELIVERY_SMTP_PORT": str(self.port)}

    def for_dossier(self, dossier_id: object) -> list[dict[str, str]]:
        return [m for m in list(self.messages) if m["dossier"] == str(dossier_id)]


def start_result_return(stack: Stack, smtp: SmtpSink) -> None:
    """What every result-return journey runs: intake-api and its relay (the receipts), then delivery's
    worker (telling applicants by e-mail through ``smtp``), relay and api."""
    start_with_env(stack, "intake-api")
    start_with_env(stack, "intake-relay")
    start_with_env(
        stack,
        "delivery-worker",
        {**smtp.env(), "DELIVERY_NOTIFICATION_CHANNELS": "EMAIL", "DELIVERY_DISPATCH_INTERVAL_S": "0.2"},
    )
    start_with_env(stack, "delivery-relay")
    start_with_env(stack, "delivery-api")


def publish(stack: Stack, events: list[Any]) -> None:
    """Publish public events onto the stack's namespaced topics, as their producer's relay would (the
    stack's deployables declared those topics when they started)."""
    publish_sync(stack.kafka_bootstrap, stack.namespace, events, declare=False)


def processing_event(event_type: str, dossier_id: uuid.UUID, seq: int, when: datetime, **fields: Any) -> Any:
    """Processing's public event from its golden example, for this dossier, with a deterministic id."""
    return example_event(event_type).model_copy(
        update={
            "event_id": public_event_id(Producer.PROCESSING, dossier_id, seq, when),
            "dossier_id": dossier_id,
            "seq": seq,
            "occurred_at": when,
            "recorded_at": when,
            **fields,
        }
    )


def result_issued(dossier_id: uuid.UUID, when: datetime, seq: int = 1) -> Any:
    return processing_event("vn.one-stop.processing.result-issued.v1", dossier_id, seq, when)


def applicant(email: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "CITIZEN",
        "name": APPLICANT_NAME,
        "id_number": APPLICANT_ID,
        "phone": "0912345678",
        "address": HOME,
    }
    if email:
        body["email"] = email
    return body


def registration(channel: str = "COUNTER", returned: str = "COUNTER", **overrides: Any) -> dict[str, Any]:
    """Household business registration (2.000575), as in the intake journeys."""
    body: dict[str, Any] = {
        "procedure_code": "2.000575",
        "channel": channel,
        "receiving_unit_code": "H44.100",
        "applicant": applicant(),
        "components": [
            {"code": "TK", "name": "Giấy đề nghị đăng ký hộ kinh doanh", "form": "DECLARATION_FORM"}
        ],
        "result_return_method": returned,
    }
    if channel == "ONLINE":
        body["online_mode"] = "FULL"
        body["components"] = [
            {
                "code": "TK",
                "name": "Giấy đề nghị đăng ký hộ kinh doanh",
                "form": "ELECTRONIC",
                "files": [{"file_ref": "dvcqg://tailieu/2026/03/05/7f3a91c2.pdf", "sha256": "ab" * 32}],
                "source": "UPLOADED_BY_APPLICANT",
            }
        ]
    if returned == "POSTAL":
        body["postal_return_address"] = HOME
    return {**body, **overrides}


def walk_in(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(
        f"{stack.urls['intake-api']}/dossiers/walk-in",
        json={"submission": body},
        headers={**OFFICER, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def delivery_view(stack: Stack, dossier_id: object) -> dict[str, Any] | None:
    r = httpx.get(f"{stack.urls['delivery-api']}/dossiers/{dossier_id}", headers=OFFICER, timeout=10)
    if r.status_code == 404 and r.json().get("detail", "").startswith("No dossier"):
        return None
    assert r.status_code == 200, r.text
    return dict(r.json())


def wait_for_delivery(stack: Stack, dossier_id: object, *statuses: str, within: float = 60) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def reached() -> bool:
        view = delivery_view(stack, dossier_id)
        seen["view"] = view
        return view is not None and view["status"] in statuses

    try:
        wait_until(reached, within, f"delivery of {dossier_id} to reach {statuses}")
    except AssertionError as timeout:
        raise AssertionError(f"{timeout}; last seen: {seen.get('view')}") from None
    return dict(seen["view"])


def read_topic(stack: Stack, topic: str) -> list[Any]:
    """Every event on the stack's namespaced ``topic``, decoded against the contracts (raises if invalid)."""
    return read_events_sync(stack.kafka_bootstrap, stack.namespace + topic)
