"""projections-api: the 766 index with per-dossier explanations, dossier timelines and dashboards; read-only.

Every query takes ``as_of`` (the value as it was known then: the facts known at that time, judged at that
time) and reads the live version of the read models from the registry, so a blue/green swap is atomic for
readers (docs/adr/0370). Auditors and operators read every unit; an agency lead reads its own unit's subtree.
Tables come as JSON, CSV (``format=csv``) or Excel (``format=xlsx``). ``/live`` streams the current period's
index (server-sent events) whenever the projection moves. ``/`` serves the dashboard page.
"""

import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
import psycopg
from fastapi import Depends, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from psycopg import sql
from psycopg_pool import ConnectionPool

from projections.index766 import IndexResult, Period, UnknownUnitError
from projections.readmodels import READ_MODEL_VERSION, VIEW_STEMS, Layout, digest
from projections.readmodels.tables import DOSSIER_FACTS
from projections.registry import registry_rows
from services.deployables import by_name
from services.projections.calendar import IntakeWorkingTime
from services.projections.export import CSV_TYPE, XLSX_TYPE, to_csv, to_xlsx
from services.projections.reading import (
    IndexQuery,
    child_units,
    current_period,
    dashboard,
    evaluate_index,
    explanation_rows,
    explanation_table,
    indicator_table,
    live_layout,
    parse_period,
    subtree,
    summary,
    timeline,
)
from services.runtime.auth import AuthSettings, Principal, Role, install_auth, require_roles
from services.runtime.bootstrap import VERSION, Runtime, serve
from services.runtime.http import create_app
from services.runtime.problems import ProblemError, install_problem_handlers
from services.runtime.simclock import clock_router

NAME = "projections-api"
SCHEMA = "projections"
STATIC = Path(__file__).parent / "static"
LIVE_POLL_S = 0.5
T = TypeVar("T")

READERS = require_roles(Role.AUDITOR, Role.OPERATOR, Role.AGENCY_LEAD)
UNSCOPED = frozenset({Role.AUDITOR, Role.OPERATOR})


def _problem(status: int, slug: str, title: str, title_vi: str, detail: str, detail_vi: str) -> ProblemError:
    return ProblemError(status, slug, title, detail, title_vi=title_vi, detail_vi=detail_vi)


def bad_request(detail: str) -> ProblemError:
    return _problem(422, "invalid-query", "Invalid query", "Truy vấn không hợp lệ", detail, detail)


def not_found(detail: str, detail_vi: str) -> ProblemError:
    return _problem(404, "not-found", "Not found", "Không tìm thấy", detail, detail_vi)


