"""HTTP to the deployables as their real callers: each request carries the token of the person acting
(counter officer of the desk, specialist and lead of the processing unit, applicant, postal clerk)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from services.deployables import DEPLOYABLES
from services.runtime.auth import AuthSettings, issue_token

RETRY_RULES = frozenset({"CONCURRENT_UPDATE", "VERSION_MISMATCH"})
TOKEN_TTL = timedelta(hours=12)


def default_urls() -> dict[str, str]:
    return {d.name: f"http://127.0.0.1:{d.port}" for d in DEPLOYABLES}


def parse_urls(text: str | None) -> dict[str, str]:
    """``name=url,name=url`` over the defaults (ports of services/deployables.py)."""
    urls = default_urls()
    for part in (text or "").split(","):
        if part.strip():
            name, _, url = part.partition("=")
            if name.strip() not in urls or not url.strip():
                raise ValueError(f"--base-urls: {part!r} is not <deployable>=<url> of a known deployable")
            urls[name.strip()] = url.strip().rstrip("/")
    return urls


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def rule(self) -> str | None:
        return self.body.get("rule") if isinstance(self.body, dict) else None


@dataclass
class Client:
    urls: dict[str, str]
    settings: AuthSettings = field(default_factory=AuthSettings)
    http: httpx.AsyncClient = field(
        default_factory=lambda: httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=32))
    )
    _tokens: dict[tuple[str, str, str | None, str | None], str] = field(default_factory=dict)
    requests: int = 0
    refusals: int = 0

    def token(self, role: str, subject: str, unit: str | None = None, partner: str | None = None) -> str:
        key = (role, subject, unit, partner)
        if key not in self._tokens:
            self._tokens[key] = issue_token(
                self.settings, subject, [role], TOKEN_TTL, unit_code=unit, partner_id=partner
            )
        return self._tokens[key]

    def headers(
        self, role: str, subject: str, unit: str | None = None, partner: str | None = None
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, subject, unit, partner)}"}

    async def call(
        self,
        method: str,
        service: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: Any = None,
        *,
        idempotent: bool = False,
    ) -> Answer:
        """One request; retried (same idempotency key) on a lost race, a 5xx or a dropped connection."""
        sent = dict(headers or {})
        if idempotent:
            sent["Idempotency-Key"] = str(uuid.uuid4())
        url = self.urls[service] + path
        answer = Answer(0, None)
        for attempt in range(6):
            self.requests += 1
            try:
                r = await self.http.request(method, url, json=body, headers=sent)
            except httpx.TransportError as error:
                answer = Answer(0, {"detail": f"{type(error).__name__}: {error}"})
            else:
                try:
                    payload: Any = r.json()
                except ValueError:
                    payload = r.text
                answer = Answer(r.status_code, payload)
                if answer.ok or not (r.status_code >= 500 or answer.rule in RETRY_RULES):
                    break
            await asyncio.sleep(0.05 * 2**attempt)
        if not answer.ok:
            self.refusals += 1
        return answer

    async def set_clock(self, service: str, at: datetime, rate: float) -> Answer:
        return await self.call(
            "PUT",
            service,
            "/ops/clock",
            self.headers("operator", "ops.demo"),
            {"now": at.isoformat(), "rate": rate},
        )

    async def close(self) -> None:
        await self.http.aclose()
