"""fake-national-portal: a small stand-in for Cổng DVCQG on loopback, for local runs and tests only.

- ``POST /api/v1/dossier-status`` takes a status push (``Idempotency-Key`` = dossier id and transition
  number), records it in arrival order and acknowledges it; a repeated key is acknowledged again and not
  recorded twice. It can be told to fail a share of pushes (503) and to answer slowly.
- ``POST /api/v1/inbox`` takes portal-inbox messages to applicants (notification channel PORTAL).
- ``GET /api/v1/feed?after=N`` is what the portal originates: petitions (PAKN) and their steps, and ratings
  given on the portal; tests add items with ``POST /control/feed``.
- ``/control/*`` sets failures and delays, and reads back what was received.

State is in memory: a restart forgets everything (it is a test double, never a store of record).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from typing import Any

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app

NAME = "fake-national-portal"


class Control(BaseModel):
    model_config = {"extra": "forbid"}
    failure_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    delay_ms: int = Field(default=0, ge=0, le=60_000)
    seed: int | None = None
    reject_status_codes: list[int] = Field(default_factory=list)


class FeedItem(BaseModel):
    model_config = {"extra": "forbid"}
    kind: str = Field(min_length=1, max_length=60)
    data: dict[str, Any]


class PortalState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.control = Control()
        self.random = random.Random()
        self.received: list[dict[str, Any]] = []
        self.keys: dict[str, dict[str, Any]] = {}
        self.attempts = 0
        self.failures_injected = 0
        self.duplicates = 0
        self.inbox: dict[str, dict[str, Any]] = {}
        self.feed: list[dict[str, Any]] = []


def build(runtime: Runtime) -> FastAPI:
    state = PortalState()
    app = create_app(NAME, VERSION, runtime.readiness, title="fake Cổng DVCQG (tests and local runs)")

    @app.put("/control", tags=["control"])
    async def control(body: Control) -> dict[str, Any]:
        with state.lock:
            state.control = body
            if body.seed is not None:
                state.random.seed(body.seed)
        return body.model_dump()

    @app.get("/control/received", tags=["control"])
    async def received(dossier_code: str | None = None) -> dict[str, Any]:
        with state.lock:
            items = [r for r in state.received if dossier_code is None or r["MaHoSo"] == dossier_code]
            return {
                "received": items,
                "attempts": state.attempts,
                "failures_injected": state.failures_injected,
                "duplicates": state.duplicates,
            }

    @app.get("/control/inbox", tags=["control"])
    async def inbox_items() -> list[dict[str, Any]]:
        with state.lock:
            return list(state.inbox.values())

    @app.post("/control/feed", status_code=201, tags=["control"])
    async def originate(item: FeedItem) -> dict[str, Any]:
        with state.lock:
            entry = {"n": len(state.feed) + 1, "kind": item.kind, "data": item.data}
            state.feed.append(entry)
            return entry

    @app.get("/api/v1/feed", tags=["portal"])
    async def feed(after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        with state.lock:
            return state.feed[after : after + limit]

    @app.post("/api/v1/dossier-status", tags=["portal"])
    async def push(request: Request, idempotency_key: str = Header(alias="Idempotency-Key")) -> JSONResponse:
        body = await request.json()
        with state.lock:
            state.attempts += 1
            fail = state.random.random() < state.control.failure_rate
            delay = state.control.delay_ms
            rejected = body.get("TrangThaiHoSo") in state.control.reject_status_codes
        if delay:
            await asyncio.sleep(delay / 1000)
        if fail:
            with state.lock:
                state.failures_injected += 1
            return JSONResponse({"error": "injected failure"}, status_code=503)
        if rejected:
            return JSONResponse(
                {"error_code": "TRANG_THAI_KHONG_HOP_LE", "message": "Trạng thái không được chấp nhận"},
                status_code=422,
            )
        with state.lock:
            if idempotency_key in state.keys:
                state.duplicates += 1
                return JSONResponse(state.keys[idempotency_key])
            ack = {"ref": f"DVCQG-{len(state.received) + 1:08d}", "accepted_at": time.time()}
            state.received.append({**body, "idempotency_key": idempotency_key, "ack": ack["ref"]})
            state.keys[idempotency_key] = ack
            return JSONResponse(ack)

    @app.post("/api/v1/inbox", tags=["portal"])
    async def inbox(
        request: Request, idempotency_key: str = Header(alias="Idempotency-Key")
    ) -> dict[str, Any]:
        body = await request.json()
        with state.lock:
            state.inbox.setdefault(idempotency_key, body)
        return {"ref": f"inbox-{idempotency_key[:8]}"}

    return app


if __name__ == "__main__":
    serve(NAME, build)
