"""The HTTP surface every deployable shares: ``/health`` (alive), ``/ready`` (dependencies answer), ``/metrics``.

APIs add their routers to the app this builds; workers and relays serve only these three endpoints.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from .health import Readiness
from .metrics import HTTP_LATENCY, SERVICE_INFO, render

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    service: str,
    version: str,
    readiness: Readiness,
    *,
    title: str | None = None,
    lifespan: Lifespan | None = None,
    **fastapi_kwargs: Any,
) -> FastAPI:
    SERVICE_INFO.labels(service, version).set(1)
    started = time.time()

    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            if lifespan is not None:
                async with lifespan(app):
                    yield
            else:
                yield
        finally:
            await readiness.close()

    app = FastAPI(title=title or service, version=version, lifespan=_lifespan, **fastapi_kwargs)
    app.state.service = service
    app.state.readiness = readiness

    @app.middleware("http")
    async def _observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        t0 = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        HTTP_LATENCY.labels(
            request.method, getattr(route, "path", "unmatched"), str(response.status_code)
        ).observe(time.perf_counter() - t0)
        return response

    @app.get("/health", tags=["operations"], summary="Liveness: the process is up")
    async def health() -> dict[str, Any]:
        return {"service": service, "status": "ok", "uptime_s": round(time.time() - started, 1)}

    @app.get("/ready", tags=["operations"], summary="Readiness: every dependency answers now")
    async def ready() -> JSONResponse:
        results = await readiness.run()
        ok = all(r.ok for r in results.values())
        body = {
            "service": service,
            "ready": ok,
            "checks": {n: {"ok": r.ok, "detail": r.detail, "seconds": r.seconds} for n, r in results.items()},
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    async def metrics() -> Response:
        payload, content_type = render()
        return Response(payload, media_type=content_type)

    return app