def table_response(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, name: str, extra: dict[str, Any]
) -> Response:
    if fmt == "csv":
        return Response(
            to_csv(columns, rows),
            media_type=CSV_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "xlsx":
        return Response(
            to_xlsx(columns, rows, name),
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    body = {**extra, "columns": list(columns), "rows": [dict(zip(columns, r, strict=True)) for r in rows]}
    return JSONResponse(jsonable_encoder(body))


def projector_url() -> str:
    """Where the projector serves its live activity (the default port unless ``PROJECTIONS_PROJECTOR_URL``)."""
    default = f"http://127.0.0.1:{by_name('projector').port}"
    return os.environ.get("PROJECTIONS_PROJECTOR_URL", default).rstrip("/")


def build(runtime: Runtime) -> FastAPI:
    schema = runtime.service.schema_name(SCHEMA)
    activity_url = projector_url() + "/live/activity"
    pool = ConnectionPool(
        runtime.database.url, min_size=1, max_size=8, open=False, kwargs={"autocommit": True}
    )
    calendar = IntakeWorkingTime()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(pool.open)
        try:
            yield
        finally:
            await asyncio.to_thread(pool.close)

    app = create_app(
        NAME,
        VERSION,
        runtime.readiness,
        title="projections-api — Chỉ số 766, giải trình và bảng điều khiển",
        lifespan=lifespan,
    )
    install_auth(app, AuthSettings())
    install_problem_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if (simulated := runtime.simulated_clock) is not None:
        app.include_router(clock_router(simulated))

    async def read(work: Callable[[psycopg.Connection[Any], Layout], T]) -> T:
        def run() -> T:
            with pool.connection() as conn:
                # One snapshot for the registry lookup and the reads: a swap never splits a query.
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    return work(conn, live_layout(conn, schema))

        return await asyncio.to_thread(run)

    def moment(text: str | None, name: str) -> datetime | None:
        if text is None or text == "":
            return None
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise bad_request(f"{name}={text!r} is not an ISO 8601 time") from None
        if value.utcoffset() is None:
            raise bad_request(f"{name} needs an offset, e.g. 2026-03-20T12:00:00+07:00")
        return value

    def index_query(
        unit: str, period: str | None, ruleset: str | None, as_of: str | None, evaluation_time: str | None
    ) -> IndexQuery:
        known = moment(as_of, "as_of")
        evaluated = moment(evaluation_time, "evaluation_time") or known or runtime.clock.now()
        try:
            chosen = parse_period(period) if period else current_period(evaluated)
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        if ruleset is not None and ruleset not in ("dvcqg-2025", "qd766-2022"):
            raise bad_request(f"unknown ruleset {ruleset!r}: dvcqg-2025 or qd766-2022")
        return IndexQuery(unit, chosen, ruleset, known, evaluated)

    def check_scope(
        conn: psycopg.Connection[Any], layout: Layout, principal: Principal, unit: str, period: Period
    ) -> None:
        if principal.roles & UNSCOPED:
            return
        own = principal.unit_code
        try:
            allowed = own is not None and unit in subtree(conn, layout, own, period, None)
        except UnknownUnitError:
            allowed = False
        if not allowed:
            raise ProblemError(
                403,
                "outside-unit",
                "Outside your unit",
                f"an agency lead of {own} reads only its own unit and the units under it, not {unit}",
                title_vi="Ngoài phạm vi đơn vị",
                detail_vi=f"Lãnh đạo đơn vị {own} chỉ xem được đơn vị mình và các đơn vị trực thuộc",
            )

    def compute(principal: Principal, q: IndexQuery, explain: bool) -> Callable[..., IndexResult]:
        def work(conn: psycopg.Connection[Any], layout: Layout) -> IndexResult:
            check_scope(conn, layout, principal, q.unit, q.period)
            try:
                return evaluate_index(conn, layout, q, calendar, explain=explain)
            except UnknownUnitError as exc:
                raise not_found(str(exc), f"Không có đơn vị {q.unit} trong kỳ {q.period.start}…") from None

        return work

    Reader = Annotated[Principal, Depends(READERS)]
    Unit = Annotated[str, Query(description="Mã đơn vị (tỉnh, sở, xã): chỉ số gộp cả cây đơn vị")]
    PeriodText = Annotated[
        str | None,
        Query(description="2026-03 | 2026-Q1 | 2026 | 2026-03-01..2026-03-15; mặc định: tháng này"),
    ]
    AsOf = Annotated[str | None, Query(description="Giá trị như đã biết tại thời điểm này (ISO 8601)")]
    Format = Annotated[str, Query(pattern="^(json|csv|xlsx)$")]

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/index", tags=["index"], summary="Chỉ số 766 của một đơn vị và kỳ: tổng, nhóm, chỉ tiêu")
    async def index(
        principal: Reader,
        unit: Unit,
        period: PeriodText = None,
        ruleset: str | None = None,
        as_of: AsOf = None,
        evaluation_time: str | None = None,
        format: Format = "json",
    ) -> Response:
        q = index_query(unit, period, ruleset, as_of, evaluation_time)
        result = await read(compute(principal, q, explain=False))
        if format == "json":
            return JSONResponse(summary(result))
        columns, rows = indicator_table(result)
        return table_response(columns, rows, format, f"chi-so-766-{unit}", {})

    @app.get("/index/tree", tags=["index"], summary="Cây chỉ số: đơn vị và các đơn vị trực thuộc")
    async def index_tree(
        principal: Reader,
        unit: Unit,
        period: PeriodText = None,
        ruleset: str | None = None,
        as_of: AsOf = None,
        evaluation_time: str | None = None,
    ) -> JSONResponse:
        q = index_query(unit, period, ruleset, as_of, evaluation_time)

        def work(conn: psycopg.Connection[Any], layout: Layout) -> list[dict[str, Any]]:
            own = compute(principal, q, explain=False)(conn, layout)
            out = [summary(own)]
            for child in child_units(conn, layout, q.unit, q.period, q.as_of):
                sub = IndexQuery(child["unit_code"], q.period, q.ruleset, q.as_of, q.evaluation_time)
                out.append(summary(evaluate_index(conn, layout, sub, calendar, explain=False)))
            return out

        return JSONResponse(await read(work))

    @app.get(
        "/index/indicators/{indicator_id}/dossiers",
        tags=["index"],
        summary="Giải trình: hồ sơ trong tử số, mẫu số của một chỉ tiêu và lý do",
    )
    async def indicator_dossiers(
        indicator_id: str,
        principal: Reader,
        unit: Unit,
        period: PeriodText = None,
        ruleset: str | None = None,
        as_of: AsOf = None,
        evaluation_time: str | None = None,
        member: Annotated[str, Query(pattern="^(numerator|denominator|all)$")] = "all",
        format: Format = "json",
    ) -> Response:
        q = index_query(unit, period, ruleset, as_of, evaluation_time)
        result = await read(compute(principal, q, explain=True))
        try:
            indicator = result.indicator(indicator_id)
        except KeyError:
            raise not_found(
                f"no indicator {indicator_id} in ruleset {result.ruleset_id}",
                f"Bộ tiêu chí {result.ruleset_id} không có chỉ tiêu {indicator_id}",
            ) from None
        columns, rows = explanation_table(explanation_rows(result, indicator_id, member))
        extra = {
            "indicator": indicator.model_dump(mode="json", exclude={"rows"}),
            "unit_code": result.unit_code,
            "period": result.period.model_dump(mode="json"),
            "as_of": q.as_of.isoformat() if q.as_of else None,
            "ruleset_id": result.ruleset_id,
        }
        return table_response(columns, rows, format, f"giai-trinh-{indicator_id}", extra)

    @app.get("/dossiers/{dossier_id}/timeline", tags=["dossiers"], summary="Dòng thời gian của một hồ sơ")
    async def dossier_timeline(
        dossier_id: str, principal: Reader, as_of: AsOf = None, format: Format = "json"
    ) -> Response:
        known = moment(as_of, "as_of")

        def work(conn: psycopg.Connection[Any], layout: Layout) -> dict[str, Any] | None:
            try:
                found = timeline(conn, layout, dossier_id, known)
            except psycopg.errors.InvalidTextRepresentation:
                raise bad_request(f"{dossier_id!r} is not a dossier id (UUID)") from None
            if found is not None and found["dossier"]["unit_code"]:
                when = found["dossier"]["received_at"] or found["dossier"]["known_at"]
                local = when.astimezone(runtime.clock.now().tzinfo)
                check_scope(conn, layout, principal, found["dossier"]["unit_code"], Period.year(local.year))
            return found

        found = await read(work)
        if found is None:
            raise not_found(
                f"nothing known about dossier {dossier_id}", f"Chưa có thông tin hồ sơ {dossier_id}"
            )
        ledger = found["clock_ledger"]
        columns = [
            "ordinal",
            "kind",
            "at",
            "known_at",
            "due_before",
            "effective_due_at",
            "wait_seconds",
            "note",
        ]
        rows = [[e[c] for c in columns] for e in ledger]
        extra = {"dossier": found["dossier"], "revisions": found["revisions"], "as_of": as_of}
        return table_response(columns, rows, format, f"ho-so-{dossier_id}", extra)

    @app.get("/dashboards", tags=["dashboards"], summary="Danh sách bảng điều khiển")
    async def dashboards(principal: Reader) -> dict[str, list[str]]:
        return {"dashboards": list(VIEW_STEMS)}

    @app.get("/dashboards/{stem}", tags=["dashboards"], summary="Một bảng điều khiển (lọc theo cây đơn vị)")
    async def one_dashboard(
        stem: str,
        principal: Reader,
        unit: Annotated[str | None, Query()] = None,
        as_of: AsOf = None,
        format: Format = "json",
    ) -> Response:
        if stem not in VIEW_STEMS:
            raise not_found(f"no dashboard {stem}", f"Không có bảng điều khiển {stem}")
        known = moment(as_of, "as_of")
        now = known or runtime.clock.now()

        def work(conn: psycopg.Connection[Any], layout: Layout) -> tuple[list[str], list[list[Any]]]:
            scope: list[str] | None = None
            period = Period.year(now.year)
            if unit is not None:
                check_scope(conn, layout, principal, unit, period)
                try:
                    scope = subtree(conn, layout, unit, period, known)
                except UnknownUnitError:
                    raise not_found(f"no unit {unit}", f"Không có đơn vị {unit}") from None
            elif not principal.roles & UNSCOPED:
                own = principal.unit_code or ""
                scope = subtree(conn, layout, own, period, None) if own else []
            return dashboard(conn, layout, stem, units=scope, as_of=known)

        columns, rows = await read(work)
        return table_response(columns, rows, format, stem, {"dashboard": stem, "as_of": as_of})

    @app.get("/live", tags=["index"], summary="Chỉ số kỳ hiện tại, cập nhật trực tiếp (server-sent events)")
    async def live(
        request: Request, principal: Reader, unit: Unit, ruleset: str | None = None
    ) -> StreamingResponse:
        index_query(unit, None, ruleset, None, None)  # refuse a bad query before the stream starts

        def fingerprint(conn: psycopg.Connection[Any], layout: Layout) -> tuple[Any, ...]:
            row = conn.execute(
                sql.SQL("SELECT count(*), max(known_at), sum(revision) FROM {}").format(
                    layout.table(DOSSIER_FACTS)
                )
            ).fetchone()
            return (layout.version, *(row or ()))

        async def events() -> AsyncIterator[bytes]:
            seen: tuple[Any, ...] | None = None
            while not await request.is_disconnected():
                mark = await read(fingerprint)
                if mark != seen:
                    seen = mark
                    q = index_query(unit, None, ruleset, None, None)
                    result = await read(compute(principal, q, explain=False))
                    yield f"event: index\ndata: {json.dumps(summary(result), ensure_ascii=False)}\n\n".encode()
                await asyncio.sleep(LIVE_POLL_S)

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
        )

    @app.get("/activity", tags=["dashboards"], summary="Sự kiện mỗi phút theo loại (từ projector, faust)")
    async def activity(principal: Reader, minutes: Annotated[int, Query(ge=1, le=120)] = 60) -> Any:
        # The windows live in the projector's faust tables (ADR 0003); this only forwards them so the page
        # needs one origin and one token.
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                r = await client.get(activity_url, params={"minutes": minutes})
                r.raise_for_status()
        except httpx.HTTPError as error:
            raise _problem(
                503,
                "activity-unavailable",
                "Live activity unavailable",
                "Chưa xem được hoạt động trực tiếp",
                f"the projector did not answer: {type(error).__name__}",
                "projector chưa trả lời; thử lại sau ít giây",
            ) from None
        return r.json()

    @app.get("/projections/status", tags=["operations"], summary="Phiên bản mô hình đọc và mã băm")
    async def status(
        principal: Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.AUDITOR))],
    ) -> Any:
        def work(conn: psycopg.Connection[Any], layout: Layout) -> dict[str, Any]:
            rows = [r.__dict__ for r in registry_rows(conn, schema)]
            return {"live_version": layout.version, "default_version": READ_MODEL_VERSION, "registry": rows}

        return jsonable_encoder(await read(work))

    @app.get(
        "/projections/digest", tags=["operations"], summary="Mã băm các hàng chuẩn của phiên bản đang dùng"
    )
    async def live_digest(principal: Annotated[Principal, Depends(require_roles(Role.OPERATOR))]) -> Any:
        def work(conn: psycopg.Connection[Any], layout: Layout) -> dict[str, Any]:
            return {"version": layout.version, "digest": digest(conn, layout.schema, layout.version)}

        return await read(work)

    return app


if __name__ == "__main__":
    serve(NAME, build)
