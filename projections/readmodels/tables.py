"""The read-model tables: their columns, keys and indexes, named per projection version.

Every table of one projection version carries the version suffix (``dossier_facts_v1``), so a blue/green
rebuild can build ``_v2`` beside ``_v1`` in the same schema and swap readers when it has caught up
(docs/adr/0350). The DDL, the batched writers, the in-memory store and the digest are all driven by these
specs, so a column exists in one place only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from psycopg import sql

READ_MODEL_VERSION = 1


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # PostgreSQL type: uuid, text, int, bigint, boolean, timestamptz, date, numeric, jsonb, text[]
    not_null: bool = False

    @property
    def is_json(self) -> bool:
        return self.type == "jsonb"


@dataclass(frozen=True)
class Table:
    """A table of the read model; ``entity`` names the column whose rows are rebuilt together on a refold."""

    stem: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    entity: str | None = None
    indexes: tuple[tuple[str, ...], ...] = ()
    description: str = ""

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @cached_property
    def column_set(self) -> frozenset[str]:
        return frozenset(self.column_names)

    def key_of(self, row: dict[str, object]) -> tuple[object, ...]:
        return tuple(row[name] for name in self.primary_key)


def _cols(spec: str) -> tuple[Column, ...]:
    """``"name type, name type!"`` → columns; a trailing ``!`` marks NOT NULL."""
    out = []
    for item in spec.split(","):
        name, type_ = item.split(None, 1)
        type_ = type_.strip()
        out.append(Column(name.strip(), type_.rstrip("!").strip(), not_null=type_.endswith("!")))
    return tuple(out)


_FACT_COLUMNS = _cols(
    "dossier_id uuid!, revision int!, known_at timestamptz!, dossier_code text, procedure_code text, "
    "unit_code text, receiving_unit_code text, current_unit_code text, channel text, online_mode text, "
    "applicant_kind text, status text, dvcqg_status int, submitted_at timestamptz, refused_at timestamptz, "
    "received_at timestamptz, legal_receipt_at timestamptz, clock_start_at timestamptz, "
    "statutory_duration_value numeric, statutory_duration_unit text, immediate_result boolean!, "
    "original_due_at timestamptz, effective_due_at timestamptz, apology_issued_at timestamptz, "
    "apology_previous_due_at timestamptz, apology_new_due_at timestamptz, apology_issued_late boolean!, "
    "supplements jsonb!, supplement_count int!, supplement_wait_seconds bigint!, pauses jsonb!, "
    "outcome text, finished_at timestamptz, returned_at timestamptz, return_method text, "
    "requested_return_method text, counted_end_at timestamptz, timeliness text, fee_total_vnd bigint!, "
    "paid_total_vnd bigint!, payment_method text, paid_at timestamptz, components jsonb!, result_code text, "
    "result_file_linked boolean!, e_result boolean!, result_in_data_store boolean!, "
    "vneid_authenticated boolean!, population_db_linked boolean!, rating_level text, rated_at timestamptz, "
    "petition_count int!, last_synced_status int, last_synced_at timestamptz, postal_shipments int!"
)

_PETITION_COLUMNS = _cols(
    "petition_id text!, revision int!, known_at timestamptz!, unit_code text, title text, "
    "classification text, source text, transferred_from_unit_code text, submitted_at timestamptz, "
    "received_at timestamptz, transferred_at timestamptz, refused_at timestamptz, "
    "supplement_requested_at timestamptz, supplement_requests int!, handled_at timestamptz, "
    "published_at timestamptz, likes int!, dislikes int!, re_raised int!, re_raised_dissatisfied boolean!, "
    "related_dossier_code text, related_procedure_code text"
)

_PROCEDURE_COLUMNS = _cols(
    "procedure_code text!, valid_from date!, revision int!, known_at timestamptz!, valid_to date, "
    "decision_no text, name text, field_code text, field_name text, competent_levels text[]!, "
    "handling_unit_code text, applicant_kinds text[]!, publication_state text!, content_parts text[]!, "
    "online_level text!, announced_online_mode text, full_online_eligible boolean!, "
    "personal_presence_required boolean!, postal_allowed boolean!, paper_result boolean!, "
    "fee_bearing boolean!, certification boolean!, statutory_duration_value numeric, "
    "statutory_duration_unit text, receipt_cutoff text, immediate_result boolean!, "
    "supplement_clock_policy text, clock_exclusions text[]!"
)

_ANNOUNCEMENT_COLUMNS = _cols(
    "announcement_id text!, revision int!, known_at timestamptz!, procedure_code text!, decision_no text!, "
    "change_kind text!, decision_date date!, legal_effective_date date!, announcing_unit_code text!, "
    "announcer_level text!, published_at timestamptz, publication_state text, content_complete boolean"
)

_UNIT_COLUMNS = _cols(
    "unit_code text!, valid_from date!, revision int!, known_at timestamptz!, valid_to date, name text!, "
    "level text!, parent_code text, remote_area boolean!, dissolved boolean!, successor_codes text[]!, "
    "legal_basis text"
)


def _versioned(
    stem: str,
    history_stem: str,
    columns: tuple[Column, ...],
    key: tuple[str, ...],
    *,
    indexes: tuple[tuple[str, ...], ...] = (),
    description: str = "",
) -> tuple[Table, Table]:
    """A current table (latest revision per key) and its append-only history (every revision)."""
    entity = key[0]
    current = Table(stem, columns, key, entity=entity, indexes=indexes, description=description)
    history = Table(
        history_stem,
        columns,
        (*key, "revision"),
        entity=entity,
        indexes=(("known_at",), *indexes),
        description=f"every revision of {stem}, with the knowledge time (known_at) it became true",
    )
    return current, history


DOSSIER_JOURNAL = Table(
    "dossier_journal",
    _cols(
        "dossier_id uuid!, recorded_at timestamptz!, occurred_at timestamptz!, producer text!, seq int!, "
        "event_id uuid!, event_type text!, payload jsonb!"
    ),
    ("dossier_id", "event_id"),
    entity="dossier_id",
    description="every public event about a dossier, for a deterministic refold when events arrive late",
)
DOSSIER_STATE = Table(
    "dossier_state",
    _cols("dossier_id uuid!, state jsonb!"),
    ("dossier_id",),
    entity="dossier_id",
    description="fold state of each dossier after its events in canonical order",
)
DOSSIER_FACTS, DOSSIER_FACT_VERSIONS = _versioned(
    "dossier_facts",
    "dossier_fact_versions",
    _FACT_COLUMNS,
    ("dossier_id",),
    indexes=(("unit_code", "received_at"), ("procedure_code", "received_at")),
    description="one row per dossier: the fields of domain.md §1.9 as last known",
)
CLOCK_LEDGER = Table(
    "clock_ledger",
    _cols(
        "dossier_id uuid!, ordinal int!, event_id uuid!, kind text!, at timestamptz!, known_at timestamptz!, "
        "due_before timestamptz, effective_due_at timestamptz, original_due_at timestamptz, "
        "wait_seconds bigint, note text!"
    ),
    ("dossier_id", "ordinal"),
    entity="dossier_id",
    description="what moved a dossier's clock and due dates, in canonical event order",
)
POSTAL_SHIPMENTS = Table(
    "postal_shipments",
    _cols(
        "shipment_id uuid!, dossier_id uuid!, direction text, waybill_no text, route_class text, "
        "started_at timestamptz, sla_due_at timestamptz, completed_at timestamptz, status text!, "
        "attempts int!, failed_attempts int!, returned_to_agency_at timestamptz, lost_at timestamptz, "
        "complaints int!, compensation_vnd bigint!, known_at timestamptz!"
    ),
    ("shipment_id",),
    entity="dossier_id",
    indexes=(("dossier_id",), ("direction", "started_at")),
    description="postal shipments of dossiers and results, for the postal SLA",
)
RATINGS = Table(
    "ratings",
    _cols(
        "event_id uuid!, dossier_id uuid!, source text!, level text!, channel text, criteria jsonb!, "
        "rated_at timestamptz!, known_at timestamptz!"
    ),
    ("event_id",),
    indexes=(("dossier_id",),),
    description="satisfaction ratings of dossiers, at the desk or on the national portal (append-only)",
)
PORTAL_SYNCS = Table(
    "portal_syncs",
    _cols(
        "event_id uuid!, dossier_id uuid!, dossier_code text!, status_code int!, ack_status text!, "
        "error_code text, state_changed_at timestamptz!, sent_at timestamptz!, acked_at timestamptz!, "
        "attempt int!, latency_ms bigint!, known_at timestamptz!"
    ),
    ("event_id",),
    indexes=(("dossier_id",), ("acked_at",)),
    description="national-portal synchronisations and their latency (append-only)",
)
PETITION_LINKS = Table(
    "petition_links",
    _cols(
        "event_id uuid!, petition_id text!, dossier_id uuid!, classification text!, "
        "petition_received_at timestamptz!, linked_at timestamptz!, known_at timestamptz!"
    ),
    ("event_id",),
    indexes=(("petition_id",), ("dossier_id",)),
    description="petitions the portal linked to dossiers (append-only)",
)
PETITIONS, PETITION_VERSIONS = _versioned(
    "petitions",
    "petition_versions",
    _PETITION_COLUMNS,
    ("petition_id",),
    indexes=(("unit_code", "received_at"),),
    description="one row per petition (phản ánh, kiến nghị) as last known",
)
PROCEDURES, PROCEDURE_VERSIONS = _versioned(
    "procedures",
    "procedure_versions",
    _PROCEDURE_COLUMNS,
    ("procedure_code", "valid_from"),
    description="catalogue versions of each procedure, valid over [valid_from, valid_to]",
)
ANNOUNCEMENTS, ANNOUNCEMENT_VERSIONS = _versioned(
    "procedure_announcements",
    "procedure_announcement_versions",
    _ANNOUNCEMENT_COLUMNS,
    ("announcement_id",),
    indexes=(("procedure_code",),),
    description="one procedure in one announcement decision (QĐCB) and its publication on CSDLQG",
)
ONLINE_SERVICES, ONLINE_SERVICE_VERSIONS = _versioned(
    "online_services",
    "online_service_versions",
    _cols(
        "procedure_code text!, service_id text!, revision int!, known_at timestamptz!, unit_code text!, "
        "online_mode text, state text!, payment_integrated boolean!, configured_at timestamptz!"
    ),
    ("procedure_code", "service_id"),
    indexes=(("unit_code",),),
    description="each unit's online service of a procedure, as last configured",
)
UNITS, UNIT_VERSIONS = _versioned(
    "units",
    "unit_versions",
    _UNIT_COLUMNS,
    ("unit_code", "valid_from"),
    indexes=(("parent_code",),),
    description="versions of each administrative unit, valid over [valid_from, valid_to]",
)
CALENDAR_DAYS = Table(
    "calendar_days",
    _cols(
        "calendar_code text!, day date!, kind text!, name text!, legal_basis text, revoked boolean!, "
        "revoke_reason text, known_at timestamptz!"
    ),
    ("calendar_code", "day"),
    description="days that depart from the Monday–Friday week, per calendar (VN or a unit)",
)
OFFICE_HOURS = Table(
    "office_hours",
    _cols(
        "calendar_code text!, valid_from date!, sessions jsonb!, saturday_sessions jsonb!, known_at timestamptz!"
    ),
    ("calendar_code", "valid_from"),
    description="opening sessions per calendar from a date on",
)
ENTITY_STATE = Table(
    "entity_state",
    _cols("kind text!, key text!, state jsonb!"),
    ("kind", "key"),
    description="fold state of procedures, units, calendars and petitions (last sequence applied)",
)

TABLES: tuple[Table, ...] = (
    DOSSIER_JOURNAL,
    DOSSIER_STATE,
    DOSSIER_FACTS,
    DOSSIER_FACT_VERSIONS,
    CLOCK_LEDGER,
    POSTAL_SHIPMENTS,
    RATINGS,
    PORTAL_SYNCS,
    PETITION_LINKS,
    PETITIONS,
    PETITION_VERSIONS,
    PROCEDURES,
    PROCEDURE_VERSIONS,
    ANNOUNCEMENTS,
    ANNOUNCEMENT_VERSIONS,
    ONLINE_SERVICES,
    ONLINE_SERVICE_VERSIONS,
    UNITS,
    UNIT_VERSIONS,
    CALENDAR_DAYS,
    OFFICE_HOURS,
    ENTITY_STATE,
)
TABLES_BY_STEM = {t.stem: t for t in TABLES}


@dataclass(frozen=True)
class Layout:
    """Where one projection version lives: ``<schema>.<stem>_v<version>``."""

    schema: str
    version: int = READ_MODEL_VERSION

    def name(self, stem: str) -> str:
        return f"{stem}_v{self.version}"

    def table(self, table: Table | str) -> sql.Identifier:
        stem = table if isinstance(table, str) else table.stem
        return sql.Identifier(self.schema, self.name(stem))
