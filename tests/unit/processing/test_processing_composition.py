"""The deployment's switches for processing, read from the environment (ADR 0530)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.enums import Channel
from processing.policy import LateAction, PaymentClock, ProcessingPolicy
from processing.watcher import WatcherConfig
from services.processing.composition import policy_from, watcher_from, watcher_interval_s


def test_defaults_are_the_domains() -> None:
    assert policy_from({}) == ProcessingPolicy()
    assert watcher_from({}) == WatcherConfig()
    assert watcher_interval_s({}) == 30.0


def test_every_switch_is_read() -> None:
    policy = policy_from(
        {
            "PROCESSING_ELECTRONIC_CHANNELS": "ONLINE, POSTAL",
            "PROCESSING_LATE_APOLOGY": "REFUSE",
            "PROCESSING_LATE_REJECTION": "REFUSE",
            "PROCESSING_SUPPLEMENT_REQUEST_WORKING_DAYS": "5",
            "PROCESSING_PAYMENT_CLOCK": "ALWAYS",
        }
    )
    assert policy.electronic_channels == frozenset({Channel.ONLINE, Channel.POSTAL})
    assert policy.late_apology is LateAction.REFUSE and policy.late_rejection is LateAction.REFUSE
    assert policy.supplement_request_working_days == 5 and policy.payment_clock is PaymentClock.ALWAYS
    watcher = watcher_from(
        {
            "PROCESSING_WATCHER_DUE_SOON_HOURS": "16",
            "PROCESSING_WATCHER_APOLOGY_NOTICE_HOURS": "0.5",
            "PROCESSING_WATCHER_STEPS": "no",
        }
    )
    assert watcher == WatcherConfig(
        due_soon=timedelta(hours=16), apology_notice=timedelta(minutes=30), steps=False
    )
    assert watcher_interval_s({"PROCESSING_WATCHER_INTERVAL_S": "0.3"}) == 0.3


def test_a_misspelt_switch_stops_the_process_at_start() -> None:
    with pytest.raises(ValueError):
        policy_from({"PROCESSING_LATE_APOLOGY": "REFUSED"})
    with pytest.raises(ValueError):
        watcher_from({"PROCESSING_WATCHER_DUE_SOON_HOURS": "-1"})


def test_the_partner_answer_switch_is_read_and_checked() -> None:
    assert policy_from({}).partner_answers_by_lead is True
    assert policy_from({"PROCESSING_PARTNER_ANSWERS_BY_LEAD": "n"}).partner_answers_by_lead is False
    assert policy_from({"PROCESSING_PARTNER_ANSWERS_BY_LEAD": "yes"}).partner_answers_by_lead is True
    with pytest.raises(ValueError):
        policy_from({"PROCESSING_PARTNER_ANSWERS_BY_LEAD": "maybe"})
