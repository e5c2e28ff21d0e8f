"""Rulesets as data: both shipped rulesets load and add up; bad rulesets are refused on load."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from index766_kit import DEPARTMENT, at, facts, run, unit
from pydantic import ValidationError

from projections.index766 import (
    Period,
    ScoringFunction,
    UnitLevel,
    default_ruleset,
    load_ruleset,
    parse_ruleset,
    ruleset_effective_on,
)
from projections.index766.indicators import CALCULATORS


def shipped(ruleset_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(load_ruleset(ruleset_id).model_dump_json())
    return data


def test_the_operational_ruleset_has_six_groups_adding_to_100() -> None:
    ruleset = default_ruleset()
    assert ruleset.id == "dvcqg-2025"
    assert [(g.code, g.max) for g in ruleset.groups] == [
        ("CKMB", Decimal(18)),
        ("TDGQ", Decimal(20)),
        ("DVCTT", Decimal(12)),
        ("TTTT", Decimal(10)),
        ("MDSH", Decimal(22)),
        ("MDHL", Decimal(18)),
    ]
    # the three payment terms reach 10.5 under a cap of 10 (domain.md §1.4)
    tttt = ruleset.groups[3]
    assert sum(i.max for i in tttt.indicators) == Decimal("10.5") and tttt.caps[0].max == Decimal(10)
    assert ruleset.indicator("FULL_ONLINE_DOSSIERS").scoring.function is ScoringFunction.THRESHOLD_LINEAR


def test_the_legal_ruleset_has_five_groups_with_online_payment_inside_group_three() -> None:
    ruleset = load_ruleset("qd766-2022")
    assert [(g.code, g.max) for g in ruleset.groups] == [
        ("CKMB", Decimal(18)),
        ("TDGQ", Decimal(20)),
        ("DVTT", Decimal(22)),
        ("MDSH", Decimal(22)),
        ("MDHL", Decimal(18)),
    ]
    assert {i.id for i in ruleset.groups[2].indicators} == {
        i.id for g in default_ruleset().groups if g.code in {"DVCTT", "TTTT"} for i in g.indicators
    }


def test_commune_non_applicable_rows_are_data() -> None:
    not_for_communes = sorted(
        i.id
        for g in default_ruleset().groups
        for i in g.indicators
        if UnitLevel.COMMUNE in i.not_applicable_levels
    )
    assert not_for_communes == [
        "CITIZEN_DATA_CONNECTED_DOSSIER",
        "CITIZEN_DATA_CONNECTED_FORMALITY",
        "FULL_ONLINE_DOSSIERS",
        "PROCEDURES_ONLINE",
    ]


def test_every_calculator_is_used_by_the_default_ruleset() -> None:
    used = {i.calculator for g in default_ruleset().groups for i in g.indicators}
    assert used == set(CALCULATORS)


def broken(change: Any) -> str:
    data = shipped("dvcqg-2025")
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["groups"][0].update(max="19"), "indicator maxima reach 18"),
        (lambda r: r["groups"][0]["indicators"][0].update(max="7"), "indicator maxima reach 19"),
        (lambda r: r["groups"][1]["indicators"][0].update(calculator="nope"), "unknown calculators"),
        (
            lambda r: r["groups"][1]["indicators"][0].update(scoring={"function": "THRESHOLD_LINEAR"}),
            "THRESHOLD_LINEAR needs",
        ),
        (lambda r: r["groups"][3]["caps"][0].update(indicators=["GHOST"]), "names unknown indicators"),
        (lambda r: r["groups"][1]["indicators"][1].update(id="DOSSIER_ON_TIME"), "ids must be unique"),
        (lambda r: r["groups"][1]["indicators"][1].update(id="PUBLISH_ON_TIME"), "ids must be unique"),
        (lambda r: r.update(total_max="99"), "not 99 = 100"),
    ],
)
def test_bad_rulesets_are_refused(change: Any, message: str) -> None:
    with pytest.raises((ValidationError, ValueError), match=message):
        parse_ruleset(broken(change))


def test_the_effective_ruleset_depends_on_the_date() -> None:
    assert ruleset_effective_on(date(2024, 6, 1)).id == "qd766-2022"
    assert ruleset_effective_on(date(2026, 3, 1)).id == "dvcqg-2025"
    with pytest.raises(LookupError):
        ruleset_effective_on(date(2021, 1, 1))


def test_evaluating_outside_a_ruleset_s_dates_is_flagged() -> None:
    old_units = (unit(DEPARTMENT, UnitLevel.DEPARTMENT, None, valid_from=date(2020, 1, 1)),)
    result = run(facts(units=old_units), period=Period.month(2025, 3), evaluation_time=at(2025, 4, 10))
    assert any("effective from 2025-07-01" in w for w in result.warnings)
    assert not run(facts()).warnings
