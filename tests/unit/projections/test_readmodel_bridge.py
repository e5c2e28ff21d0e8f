"""From read-model rows to the 766 engine's facts: field mapping, knowledge time, scopes, petitions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from index766_kit import CALENDAR

from contracts.envelope import PublicEvent
from contracts.fields import BUSINESS_TZ
from projections.facts_bridge import competent_units, fact_base, memory_rows
from projections.index766 import (
    Apology,
    ComponentSource,
    DossierFact,
    FactBase,
    Outcome,
    PaymentMethod,
    Period,
    PetitionClass,
    Policy,
    UnitLevel,
    default_ruleset,
    evaluate,
    evaluate_tree,
)
from projections.readmodels import MemoryStore
from projections.readmodels.sample_stream import COMMUNES, PROVINCE, like_example, sample_stream

D = "0195f0c0-3a00-7000-8000-00000000b001"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=BUSINESS_TZ)


def ev(name: str, seq: int, when: datetime, /, key: str = D, **fields: Any) -> PublicEvent:
    return like_example(f"vn.one-stop.{name}.v1", key, seq, when, **fields)


def journey() -> list[PublicEvent]:
    return [
        ev("intake.dossier-submitted", 1, at(2, 8, 40)),
        ev(
            "intake.dossier-received",
            2,
            at(2, 9),
            legal_receipt_at=at(2, 8, 40),
            clock_start_at=at(2, 9),
            due_at=at(5, 17),
        ),
        ev("processing.supplement-requested", 1, at(3, 10)),
        ev(
            "processing.supplement-accepted",
            2,
            at(4, 10),
            new_clock_start_at=at(4, 10),
            previous_due_at=at(5, 17),
            new_due_at=at(9, 10),
            waited="P1D",
        ),
        ev("processing.delay-apology-issued", 3, at(6, 9), previous_due_at=at(9, 10), new_due_at=at(12, 17)),
        ev(
            "payment.payment-received",
            1,
            at(6, 10),
            method="BANK_TRANSFER",
            obligation_id=None,
            lines=[{"kind": "LE_PHI", "name": "Lệ phí", "amount_vnd": 100000}],
            amount_vnd=100000,
        ),
        ev("processing.result-issued", 4, at(10, 15)),
        ev("delivery.result-returned", 1, at(11, 9), method="COUNTER", shipment_id=None),
        ev("delivery.satisfaction-rated", 2, at(11, 10), level="DISSATISFIED"),
        ev(
            "portal.status-synced-to-national-portal",
            1,
            at(2, 9, 1),
            state_changed_at=at(2, 9),
            sent_at=at(2, 9),
            latency_ms=60_000,
        ),
    ]


def store_of(events: list[PublicEvent]) -> MemoryStore:
    store = MemoryStore()
    store.apply(events)
    return store


def dossier_at(store: MemoryStore, knowledge_time: datetime | None) -> DossierFact:
    (dossier,) = fact_base(memory_rows(store, knowledge_time)).dossiers
    return dossier


def test_a_dossier_row_becomes_the_engines_snapshot_field_by_field() -> None:
    fact = dossier_at(store_of(journey()), None)
    assert fact.dossier_id == D and fact.code == "000.35.29.H44-260305-0017"
    assert (fact.procedure_code, fact.unit_code, fact.receiving_unit_code) == (
        "2.000575",
        "H44.100",
        "H44.100",
    )
    assert (
        fact.channel.value == "ONLINE" and fact.online_mode is not None and fact.online_mode.value == "FULL"
    )
    assert fact.received_at == at(2, 9) and fact.original_due_at == at(5, 17)
    assert fact.statutory_duration is not None and fact.statutory_duration.value == Decimal("3")
    assert fact.apology == Apology(issued_at=at(6, 9), previous_due_at=at(9, 10), new_due_at=at(12, 17))
    assert [(s.requested_at, s.completed_at) for s in fact.supplements] == [(at(3, 10), at(4, 10))]
    assert (fact.outcome, fact.finished_at, fact.returned_at) == (Outcome.APPROVED, at(10, 15), at(11, 9))
    assert (fact.payment_method, fact.paid_at, fact.fee_total_vnd) == (PaymentMethod.BANK, at(6, 10), 100_000)
    assert {c.code: c.source for c in fact.components} == {
        "TK": ComponentSource.APPLICANT_UPLOAD,
        "DS": ComponentSource.DATA_STORE,
    }
    assert fact.reuses_data and fact.has_e_result and fact.vneid_authenticated and fact.population_db_linked


def test_knowledge_time_gives_the_snapshot_known_then_with_its_revision() -> None:
    store = store_of(journey())
    before_result = dossier_at(store, at(10, 14))
    assert before_result.outcome is None and before_result.apology is not None
    assert before_result.known_at <= at(10, 14)
    after_result = dossier_at(store, at(10, 16))
    assert after_result.outcome is Outcome.APPROVED
    assert after_result.revision > before_result.revision
    base = fact_base(memory_rows(store, at(10, 16)))
    assert [r.level.value for r in base.ratings] == []  # rated on 11 March: not known yet
    assert len(fact_base(memory_rows(store, None)).ratings) == 1
    assert [s.status_code for s in base.syncs] == [2]


def test_nothing_is_known_before_the_first_event_was_recorded() -> None:
    assert fact_base(memory_rows(store_of(journey()), at(2, 8))).dossiers == ()


@cache
def sample() -> MemoryStore:
    return store_of(list(sample_stream(dossiers=30, seed=766).events))


def test_the_sample_streams_facts_give_a_non_empty_766_index_for_the_province_and_its_communes() -> None:
    facts = fact_base(memory_rows(sample(), None))
    assert len(facts.dossiers) == 30
    result = evaluate(
        facts,
        PROVINCE,
        Period.month(2026, 3),
        default_ruleset(),
        Policy(),
        datetime(2026, 4, 15, 12, tzinfo=BUSINESS_TZ),
        None,
        calendar=CALENDAR,
    )
    progress = result.indicator("DOSSIER_ON_TIME")
    assert progress.denominator == sum(1 for d in facts.dossiers if d.received_at is not None)
    assert 0 < progress.numerator < progress.denominator
    assert Decimal(0) < result.total < Decimal(100)
    assert result.warnings == ()  # every dossier's procedure is in the catalogue
    tree = evaluate_tree(
        facts,
        PROVINCE,
        Period.month(2026, 3),
        default_ruleset(),
        Policy(),
        datetime(2026, 4, 15, 12, tzinfo=BUSINESS_TZ),
        None,
        calendar=CALENDAR,
    )
    assert {r.unit_code for r in tree} >= {PROVINCE, *COMMUNES}


def test_an_as_of_index_differs_from_todays_when_later_events_changed_the_facts() -> None:
    store = sample()
    evaluated = datetime(2026, 3, 31, 23, tzinfo=BUSINESS_TZ)

    def on_time(knowledge: datetime | None) -> tuple[int, int]:
        result = evaluate(
            fact_base(memory_rows(store, knowledge)),
            PROVINCE,
            Period.month(2026, 3),
            default_ruleset(),
            Policy(),
            evaluated,
            knowledge,
            calendar=CALENDAR,
        )
        indicator = result.indicator("DOSSIER_ON_TIME")
        return indicator.numerator, indicator.denominator

    early = on_time(datetime(2026, 3, 6, 12, tzinfo=BUSINESS_TZ))
    assert early != on_time(None)
    assert early[1] < on_time(None)[1]  # fewer dossiers had been received by then


def test_units_map_to_engine_levels_and_procedures_to_their_competent_units() -> None:
    facts = fact_base(memory_rows(sample(), None))
    levels = {u.unit_code: u.level for u in facts.units}
    assert levels[PROVINCE] is UnitLevel.PROVINCE
    assert levels["H44.06.01"] is UnitLevel.DEPARTMENT and levels[COMMUNES[0]] is UnitLevel.COMMUNE
    assert levels["H44.41"] is UnitLevel.DISTRICT
    by_code = {p.procedure_code: p for p in facts.procedures}
    assert by_code["2.000575"].competent_unit_codes == tuple(sorted(COMMUNES))
    assert by_code["1.012780"].competent_unit_codes == ("H44", "H44.06.01")  # level PROVINCE + the office
    assert by_code["2.000815"].certification and not by_code["2.000575"].certification


def test_competent_units_join_levels_deciding_unit_and_online_services() -> None:
    procedure = {"procedure_code": "X", "competent_levels": ["COMMUNE"], "handling_unit_code": "H44.06"}
    units = [{"unit_code": "A", "level": "COMMUNE"}, {"unit_code": "B", "level": "PROVINCE"}]
    services = [{"procedure_code": "X", "unit_code": "C"}, {"procedure_code": "Y", "unit_code": "D"}]
    assert competent_units(procedure, units, services) == ("A", "C", "H44.06")


def test_a_petition_is_tied_to_its_dossier_by_the_portals_link_or_by_the_dossier_code() -> None:
    facts = fact_base(memory_rows(sample(), None))
    by_id = {p.petition_id: p for p in facts.petitions}
    linked = by_id["PAKN-2603-000101"]
    assert linked.dossier_id is not None
    assert linked.dossier_id in {d.dossier_id for d in facts.dossiers}
    assert linked.classification is PetitionClass.PROCEDURE_REGULATION and linked.dislikes == 3
    assert by_id["PAKN-2603-000117"].dossier_id is None and by_id["PAKN-2603-000117"].refused_at is not None


def test_a_petition_known_only_from_its_link_still_counts_against_the_dossier() -> None:
    link = ev(
        "portal.petition-linked",
        2,
        at(12, 9),
        petition_id="PAKN-ONLY-LINK",
        petition_received_at=at(12, 8).isoformat(),
    )
    base: FactBase = fact_base(memory_rows(store_of([*journey(), link]), None))
    (petition,) = base.petitions
    assert (petition.petition_id, petition.dossier_id, petition.unit_code) == ("PAKN-ONLY-LINK", D, "H44.100")
    assert petition.received_at == at(12, 8)


def test_a_dossier_whose_procedure_is_unknown_is_left_out() -> None:
    only_postal = [ev("postal.postal-item-in-transit", 1, at(2, 9))]
    assert fact_base(memory_rows(store_of(only_postal), None)).dossiers == ()
