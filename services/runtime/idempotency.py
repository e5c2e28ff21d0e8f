"""``Idempotency-Key`` for POST commands (draft-ietf-httpapi-idempotency-key-header), kept in PostgreSQL.

An endpoint hands its command to ``IdempotencyStore.execute`` as a coroutine function that returns the
response; the store decides whether it runs::

    @router.post("/dossiers", status_code=201)
    async def submit(
        request: Request,
        submission: Submission,
        principal: Annotated[Principal, Depends(require_roles(Role.COUNTER_OFFICER))],
        idem: Annotated[IdempotencyStore, Depends(idempotency)],
    ) -> Response:
        async def run() -> Response:
            dossier_id = await asyncio.to_thread(intake.submit, ...)
            return JSONResponse({"dossier_id": str(dossier_id)}, status_code=201)

        return await idem.execute(request, principal, submission, run)

- first request with a key: the command runs and its response (status, headers, body) is stored;
- same principal, same key, same method and path, same body: the stored response, with
  ``Idempotent-Replayed: true``, and the command does not run again;
- same key with another body (or another endpoint): 422 ``idempotency-key-reused``;
- same key while the first request still runs: 409 ``idempotency-request-in-progress``;
- no key where the endpoint requires one: 400 ``idempotency-key-missing``.

Keys belong to a principal: two callers never see each other's keys. A command that raises stores nothing
and frees its key. "Still running" is a row lock held by the request that runs the command, so a request
whose process died leaves an unlocked row that the next retry takes over. docs/adr/0401 has the reasons.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool
from starlette.responses import Response

from .auth import Principal
from .logging import get_logger
from .problems import ProblemError

log = get_logger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
DEFAULT_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255
TABLE = "idempotency_keys"

Command = Callable[[], Awaitable[Response]]


def missing_key() -> ProblemError:
    return ProblemError(
        400,
        "idempotency-key-missing",
        "Idempotency-Key required",
        f"This endpoint needs an {HEADER} header (a unique value, e.g. a UUID, per command you send).",
        title_vi="Thiếu Idempotency-Key",
        detail_vi=f"Yêu cầu này cần tiêu đề {HEADER} (một giá trị duy nhất, ví dụ UUID, cho mỗi lệnh).",
    )


def invalid_key() -> ProblemError:
    return ProblemError(
        400,
        "idempotency-key-invalid",
        "Idempotency-Key not valid",
        f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters, optionally in double quotes.",
        title_vi="Idempotency-Key không hợp lệ",
        detail_vi=f"{HEADER} phải gồm 1 đến {MAX_KEY_LENGTH} ký tự ASCII in được, có thể đặt trong ngoặc kép.",
    )


def key_reused() -> ProblemError:
    return ProblemError(
        422,
        "idempotency-key-reused",
        "Idempotency-Key reused",
        f"This {HEADER} was already used for a different request; use a new key for a new command.",
        title_vi="Idempotency-Key đã được dùng",
        detail_vi=f"{HEADER} này đã được dùng cho một yêu cầu khác; hãy dùng khóa mới cho lệnh mới.",
    )


def in_progress() -> ProblemError:
    return ProblemError(
        409,
        "idempotency-request-in-progress",
        "Request in progress",
        f"A request with this {HEADER} is still being processed; retry shortly to get its response.",
        title_vi="Yêu cầu đang được xử lý",
        detail_vi=f"Một yêu cầu với {HEADER} này đang được xử lý; hãy thử lại sau ít giây để nhận kết quả.",
        headers={"Retry-After": "1"},
    )


def read_key(headers: Mapping[str, str], *, required: bool) -> str | None:
    """The key of a request, or ``None`` when it has none and may go without.

    The draft defines the header as a structured-field string (``"…"``); a bare token is accepted too.
    """
    raw = (headers.get(HEADER) or "").strip()
    if not raw:
        if required:
            raise missing_key()
        return None
    value = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    if not 0 < len(value) <= MAX_KEY_LENGTH or not all(0x21 <= ord(c) <= 0x7E for c in value):
        raise invalid_key()
    return value


def fingerprint(body: Any) -> str:
    """SHA-256 of the request body in canonical JSON (sorted keys, no spaces), so key order never matters.

    Give the model the endpoint validated, a JSON-able value, or the raw bytes (read as JSON when they are).
    """
    if isinstance(body, bytes | bytearray | str):
        raw = body.encode() if isinstance(body, str) else bytes(body)
        try:
            value: Any = json.loads(raw) if raw else None
        except ValueError:
            return hashlib.sha256(raw).hexdigest()
    else:
        value = jsonable_encoder(body)
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class _Stored:
    status: int
    headers: dict[str, str]
    body: bytes

    def response(self) -> Response:
        return Response(self.body, status_code=self.status, headers={**self.headers, REPLAYED_HEADER: "true"})


class IdempotencyStore:
    """Idempotency keys of one service, in the table ``<schema>.idempotency_keys``."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        schema: str,
        *,
        ttl: timedelta = DEFAULT_TTL,
        table: str = TABLE,
    ) -> None:
        self.pool = pool
        self.schema = schema
        self.ttl = ttl
        self.table = sql.Identifier(schema, table)
        self._index = sql.Identifier(f"{table}_created_at")

    async def create_table(self) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
            await conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " principal_subject text NOT NULL,"
                    " idempotency_key text NOT NULL,"
                    " method_path text NOT NULL,"
                    " request_sha256 text NOT NULL,"
                    " state text NOT NULL CHECK (state IN ('in_progress', 'completed')),"
                    " response_status smallint,"
                    " response_headers jsonb,"
                    " response_body bytea,"
                    " created_at timestamptz NOT NULL DEFAULT now(),"
                    " completed_at timestamptz,"
                    " PRIMARY KEY (principal_subject, idempotency_key))"
                ).format(self.table)
            )
            await conn.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (created_at)").format(self._index, self.table)
            )

    async def execute(
        self,
        request: Request,
        principal: Principal,
        body: Any,
        command: Command,
        *,
        required: bool = True,
    ) -> Response:
        """Run ``command`` at most once per (principal, key); see the module's docstring for the answers."""
        key = read_key(request.headers, required=required)
        if key is None:
            return await command()
        ident = (principal.subject, key)
        method_path = f"{request.method} {request.url.path}"
        digest = fingerprint(body)
        async with self.pool.connection() as conn:
            stored = await self._claim(conn, ident, method_path, digest)
            if stored is not None:
                log.info("idempotent replay", method_path=method_path, status=stored.status)
                return stored.response()
            # This transaction holds the row's lock until the outcome is recorded: that is "in progress".
            try:
                response = await command()
            except BaseException:
                await self._release(conn, ident)
                raise
            await self._complete(conn, ident, _stored(response))
            return response

    async def _claim(
        self, conn: psycopg.AsyncConnection[Any], ident: tuple[str, str], method_path: str, digest: str
    ) -> _Stored | None:
        """The stored response to replay, or ``None`` with the row locked in an open transaction."""
        # Another round when the row went away between the insert and the lock (a failing owner released
        # it) or had outlived its ttl (then the key is new again, whether or not the cleanup has run yet).
        for _ in range(3):
            await conn.execute(
                sql.SQL(
                    "INSERT INTO {} (principal_subject, idempotency_key, method_path, request_sha256, state) "
                    "VALUES (%s, %s, %s, %s, 'in_progress') ON CONFLICT DO NOTHING"
                ).format(self.table),
                (*ident, method_path, digest),
            )
            await conn.commit()  # visible to duplicates before the command starts
            try:
                cur = await conn.execute(
                    sql.SQL(
                        "SELECT method_path, request_sha256, state, response_status, response_headers, "
                        "response_body, created_at < now() - %s AS expired "
                        "FROM {} WHERE principal_subject = %s AND idempotency_key = %s FOR UPDATE NOWAIT"
                    ).format(self.table),
                    (self.ttl, *ident),
                )
                row = await cur.fetchone()
            except psycopg.errors.LockNotAvailable:
                await conn.rollback()
                raise await self._busy(conn, ident, method_path, digest) from None
            if row is None:
                await conn.rollback()
                continue
            stored_path, stored_digest, state, status, headers, body, expired = row
            if expired:
                await conn.execute(
                    sql.SQL("DELETE FROM {} WHERE principal_subject = %s AND idempotency_key = %s").format(
                        self.table
                    ),
                    ident,
                )
                await conn.commit()
                continue
            if (stored_path, stored_digest) != (method_path, digest):
                await conn.rollback()
                raise key_reused()
            if state == "completed":
                await conn.rollback()
                return _Stored(int(status), dict(headers or {}), bytes(body or b""))
            return None  # in progress and unlocked: ours, or left by a process that died while running it
        raise in_progress()

    async def _busy(
        self, conn: psycopg.AsyncConnection[Any], ident: tuple[str, str], method_path: str, digest: str
    ) -> ProblemError:
        cur = await conn.execute(
            sql.SQL(
                "SELECT method_path, request_sha256 FROM {} WHERE principal_subject = %s AND idempotency_key = %s"
            ).format(self.table),
            ident,
        )
        row = await cur.fetchone()
        await conn.rollback()
        if row is not None and tuple(row) != (method_path, digest):
            return key_reused()
        return in_progress()

    async def _complete(
        self, conn: psycopg.AsyncConnection[Any], ident: tuple[str, str], stored: _Stored
    ) -> None:
        try:
            await conn.execute(
                sql.SQL(
                    "UPDATE {} SET state = 'completed', response_status = %s, response_headers = %s, "
                    "response_body = %s, completed_at = now() "
                    "WHERE principal_subject = %s AND idempotency_key = %s"
                ).format(self.table),
                (stored.status, Jsonb(stored.headers), stored.body, *ident),
            )
            await conn.commit()
        except psycopg.Error:
            # The command has taken effect: its caller gets the response rather than an error. The row
            # stays "in progress" and unlocked, so a retry would run the command again (docs/adr/0401).
            log.error("could not store an idempotent response", status=stored.status, exc_info=True)

    async def _release(self, conn: psycopg.AsyncConnection[Any], ident: tuple[str, str]) -> None:
        """Forget the key after a failed command, so that a corrected request may use it."""
        try:
            await conn.execute(
                sql.SQL("DELETE FROM {} WHERE principal_subject = %s AND idempotency_key = %s").format(
                    self.table
                ),
                ident,
            )
            await conn.commit()
        except psycopg.Error:  # the command's own error matters more; the row unlocks anyway
            log.warning("could not release an idempotency key", exc_info=True)

    async def expire(self, older_than: timedelta | None = None) -> int:
        """Delete keys older than ``older_than`` (default: the store's ttl); returns how many went.

        A key whose command is still running is skipped, never waited for.
        """
        age = self.ttl if older_than is None else older_than
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                sql.SQL(
                    "DELETE FROM {0} AS k USING ("
                    " SELECT principal_subject, idempotency_key FROM {0}"
                    " WHERE created_at < now() - %s FOR UPDATE SKIP LOCKED) AS old "
                    "WHERE k.principal_subject = old.principal_subject "
                    "AND k.idempotency_key = old.idempotency_key"
                ).format(self.table),
                (age,),
            )
            return int(cur.rowcount)


def _stored(response: Response) -> _Stored:
    body = getattr(response, "body", None)
    if not isinstance(body, bytes):
        raise TypeError(f"an idempotent command must return a response with a body, not {type(response)}")
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "set-cookie")}
    return _Stored(response.status_code, headers, body)


def install_idempotency(app: FastAPI, store: IdempotencyStore) -> None:
    app.state.idempotency = store


def idempotency(request: Request) -> IdempotencyStore:
    """Dependency: the store ``install_idempotency`` gave the app."""
    store = getattr(request.app.state, "idempotency", None)
    if not isinstance(store, IdempotencyStore):
        raise RuntimeError("install_idempotency(app, store) was not called for this app")
    return store
