"""What happens to each demo dossier, drawn from a seeded random generator with domain.md §5.4's rates.

A ``Story`` is decided once, before the dossier exists: its procedure, channel, desk, whether it is refused,
supplemented, apologised for, decided early, on time or late, paid online, rated, petitioned about. The
driver then plays it; nothing here talks to a service, so the same seed gives the same month.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar


class Pace(StrEnum):
    """When the decision comes, against the due time the desk printed on the receipt slip."""

    EARLY = "EARLY"  # before the due date
    ON_TIME = "ON_TIME"  # on the due date, before the due time
    LATE = "LATE"  # after the due time, without an apology


class Outcome(StrEnum):
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class Mix:
    """The demo's rates, as the month's shares. Defaults sit inside domain.md §5.4's ranges (post-2025
    channel mix, on-time and early shares); the rows §5.4 marks UNCONFIRMED (supplement, apology, refusal)
    are plain parameters, not facts, and so are the rates §5.4 has no row for (online payment, postal
    return, rating, dissatisfaction, petition). ADR 0390 lists the shares a 300-dossier month lands on."""

    online: float = 0.94
    counter: float = 0.05
    postal: float = 0.01
    provincial_share: float = 0.30  # dossiers of provincial procedures (the rest are commune-level)
    intake_refusal: float = 0.02
    supplement: float = 0.06
    apology: float = 0.03
    late: float = 0.04  # commune dossiers late without an apology (§5.4: communes 85–98 % on time)
    provincial_late: float = 0.09  # departments are slower (§5.4: 65–95 % on time)
    early: float = 0.65  # of the dossiers decided in time
    rejection: float = 0.03
    online_payment: float = 0.85  # of fee-bearing dossiers submitted online
    postal_return: float = 0.04  # results sent back by post, where the procedure allows it
    counter_digitised: float = 0.80  # counter dossiers whose components are scanned at the desk
    result_digitised: float = 0.85  # results signed electronically and pushed to the data store
    rating: float = 0.45
    dissatisfied: float = 0.07
    petition: float = 0.02

    def __post_init__(self) -> None:
        total = self.online + self.counter + self.postal
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"channel shares must add up to 1, got {total}")
        for name, value in vars(self).items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")
        if max(self.late, self.provincial_late) + self.apology > 1.0:
            raise ValueError("late and apology shares together cannot exceed 1")


@dataclass(frozen=True)
class ProcedureInfo:
    """What the demo needs to know of a catalogue procedure."""

    code: str
    field: str
    provincial: bool
    handling_unit: str | None
    online_offered: bool
    fully_online: bool
    postal_allowed: bool
    personal_presence_required: bool
    has_fees: bool
    inter_agency: bool
    weight: float = 1.0


@dataclass(frozen=True)
class Story:
    procedure: str
    channel: str  # COUNTER | ONLINE | POSTAL
    online_mode: str | None
    receiving_unit: str
    refused: bool
    supplement: bool
    apology: bool
    pace: Pace
    fraction: float  # share of the allowed working time used before the decision
    outcome: Outcome
    return_method: str  # COUNTER | ONLINE | POSTAL
    pays_online: bool
    digitised: bool
    result_digitised: bool
    rating: str | None  # a SatisfactionLevel, or None when the applicant does not rate
    rated_on_portal: bool
    petition: bool
    applicant_id: str
    applicant_name: str
    inter_agency: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Thu", "Đức", "Ngọc", "Quang", "Thanh", "Xuân")
T = TypeVar("T")

GIVEN = (
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hoa",
    "Khánh",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phúc",
)


def weighted_choice(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> T:
    if not items or len(items) != len(weights):
        raise ValueError("weighted_choice needs as many weights as items, and at least one item")
    return rng.choices(list(items), weights=list(weights), k=1)[0]


def pace_fraction(rng: random.Random, pace: Pace) -> float:
    """Share of the allowed working time (receipt → due) used before the decision."""
    if pace is Pace.EARLY:
        return rng.uniform(0.15, 0.75)
    if pace is Pace.ON_TIME:
        return rng.uniform(0.88, 0.99)
    return rng.uniform(1.08, 1.6)


@dataclass(frozen=True)
class ChannelOdds:
    """The chances one dossier gets of coming to the counter or by post, chosen so that the month's shares
    are the mix's: dossiers of procedures with no online service come to the counter whatever the mix says,
    so the procedures open online send correspondingly fewer there."""

    counter: float  # for a procedure offered online
    postal: float  # for a procedure open to postal submission


def postal_open(procedure: ProcedureInfo) -> bool:
    return procedure.postal_allowed and not procedure.personal_presence_required


def month_weights(
    mix: Mix, commune_procedures: Sequence[ProcedureInfo], provincial_procedures: Sequence[ProcedureInfo]
) -> list[tuple[ProcedureInfo, float]]:
    """Each procedure with its expected share of the month's dossiers, as ``sample_story`` draws them."""
    provincial = mix.provincial_share if provincial_procedures else 0.0
    out: list[tuple[ProcedureInfo, float]] = []
    for pool, level_share in ((commune_procedures, 1.0 - provincial), (provincial_procedures, provincial)):
        total = sum(p.weight for p in pool)
        if total > 0:
            out.extend((p, level_share * p.weight / total) for p in pool)
    return out


