"""Group 1 (CKMB): indicators 1.1–1.4 on worked examples."""

from __future__ import annotations

from datetime import date

from index766_kit import (
    COMMUNE_A,
    DEPARTMENT,
    EPOCH,
    PROVINCE,
    UNITS,
    at,
    d,
    dossier,
    facts,
    procedure,
    rows_by_subject,
    run,
    unit,
)

from projections.index766 import AnnouncementFact, ContentPart, PublicationState, SyncAckFact, UnitLevel


def announcement(
    ident: str,
    code: str,
    decided: date,
    effective: date,
    published: tuple[int, int, int, int] | None = None,
    by: str = PROVINCE,
) -> AnnouncementFact:
    return AnnouncementFact(
        announcement_id=ident,
        revision=0,
        known_at=EPOCH,
        procedure_code=code,
        announcing_unit_code=by,
        decision_no=f"{ident}/QĐ-UBND",
        decision_date=decided,
        legal_effective_date=effective,
        published_at=at(*published) if published else None,
    )


ANNOUNCEMENTS = (
    # [Mon 2, Mon 9) = 5 working days ahead: on time; published (2, 6] = 4 working days later: on time
    announcement("A1", "P1", date(2026, 3, 2), date(2026, 3, 9), (2026, 3, 6, 10)),
    # [Tue 3, Mon 9) = 4: late; published (3, 11] = 6 later: late
    announcement("A2", "P2", date(2026, 3, 3), date(2026, 3, 9), (2026, 3, 11, 9)),
    # P3: one decision on time (10 ahead, published after 2) and one late (Fri 20 → Mon 23 = 1 ahead,
    # never published: (20, 31] = 7 > 5) → P3 late for the period on both indicators
    announcement("A3", "P3", date(2026, 3, 10), date(2026, 3, 24), (2026, 3, 12, 9)),
    announcement("A4", "P3", date(2026, 3, 20), date(2026, 3, 23)),
    # decided in February (not a March announcement), published 2 March: (Fri 20 Feb, Mon 2 Mar] = 6 > 5: late
    announcement("A5", "P4", date(2026, 2, 20), date(2026, 3, 20), (2026, 3, 2, 9)),
    # decided Fri 27 Mar, unpublished: only (27, 31] = 2 working days elapsed, not yet due → not counted in 1.2
    announcement("A6", "P5", date(2026, 3, 27), date(2026, 4, 20)),
    # another province's decision: out of scope
    announcement("A7", "P1", date(2026, 3, 2), date(2026, 3, 3), by="T02"),
)


def test_procedures_announced_on_time() -> None:
    result = run(facts(announcements=ANNOUNCEMENTS), unit_code=PROVINCE)
    indicator = result.indicator("PUBLISH_ON_TIME")
    # March decisions in scope: P1 on time; P2 late; P3 late (A4); P5 on time ([27 Mar, 20 Apr) ≥ 5) → 2/4
    # points: 6 × 2/4 = 3
    assert (indicator.numerator, indicator.denominator, indicator.points) == (2, 4, d("3"))
    rows = rows_by_subject(result, "PUBLISH_ON_TIME")
    assert rows["P2"].reason_en == (
        "announced late: decision A2/QĐ-UBND of 2026-03-03 is 4 working days ahead of the effective date "
        "2026-03-09 (at least 5 needed)"
    )
    assert rows["P3"].reason_code == "ANNOUNCED_LATE" and rows["P3"].reason_en.count("decision") == 2


def test_ministries_need_twenty_working_days() -> None:
    units = (*UNITS, unit("B01", UnitLevel.MINISTRY, None, name="Bộ Thử"))
    # [Mon 2 Mar, Mon 23 Mar) = 15 working days: enough for a province, not for a ministry
    one = (announcement("M1", "P1", date(2026, 3, 2), date(2026, 3, 23), by="B01"),)
    assert run(facts(announcements=one, units=units), unit_code="B01").indicator(
        "PUBLISH_ON_TIME"
    ).points == d("0")
    provincial = (announcement("M1", "P1", date(2026, 3, 2), date(2026, 3, 23)),)
    assert run(facts(announcements=provincial), unit_code=PROVINCE).indicator("PUBLISH_ON_TIME").points == d(
        "6"
    )


