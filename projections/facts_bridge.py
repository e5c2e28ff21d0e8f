"""From the read models to the 766 engine's input facts (``projections.index766.facts``), as known at a time.

``load_fact_base(conn, schema, unit, period, knowledge_time)`` reads, for the unit's subtree and the period,
the revision of every entity that was the latest one known at ``knowledge_time`` (docs/adr/0300: highest
revision with ``known_at <= T``) and converts the rows. The result carries the real revisions and knowledge
times, so ``evaluate(..., knowledge_time=T)`` keeps them all and explains every figure by (entity, revision).

The conversion itself is pure (``fact_base(rows)``) and works on rows from PostgreSQL or from a
``MemoryStore`` (``memory_rows``), so it is tested without a database. Vocabulary mappings from the public
contracts to the engine's enums are listed here and in docs/adr/0352.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, LiteralString

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from pydantic import TypeAdapter

from .index766.facts import (
    AnnouncementFact,
    AnnouncementKind,
    Apology,
    ApplicantKind,
    Channel,
    ClockPause,
    Component,
    ComponentSource,
    ContentPart,
    DossierFact,
    DurationUnit,
    FactBase,
    OnlineLevel,
    OnlineMode,
    Outcome,
    PauseReason,
    PaymentMethod,
    PetitionClass,
    PetitionFact,
    ProcedureFact,
    PublicationState,
    RatingFact,
    RatingLevel,
    StatutoryDuration,
    SupplementWait,
    SyncAckFact,
    UnitFact,
    UnitLevel,
)
from .index766.hierarchy import units_in_scope
from .index766.periods import Period
from .readmodels.memory import MemoryStore
from .readmodels.state import Row
from .readmodels.tables import (
    ANNOUNCEMENT_VERSIONS,
    DOSSIER_FACT_VERSIONS,
    DOSSIER_FACTS,
    ONLINE_SERVICE_VERSIONS,
    PETITION_LINKS,
    PETITION_VERSIONS,
    PORTAL_SYNCS,
    PROCEDURE_VERSIONS,
    RATINGS,
    READ_MODEL_VERSION,
    UNIT_VERSIONS,
    Layout,
    Table,
)

# -- vocabulary: public contracts → engine -----------------------------------------------------------------

UNIT_LEVELS: Mapping[str, UnitLevel] = {
    "MINISTRY": UnitLevel.MINISTRY,
    "PROVINCE": UnitLevel.PROVINCE,
    "PROVINCIAL_AGENCY": UnitLevel.DEPARTMENT,
    "AGENCY_OFFICE": UnitLevel.DEPARTMENT,
    "BRANCH": UnitLevel.DEPARTMENT,
    "SERVICE_CENTRE": UnitLevel.DEPARTMENT,
    "DISTRICT": UnitLevel.DISTRICT,
    "COMMUNE": UnitLevel.COMMUNE,
}
APPLICANT_KINDS: Mapping[str, ApplicantKind] = {
    "CITIZEN": ApplicantKind.INDIVIDUAL,
    "ORGANISATION": ApplicantKind.ORGANISATION,
}
PAYMENT_METHODS: Mapping[str, PaymentMethod] = {
    "CASH_COUNTER": PaymentMethod.CASH_COUNTER,
    "BANK_TRANSFER": PaymentMethod.BANK,
    "POSTAL_COLLECTED": PaymentMethod.POSTAL_COLLECTED,
    "ONLINE_NATIONAL": PaymentMethod.ONLINE_NATIONAL,
    "ONLINE_LOCAL": PaymentMethod.ONLINE_LOCAL,
}
COMPONENT_SOURCES: Mapping[str, ComponentSource] = {
    "SCAN_AT_COUNTER": ComponentSource.COUNTER_SCAN,
    "UPLOADED_BY_APPLICANT": ComponentSource.APPLICANT_UPLOAD,
    "FROM_DATA_STORE": ComponentSource.DATA_STORE,
    "REUSED_FROM_OTHER_COMPONENT": ComponentSource.REUSED_COMPONENT,
    "REUSED_FROM_PREVIOUS_RESULT": ComponentSource.REUSED_RESULT,
    "E_ORIGINAL": ComponentSource.E_ORIGINAL,
}
PETITION_CLASSES: Mapping[str, PetitionClass] = {
    "REGULATION_POLICY": PetitionClass.PROCEDURE_REGULATION,
    "ADMINISTRATIVE_PROCEDURE": PetitionClass.PROCEDURE_REGULATION,
    "STAFF_CONDUCT": PetitionClass.STAFF_CONDUCT,
    "OTHER": PetitionClass.OTHER,
}
ANNOUNCEMENT_KINDS: Mapping[str, AnnouncementKind] = {
    "NEW": AnnouncementKind.NEW,
    "AMENDED": AnnouncementKind.AMENDED,
    "REPLACED": AnnouncementKind.AMENDED,
    "ABOLISHED": AnnouncementKind.ABOLISHED,
}

_TIME = TypeAdapter(datetime)


def _time(value: Any) -> datetime | None:
    """A time from a column (datetime) or from a JSON document (ISO text)."""
    if value is None:
        return None
    return value if isinstance(value, datetime) else _TIME.validate_python(value)


def _required_time(value: Any) -> datetime:
    moment = _time(value)
    if moment is None:
        raise ValueError("a required time is missing")
    return moment


# -- rows → facts (pure) -----------------------------------------------------------------------------------


def _duration(row: Row) -> StatutoryDuration | None:
    value, unit = row["statutory_duration_value"], row["statutory_duration_unit"]
    if value is None or unit is None:
        return None
    return StatutoryDuration(value=Decimal(value), unit=DurationUnit(unit))


def dossier_fact(row: Row) -> DossierFact | None:
    """The engine's snapshot of a dossier row; None for a dossier whose procedure or unit is unknown."""
    if row["procedure_code"] is None or row["unit_code"] is None:
        return None
    duration = _duration(row)
    apology = (
        Apology(
            issued_at=row["apology_issued_at"],
            previous_due_at=row["apology_previous_due_at"],
            new_due_at=row["apology_new_due_at"],
        )
        if row["apology_issued_at"] is not None
        else None
    )
    return DossierFact(
        dossier_id=str(row["dossier_id"]),
        revision=row["revision"],
        known_at=row["known_at"],
        code=row["dossier_code"],
        procedure_code=row["procedure_code"],
        unit_code=row["unit_code"],
        receiving_unit_code=row["receiving_unit_code"],
        channel=Channel(row["channel"]) if row["channel"] else Channel.COUNTER,
        online_mode=OnlineMode(row["online_mode"]) if row["online_mode"] else None,
        applicant_kind=APPLICANT_KINDS.get(row["applicant_kind"] or "", ApplicantKind.INDIVIDUAL),
        submitted_at=row["submitted_at"],
        received_at=row["received_at"],
        statutory_duration=duration,
        original_due_at=row["original_due_at"],
        apology=apology,
        supplements=tuple(
            SupplementWait(
                requested_at=_required_time(s["requested_at"]), completed_at=_time(s["completed_at"])
            )
            for s in sorted(row["supplements"], key=lambda s: _required_time(s["requested_at"]))
        ),
        pauses=tuple(
            ClockPause(
                reason=PauseReason(p["reason"]),
                paused_at=_required_time(p["paused_at"]),
                resumed_at=_time(p["resumed_at"]),
            )
            for p in sorted(row["pauses"], key=lambda p: _required_time(p["paused_at"]))
        ),
        outcome=Outcome(row["outcome"]) if row["outcome"] else None,
        finished_at=row["finished_at"],
        returned_at=row["returned_at"],
        fee_total_vnd=row["fee_total_vnd"],
        payment_method=PAYMENT_METHODS[row["payment_method"]] if row["payment_method"] else None,
        paid_at=row["paid_at"],
        components=tuple(
            Component(
                code=c["code"],
                file_attached=c["file_attached"],
                source=COMPONENT_SOURCES[c["source"]] if c["source"] else None,
            )
            for c in row["components"]
        ),
        result_code=row["result_code"],
        result_file_linked=row["result_file_linked"],
        result_in_data_store=row["result_in_data_store"],
        vneid_authenticated=row["vneid_authenticated"],
        population_db_linked=row["population_db_linked"],
    )


