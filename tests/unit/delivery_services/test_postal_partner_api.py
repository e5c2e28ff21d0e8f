"""The postal partner's HTTP API on an in-memory store: field-level 422s, a partner kept to its own
shipments (403 ``NOT_YOUR_SHIPMENT``), staff-only commands, operator-only scans, and nothing recorded by a
refusal (ADR 0603, 0641)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest
from delivery_services_kit import (
    AUDITOR,
    IN_MEMORY,
    OFFICER,
    OPERATOR,
    VIETTEL,
    VNPOST,
    at,
    runtime,
    serving,
)
from fastapi import FastAPI

from delivery.clock import SettableClock
from delivery.postal.partner import PostalPartner
from services.delivery.composition import working_days
from services.postal.api import router
from services.runtime.auth import AuthSettings, install_auth
from services.runtime.bootstrap import VERSION
from services.runtime.http import create_app
from services.runtime.problems import install_problem_handlers

HOME = {"street": "Số 12, phố Hòa Phong", "commune": "Phường Sơn Hà", "province": "Tỉnh Sơn Hà"}


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(at(2026, 3, 9, 8, 30))


@pytest.fixture
def partner(clock: SettableClock) -> PostalPartner:
    return PostalPartner(calendar=working_days(), clock=clock, env=IN_MEMORY)


def app_for(partner: PostalPartner) -> FastAPI:
    """The partner's router mounted the way postal-partner mounts it, minus Kafka and PostgreSQL."""
    app = create_app("postal-partner", VERSION, runtime("postal-partner").readiness)
    install_auth(app, AuthSettings())
    install_problem_handlers(app)
    app.include_router(router(lambda: partner))
    return app


@pytest.fixture
async def api(partner: PostalPartner) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(app_for(partner), "postal-partner") as client:
        yield client


def registration(**changes: Any) -> dict[str, Any]:
    return {
        "form": "BOTH",
        "requested_via": "APPLICANT_AT_POST_OFFICE",
        "procedure_code": "2.000575",
        "agency_unit_code": "H44.100",
        "contact": {"name": "Nguyễn Thị Thu Hà", "phone": "0912345678"},
        "pickup_address": HOME,
        "delivery_address": HOME,
        **changes,
    }


def acceptance(waybill: str, **changes: Any) -> dict[str, Any]:
    return {
        "waybill_no": waybill,
        "consignment_note_no": f"PG-{waybill[-6:]}",
        "items": [{"name": "Giấy đề nghị đăng ký hộ kinh doanh", "original": True}],
        "postage_vnd": 32_000,
        "post_office_code": "BC-SH-01",
        "route_class": "INTRA_DISTRICT",
        "slip_required": False,
        **changes,
    }


def stored(partner: PostalPartner) -> int:
    return partner.recorder.max_notification_id() or 0


def fields_of(problem: dict[str, Any]) -> set[str]:
    return {e["field"] for e in problem.get("errors") or ()}


async def accepted_by_vnpost(api: httpx.AsyncClient, waybill: str = "EB104790155VN") -> UUID:
    r = await api.post("/registrations", json=registration(), headers=VNPOST)
    assert r.status_code == 201 and r.json()["partner_id"] == "VNPOST", r.text
    dossier_id = UUID(r.json()["dossier_id"])
    r = await api.post(f"/files/{dossier_id}/acceptance", json=acceptance(waybill), headers=VNPOST)
    assert r.status_code == 200, r.text
    return dossier_id


async def test_malformed_bodies_name_every_bad_field(api: httpx.AsyncClient, partner: PostalPartner) -> None:
    before = stored(partner)
    r = await api.post(
        "/registrations",
        json=registration(form="SOMETIMES", contact={"name": "", "phone": "912345678"}, courier="x"),
        headers=VNPOST,
    )
    assert r.status_code == 422, r.text
    assert fields_of(r.json()) == {"form", "contact.name", "contact.phone", "courier"}
    dossier_id = await accepted_by_vnpost(api)
    before = stored(partner)
    r = await api.post(
        f"/files/{dossier_id}/acceptance",
        json=acceptance("EB1", items=[], postage_vnd=-1, route_class="MOON"),
        headers=VNPOST,
    )
    assert r.status_code == 422
    assert fields_of(r.json()) == {"waybill_no", "items", "postage_vnd", "route_class"}
    r = await api.post(
        "/waybills/EB104790155VN/delivery-failure",
        json={"reason": "NOT_AT_HOME", "invitation_issued": True, "next_attempt_at": "2026-03-10T09:00:00"},
        headers=VNPOST,
    )
    assert r.status_code == 422 and fields_of(r.json()) == {"next_attempt_at"}  # a time needs its zone
    assert all(e["message_vi"] for e in r.json()["errors"])
    assert stored(partner) == before


