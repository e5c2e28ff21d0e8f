"""Properties over generated facts and policies: points never exceed maxima, totals add up, order of the
input never matters."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from index766_kit import COMMUNE_A, COMMUNE_B, DEPARTMENT, PROVINCE, at, facts, procedure, run

from projections.index766 import (
    CapMode,
    Channel,
    Component,
    ComponentSource,
    DossierFact,
    DueBasis,
    EmptyDenominator,
    FactBase,
    NotApplicableRows,
    OnlineLevel,
    OnlineMode,
    Outcome,
    OutcomeCutoff,
    PaymentMethod,
    PetitionFact,
    Policy,
    ProgressPopulation,
    RatingFact,
    RatingLevel,
    SubtractedWaits,
    SupplementWait,
    load_ruleset,
)

START = at(2026, 2, 20)
UNITS_IN_TEST = (PROVINCE, DEPARTMENT, COMMUNE_A, COMMUNE_B)
PROCEDURES = (
    procedure("P1", full_online_eligible=True, fee_bearing=True, online_level=OnlineLevel.FULL),
    procedure(
        "P2", paper_result=False, fee_bearing=True, online_level=OnlineLevel.PARTIAL, certification=True
    ),
    procedure("P3"),
)
moments = st.integers(min_value=0, max_value=60 * 24 * 50).map(lambda m: START + timedelta(minutes=m))


def maybe_hours(draw: st.DrawFn, base: datetime, most: int) -> datetime | None:
    hours = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=most)))
    return base + timedelta(hours=hours) if hours is not None else None


@st.composite
def dossiers(draw: st.DrawFn, index: int) -> DossierFact:
    received = draw(st.one_of(st.none(), moments))
    anchor = received or START
    due = maybe_hours(draw, anchor, 20 * 24)
    finished = maybe_hours(draw, anchor, 40 * 24)
    supplements = []
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        asked = anchor + timedelta(hours=draw(st.integers(min_value=0, max_value=200)))
        supplements.append(SupplementWait(requested_at=asked, completed_at=maybe_hours(draw, asked, 100)))
    supplements.sort(key=lambda s: s.requested_at)
    method = draw(st.one_of(st.none(), st.sampled_from(PaymentMethod)))
    return DossierFact(
        dossier_id=f"X{index:03d}",
        revision=0,
        known_at=START,
        procedure_code=draw(st.sampled_from(("P1", "P2", "P3", "P9"))),
        unit_code=draw(st.sampled_from(UNITS_IN_TEST)),
        channel=draw(st.sampled_from(Channel)),
        online_mode=draw(st.one_of(st.none(), st.sampled_from(OnlineMode))),
        received_at=received,
        original_due_at=due,
        supplements=tuple(supplements),
        outcome=draw(st.sampled_from(Outcome)) if finished else None,
        finished_at=finished,
        fee_total_vnd=draw(st.sampled_from((0, 10_000))),
        payment_method=method,
        components=tuple(
            Component(
                code=f"TP{i}",
                file_attached=draw(st.booleans()),
                source=draw(st.sampled_from(ComponentSource)),
            )
            for i in range(draw(st.integers(min_value=0, max_value=2)))
        ),
        result_code="KQ" if draw(st.booleans()) else None,
        result_file_linked=draw(st.booleans()),
        result_in_data_store=draw(st.booleans()),
        vneid_authenticated=draw(st.booleans()),
    )


@st.composite
def petitions(draw: st.DrawFn, index: int) -> PetitionFact:
    received = draw(moments)

    return PetitionFact(
        petition_id=f"K{index:03d}",
        revision=0,
        known_at=START,
        unit_code=draw(st.sampled_from(UNITS_IN_TEST)),
        dossier_id=f"X{draw(st.integers(min_value=0, max_value=5)):03d}",
        received_at=received,
        refused_at=maybe_hours(draw, received, 30 * 24),
        handled_at=maybe_hours(draw, received, 30 * 24),
        published_at=maybe_hours(draw, received, 30 * 24),
        likes=draw(st.integers(min_value=0, max_value=3)),
        dislikes=draw(st.integers(min_value=0, max_value=3)),
        re_raised_dissatisfied=draw(st.booleans()),
    )


@st.composite
def fact_bases(draw: st.DrawFn) -> FactBase:
    n = draw(st.integers(min_value=0, max_value=8))
    m = draw(st.integers(min_value=0, max_value=3))
    made = tuple(draw(dossiers(i)) for i in range(n))
    ratings = tuple(
        RatingFact(
            rating_id=f"V{i}",
            dossier_id=d.dossier_id,
            level=draw(st.sampled_from(RatingLevel)),
            rated_at=draw(moments),
            known_at=START,
        )
        for i, d in enumerate(made)
        if draw(st.booleans())
    )
    return facts(
        procedures=PROCEDURES,
        dossiers=made,
        petitions=tuple(draw(petitions(i)) for i in range(m)),
        ratings=ratings,
    )


policies = st.builds(
    Policy,
    due_basis=st.sampled_from(DueBasis),
    empty_denominator=st.sampled_from(EmptyDenominator),
    not_applicable_rows=st.sampled_from(NotApplicableRows),
    cap_mode=st.sampled_from(CapMode),
    outcome_cutoff=st.sampled_from(OutcomeCutoff),
    progress_population=st.sampled_from(ProgressPopulation),
    subtracted_waits=st.sampled_from(SubtractedWaits),
    full_online_times_sync_ratio=st.booleans(),
)
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(
    base=fact_bases(),
    policy=policies,
    unit_code=st.sampled_from(UNITS_IN_TEST),
    ruleset_id=st.sampled_from(("dvcqg-2025", "qd766-2022")),
    evaluated=moments,
)
def test_points_stay_within_maxima_and_the_total_adds_up(
    base: FactBase, policy: Policy, unit_code: str, ruleset_id: str, evaluated: datetime
) -> None:
    result = run(
        base, unit_code=unit_code, policy=policy, ruleset=load_ruleset(ruleset_id), evaluation_time=evaluated
    )
    for group in result.groups:
        for indicator in group.indicators:
            assert Decimal(0) <= indicator.points <= indicator.maximum, indicator.id
            assert 0 <= indicator.numerator <= indicator.denominator or indicator.value_kind.value != "RATIO"
        if policy.cap_mode is not CapMode.NONE:
            assert Decimal(0) <= group.points <= group.maximum, group.code
    subtotal = sum((g.points for g in result.groups if not g.excluded), Decimal(0))
    if result.total_scale == 1:
        assert result.total == subtotal
    else:
        exact = Fraction(subtotal) * Fraction(
            100, int(sum(g.maximum for g in result.groups if not g.excluded))
        )
        assert abs(Fraction(result.total) - exact) <= Fraction(1, 10**10)
    if policy.cap_mode is not CapMode.NONE:
        assert result.total <= Decimal(100)


@PROPERTY_SETTINGS
@given(base=fact_bases(), policy=policies)
def test_the_order_of_the_facts_never_changes_the_output(base: FactBase, policy: Policy) -> None:
    reversed_base = FactBase(**{name: tuple(reversed(getattr(base, name))) for name in FactBase.model_fields})
    assert (
        run(reversed_base, unit_code=PROVINCE, policy=policy).to_json()
        == run(base, unit_code=PROVINCE, policy=policy).to_json()
    )
