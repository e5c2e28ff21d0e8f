"""Fixtures shared by the intake unit tests: the shipped reference data, loaded once."""

from __future__ import annotations

import pytest

from intake.reference import ReferenceData, load_reference_data


@pytest.fixture(scope="session")
def reference() -> ReferenceData:
    return load_reference_data()