async def test_a_partner_never_touches_another_partners_shipment(
    api: httpx.AsyncClient, partner: PostalPartner
) -> None:
    dossier_id = await accepted_by_vnpost(api)
    before = stored(partner)
    refused = [
        await api.get(f"/files/{dossier_id}", headers=VIETTEL),
        await api.get("/waybills/EB104790155VN", headers=VIETTEL),
        await api.post(f"/files/{dossier_id}/acceptance", json=acceptance("EB555000111VN"), headers=VIETTEL),
        await api.post(
            "/waybills/EB104790155VN/transit",
            json={"movement": "DEPARTED", "office_code": "BC-SH-01"},
            headers=VIETTEL,
        ),
        await api.post(
            "/waybills/EB104790155VN/out-for-delivery", json={"courier_id": "vt.07"}, headers=VIETTEL
        ),
    ]
    for r in refused:
        assert r.status_code == 403 and r.json()["rule"] == "NOT_YOUR_SHIPMENT", r.text
        assert r.json()["title_vi"]
    assert stored(partner) == before
    r = await api.get("/sla-clocks", headers=VIETTEL)
    assert r.status_code == 200 and r.json() == []
    r = await api.get("/sla-clocks", headers=VNPOST)
    assert [c["waybill_no"] for c in r.json()] == ["EB104790155VN"]
    r = await api.get(f"/files/{dossier_id}", headers=OFFICER)  # the desk reads every partner's file
    assert r.status_code == 200 and r.json()["shipments"][0]["partner_id"] == "VNPOST"


async def test_staff_commands_need_a_postal_token_and_the_scan_an_operator(
    api: httpx.AsyncClient, partner: PostalPartner
) -> None:
    dossier_id = await accepted_by_vnpost(api)
    before = stored(partner)
    body = {"movement": "DEPARTED", "office_code": "BC-SH-01"}
    assert (await api.post("/waybills/EB104790155VN/transit", json=body)).status_code == 401
    for who in (OFFICER, AUDITOR, OPERATOR):
        r = await api.post("/waybills/EB104790155VN/transit", json=body, headers=who)
        assert r.status_code == 403 and r.json()["type"].endswith("/role-required"), r.text
    assert (await api.post("/ops/sla-scan", headers=VNPOST)).status_code == 403
    assert stored(partner) == before
    assert (await api.get(f"/files/{dossier_id}", headers=AUDITOR)).status_code == 200
    assert (await api.post("/ops/sla-scan", headers=OPERATOR)).json() == []


async def test_unknown_waybills_and_files_are_404_and_reused_numbers_422(
    api: httpx.AsyncClient, partner: PostalPartner
) -> None:
    dossier_id = await accepted_by_vnpost(api)
    before = stored(partner)
    r = await api.post("/waybills/EB000000000VN/out-for-delivery", json={"courier_id": "b"}, headers=VNPOST)
    assert r.status_code == 404 and r.json()["detail_vi"].startswith("Không tìm thấy")
    r = await api.get("/files/019cbba8-ae40-75c8-b12b-ea19040e613b", headers=VNPOST)
    assert r.status_code == 404
    assert stored(partner) == before
    other = await api.post("/registrations", json=registration(), headers=VNPOST)
    before = stored(partner)
    r = await api.post(
        f"/files/{other.json()['dossier_id']}/acceptance", json=acceptance(" eb104790155vn "), headers=VNPOST
    )
    assert (
        r.status_code == 422
        and r.json()["rule"] == "WAYBILL_IN_USE"
        and fields_of(r.json()) == {"waybill_no"}
    )
    assert stored(partner) == before
    assert (await api.get(f"/files/{dossier_id}", headers=VNPOST)).status_code == 200


async def test_the_sla_scan_records_a_breach_once(
    api: httpx.AsyncClient, partner: PostalPartner, clock: SettableClock
) -> None:
    await accepted_by_vnpost(api)  # Mon 9/3, intra-district: J + 1 ends at 00:00 on Wed 11/3
    clock.set(at(2026, 3, 11, 8))
    first = (await api.post("/ops/sla-scan", headers=OPERATOR)).json()
    assert [b["waybill_no"] for b in first] == ["EB104790155VN"]
    assert first[0]["due_at"] == at(2026, 3, 11, 0).isoformat()
    assert (await api.post("/ops/sla-scan", headers=OPERATOR)).json() == []
    (clock_view,) = (await api.get("/sla-clocks", headers=VNPOST)).json()
    assert clock_view["breach_recorded"] is True


async def test_the_recipient_at_the_door_is_read_as_delivery_api_reads_it(
    api: httpx.AsyncClient, partner: PostalPartner
) -> None:
    """P9 records the E25 recipient: an impossible identity number is a 422 on its field before any rule
    runs, and nothing is recorded (the same input model as the counter's, services/delivery/recipient_input)."""
    await accepted_by_vnpost(api)
    before = stored(partner)
    r = await api.post(
        "/waybills/EB104790155VN/delivery",
        json={
            "recipient": {"name": "  ", "id_number": "12-34"},
            "signature_ref": "ky-so-001",
        },
        headers=VNPOST,
    )
    assert r.status_code == 422, r.text
    assert fields_of(r.json()) == {"recipient.name", "recipient.id_number"}
    assert stored(partner) == before
