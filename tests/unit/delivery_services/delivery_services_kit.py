"""Test kit for the delivery and postal service code: the deployables' apps wired to in-memory event stores,
tokens for every role, and one dossier's public story built from the golden examples.

Nothing here opens a socket: the apps are driven through httpx's ASGI transport, with their lifespan run
by hand (httpx does not run it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from contracts.enums import Producer
from contracts.envelope import PublicEvent
from contracts.golden import load_example
from contracts.identity import public_event_id
from contracts.registry import EVENT_TYPES
from services.deployables import by_name
from services.runtime.auth import AuthSettings, issue_token
from services.runtime.bootstrap import Runtime, SystemClock
from services.runtime.health import Readiness
from services.runtime.settings import DatabaseSettings, KafkaSettings, ServiceSettings

VN = ZoneInfo("Asia/Ho_Chi_Minh")
IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
DESK = "H44.100"
OTHER_DESK = "H44.200"
APPLICANT_ID = "025187004512"
APPLICANT_NAME = "Nguyễn Thị Thu Hà"
ORIGINAL = "Giấy chứng nhận quyền sử dụng đất (bản chính để đối chiếu)"


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def runtime(name: str, *, namespace: str = "") -> Runtime:
    """A deployable's runtime without any server behind it (nothing connects until a loop starts)."""
    return Runtime(
        by_name(name),
        ServiceSettings(),
        KafkaSettings(topic_namespace=namespace),
        DatabaseSettings(),
        Readiness(),
        SystemClock(),
    )


def bearer(role: str, subject: str, *, unit: str | None = None, partner: str | None = None) -> dict[str, str]:
    token = issue_token(
        AuthSettings(), subject, [role], timedelta(hours=1), unit_code=unit, partner_id=partner
    )
    return {"Authorization": f"Bearer {token}"}


OFFICER = bearer("counter_officer", "cb.h44100.tiepnhan01", unit=DESK)
OTHER_OFFICER = bearer("counter_officer", "cb.h44200.tiepnhan03", unit=OTHER_DESK)
CITIZEN = bearer("applicant", APPLICANT_ID)
CITIZEN_VNEID = bearer("applicant", f"vneid.{APPLICANT_ID}")
STRANGER = bearer("applicant", "001099012345")
AUDITOR = bearer("auditor", "kiemtoan.01")
OPERATOR = bearer("operator", "ops.01")
VNPOST = bearer("postal_partner", "vnpost.sonha.bc01", partner="VNPOST")
VIETTEL = bearer("postal_partner", "viettelpost.sonha.07", partner="VIETTELPOST")


