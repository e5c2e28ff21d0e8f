"""``motcua replay <projection>`` and ``motcua projections status``: the operator's side of docs/adr/0370.

Settings come from the environment like the deployables' (``KAFKA_*``, ``DATABASE_URL``…); the summary goes
to standard output as JSON, the progress bar and explanations to standard error.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Annotated, Any

import psycopg
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from projections.readmodels import digest
from projections.registry import READ_MODELS, live_version, registry_rows
from services.projections import projector
from services.projections.replay import SCRATCH_OFFSET, log_bounds, rebuild, stored_positions
from services.runtime.settings import DatabaseSettings, KafkaSettings, ServiceSettings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

projections_app = typer.Typer(help="Read-model versions, lag and digests.", no_args_is_help=True)

SCHEMA_OPTION = typer.Option(
    "--schema", help="The read models' PostgreSQL schema (SERVICE_SCHEMA_PREFIX applies)."
)


def _schema(given: str | None) -> str:
    return given or ServiceSettings().schema_name(projector.SCHEMA)


class _RateColumn(TransferSpeedColumn):
    """Events per second (the transfer column would print bytes)."""

    def render(self, task: Any) -> Any:
        from rich.text import Text

        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} ev/s" if speed else "? ev/s", style="progress.data.speed")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


def _reporter(bar: Progress, task: TaskID) -> Any:
    def report(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return report


def replay(
    projection: Annotated[str, typer.Argument(help="The projection to rebuild: readmodels.")] = READ_MODELS,
    since: Annotated[
        str | None,
        typer.Option(
            "--from", help="Start at the first record at or after this time (ISO 8601 with offset)."
        ),
    ] = None,
    check: Annotated[
        str, typer.Option("--check", help="twice: rebuild a second copy and compare digests; none: skip.")
    ] = "twice",
    swap: Annotated[
        bool, typer.Option("--swap/--no-swap", help="Swap the new version in when it checks.")
    ] = True,
    schema: Annotated[str | None, SCHEMA_OPTION] = None,
    batch: Annotated[int, typer.Option("--batch", help="Records per transaction.")] = 1000,
) -> None:
    """Build version N+1 beside the live one, with progress, rate and ETA; check its digest; swap atomically."""
    if projection not in (READ_MODELS, "projections"):
        raise typer.BadParameter(f"unknown projection {projection!r}: the only one is {READ_MODELS}")
    if check not in ("twice", "none"):
        raise typer.BadParameter("--check is twice or none")
    start_time = None
    if since is not None:
        start_time = datetime.fromisoformat(since)
        if start_time.utcoffset() is None:
            raise typer.BadParameter("--from needs an offset, e.g. 2026-03-01T00:00:00+07:00")
    kafka, database = KafkaSettings(), DatabaseSettings()
    with _progress() as bar:
        build = bar.add_task("rebuild", total=None)
        second = bar.add_task("check (second copy)", total=None, visible=check == "twice")
        report = asyncio.run(
            rebuild(
                bootstrap=kafka.servers,
                database_url=database.url,
                schema=_schema(schema),
                namespace=kafka.topic_namespace,
                since=start_time,
                check=check,
                do_swap=swap,
                batch_size=batch,
                progress=_reporter(bar, build),
                check_progress=_reporter(bar, second),
            )
        )
    summary = {
        "projection": report.projection,
        "previous_live_version": report.live_version,
        "version": report.version,
        "records": report.total,
        "applied": report.applied,
        "skipped_invalid": report.skipped,
        "digest": report.digest,
        "check": report.check,
        "check_digest": report.check_digest,
        "live_digest_at_same_positions": report.live_digest,
        "deterministic": report.deterministic,
        "swapped": report.swapped,
        "seconds": round(report.seconds, 2),
    }
    out.print_json(json.dumps(summary))
    if not report.deterministic:
        err.print("[red]digests differ: the new version was NOT swapped in[/red]")
        raise typer.Exit(1)
    if report.swapped:
        err.print(f"version {report.version} is live; the projector follows the registry within a second")
    else:
        err.print(f"version {report.version} is built and checked but not live (--no-swap)")


def _versions(conn: psycopg.Connection[Any], schema: str) -> list[int]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
        "AND table_name LIKE 'entity\\_state\\_v%%'",
        (schema,),
    ).fetchall()
    found = sorted(int(name.rsplit("_v", 1)[1]) for (name,) in rows if name.rsplit("_v", 1)[1].isdigit())
    return [v for v in found if v < SCRATCH_OFFSET]


@projections_app.command("status")
def status(
    schema: Annotated[str | None, SCHEMA_OPTION] = None,
    compute: Annotated[
        bool, typer.Option("--digest/--no-digest", help="Compute every version's digest now.")
    ] = False,
) -> None:
    """Versions present, which is live, each consumer's lag behind the topics, and digests."""
    kafka, database = KafkaSettings(), DatabaseSettings()
    schema = _schema(schema)
    topics = [kafka.topic_namespace + t for t in projector.projected_topics()]
    _, end = asyncio.run(log_bounds(kafka.servers, topics, None))
    with psycopg.connect(database.url) as conn:
        live = live_version(conn, schema)
        registry = {r.projection: r for r in registry_rows(conn, schema)}
        versions = _versions(conn, schema)
        rows: list[dict[str, Any]] = []
        for version in versions:
            positions = stored_positions(conn, schema, version)
            lag = sum(max(0, end[tp] - positions.get(tp, 0)) for tp in end)
            row = registry.get(READ_MODELS)
            stored = None
            if row is not None:
                stored = row.live_digest if version == row.live_version else None
                stored = stored or (row.building_digest if version == row.building_version else None)
            rows.append(
                {
                    "version": version,
                    "live": version == live,
                    "consumer": projector.consumer_name(version),
                    "lag": lag,
                    "stored_digest": stored,
                    "digest_now": digest(conn, schema, version) if compute else None,
                }
            )
    table = Table("version", "live", "consumer group", "lag (events)", "digest (stored)", "digest (now)")
    for r in rows:
        table.add_row(
            str(r["version"]),
            "●" if r["live"] else "",
            str(r["consumer"]),
            str(r["lag"]),
            (r["stored_digest"] or "—")[:16],
            (r["digest_now"] or "—")[:16],
        )
    err.print(table)
    out.print_json(json.dumps({"schema": schema, "live_version": live, "versions": rows}))
