"""How delivery is put together in a process: its switches from the environment, and the working calendar
the postal SLA counts on (the intake context's, behind delivery's own port)."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.enums import NotificationChannel
from delivery.policy import DeliveryPolicy
from services.delivery.composition import delivery_policy, working_days


def test_without_switches_the_policy_is_the_domains() -> None:
    assert delivery_policy({}) == DeliveryPolicy()


def test_every_switch_is_read() -> None:
    policy = delivery_policy(
        {"DELIVERY_NOTIFICATION_CHANNELS": " EMAIL, SMS ,", "DELIVERY_KIOSK_AUTHORISED_PICKUP": "1"}
    )
    assert policy.notification_channels == (NotificationChannel.EMAIL, NotificationChannel.SMS)
    assert policy.kiosk_authorised_pickup is True
    assert delivery_policy({"DELIVERY_KIOSK_AUTHORISED_PICKUP": "no"}).kiosk_authorised_pickup is False


@pytest.mark.parametrize(
    "env",
    [{"DELIVERY_NOTIFICATION_CHANNELS": "EMAIL,TELEGRAM"}, {"DELIVERY_KIOSK_AUTHORISED_PICKUP": "sometimes"}],
)
def test_a_misspelt_switch_stops_the_process_at_start(env: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        delivery_policy(env)


def test_postal_days_are_counted_on_the_provinces_working_calendar() -> None:
    days = working_days()
    assert days.is_working_day(date(2026, 3, 9)) and not days.is_working_day(date(2026, 3, 14))  # Mon, Sat
    assert not days.is_working_day(date(2026, 2, 17))  # Tết Bính Ngọ
    assert days.add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 16)  # Fri + 1 = Mon
    assert days.working_days_between(date(2026, 3, 20), date(2026, 3, 24)) == 2
