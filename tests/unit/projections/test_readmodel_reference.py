"""Procedures, units, calendars and petitions: time-versioned rows with a revision per change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from contracts.envelope import PublicEvent
from contracts.fields import BUSINESS_TZ
from projections.readmodels import MemoryStore
from projections.readmodels.procedure_fold import is_certification
from projections.readmodels.sample_stream import like_example
from projections.readmodels.tables import (
    ANNOUNCEMENTS,
    CALENDAR_DAYS,
    ONLINE_SERVICES,
    PETITION_VERSIONS,
    PETITIONS,
    PROCEDURE_VERSIONS,
    PROCEDURES,
    UNIT_VERSIONS,
    UNITS,
)

P = "2.000575"


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BUSINESS_TZ)


def ev(name: str, key: str, seq: int, when: datetime, /, **fields: Any) -> PublicEvent:
    return like_example(f"vn.one-stop.{name}.v1", key, seq, when, **fields)


def announce(seq: int, decided: date, kind: str = "NEW", **fields: Any) -> PublicEvent:
    payload: dict[str, Any] = {
        "change_kind": kind,
        "decision_no": f"{seq}/QĐ-UBND",
        "decision_date": decided.isoformat(),
        "legal_documents": [
            {"number": "118/2025/NĐ-CP", "title": "Nghị định", "effective_date": "2025-07-01"}
        ],
        "competent_levels": ["COMMUNE"],
        "handling_unit_code": None,
    }
    if kind == "ABOLISHED":
        payload["statutory_duration"] = None
    return ev(
        "reference.procedure-announced",
        P,
        seq,
        at(decided.year, decided.month, decided.day, 16),
        **{**payload, **fields},
    )


def publish(seq: int, decision_seq: int, when: datetime, parts: list[str] | None = None) -> PublicEvent:
    return ev(
        "reference.procedure-published",
        P,
        seq,
        when,
        state="PUBLISHED",
        decision_no=f"{decision_seq}/QĐ-UBND",
        content_parts=parts
        if parts is not None
        else [
            "NAME",
            "STEPS",
            "SUBMISSION_METHOD",
            "COMPONENTS_AND_COPIES",
            "TIME_LIMIT",
            "APPLICANT_TYPE",
            "IMPLEMENTING_AGENCY",
        ],
    )


def project(events: list[PublicEvent]) -> MemoryStore:
    store = MemoryStore()
    store.apply(events)
    return store


def test_an_amendment_closes_the_previous_catalogue_version_and_an_abolition_closes_the_last() -> None:
    store = project(
        [
            announce(1, date(2025, 7, 10)),
            publish(2, 1, at(2025, 7, 14)),
            announce(
                3, date(2026, 1, 5), "AMENDED", procedure_name="Đăng ký thành lập hộ kinh doanh (sửa đổi)"
            ),
            announce(4, date(2026, 6, 1), "ABOLISHED"),
        ]
    )
    versions = [(r["valid_from"], r["valid_to"], r["publication_state"]) for r in store.rows(PROCEDURES)]
    assert versions == [
        (date(2025, 7, 10), date(2026, 1, 4), "PUBLISHED"),
        (date(2026, 1, 5), date(2026, 5, 31), "PUBLISHED"),  # still published: the portal shows it
    ]
    history = store.rows(PROCEDURE_VERSIONS)
    first = [(r["revision"], r["valid_to"]) for r in history if r["valid_from"] == date(2025, 7, 10)]
    assert first == [(0, None), (1, None), (2, date(2026, 1, 4))]
    announcements = {r["decision_no"]: r for r in store.rows(ANNOUNCEMENTS)}
    assert announcements["1/QĐ-UBND"]["published_at"] == at(2025, 7, 14)
    assert announcements["1/QĐ-UBND"]["content_complete"] is True
    assert announcements["4/QĐ-UBND"]["change_kind"] == "ABOLISHED"
    assert announcements["3/QĐ-UBND"]["published_at"] is None


def test_a_version_starts_when_both_the_decision_and_its_law_are_in_force() -> None:
    early = announce(
        1,
        date(2025, 6, 20),
        legal_documents=[{"number": "1/2025/QH15", "title": "Luật", "effective_date": "2025-07-01"}],
    )
    (row,) = project([early]).rows(PROCEDURES)
    assert row["valid_from"] == date(2025, 7, 1)
    assert row["publication_state"] == "UNPUBLISHED" and row["content_parts"] == []


def test_content_parts_use_the_engines_names_and_an_incomplete_publication_says_so() -> None:
    store = project(
        [announce(1, date(2025, 7, 10)), publish(2, 1, at(2025, 7, 14), ["NAME", "COMPONENTS_AND_COPIES"])]
    )
    (row,) = store.rows(PROCEDURES)
    assert row["content_parts"] == ["COMPONENTS", "NAME"]
    (announcement,) = store.rows(ANNOUNCEMENTS)
    assert announcement["content_complete"] is False


def test_the_online_level_follows_the_offered_services_once_any_is_configured() -> None:
    base = [announce(1, date(2025, 7, 10), online_mode="PARTIAL", full_online_eligible=False)]
    assert project(base).rows(PROCEDURES)[0]["online_level"] == "PARTIAL"

    full = ev(
        "reference.online-service-configured", P, 2, at(2025, 8, 1), online_mode="FULL", state="PUBLISHED"
    )
    store = project([*base, full])
    assert store.rows(PROCEDURES)[0]["online_level"] == "FULL"
    assert [(s["unit_code"], s["state"]) for s in store.rows(ONLINE_SERVICES)] == [("H44.100", "PUBLISHED")]

    withdrawn = ev(
        "reference.online-service-configured", P, 3, at(2025, 9, 1), online_mode="FULL", state="UNPUBLISHED"
    )
    assert project([*base, full, withdrawn]).rows(PROCEDURES)[0]["online_level"] == "NONE"


def test_an_event_already_applied_is_skipped_by_its_sequence() -> None:
    events = [announce(1, date(2025, 7, 10)), publish(2, 1, at(2025, 7, 14))]
    store = project(events)
    history = len(store.rows(PROCEDURE_VERSIONS))
    store.apply([events[0]])  # re-sent by a relay after a crash, without an inbox to stop it
    assert len(store.rows(PROCEDURE_VERSIONS)) == history
    assert store.rows(PROCEDURES)[0]["publication_state"] == "PUBLISHED"


def test_certification_procedures_are_recognised_by_their_field() -> None:
    assert is_certification("Chứng thực", "Chứng thực bản sao từ bản chính")
    assert is_certification("CHỨNG THỰC", "x")
    assert not is_certification("Đất đai", "Đăng ký biến động đất đai")


# -- units ---------------------------------------------------------------------------------------------------


def test_a_reorganisation_splits_the_unit_into_two_versions_and_a_dissolution_closes_it() -> None:
    code = "H44.41.01"
    store = project(
        [
            ev(
                "reference.unit-established",
                code,
                1,
                at(2020, 1, 1),
                name="Xã Cũ",
                level="COMMUNE",
                parent_code="H44.41",
                valid_from="2020-01-01",
            ),
            ev(
                "reference.unit-reorganised",
                code,
                2,
                at(2025, 6, 30),
                valid_from="2025-07-01",
                new_name="Xã Mới",
                new_parent_code="H44",
                new_level=None,
            ),
            ev(
                "reference.unit-dissolved", code, 3, at(2026, 3, 1), valid_to="2026-02-28", successor_codes=[]
            ),
        ]
    )
    rows = [
        (r["valid_from"], r["valid_to"], r["name"], r["parent_code"], r["dissolved"])
        for r in store.rows(UNITS)
    ]
    assert rows == [
        (date(2020, 1, 1), date(2025, 6, 30), "Xã Cũ", "H44.41", False),
        (date(2025, 7, 1), date(2026, 2, 28), "Xã Mới", "H44", True),
    ]
    revisions = sorted((r["valid_from"], r["revision"]) for r in store.rows(UNIT_VERSIONS))
    assert revisions == [
        (date(2020, 1, 1), 0),
        (date(2020, 1, 1), 1),
        (date(2025, 7, 1), 1),
        (date(2025, 7, 1), 2),
    ]


def test_a_dissolution_withdraws_a_version_that_would_start_after_it() -> None:
    code = "H44.99"
    store = project(
        [
            ev(
                "reference.unit-established",
                code,
                1,
                at(2025, 1, 1),
                level="PROVINCIAL_AGENCY",
                parent_code="H44",
                valid_from="2025-01-01",
                name="Sở A",
            ),
            ev(
                "reference.unit-reorganised",
                code,
                2,
                at(2025, 2, 1),
                valid_from="2025-09-01",
                new_name="Sở B",
                new_parent_code=None,
                new_level=None,
            ),
            ev(
                "reference.unit-dissolved", code, 3, at(2025, 6, 1), valid_to="2025-06-30", successor_codes=[]
            ),
        ]
    )
    rows = {r["valid_from"]: r["valid_to"] for r in store.rows(UNITS)}
    assert rows[date(2025, 1, 1)] == date(2025, 6, 30)
    assert rows[date(2025, 9, 1)] < date(2025, 9, 1)  # withdrawn: valid_to before valid_from (ADR 0300)


# -- calendars -----------------------------------------------------------------------------------------------


def test_a_revoked_day_stays_visible_as_revoked() -> None:
    store = project(
        [
            ev(
                "reference.calendar-day-declared",
                "H44",
                1,
                at(2026, 1, 5),
                day="2026-01-12",
                kind="LOCAL_DAY_OFF",
                name="Nghỉ địa phương",
            ),
            ev("reference.calendar-day-revoked", "H44", 2, at(2026, 1, 9), day="2026-01-12"),
        ]
    )
    (row,) = store.rows(CALENDAR_DAYS)
    assert (row["day"], row["kind"], row["revoked"]) == (date(2026, 1, 12), "LOCAL_DAY_OFF", True)
    assert row["known_at"] == at(2026, 1, 9).replace(second=2)


# -- petitions -----------------------------------------------------------------------------------------------


def test_a_petition_keeps_the_times_the_766_clocks_need() -> None:
    pid = "PAKN-2603-000001"
    store = project(
        [
            ev(
                "portal.petition-received",
                pid,
                1,
                at(2026, 3, 2, 8),
                source="TRANSFERRED_FROM_VPCP",
                submitted_at=at(2026, 3, 1, 20).isoformat(),
            ),
            ev("portal.petition-supplement-requested", pid, 2, at(2026, 3, 3)),
            ev("portal.petition-handled", pid, 3, at(2026, 3, 10)),
            ev("portal.petition-published", pid, 4, at(2026, 3, 11)),
            ev("portal.petition-rated", pid, 5, at(2026, 3, 12), likes=2, dislikes=5),
            ev("portal.petition-re-raised", pid, 6, at(2026, 3, 13), dissatisfied_with_answer=True),
        ]
    )
    (row,) = store.rows(PETITIONS)
    assert row["received_at"] == at(2026, 3, 1, 20)  # the citizen's submission
    assert row["transferred_at"] == at(2026, 3, 2, 8)  # the hand-over from VPCP
    assert (row["supplement_requested_at"], row["handled_at"], row["published_at"]) == (
        at(2026, 3, 3),
        at(2026, 3, 10),
        at(2026, 3, 11),
    )
    assert (row["likes"], row["dislikes"], row["re_raised_dissatisfied"]) == (2, 5, True)
    assert [r["revision"] for r in store.rows(PETITION_VERSIONS)] == [0, 1, 2, 3, 4, 5]