def test_procedures_published_on_the_national_database_on_time() -> None:
    result = run(facts(announcements=ANNOUNCEMENTS), unit_code=PROVINCE)
    indicator = result.indicator("PUBLIC_UPDATE_ON_TIME")
    # counted: P1 on time; P2 late; P3 late (A4 unpublished 7 > 5); P4 late (published in March, 6 > 5) → 1/4
    # P5 is not yet due. Points: 4 × 1/4 = 1
    assert (indicator.numerator, indicator.denominator, indicator.points) == (1, 4, d("1"))
    rows = rows_by_subject(result, "PUBLIC_UPDATE_ON_TIME")
    assert "P5" not in rows
    assert "still unpublished after 7 working days (at most 5)" in rows["P3"].reason_en


def test_published_procedures_with_complete_content() -> None:
    procedures = (
        procedure("P1"),
        procedure(
            "P2",
            content_parts=tuple(
                p for p in ContentPart if p not in {ContentPart.STEPS, ContentPart.TIME_LIMIT}
            ),
        ),
        procedure("P3", publication_state=PublicationState.UNPUBLISHED),
        procedure("P4", publication_state=PublicationState.PUBLISHED_AMENDED),
        procedure("P5"),
        procedure("P6", units=("T02",)),  # another province's competence
        procedure("P7", publication_state=PublicationState.ABOLISHED),
    )
    result = run(facts(procedures=procedures), unit_code=PROVINCE)
    indicator = result.indicator("PUBLIC_CONTENT_FULL")
    # counted: P1, P2, P4, P5; complete: P1, P4, P5 → 3/4; points 2 × 3/4 = 1.5
    assert (indicator.numerator, indicator.denominator, indicator.points) == (3, 4, d("1.5"))
    assert (
        rows_by_subject(result, "PUBLIC_CONTENT_FULL")["P2"].reason_en == "missing parts: STEPS, TIME_LIMIT"
    )


def test_dossiers_synchronised_to_the_national_portal() -> None:
    dossiers = (
        dossier("S1"),
        dossier("S2", unit_code=COMMUNE_A),
        dossier("S3"),
        dossier("S4", unit_code=PROVINCE),
        dossier("S5", received_at=at(2026, 2, 27, 9)),  # February: not counted
    )
    syncs = (
        SyncAckFact(
            dossier_id="S1", status_code=2, synced_at=at(2026, 3, 2, 9, 5), known_at=at(2026, 3, 2, 9, 5)
        ),
        SyncAckFact(
            dossier_id="S2",
            status_code=2,
            synced_at=at(2026, 3, 2, 9, 5),
            acknowledged=False,
            known_at=at(2026, 3, 2, 9, 5),
        ),
        # synced after the evaluation time (15 April): not seen
        SyncAckFact(
            dossier_id="S4", status_code=2, synced_at=at(2026, 4, 20, 9), known_at=at(2026, 4, 20, 9)
        ),
        SyncAckFact(
            dossier_id="S5", status_code=2, synced_at=at(2026, 2, 27, 9), known_at=at(2026, 2, 27, 9)
        ),
    )
    result = run(facts(dossiers=dossiers, syncs=syncs), unit_code=PROVINCE)
    indicator = result.indicator("DOSSIER_SYNC")
    # received in March in the province: S1–S4; acknowledged by 15 April: S1 → 1/4; points 6 × 1/4 = 1.5
    assert (indicator.numerator, indicator.denominator, indicator.points) == (1, 4, d("1.5"))
    rows = rows_by_subject(result, "DOSSIER_SYNC")
    assert rows["S1"].reason_en == "synced to the national portal 2026-03-02 09:05 (status 2)"
    assert rows["S2"].reason_code == "NOT_SYNCED"
    # the department alone has only S1 and S3
    assert run(facts(dossiers=dossiers, syncs=syncs), unit_code=DEPARTMENT).indicator(
        "DOSSIER_SYNC"
    ).points == d("3")