def unit_fact(row: Row) -> UnitFact:
    return UnitFact(
        unit_code=row["unit_code"],
        revision=row["revision"],
        known_at=row["known_at"],
        name=row["name"],
        level=UNIT_LEVELS[row["level"]],
        parent_code=row["parent_code"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
    )


def competent_units(procedure: Row, units: Iterable[Row], services: Iterable[Row]) -> tuple[str, ...]:
    """Units competent for a catalogue version: its deciding unit, every unit of its competent levels, and
    every unit that configured an online service for it (docs/adr/0352)."""
    levels = set(procedure["competent_levels"])
    codes = {u["unit_code"] for u in units if u["level"] in levels}
    codes.update(s["unit_code"] for s in services if s["procedure_code"] == procedure["procedure_code"])
    if procedure["handling_unit_code"] is not None:
        codes.add(procedure["handling_unit_code"])
    return tuple(sorted(codes))


def procedure_fact(row: Row, competent: tuple[str, ...]) -> ProcedureFact:
    duration = _duration(row)
    return ProcedureFact(
        procedure_code=row["procedure_code"],
        revision=row["revision"],
        known_at=row["known_at"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        name=row["name"] or "",
        competent_unit_codes=competent,
        publication_state=PublicationState(row["publication_state"]),
        content_parts=tuple(ContentPart(p) for p in row["content_parts"]),
        online_level=OnlineLevel(row["online_level"]),
        full_online_eligible=row["full_online_eligible"],
        paper_result=row["paper_result"],
        fee_bearing=row["fee_bearing"],
        for_individuals="CITIZEN" in row["applicant_kinds"],
        certification=row["certification"],
        statutory_duration=duration,
    )


def announcement_fact(row: Row) -> AnnouncementFact:
    return AnnouncementFact(
        announcement_id=row["announcement_id"],
        revision=row["revision"],
        known_at=row["known_at"],
        procedure_code=row["procedure_code"],
        announcing_unit_code=row["announcing_unit_code"],
        kind=ANNOUNCEMENT_KINDS[row["change_kind"]],
        decision_no=row["decision_no"],
        decision_date=row["decision_date"],
        legal_effective_date=row["legal_effective_date"],
        published_at=row["published_at"],
    )


def petition_fact(row: Row, dossier_id: str | None) -> PetitionFact | None:
    """None for a petition whose receipt has not been relayed yet (no unit, no clock start)."""
    if row["unit_code"] is None or row["received_at"] is None:
        return None
    return PetitionFact(
        petition_id=row["petition_id"],
        revision=row["revision"],
        known_at=row["known_at"],
        unit_code=row["unit_code"],
        dossier_id=dossier_id,
        classification=PETITION_CLASSES.get(row["classification"] or "", PetitionClass.OTHER),
        received_at=row["received_at"],
        transferred_at=row["transferred_at"],
        refused_at=row["refused_at"],
        supplement_requested_at=row["supplement_requested_at"],
        handled_at=row["handled_at"],
        published_at=row["published_at"],
        likes=row["likes"],
        dislikes=row["dislikes"],
        re_raised_dissatisfied=row["re_raised_dissatisfied"],
    )


def linked_petition_fact(link: Row, dossier: DossierFact) -> PetitionFact:
    """A petition known only from the portal's link to a dossier: attributed to the dossier's unit."""
    return PetitionFact(
        petition_id=link["petition_id"],
        revision=0,
        known_at=link["known_at"],
        unit_code=dossier.unit_code,
        dossier_id=dossier.dossier_id,
        classification=PETITION_CLASSES.get(link["classification"], PetitionClass.OTHER),
        received_at=link["petition_received_at"],
    )


def rating_fact(row: Row) -> RatingFact:
    return RatingFact(
        rating_id=str(row["event_id"]),
        dossier_id=str(row["dossier_id"]),
        level=RatingLevel(row["level"]),
        rated_at=row["rated_at"],
        known_at=row["known_at"],
    )


def sync_fact(row: Row) -> SyncAckFact:
    return SyncAckFact(
        dossier_id=str(row["dossier_id"]),
        status_code=row["status_code"],
        synced_at=row["acked_at"],
        acknowledged=row["ack_status"] == "ACCEPTED",
        known_at=row["known_at"],
    )


@dataclass(frozen=True)
class BridgeRows:
    """Rows as known at one knowledge time: one revision per entity, append-only rows known by then."""

    dossiers: Sequence[Row] = ()
    units: Sequence[Row] = ()
    procedures: Sequence[Row] = ()
    announcements: Sequence[Row] = ()
    services: Sequence[Row] = ()
    petitions: Sequence[Row] = ()
    links: Sequence[Row] = ()
    ratings: Sequence[Row] = ()
    syncs: Sequence[Row] = ()


def fact_base(rows: BridgeRows) -> FactBase:
    """The engine's ``FactBase`` for the rows (dossiers whose procedure or unit is unknown are left out)."""
    dossiers = [d for d in (dossier_fact(r) for r in rows.dossiers) if d is not None]
    by_id = {d.dossier_id: d for d in dossiers}
    by_code = {d.code: d.dossier_id for d in dossiers if d.code is not None}
    linked: dict[str, str] = {}
    for link in sorted(rows.links, key=lambda r: (r["linked_at"], str(r["event_id"]))):
        linked[link["petition_id"]] = str(link["dossier_id"])
    petitions = []
    seen = set()
    for row in rows.petitions:
        dossier_id = linked.get(row["petition_id"]) or by_code.get(row["related_dossier_code"])
        fact = petition_fact(row, dossier_id)
        if fact is not None:
            petitions.append(fact)
            seen.add(fact.petition_id)
    for link in rows.links:
        dossier = by_id.get(str(link["dossier_id"]))
        if link["petition_id"] not in seen and dossier is not None:
            petitions.append(linked_petition_fact(link, dossier))
            seen.add(link["petition_id"])
    return FactBase(
        dossiers=tuple(dossiers),
        units=tuple(unit_fact(r) for r in rows.units),
        procedures=tuple(
            procedure_fact(r, competent_units(r, rows.units, rows.services)) for r in rows.procedures
        ),
        announcements=tuple(announcement_fact(r) for r in rows.announcements),
        petitions=tuple(petitions),
        ratings=tuple(rating_fact(r) for r in rows.ratings if str(r["dossier_id"]) in by_id),
        syncs=tuple(sync_fact(r) for r in rows.syncs if str(r["dossier_id"]) in by_id),
    )


# -- from a memory store -----------------------------------------------------------------------------------


def _latest(rows: Iterable[Row], key: Sequence[str], moment: datetime | None) -> list[Row]:
    best: dict[tuple[object, ...], Row] = {}
    for row in rows:
        if moment is not None and row["known_at"] > moment:
            continue
        k = tuple(row[c] for c in key)
        if k not in best or row["revision"] > best[k]["revision"]:
            best[k] = row
    return [best[k] for k in sorted(best, key=str)]


def _known(rows: Iterable[Row], moment: datetime | None) -> list[Row]:
    return [r for r in rows if moment is None or r["known_at"] <= moment]


def memory_rows(store: MemoryStore, knowledge_time: datetime | None) -> BridgeRows:
    """Everything in a memory store as known at ``knowledge_time`` (no scope filter: the engine scopes)."""

    def latest(table: Table) -> list[Row]:
        return _latest(store.rows(table), table.primary_key[:-1], knowledge_time)

    return BridgeRows(
        dossiers=latest(DOSSIER_FACT_VERSIONS),
        units=latest(UNIT_VERSIONS),
        procedures=latest(PROCEDURE_VERSIONS),
        announcements=latest(ANNOUNCEMENT_VERSIONS),
        services=latest(ONLINE_SERVICE_VERSIONS),
        petitions=latest(PETITION_VERSIONS),
        links=_known(store.rows(PETITION_LINKS), knowledge_time),
        ratings=_known(store.rows(RATINGS), knowledge_time),
        syncs=_known(store.rows(PORTAL_SYNCS), knowledge_time),
    )


# -- from PostgreSQL ---------------------------------------------------------------------------------------


class _Query:
    def __init__(
        self, conn: psycopg.Connection[Any], layout: Layout, knowledge_time: datetime | None
    ) -> None:
        self.conn = conn
        self.layout = layout
        self.t = knowledge_time

    def latest(
        self, history: Table, where: LiteralString = "TRUE", params: Mapping[str, Any] | None = None
    ) -> list[Row]:
        """Per key, the highest revision known at ``t`` (every revision when ``t`` is None), filtered after."""
        key = history.primary_key[:-1]
        query = sql.SQL(
            "SELECT * FROM (SELECT DISTINCT ON ({key}) {cols} FROM {table} "
            "WHERE (%(t)s::timestamptz IS NULL OR known_at <= %(t)s) ORDER BY {key}, revision DESC) latest "
            "WHERE {where}"
        ).format(
            key=sql.SQL(", ").join(map(sql.Identifier, key)),
            cols=sql.SQL(", ").join(map(sql.Identifier, history.column_names)),
            table=self.layout.table(history),
            where=sql.SQL(where),
        )
        return self._rows(query, {"t": self.t, **(params or {})})

    def known(self, table: Table, where: LiteralString, params: Mapping[str, Any]) -> list[Row]:
        query = sql.SQL(
            "SELECT {cols} FROM {table} WHERE (%(t)s::timestamptz IS NULL OR known_at <= %(t)s) AND {where}"
        ).format(
            cols=sql.SQL(", ").join(map(sql.Identifier, table.column_names)),
            table=self.layout.table(table),
            where=sql.SQL(where),
        )
        return self._rows(query, {"t": self.t, **params})

    def _rows(self, query: sql.Composed, params: Mapping[str, Any]) -> list[Row]:
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, params)
            return list(cur.fetchall())

    def dossiers(self, units: list[str], period: Period) -> list[Row]:
        """Dossiers of the units received before the period ends and not finished before it starts (both
        progress populations of docs/adr/0302 are covered), at their revision known at ``t``."""
        params = {"units": units, "start": period.starts_at, "end": period.ends_at}
        relevant = (
            "unit_code = ANY(%(units)s::text[]) AND received_at < %(end)s "
            "AND (received_at >= %(start)s OR finished_at IS NULL OR finished_at >= %(start)s)"
        )
        if self.t is None:
            return self.known_current(DOSSIER_FACTS, relevant, params)
        candidates = (
            "dossier_id IN (SELECT dossier_id FROM {history} WHERE unit_code = ANY(%(units)s::text[]) "
            "AND received_at < %(end)s)"
        )
        query = sql.SQL(
            "SELECT * FROM (SELECT DISTINCT ON (dossier_id) {cols} FROM {history} "
            "WHERE known_at <= %(t)s AND " + candidates + " ORDER BY dossier_id, revision DESC) latest "
            "WHERE " + relevant
        ).format(
            cols=sql.SQL(", ").join(map(sql.Identifier, DOSSIER_FACT_VERSIONS.column_names)),
            history=self.layout.table(DOSSIER_FACT_VERSIONS),
        )
        return self._rows(query, {"t": self.t, **params})

    def known_current(self, table: Table, where: LiteralString, params: Mapping[str, Any]) -> list[Row]:
        query = sql.SQL("SELECT {cols} FROM {table} WHERE {where}").format(
            cols=sql.SQL(", ").join(map(sql.Identifier, table.column_names)),
            table=self.layout.table(table),
            where=sql.SQL(where),
        )
        return self._rows(query, params)


def load_rows(
    conn: psycopg.Connection[Any],
    schema: str,
    unit_code: str,
    period: Period,
    knowledge_time: datetime | None,
    *,
    version: int = READ_MODEL_VERSION,
) -> BridgeRows:
    """The rows the engine needs for ``unit_code``'s subtree and ``period``, as known at ``knowledge_time``."""
    q = _Query(conn, Layout(schema, version), knowledge_time)
    units = q.latest(UNIT_VERSIONS)
    scope = sorted(u.unit_code for u in units_in_scope([unit_fact(u) for u in units], unit_code, period))
    dossiers = q.dossiers(scope, period)
    ids = sorted({str(d["dossier_id"]) for d in dossiers})
    links = q.known(PETITION_LINKS, "dossier_id = ANY(%(ids)s::uuid[])", {"ids": ids})
    linked = sorted({r["petition_id"] for r in links})
    petitions = q.latest(
        PETITION_VERSIONS,
        "(unit_code = ANY(%(units)s::text[]) AND received_at < %(end)s) OR petition_id = ANY(%(linked)s::text[])",
        {"units": scope, "end": period.ends_at, "linked": linked},
    )
    return BridgeRows(
        dossiers=dossiers,
        units=units,
        procedures=q.latest(PROCEDURE_VERSIONS),
        announcements=q.latest(
            ANNOUNCEMENT_VERSIONS, "announcing_unit_code = ANY(%(units)s::text[])", {"units": scope}
        ),
        services=q.latest(ONLINE_SERVICE_VERSIONS),
        petitions=petitions,
        links=links,
        ratings=q.known(RATINGS, "dossier_id = ANY(%(ids)s::uuid[])", {"ids": ids}),
        syncs=q.known(PORTAL_SYNCS, "dossier_id = ANY(%(ids)s::uuid[])", {"ids": ids}),
    )


def load_fact_base(
    conn: psycopg.Connection[Any],
    schema: str,
    unit_code: str,
    period: Period,
    knowledge_time: datetime | None,
    *,
    version: int = READ_MODEL_VERSION,
) -> FactBase:
    """The 766 engine's input for ``unit_code``'s subtree over ``period``, as known at ``knowledge_time``."""
    return fact_base(load_rows(conn, schema, unit_code, period, knowledge_time, version=version))
