"""The shipped rulesets (JSON beside this module), validated on load against the models and the
calculator registry."""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib.resources import files

from ..indicators import CALCULATORS
from ..ruleset import Ruleset

DEFAULT_RULESET_ID = "dvcqg-2025"
RULESET_IDS = ("dvcqg-2025", "qd766-2022")


def check_calculators(ruleset: Ruleset) -> Ruleset:
    unknown = sorted(
        i.calculator for g in ruleset.groups for i in g.indicators if i.calculator not in CALCULATORS
    )
    if unknown:
        raise ValueError(f"ruleset {ruleset.id}: unknown calculators {unknown}")
    return ruleset


def parse_ruleset(text: str) -> Ruleset:
    return check_calculators(Ruleset.model_validate_json(text))


@cache
def load_ruleset(ruleset_id: str) -> Ruleset:
    if ruleset_id not in RULESET_IDS:
        raise KeyError(f"unknown ruleset {ruleset_id!r}; known: {', '.join(RULESET_IDS)}")
    ruleset = parse_ruleset((files(__name__) / f"{ruleset_id}.json").read_text(encoding="utf-8"))
    if ruleset.id != ruleset_id:
        raise ValueError(f"{ruleset_id}.json declares id {ruleset.id!r}")
    return ruleset


def default_ruleset() -> Ruleset:
    return load_ruleset(DEFAULT_RULESET_ID)


def ruleset_effective_on(day: date) -> Ruleset:
    """The most recently effective shipped ruleset on ``day``."""
    candidates = [r for r in (load_ruleset(i) for i in RULESET_IDS) if r.effective_on(day)]
    if not candidates:
        raise LookupError(f"no shipped ruleset is effective on {day}")
    return max(candidates, key=lambda r: (r.effective_from, r.id))
