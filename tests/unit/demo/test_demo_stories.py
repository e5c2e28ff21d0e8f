"""The demo's sampling: reproducible by seed, channel shares as asked (where the procedure allows them),
rates near their parameters, and every story consistent with its procedure."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest

from services.demo.catalogue import load_province
from services.demo.stories import (
    ChannelOdds,
    Mix,
    Outcome,
    Pace,
    ProcedureInfo,
    choose_channel,
    pace_fraction,
    sample_month,
)


def procedure(code: str, **overrides: object) -> ProcedureInfo:
    values: dict[str, object] = {
        "code": code,
        "field": "Hộ tịch",
        "provincial": False,
        "handling_unit": None,
        "online_offered": True,
        "fully_online": True,
        "postal_allowed": True,
        "personal_presence_required": False,
        "has_fees": True,
        "inter_agency": False,
    }
    values.update(overrides)
    return ProcedureInfo(**values)  # type: ignore[arg-type]


OPEN = procedure("1.000001")
COUNTER_ONLY = procedure(
    "1.000002",
    online_offered=False,
    fully_online=False,
    postal_allowed=False,
    personal_presence_required=True,
)
PROVINCIAL = procedure("1.000003", provincial=True, handling_unit="H44.06")
COMMUNES = [("H44.100", 2.0), ("H44.124", 1.0)]


def month(seed: int, count: int = 2000, mix: Mix | None = None) -> list:  # type: ignore[type-arg]
    return sample_month(seed, count, mix or Mix(), [OPEN], [PROVINCIAL], COMMUNES, "H44.18")


def test_the_same_seed_gives_the_same_month_and_another_seed_another() -> None:
    assert month(7, 200) == month(7, 200)
    assert month(7, 200) != month(8, 200)


def test_channel_shares_follow_the_mix_where_every_channel_is_open() -> None:
    channels = Counter(s.channel for s in month(1, mix=Mix(online=0.90, counter=0.08, postal=0.02)))
    assert 0.86 < channels["ONLINE"] / 2000 < 0.94
    assert 0.05 < channels["COUNTER"] / 2000 < 0.11
    assert 0.005 < channels["POSTAL"] / 2000 < 0.04


def test_a_procedure_closed_to_a_channel_never_gets_it() -> None:
    rng = random.Random(3)
    got = {choose_channel(rng, ChannelOdds(counter=0.0, postal=0.5), COUNTER_ONLY) for _ in range(300)}
    assert got == {("COUNTER", None)}
    partial = procedure("1.000004", fully_online=False)
    modes = {choose_channel(rng, ChannelOdds(counter=0.0, postal=0.0), partial) for _ in range(50)}
    assert modes == {("ONLINE", "PARTIAL")}


def test_rates_are_near_their_parameters() -> None:
    stories = month(2, 4000)
    share = lambda pick: sum(1 for s in stories if pick(s)) / len(stories)  # noqa: E731
    assert 0.04 < share(lambda s: s.supplement) < 0.08
    assert 0.02 < share(lambda s: s.apology) < 0.04
    assert 0.01 < share(lambda s: s.refused) < 0.03
    # late without apology: 4 % of commune dossiers, 9 % of provincial ones (30 % of the month)
    assert 0.04 < share(lambda s: s.pace is Pace.LATE) < 0.07
    assert 0.02 < share(lambda s: s.outcome is Outcome.REJECTED) < 0.045
    assert 0.25 < share(lambda s: s.receiving_unit == "H44.18") < 0.35  # provincial share → the centre


def test_provincial_dossiers_go_to_the_service_centre_and_commune_ones_to_a_commune() -> None:
    for s in month(4, 500):
        if s.procedure == PROVINCIAL.code:
            assert s.receiving_unit == "H44.18"
        else:
            assert s.receiving_unit in {"H44.100", "H44.124"}


def test_paces_land_where_they_should_against_the_allowed_time() -> None:
    rng = random.Random(5)
    assert all(0 < pace_fraction(rng, Pace.EARLY) < 0.8 for _ in range(200))
    assert all(0.85 < pace_fraction(rng, Pace.ON_TIME) < 1.0 for _ in range(200))
    assert all(pace_fraction(rng, Pace.LATE) > 1.0 for _ in range(200))


def test_online_payment_only_for_fee_bearing_online_dossiers_and_postal_results_only_where_allowed() -> None:
    free = procedure("1.000005", has_fees=False)
    no_post = procedure("1.000006", postal_allowed=False)
    stories = sample_month(6, 1500, Mix(), [free, no_post], [], COMMUNES, "H44.18")
    assert not any(s.pays_online for s in stories if s.procedure == free.code)
    assert any(s.pays_online for s in stories if s.procedure == no_post.code)
    assert all(s.channel == "ONLINE" for s in stories if s.pays_online)
    assert not any(s.return_method == "POSTAL" for s in stories if s.procedure == no_post.code)


def test_a_mix_whose_channels_do_not_add_up_is_refused() -> None:
    with pytest.raises(ValueError, match="add up to 1"):
        Mix(online=0.9, counter=0.2, postal=0.0)


def test_the_shipped_province_has_communes_and_procedures_of_both_levels() -> None:
    province = load_province(date(2026, 10, 1))
    assert len(province.communes) > 100 and province.commune_procedures and province.provincial_procedures
    assert province.steps("1.004200") == ["APPRAISAL", "REVIEW", "SIGNING"]
    assert all(p.handling_unit for p in province.provincial_procedures)