def channel_odds(mix: Mix, weighted: Sequence[tuple[ProcedureInfo, float]]) -> ChannelOdds:
    """Odds that give the mix's channel shares over ``weighted`` procedures, as far as the catalogue
    allows: when the counter-only procedures alone exceed the counter share, the month gets more counter
    dossiers than asked (and no open procedure sends any there); when too few procedures take post, less
    postal."""
    total = sum(w for _, w in weighted)
    if total <= 0:
        return ChannelOdds(counter=mix.counter, postal=mix.postal)
    eligible = sum(w for p, w in weighted if postal_open(p)) / total
    postal = min(1.0, mix.postal / eligible) if eligible > 0 else 0.0
    closed = [(p, w) for p, w in weighted if not p.online_offered]
    forced = sum(w * (1.0 - postal * postal_open(p)) for p, w in closed) / total
    open_mass = 1.0 - sum(w for _, w in closed) / total
    counter = (mix.counter - forced) / open_mass if open_mass > 0 else 0.0
    return ChannelOdds(counter=min(max(counter, 0.0), 1.0 - postal), postal=postal)


def choose_channel(rng: random.Random, odds: ChannelOdds, procedure: ProcedureInfo) -> tuple[str, str | None]:
    """COUNTER, ONLINE or POSTAL with ``odds``, among the channels the procedure is open to."""
    draw = rng.random()
    postal = odds.postal if postal_open(procedure) else 0.0
    if draw < postal:
        return "POSTAL", None
    if not procedure.online_offered or draw < postal + odds.counter:
        return "COUNTER", None
    full = procedure.fully_online and not procedure.personal_presence_required
    return "ONLINE", "FULL" if full else "PARTIAL"


def sample_story(
    rng: random.Random,
    mix: Mix,
    commune_procedures: Sequence[ProcedureInfo],
    provincial_procedures: Sequence[ProcedureInfo],
    communes: Sequence[tuple[str, float]],
    service_centre: str,
    n: int,
    odds: ChannelOdds,
) -> Story:
    """The ``n``-th dossier of the month. ``communes`` are (code, weight): town wards see more traffic."""
    provincial = bool(provincial_procedures) and rng.random() < mix.provincial_share
    pool = provincial_procedures if provincial else commune_procedures
    procedure = weighted_choice(rng, pool, [p.weight for p in pool])
    channel, online_mode = choose_channel(rng, odds, procedure)
    if procedure.provincial:
        desk = service_centre
    else:
        desk = weighted_choice(rng, [c for c, _ in communes], [w for _, w in communes])
    apology = rng.random() < mix.apology
    late_share = mix.provincial_late if procedure.provincial else mix.late
    late = not apology and rng.random() < late_share / max(1e-9, 1.0 - mix.apology)
    pace = Pace.LATE if late else Pace.EARLY if rng.random() < mix.early else Pace.ON_TIME
    fraction = rng.uniform(1.05, 1.4) if apology else pace_fraction(rng, pace)
    if channel == "POSTAL":
        returned = "POSTAL"
    elif (
        procedure.postal_allowed
        and not procedure.personal_presence_required
        and rng.random() < (mix.postal_return)
    ):
        returned = "POSTAL"
    elif channel == "ONLINE" and online_mode == "FULL":
        returned = "ONLINE"
    else:
        returned = "COUNTER"
    rated = rng.random() < mix.rating
    rating = None
    if rated:
        rating = (
            "DISSATISFIED" if rng.random() < mix.dissatisfied else rng.choice(("SATISFIED", "VERY_SATISFIED"))
        )
    citizen = 25_187_000_000 + n * 7_919 + rng.randrange(7_919)
    return Story(
        procedure=procedure.code,
        channel=channel,
        online_mode=online_mode,
        receiving_unit=desk,
        refused=rng.random() < mix.intake_refusal,
        supplement=rng.random() < mix.supplement,
        apology=apology,
        pace=pace,
        fraction=fraction,
        outcome=Outcome.REJECTED if rng.random() < mix.rejection else Outcome.APPROVED,
        return_method=returned,
        pays_online=procedure.has_fees and channel == "ONLINE" and rng.random() < mix.online_payment,
        digitised=channel != "COUNTER" or rng.random() < mix.counter_digitised,
        result_digitised=rng.random() < mix.result_digitised,
        rating=rating,
        rated_on_portal=rated and channel == "ONLINE" and rng.random() < 0.5,
        petition=rng.random() < mix.petition,
        applicant_id=f"{citizen % 10**12:012d}",
        applicant_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
        inter_agency=procedure.inter_agency,
    )


def sample_month(
    seed: int,
    count: int,
    mix: Mix,
    commune_procedures: Sequence[ProcedureInfo],
    provincial_procedures: Sequence[ProcedureInfo],
    communes: Sequence[tuple[str, float]],
    service_centre: str,
) -> list[Story]:
    """``count`` stories from ``seed``: the same arguments always give the same list."""
    rng = random.Random(seed)
    odds = channel_odds(mix, month_weights(mix, commune_procedures, provincial_procedures))
    return [
        sample_story(rng, mix, commune_procedures, provincial_procedures, communes, service_centre, n, odds)
        for n in range(count)
    ]
