"""``as_of`` returns what the live API returned at that moment: record the live answers while the stream is half
projected, project the rest (the present values change), then ask again ``as_of`` the recorded moment.

projections-api runs in process (its real app, lifespan and auth) over a schema of its own; the clock is
fixed at the recorded moment so that "live" is unambiguous.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from replay_kit import drop_topics, produce, project

from contracts.envelope import PublicEvent
from contracts.fields import BUSINESS_TZ
from projections.readmodels.sample_stream import PROVINCE, sample_stream
from services.deployables import by_name
from services.projections import api, projector
from services.runtime.auth import AuthSettings, Role, issue_token
from services.runtime.bootstrap import Runtime
from services.runtime.health import Readiness
from services.runtime.pipelines import declare_topics
from services.runtime.settings import DatabaseSettings, KafkaSettings, ServiceSettings

MOMENT = datetime(2026, 3, 16, 12, 0, tzinfo=BUSINESS_TZ)
SECRET = "replay-tier-secret-0123456789-abcdefghijkl"


@cache
def stream() -> tuple[PublicEvent, ...]:
    return sample_stream(dossiers=30, seed=766).events


class SteppedClock:
    """Business time stands still until the test moves it on."""

    def __init__(self) -> None:
        self.at = MOMENT

    def now(self) -> datetime:
        return self.at


CLOCK = SteppedClock()


@pytest.fixture
async def namespace(monkeypatch: pytest.MonkeyPatch, kafka_bootstrap: str) -> AsyncIterator[str]:
    ns = f"a{uuid.uuid4().hex[:10]}."
    monkeypatch.setattr(projector, "NAME", f"projector-{ns}")
    yield ns
    await drop_topics(kafka_bootstrap, ns)


@pytest.fixture
async def client(
    database_url: str, kafka_bootstrap: str, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setattr(api, "SCHEMA", pg_schema)
    monkeypatch.setattr(CLOCK, "at", MOMENT)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("AUTH_SECRET", SECRET)
    monkeypatch.setenv("SERVICE_ENVIRONMENT", "ci")
    runtime = Runtime(
        deployable=by_name("projections-api"),
        service=ServiceSettings(),
        kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap),
        database=DatabaseSettings(),
        readiness=Readiness(),
        clock=CLOCK,
    )
    app = api.build(runtime)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://projections-api") as http:
            yield http


def bearer(role: Role, unit: str | None = None) -> dict[str, str]:
    settings = AuthSettings(secret=SECRET, environment="ci")
    token = issue_token(settings, f"test:{role}", [role], timedelta(minutes=10), unit_code=unit)
    return {"Authorization": f"Bearer {token}"}


AUDITOR = bearer(Role.AUDITOR)


async def get(http: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await http.get(path, params=params, headers=AUDITOR)
    assert response.status_code == 200, response.text
    return response.json()


def without_knowledge_time(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "knowledge_time"}


async def test_as_of_returns_what_the_live_api_returned_at_that_moment(
    client: httpx.AsyncClient, database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str
) -> None:
    events = stream()
    known_then = [e for e in events if e.recorded_at <= MOMENT]
    later = [e for e in events if e.recorded_at > MOMENT]
    assert known_then and later
    await declare_topics(kafka_bootstrap, namespace)
    await produce(kafka_bootstrap, namespace, known_then)
    await project(kafka_bootstrap, database_url, pg_schema, namespace, 1, len(known_then), 100)

    # What the live API answers at MOMENT, recorded.
    index = {"unit": PROVINCE, "period": "2026-03"}
    live_index = await get(client, "/index", **index)
    live_why = await get(client, "/index/indicators/DOSSIER_ON_TIME/dossiers", **index)
    live_tree = await get(client, "/index/tree", **index)
    live_board = await get(client, "/dashboards/dashboard_throughput", unit=PROVINCE)
    live_766 = await get(client, "/index", **index, ruleset="qd766-2022")
    assert live_index["knowledge_time"] is None and live_index["evaluation_time"].startswith(
        "2026-03-16T12:00"
    )
    assert live_why["rows"] and live_why["indicator"]["denominator"] > 0
    assert len(live_tree) > 1 and live_tree[0]["unit_code"] == PROVINCE

    # Time passes and later events arrive: the present value moves.
    CLOCK.at = datetime(2026, 4, 15, 12, 0, tzinfo=BUSINESS_TZ)
    await produce(kafka_bootstrap, namespace, later)
    await project(kafka_bootstrap, database_url, pg_schema, namespace, 1, len(events), 100)
    now_index = await get(client, "/index", **index)
    assert now_index["groups"] != live_index["groups"]

    # as_of the recorded moment: exactly what was answered then.
    then = MOMENT.isoformat()
    assert without_knowledge_time(await get(client, "/index", **index, as_of=then)) == without_knowledge_time(
        live_index
    )
    assert without_knowledge_time(
        await get(client, "/index", **index, ruleset="qd766-2022", as_of=then)
    ) == without_knowledge_time(live_766)
    why_then = await get(client, "/index/indicators/DOSSIER_ON_TIME/dossiers", **index, as_of=then)
    assert why_then["rows"] == live_why["rows"] and why_then["indicator"] == live_why["indicator"]
    tree_then = await get(client, "/index/tree", **index, as_of=then)
    assert [without_knowledge_time(t) for t in tree_then] == [without_knowledge_time(t) for t in live_tree]
    board_then = await get(client, "/dashboards/dashboard_throughput", unit=PROVINCE, as_of=then)
    assert board_then["rows"] == live_board["rows"]

    # A dossier's timeline as known then has fewer revisions than now.
    dossier_id = live_why["rows"][0]["subject_id"]
    timeline_then = await get(client, f"/dossiers/{dossier_id}/timeline", as_of=then)
    timeline_now = await get(client, f"/dossiers/{dossier_id}/timeline")
    assert all(r["known_at"] <= then for r in timeline_then["revisions"])
    assert len(timeline_then["revisions"]) <= len(timeline_now["revisions"])


async def test_explanations_exports_and_role_scope(
    client: httpx.AsyncClient, database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str
) -> None:
    events = stream()
    await declare_topics(kafka_bootstrap, namespace)
    await produce(kafka_bootstrap, namespace, events)
    await project(kafka_bootstrap, database_url, pg_schema, namespace, 1, len(events), 250)
    index = {"unit": PROVINCE, "period": "2026-03", "evaluation_time": "2026-04-15T12:00:00+07:00"}

    body = await get(client, "/index", **index)
    on_time = next(i for g in body["groups"] for i in g["indicators"] if i["id"] == "DOSSIER_ON_TIME")
    numerator = await get(client, "/index/indicators/DOSSIER_ON_TIME/dossiers", **index, member="numerator")
    denominator = await get(
        client, "/index/indicators/DOSSIER_ON_TIME/dossiers", **index, member="denominator"
    )
    # The explanation lists exactly the dossiers behind the figures, each with its reason.
    assert (
        len(numerator["rows"]) == on_time["numerator"] and len(denominator["rows"]) == on_time["denominator"]
    )
    assert all(r["reason_vi"] and r["reason_en"] for r in denominator["rows"])
    late = [r for r in denominator["rows"] if not r["in_numerator"]]
    assert late and all("late" in r["reason_en"].lower() or r["reason_code"] for r in late)

    # CSV and Excel of the same table.
    csv_response = await client.get(
        "/index/indicators/DOSSIER_ON_TIME/dossiers", params={**index, "format": "csv"}, headers=AUDITOR
    )
    assert csv_response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["subject_kind", "subject_id"] and len(rows) == 1 + len(numerator["rows"]) + len(
        [r for r in denominator["rows"] if not r["in_numerator"]]
    ) + len(
        [
            r
            for r in (await get(client, "/index/indicators/DOSSIER_ON_TIME/dossiers", **index))["rows"]
            if not r["in_denominator"] and not r["in_numerator"]
        ]
    )
    xlsx = await client.get("/index", params={**index, "format": "xlsx"}, headers=AUDITOR)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    ids = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "DOSSIER_ON_TIME" in ids and len(ids) == sum(len(g["indicators"]) for g in body["groups"])
    board = await client.get("/dashboards/dashboard_timeliness", params={"format": "csv"}, headers=AUDITOR)
    assert board.status_code == 200 and board.content.decode("utf-8-sig").startswith("unit_code,")

    # An agency lead reads its own subtree only; an applicant reads nothing here.
    commune = "H44.100"
    lead = bearer(Role.AGENCY_LEAD, commune)
    own = await client.get("/index", params={**index, "unit": commune}, headers=lead)
    assert own.status_code == 200 and own.json()["unit_code"] == commune
    other = await client.get("/index", params=index, headers=lead)
    assert other.status_code == 403
    applicant = await client.get("/index", params=index, headers=bearer(Role.APPLICANT))
    assert applicant.status_code == 403
    assert (await client.get("/index", params=index)).status_code == 401
    assert (
        await client.get("/index", params={**index, "period": "March"}, headers=AUDITOR)
    ).status_code == 422
    assert (await client.get("/index", params={**index, "unit": "H99"}, headers=AUDITOR)).status_code == 404
    page = await client.get("/")
    assert page.status_code == 200 and "Chỉ số" in page.text
