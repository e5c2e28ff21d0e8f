"""Roll-up over the time-versioned unit hierarchy."""

from __future__ import annotations

from datetime import date

import pytest
from index766_kit import (
    CALENDAR,
    COMMUNE_A,
    COMMUNE_B,
    DEPARTMENT,
    EVALUATED,
    MARCH,
    OTHER_PROVINCE,
    PROVINCE,
    at,
    d,
    dossier,
    facts,
    procedure,
    run,
    unit,
)

from projections.index766 import (
    Outcome,
    Period,
    Policy,
    UnitLevel,
    UnknownUnitError,
    default_ruleset,
    evaluate_tree,
)

ON_TIME = {"outcome": Outcome.APPROVED, "finished_at": at(2026, 3, 5, 10)}
LATE = {"outcome": Outcome.APPROVED, "finished_at": at(2026, 3, 10, 10)}
DOSSIERS = (
    dossier("H1", unit_code=DEPARTMENT, **ON_TIME),
    dossier("H2", unit_code=COMMUNE_A, **LATE),
    dossier("H3", unit_code=PROVINCE, **ON_TIME),
    dossier("H4", unit_code=OTHER_PROVINCE, **LATE),
)


def test_the_province_includes_its_departments_and_communes() -> None:
    base = facts(dossiers=DOSSIERS)
    province = run(base, unit_code=PROVINCE)
    # H1, H3 on time, H2 late (H4 is another province) → 20 × 2/3
    assert province.indicator("DOSSIER_ON_TIME").points == d("13.3333333333")
    assert province.scope_units == (PROVINCE, DEPARTMENT, COMMUNE_A, COMMUNE_B)
    assert run(base, unit_code=DEPARTMENT).indicator("DOSSIER_ON_TIME").points == d("20")
    assert run(base, unit_code=COMMUNE_A).indicator("DOSSIER_ON_TIME").points == d("0")
    assert run(base, unit_code=OTHER_PROVINCE).scope_units == (OTHER_PROVINCE,)


def test_units_valid_in_the_period_follow_the_two_level_reform() -> None:
    units = (
        unit(PROVINCE, UnitLevel.PROVINCE, None, valid_from=date(2020, 1, 1)),
        unit(
            "T01.H01", UnitLevel.DISTRICT, PROVINCE, valid_from=date(2020, 1, 1), valid_to=date(2025, 6, 30)
        ),
        # the commune was under the district until the district was abolished on 1 July 2025
        unit(
            "T01.X09", UnitLevel.COMMUNE, "T01.H01", valid_from=date(2020, 1, 1), valid_to=date(2025, 6, 30)
        ),
        unit("T01.X09", UnitLevel.COMMUNE, PROVINCE, valid_from=date(2025, 7, 1)),
    )
    procedures = (procedure("P1", units=(PROVINCE, "T01.H01", "T01.X09")),)
    dossiers = (
        dossier(
            "H5",
            unit_code="T01.H01",
            received_at=at(2025, 3, 3, 9),
            original_due_at=at(2025, 3, 7, 17),
            outcome=Outcome.APPROVED,
            finished_at=at(2025, 3, 6, 9),
        ),
        dossier(
            "H6",
            unit_code="T01.X09",
            received_at=at(2025, 9, 1, 9),
            original_due_at=at(2025, 9, 5, 17),
            outcome=Outcome.APPROVED,
            finished_at=at(2025, 9, 10, 9),
        ),
    )
    base = facts(units=units, procedures=procedures, dossiers=dossiers)
    year = run(base, unit_code=PROVINCE, period=Period.year(2025), evaluation_time=at(2026, 1, 15))
    assert year.scope_units == (PROVINCE, "T01.H01", "T01.X09")
    # H5 (district, on time) and H6 (commune, late) → 20 × 1/2
    assert year.indicator("DOSSIER_ON_TIME").points == d("10")
    after_reform = run(base, unit_code=PROVINCE, period=Period.month(2026, 3))
    assert after_reform.scope_units == (PROVINCE, "T01.X09")
    district = run(base, unit_code="T01.H01", period=Period.quarter(2025, 1), evaluation_time=at(2025, 4, 15))
    assert district.scope_units == ("T01.H01", "T01.X09") and district.indicator(
        "DOSSIER_ON_TIME"
    ).points == d("20")
    with pytest.raises(UnknownUnitError):
        run(base, unit_code="T01.H01", period=Period.month(2026, 3))


def test_evaluate_tree_gives_the_unit_then_its_direct_sub_units() -> None:
    results = evaluate_tree(
        facts(dossiers=DOSSIERS),
        PROVINCE,
        MARCH,
        default_ruleset(),
        Policy(),
        EVALUATED,
        None,
        calendar=CALENDAR,
    )
    assert [r.unit_code for r in results] == [PROVINCE, DEPARTMENT, COMMUNE_A, COMMUNE_B]
    assert [r.indicator("DOSSIER_ON_TIME").points for r in results[:3]] == [
        d("13.3333333333"),
        d("20"),
        d("0"),
    ]
    assert all(not i.rows for r in results for g in r.groups for i in g.indicators)  # no rows unless asked
