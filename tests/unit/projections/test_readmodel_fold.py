"""The dossier fold: golden examples as inputs, and scripted journeys checked field by field."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from index766_kit import CALENDAR

from contracts.envelope import DossierEvent, PublicEvent
from contracts.fields import BUSINESS_TZ
from contracts.golden import example_event
from contracts.registry import EVENT_TYPES
from projections.facts_bridge import dossier_fact
from projections.index766 import Policy
from projections.index766.timeliness import judge
from projections.readmodels import MemoryStore
from projections.readmodels.changes import Changes, RowShapeError
from projections.readmodels.dossier_fold import handled_types
from projections.readmodels.sample_stream import like_example
from projections.readmodels.tables import (
    CLOCK_LEDGER,
    DOSSIER_FACT_VERSIONS,
    DOSSIER_FACTS,
    DOSSIER_JOURNAL,
    OFFICE_HOURS,
    PETITION_LINKS,
    PETITIONS,
    PORTAL_SYNCS,
    POSTAL_SHIPMENTS,
    PROCEDURES,
    RATINGS,
    UNITS,
)

D = "0195f0c0-3a00-7000-8000-00000000d001"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=BUSINESS_TZ)


def ev(name: str, seq: int, when: datetime, /, key: str = D, **fields: Any) -> PublicEvent:
    return like_example(f"vn.one-stop.{name}.v1", key, seq, when, **fields)


def received(
    seq: int = 2, when: datetime | None = None, due: datetime | None = None, **fields: Any
) -> PublicEvent:
    when = when or at(2, 9)
    return ev(
        "intake.dossier-received",
        seq,
        when,
        legal_receipt_at=when - timedelta(minutes=20),
        clock_start_at=when,
        due_at=due or at(5, 17),
        **fields,
    )


def journey() -> list[PublicEvent]:
    """Online, received 2 March, one supplement (24 h), an apology, result 10 March, returned 11 March."""
    return [
        ev("intake.dossier-submitted", 1, at(2, 8, 40)),
        received(),
        ev("processing.supplement-requested", 1, at(3, 10)),
        ev("intake.supplement-submitted", 3, at(4, 9)),
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
        ev("processing.result-issued", 4, at(10, 15)),
        ev("delivery.result-returned", 1, at(11, 9), method="COUNTER", shipment_id=None),
    ]


def project(events: list[PublicEvent]) -> MemoryStore:
    store = MemoryStore()
    store.apply(events)
    return store


def current(store: MemoryStore, dossier_id: str = D) -> dict[str, Any]:
    (row,) = [r for r in store.rows(DOSSIER_FACTS) if r["dossier_id"] == dossier_id]
    return row


# -- golden examples ----------------------------------------------------------------------------------------


def test_every_dossier_event_type_of_the_contracts_has_a_fold_rule() -> None:
    dossier_types = {cls for cls in EVENT_TYPES.values() if issubclass(cls, DossierEvent)}
    assert dossier_types - handled_types() == set()


def test_the_golden_examples_all_land_in_their_read_models() -> None:
    events = [example_event(t) for t in EVENT_TYPES]
    store = project(events)

    dossier_events = [e for e in events if isinstance(e, DossierEvent)]
    assert len(store.rows(DOSSIER_JOURNAL)) == len(dossier_events)
    assert {r["dossier_id"] for r in store.rows(DOSSIER_FACTS)} == {str(e.dossier_id) for e in dossier_events}

    (sync,) = store.rows(PORTAL_SYNCS)
    assert (sync["status_code"], sync["ack_status"], sync["latency_ms"]) == (2, "ACCEPTED", 64000)
    assert sorted(r["source"] for r in store.rows(RATINGS)) == ["DELIVERY", "PORTAL"]
    assert [r["petition_id"] for r in store.rows(PETITION_LINKS)] == ["PAKN-2604-000381"]
    assert sorted(r["petition_id"] for r in store.rows(PETITIONS)) == ["PAKN-2604-000381", "PAKN-2604-000395"]

    (procedure,) = store.rows(PROCEDURES)  # 1.012780, amended by decision 512/QĐ-UBND of 14/8/2025
    assert procedure["procedure_code"] == "1.012780"
    assert str(procedure["valid_from"]) == "2025-08-14"  # the decision is later than the law it carries out
    assert procedure["competent_levels"] == ["PROVINCE"] and procedure["handling_unit_code"] == "H44.06.01"
    assert procedure["fee_bearing"] and procedure["online_level"] == "PARTIAL"
    assert [(u["unit_code"], u["level"], u["parent_code"]) for u in store.rows(UNITS)] == [
        ("H44.100", "COMMUNE", "H44")
    ]
    assert [h["calendar_code"] for h in store.rows(OFFICE_HOURS)] == ["H44.100"]

    received_example = current(store, "019cbba8-ae40-75c8-b12b-ea19040e613b")
    assert received_example["unit_code"] == "H44.100"
    assert received_example["fee_total_vnd"] == 100_000
    assert received_example["status"] == "STOPPED"  # stopped after the withdrawal request
    assert received_example["outcome"] == "WITHDRAWN"  # the request, not the stop, ends the count
    assert received_example["finished_at"] == datetime(2026, 3, 10, 8, 5, tzinfo=BUSINESS_TZ)


# -- one journey, field by field ------------------------------------------------------------------------------


def test_a_journey_with_supplement_and_apology_keeps_both_due_dates_and_is_late_against_the_original() -> (
    None
):
    row = current(project(journey()))

    assert (row["status"], row["dvcqg_status"], row["outcome"]) == ("RETURNED", 10, "APPROVED")
    assert row["received_at"] == at(2, 9)
    assert row["original_due_at"] == at(5, 17)  # supplements and apologies never move it
    assert row["effective_due_at"] == at(12, 17)  # what the applicant was last promised
    assert (row["apology_previous_due_at"], row["apology_new_due_at"]) == (at(9, 10), at(12, 17))
    assert row["supplement_count"] == 1 and row["supplement_wait_seconds"] == 86_400
    assert row["supplements"][0]["completed_at"] == at(4, 10).isoformat()
    assert row["finished_at"] == at(10, 15) and row["returned_at"] == at(11, 9)
    assert row["counted_end_at"] == at(9, 15)  # 24 h of supplement wait subtracted
    assert row["timeliness"] == "LATE"  # 9 March 15:00 is after the original 5 March 17:00
    assert row["return_method"] == "COUNTER" and row["requested_return_method"] == "ONLINE"
    assert row["fee_total_vnd"] == 100_000 and row["paid_total_vnd"] == 0


def test_the_clock_ledger_explains_each_move_of_the_due_dates() -> None:
    store = project(journey())
    ledger = [r for r in store.rows(CLOCK_LEDGER) if r["dossier_id"] == D]
    assert [r["kind"] for r in ledger] == [
        "RECEIVED",
        "SUPPLEMENT_REQUESTED",
        "SUPPLEMENT_SUBMITTED",
        "SUPPLEMENT_ACCEPTED",
        "APOLOGY_ISSUED",
        "RESULT_ISSUED",
        "RESULT_RETURNED",
    ]
    assert [r["ordinal"] for r in ledger] == [1, 2, 3, 4, 5, 6, 7]
    accepted = ledger[3]
    assert (accepted["due_before"], accepted["effective_due_at"]) == (at(5, 17), at(9, 10))
    assert accepted["wait_seconds"] == 86_400
    apology = ledger[4]
    assert (apology["due_before"], apology["effective_due_at"], apology["original_due_at"]) == (
        at(9, 10),
        at(12, 17),
        at(5, 17),
    )


def test_every_change_appends_a_revision_known_when_its_event_was_recorded() -> None:
    events = journey()
    store = project(events)
    versions = [r for r in store.rows(DOSSIER_FACT_VERSIONS) if r["dossier_id"] == D]
    assert [v["revision"] for v in versions] == list(range(len(versions)))
    assert len(versions) == len(events)  # each event of this journey changed the fact row
    assert [v["known_at"] for v in versions] == [e.recorded_at for e in events]
    assert versions[0]["status"] == "SUBMITTED" and versions[0]["received_at"] is None
    assert versions[-1] == current(store)


def test_an_informational_event_adds_no_revision() -> None:
    events = journey()
    notified = ev("delivery.applicant-notified", 2, at(11, 10))
    with_notice = project([*events, notified])
    assert len(with_notice.rows(DOSSIER_FACT_VERSIONS)) == len(project(events).rows(DOSSIER_FACT_VERSIONS))
    assert len(with_notice.rows(DOSSIER_JOURNAL)) == len(events) + 1


# -- terminal statuses and special cases -----------------------------------------------------------------------


def test_withdrawal_before_receipt_is_a_cancellation_outside_the_766_population() -> None:
    row = current(
        project(
            [ev("intake.dossier-submitted", 1, at(2, 8)), ev("intake.withdrawal-requested", 2, at(2, 10))]
        )
    )
    assert (row["status"], row["outcome"], row["received_at"]) == ("CANCELLED", None, None)
    assert row["dvcqg_status"] is None


def test_the_first_terminal_status_fixes_the_end_and_a_later_one_does_not_move_it() -> None:
    row = current(
        project(
            [
                received(seq=1),
                ev("processing.dossier-rejected", 1, at(3, 11)),
                ev(
                    "processing.processing-stopped",
                    2,
                    at(4, 9),
                    cause="LEGAL_GROUND",
                    reason="Sai thẩm quyền",
                ),
            ]
        )
    )
    assert (row["outcome"], row["finished_at"]) == ("REJECTED", at(3, 11))
    assert row["status"] == "STOPPED"
    assert row["timeliness"] == "EARLY"  # rejected on 3 March, due 5 March


def test_an_unanswered_supplement_request_ends_the_count_at_the_request() -> None:
    row = current(project([received(seq=1), ev("processing.supplement-requested", 1, at(4, 10))]))
    assert row["status"] == "AWAITING_SUPPLEMENT"
    assert (row["counted_end_at"], row["timeliness"]) == (at(4, 10), "EARLY")


def test_a_second_supplement_request_makes_the_dossier_late_whatever_its_dates() -> None:
    events = [
        received(seq=1, due=at(20, 17)),
        ev("processing.supplement-requested", 1, at(3, 10)),
        ev(
            "processing.supplement-accepted",
            2,
            at(3, 15),
            new_clock_start_at=at(3, 15),
            previous_due_at=at(20, 17),
            new_due_at=at(20, 17),
            waited="PT5H",
        ),
        ev(
            "processing.supplement-requested",
            3,
            at(4, 10),
            request_no=2,
            sector_law_exception=True,
            exception_legal_basis="Luật Đất đai 2024",
        ),
        ev(
            "processing.supplement-accepted",
            4,
            at(4, 15),
            request_no=2,
            new_clock_start_at=at(4, 15),
            previous_due_at=at(20, 17),
            new_due_at=at(20, 17),
            waited="PT5H",
        ),
        ev("processing.result-issued", 5, at(5, 9)),
    ]
    row = current(project(events))
    assert row["supplement_count"] == 2 and row["timeliness"] == "LATE"


def test_payment_counts_online_when_any_payment_was_online() -> None:
    obligation = ev("processing.financial-obligation-requested", 1, at(3, 9))
    cash = ev(
        "payment.payment-received",
        1,
        at(3, 10),
        method="CASH_COUNTER",
        transaction_ref=None,
        lines=[{"kind": "LE_PHI", "name": "Lệ phí", "amount_vnd": 100000}],
        amount_vnd=100000,
    )
    online = ev("payment.payment-received", 2, at(4, 10))  # 30,100,000 VND on the national platform
    row = current(project([received(seq=1), obligation, cash, online]))
    assert row["payment_method"] == "ONLINE_NATIONAL" and row["paid_at"] == at(4, 10)
    assert row["fee_total_vnd"] == 100_000 + 30_100_000  # receipt fee lines + the obligation
    assert row["paid_total_vnd"] == 30_200_000
    assert row["status"] == "IN_PROCESSING"  # the obligation is paid: back to processing


def test_a_clock_pause_is_kept_with_its_interval_and_moves_only_the_effective_due_date() -> None:
    events = [
        received(seq=1, due=at(16, 17)),
        ev("processing.clock-paused", 1, at(3, 9)),
        ev("processing.clock-resumed", 2, at(5, 9), paused_at=at(3, 9), new_effective_due_at=at(18, 17)),
    ]
    store = project(events)
    row = current(store)
    assert row["pauses"] == [
        {
            "pause_id": "TD-2026-0087",
            "reason": "FINANCIAL_OBLIGATION",
            "paused_at": at(3, 9).isoformat(),
            "resumed_at": at(5, 9).isoformat(),
        }
    ]
    assert (row["original_due_at"], row["effective_due_at"]) == (at(16, 17), at(18, 17))
    resumed = [r for r in store.rows(CLOCK_LEDGER) if r["kind"] == "CLOCK_RESUMED"]
    assert resumed[0]["wait_seconds"] == 2 * 86_400


def test_postal_shipments_follow_their_events_and_keep_their_sla() -> None:
    shipment = "019cb1be-d6c0-7033-b2cd-264537797f2e"
    events = [
        ev("postal.postal-service-requested", 1, at(2, 8)),
        ev("postal.postal-item-accepted", 2, at(2, 10), shipment_id=shipment, sla_due_at=at(4, 17)),
        ev("postal.postal-item-in-transit", 3, at(2, 16), shipment_id=shipment),
        ev("postal.dossier-handed-over-to-agency", 4, at(3, 9), shipment_id=shipment),
    ]
    store = project(events)
    (row,) = store.rows(POSTAL_SHIPMENTS)
    assert (row["direction"], row["status"], row["completed_at"], row["sla_due_at"]) == (
        "DOSSIER_TO_AGENCY",
        "HANDED_OVER",
        at(3, 9),
        at(4, 17),
    )
    assert current(store)["procedure_code"] == "2.000575"  # known from the postal registration alone


# -- the dashboards' verdict agrees with the 766 engine once the count has ended ------------------------------


@pytest.mark.parametrize(
    ("finished", "expected"),
    [(at(3, 16), "EARLY"), (at(5, 16, 59), "ON_TIME"), (at(6, 8), "LATE"), (None, "ON_TIME")],
)
def test_the_stored_verdict_is_the_engines_verdict(finished: datetime | None, expected: str) -> None:
    events = [received(seq=1)]
    if finished is not None:
        events.append(ev("processing.result-issued", 1, finished))
    else:
        events.append(ev("processing.supplement-requested", 1, at(5, 16)))  # still awaited: judged there
    row = current(project(events))
    fact = dossier_fact({**row})
    assert fact is not None
    verdict = judge(fact, at(31, 23), Policy(), CALENDAR)
    assert row["timeliness"] == verdict.status.value
    assert row["counted_end_at"] == verdict.counted_end_at
    assert row["timeliness"] == expected


def test_a_row_that_does_not_match_its_table_is_refused() -> None:
    with pytest.raises(RowShapeError, match="missing columns"):
        Changes().put(DOSSIER_FACTS, {"dossier_id": D})
