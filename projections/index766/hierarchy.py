"""Roll-up over the time-versioned unit hierarchy: a unit's figure covers every unit below it that was valid
at some point of the period (a commune moved from an abolished district to the province is found through
either parent)."""

from __future__ import annotations

from collections.abc import Iterable

from .facts import UnitFact, UnitLevel
from .periods import Period


class UnknownUnitError(ValueError):
    pass


def _versions_in(units: Iterable[UnitFact], period: Period) -> tuple[UnitFact, ...]:
    return tuple(
        sorted(
            (
                u
                for u in units
                if u.overlaps(period.start, period.end) and (u.valid_to is None or u.valid_to >= u.valid_from)
            ),
            key=lambda u: (u.unit_code, u.valid_from),
        )
    )


def unit_version(units: Iterable[UnitFact], code: str, period: Period) -> UnitFact:
    """The unit's latest version valid during the period (its name and level for the report)."""
    versions = [u for u in _versions_in(units, period) if u.unit_code == code]
    if not versions:
        raise UnknownUnitError(f"unit {code} is not valid in {period.start}..{period.end}")
    return versions[-1]


def units_in_scope(units: Iterable[UnitFact], root: str, period: Period) -> tuple[UnitFact, ...]:
    """The root's latest version and every descendant's latest version valid during the period, by code."""
    versions = _versions_in(units, period)
    unit_version(versions, root, period)
    scope = {root}
    grew = True
    while grew:
        grew = False
        for version in versions:
            if version.unit_code not in scope and version.parent_code in scope:
                scope.add(version.unit_code)
                grew = True
    latest: dict[str, UnitFact] = {}
    for version in versions:
        if version.unit_code in scope:
            latest[version.unit_code] = version  # versions are sorted by valid_from, so the last one wins
    return tuple(latest[code] for code in sorted(latest))


def children(units: Iterable[UnitFact], root: str, period: Period) -> tuple[UnitFact, ...]:
    """Units whose parent is the root at some point of the period (the dashboard tree's next level)."""
    versions = _versions_in(units, period)
    direct = {v.unit_code for v in versions if v.parent_code == root and v.unit_code != root}
    return tuple(unit_version(versions, code, period) for code in sorted(direct))


def communes(scope: Iterable[UnitFact]) -> tuple[UnitFact, ...]:
    return tuple(u for u in scope if u.level is UnitLevel.COMMUNE)
