"""The demo month as ``make run`` samples it (shipped province, default mix, seed 766, 300 dossiers) lands in
domain.md §5.4's ranges; the rates §5.4 has no row for stay near their parameters. Pure sampling: no
service is called."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from intake.reference import load_reference_data
from services.demo.catalogue import (
    COUNTER_ONLY_SHARE,
    FIELD_WEIGHTS,
    PROCEDURE_WEIGHTS,
    Province,
    cap_counter_only,
    load_province,
)
from services.demo.stories import (
    ChannelOdds,
    Mix,
    Pace,
    ProcedureInfo,
    Story,
    channel_odds,
    month_weights,
    sample_month,
)

SEED = 766  # services/demo/__main__.py's default
COUNT = 300


@pytest.fixture(scope="module")
def province() -> Province:
    return load_province(date(2026, 10, 1))


def play(province: Province, seed: int = SEED, count: int = COUNT, mix: Mix | None = None) -> list[Story]:
    return sample_month(
        seed,
        count,
        mix or Mix(),
        province.commune_procedures,
        province.provincial_procedures,
        province.communes,
        province.service_centre,
    )


def share(stories: list[Story], pick: Callable[[Story], bool]) -> float:
    return sum(1 for s in stories if pick(s)) / len(stories)


def late(s: Story) -> bool:
    # 766 scores an apologised dossier against its original due time (domain.md §1.5), so it counts as late.
    return s.apology or s.pace is Pace.LATE


@pytest.fixture(scope="module")
def stories(province: Province) -> list[Story]:
    return play(province)


def test_the_same_seed_gives_the_same_month_of_the_shipped_province(province: Province) -> None:
    assert play(province) == play(province)
    assert play(province) != play(province, seed=SEED + 1)


def test_channel_shares_are_in_the_post_2025_ranges(stories: list[Story]) -> None:
    assert 0.90 <= share(stories, lambda s: s.channel == "ONLINE") <= 0.98
    assert 0.02 <= share(stories, lambda s: s.channel == "COUNTER") <= 0.10
    assert share(stories, lambda s: s.channel == "POSTAL") <= 0.02


def test_on_time_rates_are_in_range_overall_for_departments_and_for_communes(
    stories: list[Story], province: Province
) -> None:
    received = [s for s in stories if not s.refused]
    departments = [s for s in received if s.receiving_unit == province.service_centre]
    communes = [s for s in received if s.receiving_unit != province.service_centre]
    assert departments and communes
    assert 0.88 <= 1 - share(received, late) <= 0.99
    assert 0.65 <= 1 - share(departments, late) <= 0.95
    assert 0.85 <= 1 - share(communes, late) <= 0.98
    assert 0.50 <= share(received, lambda s: s.pace is Pace.EARLY and not s.apology) <= 0.70


def test_supplement_apology_and_refusal_rates_are_in_range(stories: list[Story]) -> None:
    assert 0.03 <= share(stories, lambda s: s.supplement) <= 0.10
    assert 0.01 <= share(stories, lambda s: s.apology) <= 0.05
    assert 0.01 <= share(stories, lambda s: s.refused) <= 0.03


def test_rates_without_a_row_in_5_4_stay_near_their_parameters(
    stories: list[Story], province: Province
) -> None:
    mix = Mix()
    fee_bearing = {
        p.code for p in [*province.commune_procedures, *province.provincial_procedures] if p.has_fees
    }
    with_fees = [s for s in stories if s.procedure in fee_bearing]
    # Only online dossiers pay online, so the share of fee-bearing dossiers paid online is about
    # online_payment × online share.
    assert 0.70 <= share(with_fees, lambda s: s.pays_online) <= 0.90
    assert abs(share(stories, lambda s: s.rating is not None) - mix.rating) <= 0.08
    rated = [s for s in stories if s.rating is not None]
    assert 0.02 <= share(rated, lambda s: s.rating == "DISSATISFIED") <= 0.14
    assert 0.005 <= share(stories, lambda s: s.petition) <= 0.04
    assert share(stories, lambda s: s.return_method == "POSTAL") <= 0.08


def test_channel_shares_match_the_mix_over_a_long_run_not_by_luck_of_the_seed(province: Province) -> None:
    stories = play(province, seed=1, count=20_000)
    mix = Mix()
    assert abs(share(stories, lambda s: s.channel == "ONLINE") - mix.online) < 0.006
    assert abs(share(stories, lambda s: s.channel == "COUNTER") - mix.counter) < 0.006
    assert abs(share(stories, lambda s: s.channel == "POSTAL") - mix.postal) < 0.003


def test_counter_only_procedures_are_capped_to_their_share_at_each_level(province: Province) -> None:
    for pool in (province.commune_procedures, province.provincial_procedures):
        closed = sum(p.weight for p in pool if not p.online_offered)
        assert closed / sum(p.weight for p in pool) <= COUNTER_ONLY_SHARE + 1e-9
    certifications = [p for p in province.commune_procedures if p.field == "Chứng thực"]
    assert any(not p.online_offered for p in certifications)  # the cap has something to do


def test_the_weights_name_fields_and_procedures_the_catalogue_has() -> None:
    procedures = load_reference_data().procedures
    assert set(FIELD_WEIGHTS) <= {p.field for p in procedures}
    assert set(PROCEDURE_WEIGHTS) <= {p.code for p in procedures}


def info(code: str, weight: float, online: bool = True, postal: bool = True) -> ProcedureInfo:
    return ProcedureInfo(
        code=code,
        field="Chứng thực",
        provincial=False,
        handling_unit=None,
        online_offered=online,
        fully_online=online,
        postal_allowed=postal,
        personal_presence_required=not postal,
        has_fees=False,
        inter_agency=False,
        weight=weight,
    )


def test_cap_scales_counter_only_procedures_down_together_and_leaves_a_small_share_alone() -> None:
    pool = [info("a", 6.0), info("b", 2.0, online=False), info("c", 2.0, online=False)]
    capped = cap_counter_only(pool, share=0.2)
    assert capped[0].weight == 6.0
    assert capped[1].weight == pytest.approx(0.75) and capped[2].weight == pytest.approx(0.75)
    assert cap_counter_only(pool, share=0.5) == pool


def test_odds_leave_to_open_procedures_only_what_counter_only_ones_do_not_fill() -> None:
    mix = Mix(online=0.90, counter=0.08, postal=0.02)
    odds = channel_odds(
        mix, [(info("open", 0.95), 0.95), (info("closed", 0.05, online=False, postal=False), 0.05)]
    )
    assert odds.postal == pytest.approx(0.02 / 0.95)
    assert odds.counter == pytest.approx(0.03 / 0.95)


def test_when_counter_only_procedures_exceed_the_counter_share_no_open_dossier_goes_there() -> None:
    mix = Mix(online=0.90, counter=0.08, postal=0.02)
    pool = [info("open", 1.0), info("closed", 1.0, online=False, postal=False)]
    assert channel_odds(mix, month_weights(mix, pool, [])) == ChannelOdds(counter=0.0, postal=0.04)
    stories = sample_month(3, 4000, mix, pool, [], [("H44.100", 1.0)], "H44.18")
    counter = share(stories, lambda s: s.channel == "COUNTER")
    assert 0.47 < counter < 0.53  # the catalogue's floor, not the mix's 8 %
    assert all(s.procedure == "closed" for s in stories if s.channel == "COUNTER")
