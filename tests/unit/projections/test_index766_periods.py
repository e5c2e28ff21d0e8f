"""Reporting periods in business time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from index766_kit import at
from pydantic import ValidationError

from projections.index766 import Period, PeriodKind


def test_month_quarter_year_and_custom_bounds() -> None:
    assert (Period.month(2026, 2).start, Period.month(2026, 2).end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert Period.month(2025, 12).end == date(2025, 12, 31)
    q4 = Period.quarter(2025, 4)
    assert (q4.kind, q4.start, q4.end) == (PeriodKind.QUARTER, date(2025, 10, 1), date(2025, 12, 31))
    assert Period.year(2026).end == date(2026, 12, 31)
    custom = Period.custom(date(2026, 3, 10), date(2026, 3, 20))
    assert custom.contains(at(2026, 3, 20, 23, 59)) and not custom.contains(at(2026, 3, 21))
    with pytest.raises(ValueError):
        Period.quarter(2026, 5)
    with pytest.raises(ValidationError):
        Period.custom(date(2026, 3, 20), date(2026, 3, 10))


def test_bounds_are_local_midnights_in_vietnam() -> None:
    march = Period.month(2026, 3)
    assert march.starts_at.isoformat() == "2026-03-01T00:00:00+07:00"
    assert march.ends_at.isoformat() == "2026-04-01T00:00:00+07:00"
    assert march.last_instant.isoformat() == "2026-03-31T23:59:59.999999+07:00"
    # 31 March 20:00 UTC is already 1 April in Hà Nội
    assert not march.contains(datetime(2026, 3, 31, 20, tzinfo=UTC))
