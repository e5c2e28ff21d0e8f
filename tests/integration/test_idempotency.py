"""Idempotency-Key on the real PostgreSQL server: a command runs once per (principal, key), whatever the retries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

import httpx
import psycopg
import pytest
from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from psycopg import sql
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel

from services.runtime.auth import AuthSettings, Principal, Role, install_auth, issue_token, require_roles
from services.runtime.idempotency import (
    REPLAYED_HEADER,
    IdempotencyStore,
    fingerprint,
    idempotency,
    install_idempotency,
)
from services.runtime.problems import install_problem_handlers, problem_type

DEADLINE_S = 10
AUTH = AuthSettings(secret="integration-secret-0123456789-abcdefghij", environment="ci")


class Submission(BaseModel):
    procedure_code: str
    applicant_name: str
    copies: int = 1


class Refused(Exception):
    def __init__(self) -> None:
        super().__init__("refused")
        self.rule = "procedure.closed"
        self.message_vi = "Thủ tục đã ngừng tiếp nhận"
        self.message_en = "The procedure no longer accepts dossiers"


@dataclass
class Backend:
    """What the commands did, so tests can count real executions."""

    runs: list[tuple[str, str]] = field(default_factory=list)
    gate: asyncio.Event | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)


def build_app(store: IdempotencyStore, backend: Backend) -> FastAPI:
    app = FastAPI()

    @app.post("/dossiers", status_code=201)
    async def submit(
        request: Request,
        submission: Submission,
        principal: Annotated[Principal, Depends(require_roles(Role.COUNTER_OFFICER))],
        idem: Annotated[IdempotencyStore, Depends(idempotency)],
    ) -> Response:
        async def run() -> Response:
            backend.started.set()
            if backend.gate is not None:
                await backend.gate.wait()
            if submission.procedure_code == "closed":
                raise Refused()
            backend.runs.append((principal.subject, submission.applicant_name))
            number = len(backend.runs)
            return JSONResponse(
                {
                    "dossier_number": number,
                    "applicant_name": submission.applicant_name,
                    "by": principal.subject,
                },
                status_code=201,
                headers={"Location": f"/dossiers/{number}"},
            )

        return await idem.execute(request, principal, submission, run)

    @app.post("/dossiers/{number}/withdraw")
    async def withdraw(
        request: Request,
        number: int,
        submission: Submission,
        principal: Annotated[Principal, Depends(require_roles(Role.COUNTER_OFFICER))],
        idem: Annotated[IdempotencyStore, Depends(idempotency)],
    ) -> Response:
        async def run() -> Response:
            backend.runs.append((principal.subject, f"withdraw {number}"))
            return JSONResponse({"withdrawn": number})

        return await idem.execute(request, principal, submission, run)

    install_auth(app, AUTH)
    install_idempotency(app, store)
    install_problem_handlers(app)
    return app


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[AsyncConnectionPool[Any]]:
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(database_url, min_size=6, max_size=6, open=False)
    await pool.open(wait=True, timeout=DEADLINE_S)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def store(pool: AsyncConnectionPool[Any], pg_schema: str) -> IdempotencyStore:
    store = IdempotencyStore(pool, pg_schema)
    await store.create_table()
    return store


@pytest.fixture
def backend() -> Backend:
    return Backend()


@pytest.fixture
async def client(store: IdempotencyStore, backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(store, backend))
    async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as client:
        yield client


def headers(key: str | None, subject: str = "cb-1") -> dict[str, str]:
    token = issue_token(AUTH, subject, [Role.COUNTER_OFFICER], timedelta(minutes=5), unit_code="H44.06")
    result = {"Authorization": f"Bearer {token}"}
    if key is not None:
        result["Idempotency-Key"] = key
    return result


LAN = {"procedure_code": "1.001", "applicant_name": "Nguyễn Thị Lan", "copies": 2}
HUNG = {"procedure_code": "1.001", "applicant_name": "Trần Văn Hùng", "copies": 1}


async def post(
    client: httpx.AsyncClient, body: Any, key: str | None, subject: str = "cb-1"
) -> httpx.Response:
    return await asyncio.wait_for(
        client.post("/dossiers", json=body, headers=headers(key, subject)), DEADLINE_S
    )


async def test_replay_with_the_same_body_returns_the_stored_response(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    first = await post(client, LAN, "k-1")
    assert first.status_code == 201
    assert REPLAYED_HEADER not in first.headers

    # the same JSON with its keys in another order is the same request
    reordered = json.dumps(dict(reversed(list(LAN.items()))), ensure_ascii=False)
    replay = await asyncio.wait_for(
        client.post(
            "/dossiers", content=reordered, headers={**headers("k-1"), "content-type": "application/json"}
        ),
        DEADLINE_S,
    )
    assert replay.status_code == 201
    assert replay.headers[REPLAYED_HEADER] == "true"
    assert replay.content == first.content
    assert replay.headers["location"] == first.headers["location"] == "/dossiers/1"
    assert replay.headers["content-type"] == first.headers["content-type"]
    # the structured-field form of the same key ("k-1") is the same key
    quoted = await post(client, LAN, '"k-1"')
    assert quoted.headers[REPLAYED_HEADER] == "true"
    assert backend.runs == [("cb-1", "Nguyễn Thị Lan")]


async def test_same_key_with_another_body_is_refused(client: httpx.AsyncClient, backend: Backend) -> None:
    assert (await post(client, LAN, "k-2")).status_code == 201
    reused = await post(client, HUNG, "k-2")
    assert reused.status_code == 422
    assert reused.json()["type"] == problem_type("idempotency-key-reused")
    assert reused.json()["detail_vi"]
    # …or on another endpoint
    elsewhere = await asyncio.wait_for(
        client.post("/dossiers/1/withdraw", json=LAN, headers=headers("k-2")), DEADLINE_S
    )
    assert elsewhere.status_code == 422
    assert len(backend.runs) == 1


async def test_duplicate_while_the_first_still_runs_is_409(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    backend.gate = asyncio.Event()
    first = asyncio.create_task(post(client, LAN, "k-3"))
    await asyncio.wait_for(backend.started.wait(), DEADLINE_S)

    duplicate = await post(client, LAN, "k-3")
    assert duplicate.status_code == 409
    assert duplicate.json()["type"] == problem_type("idempotency-request-in-progress")
    assert duplicate.headers["retry-after"] == "1"
    different = await post(client, HUNG, "k-3")
    assert different.status_code == 422

    backend.gate.set()
    done = await asyncio.wait_for(first, DEADLINE_S)
    assert done.status_code == 201
    after = await post(client, LAN, "k-3")
    assert after.headers[REPLAYED_HEADER] == "true"
    assert after.content == done.content
    assert len(backend.runs) == 1


async def test_simultaneous_duplicates_run_the_command_once(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    responses = await asyncio.gather(*(post(client, LAN, "k-4") for _ in range(8)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}
    fresh = [r for r in responses if r.status_code == 201 and REPLAYED_HEADER not in r.headers]
    assert len(fresh) == 1
    assert len(backend.runs) == 1
    assert all(r.content == fresh[0].content for r in responses if r.status_code == 201)


async def test_missing_or_invalid_key_is_400(client: httpx.AsyncClient, backend: Backend) -> None:
    missing = await post(client, LAN, None)
    assert missing.status_code == 400
    assert missing.json()["type"] == problem_type("idempotency-key-missing")
    for bad in ("has space", "x" * 256, '""'):
        invalid = await post(client, LAN, bad)
        assert invalid.status_code == 400, bad
        assert invalid.json()["type"] == problem_type("idempotency-key-invalid")
    assert backend.runs == []


async def test_keys_belong_to_their_principal(client: httpx.AsyncClient, backend: Backend) -> None:
    mine = await post(client, LAN, "shared-key", subject="cb-1")
    theirs = await post(client, LAN, "shared-key", subject="cb-2")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert REPLAYED_HEADER not in theirs.headers
    assert mine.json()["by"] == "cb-1" and theirs.json()["by"] == "cb-2"
    # another principal may even send a different body under the same key
    assert (await post(client, HUNG, "shared-key", subject="cb-3")).status_code == 201
    assert (await post(client, LAN, "shared-key", subject="cb-2")).json()["by"] == "cb-2"
    assert len(backend.runs) == 3


async def test_a_refused_command_stores_nothing_and_frees_its_key(
    client: httpx.AsyncClient, backend: Backend
) -> None:
    refused = await post(client, {**LAN, "procedure_code": "closed"}, "k-5")
    assert refused.status_code == 409
    assert refused.json()["rule"] == "procedure.closed"
    corrected = await post(client, LAN, "k-5")
    assert corrected.status_code == 201
    assert REPLAYED_HEADER not in corrected.headers
    assert len(backend.runs) == 1


async def test_a_key_left_by_a_dead_process_is_taken_over(
    client: httpx.AsyncClient, backend: Backend, store: IdempotencyStore, database_url: str, pg_schema: str
) -> None:
    # the row a process leaves when it dies after claiming the key: in progress, but nobody holds its lock
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (principal_subject, idempotency_key, method_path, request_sha256, state) "
                "VALUES ('cb-1', 'k-6', 'POST /dossiers', %s, 'in_progress')"
            ).format(sql.Identifier(pg_schema, "idempotency_keys")),
            (fingerprint(Submission.model_validate(LAN)),),
        )
    retried = await post(client, LAN, "k-6")
    assert retried.status_code == 201
    assert len(backend.runs) == 1
    # and with another body it is still that request's key
    assert (await post(client, HUNG, "k-6")).status_code == 422


def backdate(database_url: str, schema: str, key: str, hours: int) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "UPDATE {} SET created_at = created_at - make_interval(hours => %s) WHERE idempotency_key = %s"
            ).format(sql.Identifier(schema, "idempotency_keys")),
            (hours, key),
        )


def keys(database_url: str, schema: str) -> set[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            sql.SQL("SELECT idempotency_key FROM {}").format(sql.Identifier(schema, "idempotency_keys"))
        ).fetchall()
    return {row[0] for row in rows}


async def test_cleanup_removes_keys_past_their_lifetime(
    client: httpx.AsyncClient, store: IdempotencyStore, database_url: str, pg_schema: str
) -> None:
    for key in ("old", "fresh"):
        assert (await post(client, LAN, key)).status_code == 201
    backdate(database_url, pg_schema, "old", 25)
    assert await store.expire() == 1
    assert keys(database_url, pg_schema) == {"fresh"}
    assert await store.expire(older_than=timedelta(hours=48)) == 0


async def test_an_expired_key_is_new_again_before_cleanup(
    client: httpx.AsyncClient, backend: Backend, database_url: str, pg_schema: str
) -> None:
    assert (await post(client, LAN, "k-7")).status_code == 201
    backdate(database_url, pg_schema, "k-7", 25)
    again = await post(client, HUNG, "k-7")
    assert again.status_code == 201
    assert REPLAYED_HEADER not in again.headers
    assert [name for _, name in backend.runs] == ["Nguyễn Thị Lan", "Trần Văn Hùng"]
    assert (await post(client, HUNG, "k-7")).headers[REPLAYED_HEADER] == "true"


async def test_optional_key_runs_without_storing(store: IdempotencyStore, backend: Backend) -> None:
    app = FastAPI()

    @app.post("/notes")
    async def note(request: Request, body: Submission) -> Response:
        principal = Principal(subject="op", roles=frozenset({Role.OPERATOR}), token_id="t")

        async def run() -> Response:
            backend.runs.append(("op", body.applicant_name))
            return JSONResponse({"ok": True})

        return await store.execute(request, principal, body, run, required=False)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for _ in range(2):
            assert (await client.post("/notes", json=LAN)).status_code == 200
    assert len(backend.runs) == 2
