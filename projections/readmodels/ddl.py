"""DDL of one projection version: the tables of ``tables.py`` and the dashboard views over them.

Dashboards are views (docs/adr/0353): they read the current fact rows through the indexes the tables carry,
and only they use the wall clock (``now()``), for what is overdue *now*; the tables never do, so a rebuild
gives the same rows whenever it runs.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from .tables import (
    DOSSIER_FACTS,
    PORTAL_SYNCS,
    POSTAL_SHIPMENTS,
    TABLES,
    Layout,
    Table,
)

_TZ = "Asia/Ho_Chi_Minh"


def _create_table(layout: Layout, table: Table) -> list[sql.Composed]:
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}{}").format(
            sql.Identifier(c.name), sql.SQL(c.type), sql.SQL(" NOT NULL" if c.not_null else "")
        )
        for c in table.columns
    )
    statements = [
        sql.SQL("CREATE TABLE IF NOT EXISTS {} ({}, PRIMARY KEY ({}))").format(
            layout.table(table), columns, sql.SQL(", ").join(map(sql.Identifier, table.primary_key))
        )
    ]
    for index in table.indexes:
        name = f"{layout.name(table.stem)}_{'_'.join(index)}_idx"[:63]
        statements.append(
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                sql.Identifier(name), layout.table(table), sql.SQL(", ").join(map(sql.Identifier, index))
            )
        )
    return statements


_PENDING_OVERDUE = (
    "(f.supplement_count > 1 OR now() - make_interval(secs => f.supplement_wait_seconds) > f.original_due_at)"
)

# name → SELECT; {facts}, {shipments}, {syncs} are the current tables of the same version.
_VIEWS: dict[str, str] = {
    "dashboard_backlog": """
        SELECT f.unit_code, f.procedure_code, f.channel,
               count(*) AS open_dossiers,
               count(*) FILTER (WHERE f.status = 'AWAITING_SUPPLEMENT') AS awaiting_supplement,
               count(*) FILTER (WHERE f.status = 'AWAITING_PAYMENT') AS awaiting_payment,
               count(*) FILTER (WHERE f.effective_due_at < now()) AS overdue,
               min(f.received_at) AS oldest_received_at
        FROM {facts} f
        WHERE f.received_at IS NOT NULL AND f.finished_at IS NULL
        GROUP BY f.unit_code, f.procedure_code, f.channel""",
    "dashboard_overdue": """
        SELECT f.dossier_id, f.dossier_code, f.unit_code, f.current_unit_code, f.procedure_code, f.channel,
               f.status, f.received_at, f.original_due_at, f.effective_due_at,
               now() - f.effective_due_at AS overdue_by
        FROM {facts} f
        WHERE f.received_at IS NOT NULL AND f.finished_at IS NULL AND f.effective_due_at < now()""",
    "dashboard_timeliness": f"""
        SELECT f.unit_code, f.procedure_code, f.channel,
               date_trunc('month', f.received_at AT TIME ZONE '{_TZ}')::date AS month,
               count(*) AS received,
               count(*) FILTER (WHERE f.timeliness = 'EARLY') AS early,
               count(*) FILTER (WHERE f.timeliness = 'ON_TIME') AS on_time,
               count(*) FILTER (WHERE f.timeliness = 'LATE') AS late,
               count(*) FILTER (WHERE f.timeliness IS NULL AND NOT {_PENDING_OVERDUE}) AS pending_in_time,
               count(*) FILTER (WHERE f.timeliness IS NULL AND {_PENDING_OVERDUE}) AS pending_overdue,
               count(*) FILTER (WHERE f.timeliness = 'UNDETERMINED') AS undetermined,
               round(100.0 * count(*) FILTER (
                        WHERE f.timeliness IN ('EARLY', 'ON_TIME')
                           OR (f.timeliness IS NULL AND NOT {_PENDING_OVERDUE}))
                     / nullif(count(*) FILTER (WHERE f.timeliness IS DISTINCT FROM 'UNDETERMINED'), 0),
                     2) AS on_time_percent
        FROM {{facts}} f
        WHERE f.received_at IS NOT NULL
        GROUP BY f.unit_code, f.procedure_code, f.channel, 4""",
    "dashboard_throughput": f"""
        SELECT unit_code, day, sum(received)::int AS received, sum(finished)::int AS finished,
               sum(returned)::int AS returned
        FROM (
            SELECT unit_code, (received_at AT TIME ZONE '{_TZ}')::date AS day, 1 AS received, 0 AS finished,
                   0 AS returned
            FROM {{facts}} WHERE received_at IS NOT NULL
            UNION ALL
            SELECT unit_code, (finished_at AT TIME ZONE '{_TZ}')::date, 0, 1, 0
            FROM {{facts}} WHERE finished_at IS NOT NULL AND received_at IS NOT NULL
            UNION ALL
            SELECT unit_code, (returned_at AT TIME ZONE '{_TZ}')::date, 0, 0, 1
            FROM {{facts}} WHERE returned_at IS NOT NULL AND received_at IS NOT NULL
        ) moves
        GROUP BY unit_code, day""",
    "dashboard_handling_time": f"""
        SELECT f.unit_code, f.procedure_code,
               date_trunc('month', f.finished_at AT TIME ZONE '{_TZ}')::date AS month,
               count(*) AS finished,
               round((avg(extract(epoch FROM f.finished_at - f.received_at)) / 86400)::numeric, 2)
                   AS avg_days,
               round((avg(extract(epoch FROM f.finished_at - f.received_at) - f.supplement_wait_seconds)
                      / 86400)::numeric, 2) AS avg_days_without_supplement_waits
        FROM {{facts}} f
        WHERE f.outcome = 'APPROVED' AND f.received_at IS NOT NULL
        GROUP BY f.unit_code, f.procedure_code, 3""",
    "dashboard_postal_sla": f"""
        SELECT f.unit_code, s.direction, s.route_class,
               date_trunc('month', s.started_at AT TIME ZONE '{_TZ}')::date AS month,
               count(*) AS shipments,
               count(*) FILTER (WHERE s.completed_at IS NOT NULL) AS completed,
               count(*) FILTER (WHERE s.completed_at <= s.sla_due_at) AS within_sla,
               count(*) FILTER (WHERE s.completed_at > s.sla_due_at) AS late,
               count(*) FILTER (WHERE s.completed_at IS NULL AND s.lost_at IS NULL
                                  AND s.returned_to_agency_at IS NULL AND s.sla_due_at < now()) AS open_overdue,
               count(*) FILTER (WHERE s.returned_to_agency_at IS NOT NULL) AS returned_to_agency,
               count(*) FILTER (WHERE s.lost_at IS NOT NULL) AS lost_or_damaged,
               round((avg(extract(epoch FROM s.completed_at - s.started_at)) / 3600)::numeric, 2)
                   AS avg_hours
        FROM {{shipments}} s LEFT JOIN {{facts}} f USING (dossier_id)
        WHERE s.started_at IS NOT NULL
        GROUP BY f.unit_code, s.direction, s.route_class, 4""",
    "dashboard_portal_sync_latency": f"""
        SELECT f.unit_code, s.status_code, (s.acked_at AT TIME ZONE '{_TZ}')::date AS day,
               count(*) AS syncs,
               count(*) FILTER (WHERE s.ack_status = 'ACCEPTED') AS accepted,
               count(*) FILTER (WHERE s.ack_status = 'REJECTED') AS rejected,
               round(avg(s.latency_ms)) AS avg_latency_ms,
               percentile_disc(0.5) WITHIN GROUP (ORDER BY s.latency_ms) AS p50_latency_ms,
               percentile_disc(0.95) WITHIN GROUP (ORDER BY s.latency_ms) AS p95_latency_ms,
               max(s.latency_ms) AS max_latency_ms
        FROM {{syncs}} s LEFT JOIN {{facts}} f USING (dossier_id)
        GROUP BY f.unit_code, s.status_code, 3""",
}

VIEW_STEMS = tuple(_VIEWS)


def _create_view(layout: Layout, stem: str) -> sql.Composed:
    body = sql.SQL(_VIEWS[stem].strip()).format(
        facts=layout.table(DOSSIER_FACTS),
        shipments=layout.table(POSTAL_SHIPMENTS),
        syncs=layout.table(PORTAL_SYNCS),
    )
    return sql.SQL("CREATE OR REPLACE VIEW {} AS {}").format(layout.table(stem), body)


def ddl(layout: Layout) -> list[sql.Composed]:
    """Every statement that creates this projection version (idempotent)."""
    statements = [sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(layout.schema))]
    for table in TABLES:
        statements.extend(_create_table(layout, table))
    statements.extend(_create_view(layout, stem) for stem in _VIEWS)
    return statements


def create_read_models(conn: psycopg.Connection[Any], layout: Layout) -> None:
    """Create (if missing) every table and view of ``layout``; safe when several projectors start at once."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"motcua-readmodels:{layout.schema}:{layout.version}",)
    )
    for statement in ddl(layout):
        conn.execute(statement)


def drop_read_models(conn: psycopg.Connection[Any], layout: Layout) -> None:
    """Drop this projection version (views first): what a blue/green swap does to the old one."""
    for stem in _VIEWS:
        conn.execute(sql.SQL("DROP VIEW IF EXISTS {}").format(layout.table(stem)))
    for table in reversed(TABLES):
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(layout.table(table)))
