"""Checks a single event can make on its own (domain.md §2.14–2.15), written as field-level errors.

Each helper is called from a field validator of the *later* field, so that pydantic reports the error at
that field; fields declared earlier (the envelope included) are read from `info.data`.
"""

from collections.abc import Iterable
from datetime import datetime

from pydantic import ValidationInfo


def _render(value: datetime) -> str:
    return value.isoformat()


def not_before(value: datetime | None, info: ValidationInfo, earlier: str) -> None:
    """`value` must be at or after the field `earlier` (when both are known)."""
    other = info.data.get(earlier)
    if value is not None and isinstance(other, datetime) and value < other:
        raise ValueError(f"must not be before {earlier} ({_render(other)}), got {_render(value)}")


def strictly_after(value: datetime | None, info: ValidationInfo, earlier: str) -> None:
    """`value` must be later than the field `earlier` (when both are known)."""
    other = info.data.get(earlier)
    if value is not None and isinstance(other, datetime) and value <= other:
        raise ValueError(f"must be later than {earlier} ({_render(other)}), got {_render(value)}")


def not_after(value: datetime | None, info: ValidationInfo, later: str) -> None:
    """`value` must be at or before the field `later` (when both are known)."""
    other = info.data.get(later)
    if value is not None and isinstance(other, datetime) and value > other:
        raise ValueError(f"must not be after {later} ({_render(other)}), got {_render(value)}")


def unique(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} appears twice")
        seen.add(value)
