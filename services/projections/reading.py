"""What projections-api reads: the 766 index of a unit and period as known at a time, the explanation rows of
one indicator, a dossier's timeline and the dashboards, always from the live version of the read models.

Everything is synchronous psycopg (the bridge is); the API runs it in the thread pool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from projections.facts_bridge import load_fact_base, unit_fact
from projections.index766 import (
    BUSINESS_TZ,
    ExplanationRow,
    IndexResult,
    Period,
    Policy,
    WorkingTime,
    evaluate,
    load_ruleset,
    ruleset_effective_on,
)
from projections.index766.hierarchy import children, units_in_scope
from projections.readmodels import VIEW_STEMS, Layout, clock_ledger, dossier_as_of, dossier_history
from projections.readmodels.ddl import _VIEWS
from projections.readmodels.tables import (
    DOSSIER_FACT_VERSIONS,
    DOSSIER_FACTS,
    PORTAL_SYNCS,
    POSTAL_SHIPMENTS,
    UNIT_VERSIONS,
)
from projections.registry import READ_MODELS, live_version

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])", re.IGNORECASE)
_YEAR = re.compile(r"(\d{4})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")


def parse_period(text: str) -> Period:
    """``2026-03`` (month), ``2026-Q1`` (quarter), ``2026`` (year), ``2026-03-01..2026-03-15`` (custom)."""
    text = text.strip()
    if m := _RANGE.fullmatch(text):
        return Period.custom(date.fromisoformat(m[1]), date.fromisoformat(m[2]))
    if m := _QUARTER.fullmatch(text):
        return Period.quarter(int(m[1]), int(m[2]))
    if m := _MONTH.fullmatch(text):
        return Period.month(int(m[1]), int(m[2]))
    if m := _YEAR.fullmatch(text):
        return Period.year(int(m[1]))
    raise ValueError(f"{text!r} is not a period: use 2026-03, 2026-Q1, 2026 or 2026-03-01..2026-03-15")


def current_period(now: datetime) -> Period:
    local = now.astimezone(BUSINESS_TZ)
    return Period.month(local.year, local.month)


def live_layout(conn: psycopg.Connection[Any], schema: str) -> Layout:
    return Layout(schema, live_version(conn, schema, READ_MODELS))


@dataclass(frozen=True)
class IndexQuery:
    unit: str
    period: Period
    ruleset: str | None  # None: the ruleset in force at the period start
    as_of: datetime | None  # knowledge time; None: everything the read model holds now
    evaluation_time: datetime  # business "now" for unfinished dossiers


def evaluate_index(
    conn: psycopg.Connection[Any],
    layout: Layout,
    query: IndexQuery,
    calendar: WorkingTime,
    *,
    explain: bool,
    policy: Policy | None = None,
) -> IndexResult:
    ruleset = load_ruleset(query.ruleset) if query.ruleset else ruleset_effective_on(query.period.start)
    facts = load_fact_base(conn, layout.schema, query.unit, query.period, query.as_of, version=layout.version)
    return evaluate(
        facts,
        query.unit,
        query.period,
        ruleset,
        policy or Policy(),
        query.evaluation_time,
        query.as_of,
        calendar=calendar,
        explain=explain,
    )


def summary(result: IndexResult) -> dict[str, Any]:
    """The result as JSON without explanation rows (those are fetched per indicator)."""
    body = result.model_dump(mode="json")
    for group in body["groups"]:
        for indicator in group["indicators"]:
            indicator.pop("rows", None)
    return body


def explanation_rows(result: IndexResult, indicator_id: str, member: str) -> list[ExplanationRow]:
    """``member``: ``numerator``, ``denominator`` or ``all`` (also the rows that were left out, with why)."""
    rows = result.indicator(indicator_id).rows
    if member == "numerator":
        return [r for r in rows if r.in_numerator]
    if member == "denominator":
        return [r for r in rows if r.in_denominator]
    return list(rows)


def explanation_table(rows: list[ExplanationRow]) -> tuple[list[str], list[list[Any]]]:
    columns = [
        "subject_kind",
        "subject_id",
        "subject_code",
        "unit_code",
        "in_numerator",
        "in_denominator",
        "reason_code",
        "reason_vi",
        "reason_en",
        "details",
    ]
    table = [[getattr(r, c) for c in columns] for r in rows]
    return columns, table


def indicator_table(result: IndexResult) -> tuple[list[str], list[list[Any]]]:
    columns = [
        "group",
        "id",
        "ref",
        "name_vi",
        "status",
        "numerator",
        "denominator",
        "ratio",
        "points",
        "maximum",
    ]
    table = [
        [g.code, i.id, i.ref, i.name_vi, i.status, i.numerator, i.denominator, i.ratio, i.points, i.maximum]
        for g in result.groups
        for i in g.indicators
    ]
    return columns, table


# -- units -----------------------------------------------------------------------------------------------


def _units(conn: psycopg.Connection[Any], layout: Layout, as_of: datetime | None) -> list[dict[str, Any]]:
    key = sql.SQL(", ").join(map(sql.Identifier, UNIT_VERSIONS.primary_key[:-1]))
    query = sql.SQL(
        "SELECT DISTINCT ON ({key}) * FROM {table} WHERE (%(t)s::timestamptz IS NULL OR known_at <= %(t)s) "
        "ORDER BY {key}, revision DESC"
    ).format(key=key, table=layout.table(UNIT_VERSIONS))
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, {"t": as_of})
        return list(cur.fetchall())


def subtree(
    conn: psycopg.Connection[Any], layout: Layout, unit: str, period: Period, as_of: datetime | None
) -> list[str]:
    """The unit and every unit under it valid in the period (``UnknownUnitError`` when there is none)."""
    units = [unit_fact(u) for u in _units(conn, layout, as_of)]
    return sorted(u.unit_code for u in units_in_scope(units, unit, period))


def child_units(
    conn: psycopg.Connection[Any], layout: Layout, unit: str, period: Period, as_of: datetime | None
) -> list[dict[str, str]]:
    units = [unit_fact(u) for u in _units(conn, layout, as_of)]
    return [
        {"unit_code": u.unit_code, "name": u.name, "level": u.level.value}
        for u in children(units, unit, period)
    ]


# -- dossiers --------------------------------------------------------------------------------------------


def timeline(
    conn: psycopg.Connection[Any], layout: Layout, dossier_id: str, as_of: datetime | None
) -> dict[str, Any] | None:
    """The dossier as known at ``as_of``, every revision known by then, and its clock ledger entries."""
    current = dossier_as_of(conn, layout, dossier_id, as_of)
    if current is None:
        return None
    revisions = [
        r for r in dossier_history(conn, layout, dossier_id) if as_of is None or r["known_at"] <= as_of
    ]
    ledger = [
        e
        for e in clock_ledger(conn, layout, dossier_id)
        if as_of is None or "known_at" not in e or e["known_at"] is None or e["known_at"] <= as_of
    ]
    return {"dossier": current, "revisions": revisions, "clock_ledger": ledger}


# -- dashboards ------------------------------------------------------------------------------------------


def dashboard(
    conn: psycopg.Connection[Any],
    layout: Layout,
    stem: str,
    *,
    units: list[str] | None,
    as_of: datetime | None,
) -> tuple[list[str], list[list[Any]]]:
    """A dashboard view's rows (for ``units`` only, when given). With ``as_of`` the view's own query runs
    over the dossier revisions known then, with "now" read as ``as_of`` (shipments and syncs are current
    rows: those changed after ``as_of`` are left out, docs/adr/0371)."""
    if stem not in VIEW_STEMS:
        raise KeyError(stem)
    if as_of is None:
        body: sql.Composable = sql.SQL("SELECT * FROM {}").format(layout.table(stem))
    else:
        text = _VIEWS[stem].strip().replace("now()", "%(t)s::timestamptz")
        cte = sql.SQL(
            "WITH asof_facts AS (SELECT DISTINCT ON (dossier_id) {cols} FROM {hist} WHERE known_at <= %(t)s "
            "ORDER BY dossier_id, revision DESC), "
            "asof_shipments AS (SELECT * FROM {ship} WHERE known_at <= %(t)s), "
            "asof_syncs AS (SELECT * FROM {syncs} WHERE known_at <= %(t)s) "
        ).format(
            cols=sql.SQL(", ").join(map(sql.Identifier, DOSSIER_FACTS.column_names)),
            hist=layout.table(DOSSIER_FACT_VERSIONS),
            ship=layout.table(POSTAL_SHIPMENTS),
            syncs=layout.table(PORTAL_SYNCS),
        )
        body = cte + sql.SQL(text).format(
            facts=sql.Identifier("asof_facts"),
            shipments=sql.Identifier("asof_shipments"),
            syncs=sql.Identifier("asof_syncs"),
        )
    query = sql.SQL("SELECT * FROM ({}) d").format(body)
    params: dict[str, Any] = {"t": as_of}
    if units is not None:
        query = query + sql.SQL(" WHERE d.unit_code = ANY(%(units)s::text[])")
        params["units"] = units
    query = query + sql.SQL(" ORDER BY 1, 2, 3")
    with conn.cursor() as cur:
        cur.execute(query, params)
        columns = [c.name for c in cur.description or ()]
        return columns, [list(r) for r in cur.fetchall()]
