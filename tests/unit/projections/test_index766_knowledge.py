"""Knowledge time (as_of) and business time: the value as it was known at T is exact."""

from __future__ import annotations

from datetime import date

import pytest
from index766_kit import DEPARTMENT, EPOCH, at, d, dossier, facts, procedure, run

from projections.index766 import FactBase, OnlineLevel, Outcome, SyncAckFact, as_known_at


def test_as_of_returns_the_earlier_value_after_a_later_event() -> None:
    received = dossier("E1", original_due_at=at(2026, 3, 6, 17))
    finished_late = dossier(
        "E1",
        revision=1,
        known_at=at(2026, 3, 11, 10, 1),
        original_due_at=at(2026, 3, 6, 17),
        outcome=Outcome.APPROVED,
        finished_at=at(2026, 3, 11, 10),
    )
    base = facts(dossiers=(finished_late, received))  # input order does not matter
    # known at 5 March, evaluated then: in progress within its deadline → 20
    early = run(base, evaluation_time=at(2026, 3, 5, 12), knowledge_time=at(2026, 3, 5, 12))
    assert early.indicator("DOSSIER_ON_TIME").points == d("20")
    # everything known, evaluated after the period: finished late by (6, 11] = 3 working days → 0
    late = run(base)
    assert late.indicator("DOSSIER_ON_TIME").points == d("0")
    assert "late by 3 working days" in late.indicator("DOSSIER_ON_TIME").rows[0].reason_en
    # as of 5 March, asked again after the later event was recorded: still the earlier value
    again = run(base, evaluation_time=at(2026, 3, 5, 12), knowledge_time=at(2026, 3, 5, 12))
    assert again.to_json() == early.to_json()


def test_knowledge_time_and_business_time_are_separate_clocks() -> None:
    # finished on time on 4 March but recorded only on 10 March (a late sync)
    base = facts(
        dossiers=(
            dossier("E2", original_due_at=at(2026, 3, 4, 17)),
            dossier(
                "E2",
                revision=1,
                known_at=at(2026, 3, 10, 8),
                original_due_at=at(2026, 3, 4, 17),
                outcome=Outcome.APPROVED,
                finished_at=at(2026, 3, 4, 16),
            ),
        )
    )
    evaluated = at(2026, 3, 6, 12)
    # what we knew on 6 March: unfinished and past its 4 March deadline
    assert run(base, evaluation_time=evaluated, knowledge_time=evaluated).indicator(
        "DOSSIER_ON_TIME"
    ).points == d("0")
    # 6 March re-evaluated with what we know on 10 March: it had finished on time
    assert run(base, evaluation_time=evaluated, knowledge_time=at(2026, 3, 10, 8)).indicator(
        "DOSSIER_ON_TIME"
    ).points == d("20")


def test_append_only_records_are_filtered_by_known_at() -> None:
    sync = SyncAckFact(
        dossier_id="E3", status_code=2, synced_at=at(2026, 3, 2, 9), known_at=at(2026, 3, 20, 9)
    )
    base = facts(dossiers=(dossier("E3"),), syncs=(sync,))
    assert run(base, knowledge_time=at(2026, 3, 19)).indicator("DOSSIER_SYNC").points == d("0")
    assert run(base, knowledge_time=at(2026, 3, 21)).indicator("DOSSIER_SYNC").points == d("6")


def test_as_known_at_keeps_the_highest_known_revision_per_entity() -> None:
    versions = (
        dossier("E4", revision=2, known_at=at(2026, 3, 9), original_due_at=at(2026, 3, 20, 17)),
        dossier("E4", revision=0, known_at=at(2026, 3, 2, 9)),
        dossier("E4", revision=1, known_at=at(2026, 3, 5), original_due_at=at(2026, 3, 13, 17)),
        dossier("E5", revision=0, known_at=at(2026, 3, 7)),
    )
    view = as_known_at(facts(dossiers=versions), at(2026, 3, 6))
    assert [(x.dossier_id, x.revision) for x in view.dossiers] == [("E4", 1)]
    assert as_known_at(facts(dossiers=versions), None).dossiers[0].revision == 2


def test_two_snapshots_with_the_same_revision_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate record versions"):
        FactBase(dossiers=(dossier("E6"), dossier("E6", known_at=at(2026, 3, 3))))


def test_events_after_the_evaluation_time_are_not_seen() -> None:
    base = facts(
        dossiers=(dossier("E7", known_at=EPOCH, outcome=Outcome.APPROVED, finished_at=at(2026, 3, 10, 9)),)
    )
    # on 5 March the dossier (due 6 March) was still running and within its deadline
    result = run(base, unit_code=DEPARTMENT, evaluation_time=at(2026, 3, 5, 12))
    assert result.indicator("DOSSIER_ON_TIME").rows[0].reason_code == "IN_PROGRESS_IN_TIME"


def test_the_catalogue_version_in_force_at_the_period_end_is_used() -> None:
    versions = (
        procedure("P1", valid_to=date(2026, 3, 15)),
        procedure("P1", valid_from=date(2026, 3, 16), online_level=OnlineLevel.FULL),
        # entered by mistake, then withdrawn by a revision whose validity is empty
        procedure("P1", valid_from=date(2026, 3, 20), online_level=OnlineLevel.NONE),
        procedure(
            "P1",
            valid_from=date(2026, 3, 20),
            valid_to=date(2026, 3, 19),
            revision=1,
            known_at=at(2026, 3, 21),
        ),
    )
    base = facts(procedures=versions)
    assert run(base).indicator("PROCEDURES_ONLINE").ratio == d("1")  # the 16 March version: full online
    # as known on 20 March, the mistaken version was still there
    assert run(base, knowledge_time=at(2026, 3, 20, 12)).indicator("PROCEDURES_ONLINE").ratio == d("0")
    # evaluated on 10 March the first version (no online service) was in force
    assert run(base, evaluation_time=at(2026, 3, 10)).indicator("PROCEDURES_ONLINE").ratio == d("0")
