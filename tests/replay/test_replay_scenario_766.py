"""The hand-computed scenario of ``scenario_766_progress.json`` (written out there, dossier by dossier) goes
through the whole path — events on the real broker, the projector, the read models, projections-api — and
the API gives exactly the hand-computed numbers, for every unit of the roll-up and under both rulesets.

The reference data (units, calendar, catalogue) are the sample stream's reference events; the 31 dossiers
are scripted with ``like_example``: received (with the due date printed on the slip) and, when finished,
the result issued.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

import httpx
import pytest
from replay_kit import drop_topics, produce, project

from contracts.envelope import PublicEvent
from contracts.fields import BUSINESS_TZ
from projections.facts_bridge import fact_base, memory_rows
from projections.index766 import Period, Policy, evaluate, load_ruleset
from projections.readmodels import MemoryStore
from projections.readmodels.sample_stream import like_example, sample_stream
from services.deployables import by_name
from services.projections import api, projector
from services.projections.calendar import IntakeWorkingTime
from services.runtime.auth import AuthSettings, Role, issue_token
from services.runtime.bootstrap import Runtime, SystemClock
from services.runtime.health import Readiness
from services.runtime.pipelines import declare_topics
from services.runtime.settings import DatabaseSettings, KafkaSettings, ServiceSettings

SCENARIO = json.loads((Path(__file__).parent / "scenario_766_progress.json").read_text(encoding="utf-8"))
NAMESPACE_ID = UUID("8a0f6f1e-2c47-4f0e-9d3b-766000000766")
EVALUATED = "2026-04-15T12:00:00+07:00"
SECRET = "replay-scenario-secret-0123456789-abcdefgh"
PROCEDURE = "2.000575"


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BUSINESS_TZ)


def parse_days(text: str) -> timedelta:
    """``P2D`` → two days (the scenario file writes waits as ISO 8601 day durations)."""
    assert text.startswith("P") and text.endswith("D"), text
    return timedelta(days=int(text[1:-1]))


def dossier_id(key: str) -> UUID:
    return uuid5(NAMESPACE_ID, key)


def scenario_events() -> list[PublicEvent]:
    events = [e for e in sample_stream(dossiers=30, seed=766).events if e.producer.value == "reference"]
    for n, d in enumerate(SCENARIO["dossiers"], start=1):
        received, due = local(d["received"]), local(d["due"])
        key = dossier_id(d["id"])
        events.append(
            like_example(
                "vn.one-stop.intake.dossier-received.v1",
                key,
                1,
                received,
                dossier_code=f"000.00.99.H44-{received:%y%m%d}-{n:04d}",
                procedure_code=PROCEDURE,
                channel=d["channel"],
                receiving_unit_code=d["unit"],
                processing_unit_code=d["unit"],
                legal_receipt_at=received,
                clock_start_at=received,
                due_at=due,
                statutory_duration={"value": 3, "unit": "WORKING_DAY"},
                fee_lines=[],
            )
        )
        seq = 0
        for no, supplement in enumerate(d.get("supplements", []), start=1):
            requested, waited = local(supplement["requested"]), parse_days(supplement["waited"])
            # A second request is lawful only as a sector-law exception (it still makes the dossier late).
            exception: dict[str, Any] = (
                {"sector_law_exception": True, "exception_legal_basis": "Luật chuyên ngành"} if no > 1 else {}
            )
            events.append(
                like_example(
                    "vn.one-stop.processing.supplement-requested.v1",
                    key,
                    seq := seq + 1,
                    requested,
                    request_no=no,
                    **exception,
                )
            )
            events.append(
                like_example(
                    "vn.one-stop.processing.supplement-accepted.v1",
                    key,
                    seq := seq + 1,
                    requested + waited,
                    request_no=no,
                    waited=waited,
                    new_clock_start_at=requested + waited,
                    previous_due_at=due,
                    new_due_at=due + waited,
                )
            )
        if d["finished"] is not None:
            events.append(
                like_example(
                    "vn.one-stop.processing.result-issued.v1",
                    key,
                    seq + 1,
                    local(d["finished"]),
                    outcome="APPROVED",
                )
            )
    return events


@pytest.fixture
async def namespace(monkeypatch: pytest.MonkeyPatch, kafka_bootstrap: str) -> AsyncIterator[str]:
    ns = f"s{uuid.uuid4().hex[:10]}."
    monkeypatch.setattr(projector, "NAME", f"projector-{ns}")
    yield ns
    await drop_topics(kafka_bootstrap, ns)


@pytest.fixture
async def client(
    database_url: str, kafka_bootstrap: str, pg_schema: str, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setattr(api, "SCHEMA", pg_schema)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("AUTH_SECRET", SECRET)
    monkeypatch.setenv("SERVICE_ENVIRONMENT", "ci")
    events = scenario_events()
    await declare_topics(kafka_bootstrap, namespace)
    await produce(kafka_bootstrap, namespace, events)
    await project(kafka_bootstrap, database_url, pg_schema, namespace, 1, len(events), 64)
    runtime = Runtime(
        deployable=by_name("projections-api"),
        service=ServiceSettings(),
        kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap),
        database=DatabaseSettings(),
        readiness=Readiness(),
        clock=SystemClock(),
    )
    app = api.build(runtime)
    token = issue_token(
        AuthSettings(secret=SECRET, environment="ci"), "test:auditor", [Role.AUDITOR], timedelta(minutes=10)
    )
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://projections-api",
            headers={"Authorization": f"Bearer {token}"},
        ) as http:
            yield http


def exact(text: str) -> Fraction:
    return Fraction(text)


def indicators(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for g in body["groups"] for i in g["indicators"]}


@pytest.mark.parametrize("ruleset", ["dvcqg-2025", "qd766-2022"])
async def test_the_api_gives_the_hand_computed_numbers(client: httpx.AsyncClient, ruleset: str) -> None:
    for unit, expected in SCENARIO["expected"].items():
        response = await client.get(
            "/index",
            params={"unit": unit, "period": "2026-03", "ruleset": ruleset, "evaluation_time": EVALUATED},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["ruleset_id"] == ruleset
        found = indicators(body)
        for indicator_id, figures in expected.items():
            got = found[indicator_id]
            assert (got["numerator"], got["denominator"]) == (figures[0], figures[1]), (unit, indicator_id)
            if len(figures) > 2:
                # Ratios are kept to 10 decimal places (docs/adr/0303): compare within that precision.
                assert abs(Fraction(Decimal(got["ratio"])) - exact(figures[2])) < Fraction(1, 10**10)
                assert Decimal(got["points"]) == Decimal(figures[3]), (unit, indicator_id)


async def test_each_dossier_is_explained_as_computed_by_hand(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/index/indicators/DOSSIER_ON_TIME/dossiers",
        params={"unit": "H44", "period": "2026-03", "evaluation_time": EVALUATED},
    )
    assert response.status_code == 200, response.text
    rows = {r["subject_id"]: r for r in response.json()["rows"]}
    for d in SCENARIO["dossiers"]:
        row = rows.get(str(dossier_id(d["id"])))
        if d["verdict"] is None:
            assert row is None, d["id"]
            continue
        assert row is not None, d["id"]
        assert row["reason_code"] == d["verdict"], (d["id"], row["reason_en"])
        assert row["in_numerator"] == (d["verdict"] in ("EARLY", "ON_TIME", "IN_PROGRESS_IN_TIME")), d["id"]
        if "late_days" in d and d["late_days"] > 0:
            assert row["details"]["late_working_days"] == str(d["late_days"]), d["id"]
    for key, reason in SCENARIO["explanations"].items():
        assert rows[str(dossier_id(key))]["reason_en"] == reason

    handled = await client.get(
        "/index/indicators/AVERAGE_HANDLING_TIME/dossiers",
        params={"unit": "H44", "period": "2026-03", "evaluation_time": EVALUATED},
    )
    days = {r["subject_id"]: int(r["details"]["working_days"]) for r in handled.json()["rows"]}
    assert days == {
        str(dossier_id(d["id"])): d["handling_days"] for d in SCENARIO["dossiers"] if "handling_days" in d
    }


@pytest.mark.parametrize("ruleset", ["dvcqg-2025", "qd766-2022"])
def test_the_fold_and_the_engine_alone_give_the_same_hand_computed_numbers(ruleset: str) -> None:
    """The same scenario without broker or server (memory fold → bridge → engine, the real calendar): a
    failure here and not above points at transport or SQL, a failure in both at the fold or the engine."""
    store = MemoryStore()
    store.apply(scenario_events())
    facts = fact_base(memory_rows(store, None))
    evaluated = datetime.fromisoformat(EVALUATED)
    for unit, expected in SCENARIO["expected"].items():
        result = evaluate(
            facts,
            unit,
            Period.month(2026, 3),
            load_ruleset(ruleset),
            Policy(),
            evaluated,
            None,
            calendar=IntakeWorkingTime(),
        )
        for indicator_id, figures in expected.items():
            got = result.indicator(indicator_id)
            assert (got.numerator, got.denominator) == (figures[0], figures[1]), (unit, indicator_id)
            if len(figures) > 2:
                assert got.ratio is not None
                assert abs(Fraction(got.ratio) - exact(figures[2])) < Fraction(1, 10**10)
                assert got.points == Decimal(figures[3]), (unit, indicator_id)