@asynccontextmanager
async def serving(app: FastAPI, host: str) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` started (its lifespan entered) and a client talking to it in-process."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
            yield client


def public(event_type: str, dossier_id: UUID, seq: int, when: datetime, **fields: Any) -> PublicEvent:
    """The golden example of ``event_type`` re-addressed to ``dossier_id``, validated like the codec does."""
    data = load_example(event_type)
    data.update(
        event_id=str(public_event_id(Producer(data["producer"]), dossier_id, seq, when)),
        dossier_id=str(dossier_id),
        seq=seq,
        occurred_at=when.isoformat(),
        recorded_at=when.isoformat(),
        causation_id=None,
    )
    data.update(fields)
    return EVENT_TYPES[event_type].model_validate(data)


# When each fact happens by default: a counter dossier of Mon 23/3/2026, its result on Wed 25/3.
SUBMITTED_AT = at(2026, 3, 23, 9)
RECEIVED_AT = at(2026, 3, 23, 9, 30)
RESULT_ISSUED_AT = at(2026, 3, 25, 10)
REJECTED_AT = at(2026, 3, 25, 10)
TRANSFERRED_AT = at(2026, 3, 23, 10)
OBLIGATION_AT = at(2026, 3, 24, 9)
PAID_AT = at(2026, 3, 24, 15)
PICKED_UP_AT = at(2026, 3, 26, 9)
DELIVERED_AT = at(2026, 3, 27, 10)


class Story:
    """One counter dossier of the applicant above, as intake, processing and the post would tell it."""

    def __init__(self, *, return_method: str = "KIOSK", applicant_kind: str = "CITIZEN") -> None:
        self.dossier_id = uuid4()
        self.return_method = return_method
        self.applicant_kind = applicant_kind
        self._seq: dict[str, int] = {}

    def _next(self, producer: str) -> int:
        self._seq[producer] = self._seq.get(producer, 0) + 1
        return self._seq[producer]

    def submitted(self, when: datetime = SUBMITTED_AT) -> PublicEvent:
        applicant = load_example("vn.one-stop.intake.dossier-submitted.v1")["applicant"]
        if self.applicant_kind == "ORGANISATION":
            applicant = {
                **applicant,
                "kind": "ORGANISATION",
                "name": "Công ty TNHH Thu Hà",
                "id_number": "4400123456",
            }
        return public(
            "vn.one-stop.intake.dossier-submitted.v1",
            self.dossier_id,
            self._next("intake"),
            when,
            dossier_code=None,
            channel="COUNTER",
            online_mode=None,
            applicant=applicant,
            components=[
                {"code": "TK", "name": "Giấy đề nghị", "form": "DECLARATION_FORM", "copies": 1},
                {"code": "GCN", "name": ORIGINAL, "form": "ORIGINAL_TO_SHOW", "copies": 1},
            ],
            result_return_method=self.return_method,
            postal_return_address=applicant["address"] if self.return_method == "POSTAL" else None,
        )

    def received(self, when: datetime = RECEIVED_AT) -> PublicEvent:
        return public(
            "vn.one-stop.intake.dossier-received.v1",
            self.dossier_id,
            self._next("intake"),
            when,
            channel="COUNTER",
            due_at=at(2026, 3, 26, 9, 30).isoformat(),
            fee_lines=[],
        )

    def result_issued(self, when: datetime = RESULT_ISSUED_AT) -> PublicEvent:
        return public(
            "vn.one-stop.processing.result-issued.v1", self.dossier_id, self._next("processing"), when
        )

    def rejected(self, when: datetime = REJECTED_AT) -> PublicEvent:
        return public(
            "vn.one-stop.processing.dossier-rejected.v1", self.dossier_id, self._next("processing"), when
        )

    def transferred(self, when: datetime = TRANSFERRED_AT) -> PublicEvent:
        return public(
            "vn.one-stop.intake.dossier-transferred.v1",
            self.dossier_id,
            self._next("intake"),
            when,
            step_due_at=(when + timedelta(days=2)).isoformat(),
        )

    def obligation(self, when: datetime = OBLIGATION_AT) -> PublicEvent:
        """Processing asks for 30.100.000 đồng (golden example: tax and two fees)."""
        return public(
            "vn.one-stop.processing.financial-obligation-requested.v1",
            self.dossier_id,
            self._next("processing"),
            when,
            pay_by=(when + timedelta(days=20)).isoformat(),
        )

    def paid(self, when: datetime = PAID_AT) -> PublicEvent:
        return public("vn.one-stop.payment.payment-received.v1", self.dossier_id, self._next("payment"), when)

    def picked_up(self, when: datetime = PICKED_UP_AT) -> PublicEvent:
        return public(
            "vn.one-stop.postal.result-picked-up-from-agency.v1",
            self.dossier_id,
            self._next("postal"),
            when,
            sla_due_at=(when + timedelta(days=2)).isoformat(),
        )

    def delivered(self, when: datetime = DELIVERED_AT) -> PublicEvent:
        return public(
            "vn.one-stop.postal.delivered.v1",
            self.dossier_id,
            self._next("postal"),
            when,
            shipment_id=str(uuid4()),
        )

    def ready(self, apply: Callable[[PublicEvent], object]) -> None:
        """Intake's E1 and E5, then the signed result: the result waits at the desk."""
        for event in (self.submitted(), self.received(), self.result_issued()):
            apply(event)


def me(**changes: Any) -> dict[str, Any]:
    return {"name": APPLICANT_NAME, "id_type": "CCCD", "id_number": APPLICANT_ID, **changes}
