"""Fixtures shared by the contract tier: golden examples as editable dicts, and strict validation."""

import copy
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from contracts.envelope import PublicEvent
from contracts.golden import load_example
from contracts.registry import EVENT_TYPES

ExampleLoader = Callable[[str], dict[str, Any]]
Validator = Callable[[str, dict[str, Any]], PublicEvent]
ErrorFinder = Callable[[str, dict[str, Any], tuple[str | int, ...]], str]


@pytest.fixture
def example() -> ExampleLoader:
    """A fresh, mutable copy of a golden example."""

    def load(event_type: str) -> dict[str, Any]:
        return copy.deepcopy(load_example(event_type))

    return load


@pytest.fixture
def validate() -> Validator:
    """Validates a structured event the way the codec does: strict JSON."""

    def run(event_type: str, data: dict[str, Any]) -> PublicEvent:
        return EVENT_TYPES[event_type].model_validate_json(orjson.dumps(data), strict=True)

    return run


@pytest.fixture
def field_error(validate: Validator) -> ErrorFinder:
    """Validates, expects a failure at exactly `loc`, and returns that error's message."""

    def find(event_type: str, data: dict[str, Any], loc: tuple[str | int, ...]) -> str:
        with pytest.raises(ValidationError) as caught:
            validate(event_type, data)
        errors = {tuple(error["loc"]): error["msg"] for error in caught.value.errors()}
        assert loc in errors, f"expected an error at {loc}, got {errors}"
        return errors[loc]

    return find
