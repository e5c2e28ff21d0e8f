"""The operator CLI on the real broker and server: ``motcua replay readmodels`` rebuilds, checks and swaps;
``motcua projections status`` shows the versions, which is live, lag and digests."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from replay_kit import drop_topics, produce, project, schema_digest
from typer.testing import CliRunner

from contracts.fields import BUSINESS_TZ
from projections.index766 import Period, PeriodKind
from projections.readmodels.sample_stream import sample_stream
from services.cli import app
from services.projections import projector
from services.projections.export import to_csv, to_xlsx
from services.projections.reading import parse_period
from services.runtime.pipelines import declare_topics


@pytest.fixture
def env(database_url: str, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    namespace = f"c{uuid.uuid4().hex[:10]}."
    monkeypatch.setattr(projector, "NAME", f"projector-{namespace}")
    yield {
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_NAMESPACE": namespace,
    }
    asyncio.run(drop_topics(kafka_bootstrap, namespace))


def test_replay_then_status(env: dict[str, str], pg_schema: str) -> None:
    events = sample_stream(dossiers=12, seed=7).events
    namespace = env["KAFKA_TOPIC_NAMESPACE"]
    bootstrap, url = env["KAFKA_BOOTSTRAP_SERVERS"], env["DATABASE_URL"]

    async def prepare() -> None:
        await declare_topics(bootstrap, namespace)
        await produce(bootstrap, namespace, events)
        await project(bootstrap, url, pg_schema, namespace, 1, len(events), 50)

    asyncio.run(prepare())
    live = schema_digest(url, pg_schema, 1)
    runner = CliRunner()

    replayed = runner.invoke(app, ["replay", "readmodels", "--schema", pg_schema, "--batch", "40"], env=env)
    assert replayed.exit_code == 0, replayed.output
    summary = json.loads(replayed.stdout)
    assert summary["version"] == 2 and summary["swapped"] and summary["deterministic"]
    assert summary["digest"] == summary["check_digest"] == summary["live_digest_at_same_positions"] == live
    assert summary["records"] == len(events)

    status = runner.invoke(app, ["projections", "status", "--schema", pg_schema, "--digest"], env=env)
    assert status.exit_code == 0, status.output
    shown = json.loads(status.stdout)
    assert shown["live_version"] == 2
    versions = {v["version"]: v for v in shown["versions"]}
    assert set(versions) == {1, 2} and versions[2]["live"] and not versions[1]["live"]
    assert versions[1]["lag"] == 0 and versions[2]["lag"] == 0
    assert versions[2]["stored_digest"] == versions[2]["digest_now"] == versions[1]["digest_now"] == live

    unknown = runner.invoke(app, ["replay", "nothing", "--schema", pg_schema], env=env)
    assert unknown.exit_code != 0


def test_periods_parse_every_kind_in_business_time() -> None:
    assert parse_period("2026-03") == Period.month(2026, 3)
    assert parse_period("2026-Q1") == Period.quarter(2026, 1)
    assert parse_period("2026") == Period.year(2026)
    custom = parse_period("2026-03-01..2026-03-15")
    assert custom.kind is PeriodKind.CUSTOM and custom.end == date(2026, 3, 15)
    assert custom.starts_at.tzinfo == BUSINESS_TZ
    for bad in ("March", "2026-13", "2026-Q5", "2026-03-15..2026-03-01"):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_exports_keep_vietnamese_text_times_and_decimals() -> None:
    from datetime import datetime

    from openpyxl import load_workbook

    moment = datetime(2026, 3, 13, 2, 10, tzinfo=BUSINESS_TZ) + timedelta(hours=7)
    columns = ["mã", "lý do", "điểm", "lúc"]
    rows = [["H44.100", "trễ 1 ngày làm việc", Decimal("12.5"), moment]]
    text = to_csv(columns, rows).decode("utf-8")
    assert text.startswith("\ufeffmã,lý do,điểm,lúc\r\n")
    assert "trễ 1 ngày làm việc,12.5,2026-03-13T09:10:00" in text
    import io

    sheet = load_workbook(io.BytesIO(to_xlsx(columns, rows, "giải trình"))).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(columns)
    assert values[1][:3] == ("H44.100", "trễ 1 ngày làm việc", 12.5)
    assert values[1][3] == datetime(2026, 3, 13, 9, 10)
