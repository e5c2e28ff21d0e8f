"""The whole evaluation: determinism, totals, argument checks."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import test_index766_digitisation as digitisation
import test_index766_online_payment as online
import test_index766_progress as progress
import test_index766_satisfaction as satisfaction
from index766_kit import CALENDAR, EVALUATED, MARCH, PROVINCE, UNITS, d, dossier, facts, run

from projections.index766 import (
    FactBase,
    Policy,
    Scoring,
    ScoringOverride,
    default_ruleset,
    evaluate,
)


def everything() -> FactBase:
    dossiers = (*progress.march_dossiers(), *online.DOSSIERS, *digitisation.DOSSIERS)
    return facts(
        dossiers=dossiers,
        procedures=(*online.PROCEDURES, *(p for p in digitisation.PROCEDURES if p.procedure_code == "PC")),
        petitions=satisfaction.PETITIONS,
        syncs=online.SYNCS,
    )


def shuffled(base: FactBase, seed: int) -> FactBase:
    rng = random.Random(seed)
    parts = {}
    for name in FactBase.model_fields:
        items = list(getattr(base, name))
        rng.shuffle(items)
        parts[name] = tuple(items)
    return FactBase(**parts)


def test_same_inputs_give_byte_identical_output() -> None:
    base = everything()
    first = run(base, unit_code=PROVINCE).to_json()
    assert run(base, unit_code=PROVINCE).to_json() == first
    for seed in range(3):
        assert run(shuffled(base, seed), unit_code=PROVINCE).to_json() == first
    # the same instant written in UTC gives the same document
    assert run(base, unit_code=PROVINCE, evaluation_time=EVALUATED.astimezone(UTC)).to_json() == first


def test_total_is_the_sum_of_the_groups_and_each_group_the_sum_of_its_indicators() -> None:
    result = run(everything(), unit_code=PROVINCE)
    assert result.total == sum((g.points for g in result.groups), Decimal(0))
    assert result.total_scale == d("1")
    for group in result.groups:
        if group.code != "TTTT":  # TTTT is capped
            assert group.points == sum((i.points for i in group.indicators), Decimal(0))
        assert all(i.points <= i.maximum for i in group.indicators)
    document = json.loads(result.to_json())
    assert document["total"] == str(result.total)
    assert [g["code"] for g in document["groups"]] == ["CKMB", "TDGQ", "DVCTT", "TTTT", "MDSH", "MDHL"]
    assert result.band == Policy().bands.classify(result.total)


def test_rows_can_be_left_out_without_changing_a_figure() -> None:
    base = everything()
    with_rows = run(base, unit_code=PROVINCE)
    without = evaluate(
        base, PROVINCE, MARCH, default_ruleset(), Policy(), EVALUATED, None, calendar=CALENDAR, explain=False
    )
    assert without.total == with_rows.total
    assert all(not i.rows for g in without.groups for i in g.indicators)
    assert with_rows.indicator("DOSSIER_ON_TIME").rows


def test_naive_times_and_unknown_overrides_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(
            facts(),
            PROVINCE,
            MARCH,
            default_ruleset(),
            Policy(),
            datetime(2026, 4, 1),
            None,
            calendar=CALENDAR,
        )
    stray = Policy(scoring_overrides=(ScoringOverride(indicator_id="NOPE", scoring=Scoring()),))
    with pytest.raises(ValueError, match="NOPE"):
        run(facts(), policy=stray)


def test_missing_procedures_are_reported() -> None:
    result = run(facts(dossiers=(dossier("Z1", procedure_code="P404"),), units=UNITS))
    assert result.warnings == ("dossiers refer to procedures missing from the catalogue: P404",)
