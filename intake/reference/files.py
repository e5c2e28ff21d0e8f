"""Reading versioned reference-data files, and turning what is wrong in them into clear errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, PlainValidator, ValidationError

from intake.calendar import OfficeHours
from intake.deadlines import Duration, DurationUnit

DATA_DIR = Path(__file__).parent / "data"
"""The data files shipped with the code: ``units.v1.json``, ``procedures.v1.json``, ``calendar.v1.json``."""

M = TypeVar("M", bound=BaseModel)


class ReferenceDataError(ValueError):
    """A reference-data file cannot be used; ``problems`` says where and why, one line each."""

    def __init__(self, source: str | Path, problems: Sequence[str]) -> None:
        self.source = str(source)
        self.problems = tuple(problems)
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid reference data in {self.source}:\n{listing}")


def read_document(path: Path, *, expected_format: str, version: int) -> dict[str, Any]:
    """The JSON object in ``path`` after checking its ``format`` and ``version`` fields.

    Numbers with a fraction are read as ``Decimal`` (0.1 day must stay 0.1); a key given twice in one
    object is an error rather than a silent overwrite.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ReferenceDataError(path, [f"cannot read the file: {error.strerror or error}"]) from error
    try:
        document = json.loads(text, parse_float=Decimal, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise ReferenceDataError(
            path, [f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"]
        ) from error
    except _DuplicateKeyError as error:
        raise ReferenceDataError(path, [str(error)]) from error
    if not isinstance(document, dict):
        raise ReferenceDataError(path, ["the file must hold one JSON object"])
    found_format, found_version = document.get("format"), document.get("version")
    if found_format != expected_format:
        raise ReferenceDataError(path, [f"format is {found_format!r}, expected {expected_format!r}"])
    if found_version != version:
        raise ReferenceDataError(
            path, [f"version {found_version!r} is not supported: this code reads version {version}"]
        )
    return document


def validate(model: type[M], document: dict[str, Any], source: str | Path) -> M:
    """``model`` validated from ``document``, or a ``ReferenceDataError`` naming each bad field."""
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise ReferenceDataError(source, describe(error, document)) from error


def describe(error: ValidationError, document: Any) -> list[str]:
    """One line per pydantic error: ``procedures[3] (1.001193).duration: <message>``."""
    lines = []
    for detail in error.errors():
        message = str(detail["msg"]).removeprefix("Value error, ")
        lines.append(f"{_locate(detail['loc'], document)}: {message}")
    return lines


def _locate(location: tuple[int | str, ...], document: Any) -> str:
    text = ""
    node = document
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            label = _label(node)
            if label:
                text += f" ({label})"
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text or "(file)"


def _label(node: Any) -> str:
    if isinstance(node, dict):
        for key in ("code", "date", "year"):
            if key in node:
                return str(node[key])
    return ""


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(f"key {key!r} appears twice in one object")
        result[key] = value
    return result


def _office_hours(value: Any) -> OfficeHours:
    if isinstance(value, OfficeHours):
        return value
    if not isinstance(value, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair) for pair in value
    ):
        raise ValueError('office hours are a list of ["HH:MM", "HH:MM"] sessions')
    return OfficeHours.parse((start, end) for start, end in value)


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if not isinstance(value, dict) or set(value) != {"value", "unit"}:
        raise ValueError('a duration is {"value": <number>, "unit": <unit>}')
    if isinstance(value["value"], bool) or not isinstance(value["value"], int | Decimal):
        raise ValueError(f"duration value must be a number, not {value['value']!r}")
    try:
        unit = DurationUnit(value["unit"])
    except ValueError:
        raise ValueError(
            f"unknown duration unit {value['unit']!r}; one of {', '.join(DurationUnit)}"
        ) from None
    return Duration(Decimal(value["value"]), unit)


OfficeHoursField = Annotated[OfficeHours, PlainValidator(_office_hours)]
DurationField = Annotated[Duration, PlainValidator(_duration)]
