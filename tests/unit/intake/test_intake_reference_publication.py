"""The reference data as public reference events: contract-valid, deterministic, complete and in order."""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from contracts.codec import decode, encode
from contracts.enums import ActorKind, CalendarDayKind, ProcedureContentPart, Producer
from contracts.envelope import PublicEvent
from contracts.fields import BUSINESS_TZ
from contracts.reference import (
    CalendarDayDeclared,
    CalendarEvent,
    OfficeHoursSet,
    ProcedureAnnounced,
    ProcedureEvent,
    ProcedurePublished,
    UnitDissolved,
    UnitEstablished,
    UnitEvent,
)
from intake.calendar import DayKind
from intake.reference import DATA_DIR, ReferenceData, ReferenceDataError, load_reference_data
from intake.reference.publication import NATIONAL_CALENDAR, Publication, build_publication

TOPIC_ORDER: tuple[type[PublicEvent], ...] = (UnitEvent, ProcedureEvent, CalendarEvent)
E = TypeVar("E", bound=PublicEvent)


@pytest.fixture(scope="module")
def publication(reference: ReferenceData) -> Publication:
    return build_publication(reference)


def of_type(publication: Publication, cls: type[E]) -> list[E]:
    return [e for e in publication.events if isinstance(e, cls)]


def test_every_event_is_valid_under_its_contract_and_survives_the_codec(publication: Publication) -> None:
    for event in publication.events:
        again = type(event).model_validate(event.model_dump(mode="json"))
        assert again == event
        record = encode(event)
        assert decode(record.headers, record.value) == event
        assert record.key == event.key().encode()


def test_the_envelope_is_the_reference_systems(publication: Publication) -> None:
    assert {e.producer for e in publication.events} == {Producer.REFERENCE}
    assert {e.actor.kind for e in publication.events} == {ActorKind.SYSTEM}
    assert {e.correlation_id for e in publication.events} == {publication.correlation_id}
    assert len({e.event_id for e in publication.events}) == len(publication.events)
    for event in publication.events:
        assert event.occurred_at.utcoffset() == timedelta(hours=7)
        assert event.recorded_at == event.occurred_at


def test_the_same_data_gives_the_same_ids_seqs_and_digest(publication: Publication) -> None:
    again = build_publication(load_reference_data())
    assert again.digest == publication.digest
    assert again.correlation_id == publication.correlation_id
    assert [(e.event_id, e.seq, e.key()) for e in again.events] == [
        (e.event_id, e.seq, e.key()) for e in publication.events
    ]


def test_seq_counts_each_keys_events_from_one_without_gaps(publication: Publication) -> None:
    seqs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for event in publication.events:
        seqs[(event.TOPIC, event.key())].append(event.seq)
    for key, numbers in seqs.items():
        assert numbers == list(range(1, len(numbers) + 1)), key
    assert seqs[(UnitEvent.TOPIC, "H44.41")] == [1, 2]  # established, then dissolved


def test_units_come_first_in_tree_order_then_procedures_then_calendars(publication: Publication) -> None:
    groups = [
        next(i for i, base in enumerate(TOPIC_ORDER) if isinstance(e, base)) for e in publication.events
    ]
    assert groups == sorted(groups)
    established: set[str] = set()
    for event in of_type(publication, UnitEstablished):
        assert event.parent_code is None or event.parent_code in established, event.unit_code
        established.add(event.unit_code)


def test_every_unit_is_established_and_every_ended_one_dissolved(
    publication: Publication, reference: ReferenceData
) -> None:
    established = {e.unit_code: e for e in of_type(publication, UnitEstablished)}
    dissolved = {e.unit_code: e for e in of_type(publication, UnitDissolved)}
    assert set(established) == {unit.code for unit in reference.units}
    assert set(dissolved) == {unit.code for unit in reference.units if unit.valid_to is not None}
    district = dissolved["H44.41"]
    assert established["H44.41"].valid_from == reference.units.history_start
    assert district.valid_to == date(2025, 6, 30)
    assert district.occurred_at == datetime(2025, 7, 1, tzinfo=BUSINESS_TZ)
    assert dissolved["H44.33"].successor_codes == ["H44.06"]  # Tài nguyên và Môi trường → Nông nghiệp và MT
    ward = established["H44.100"]
    assert (ward.valid_from, ward.parent_code, ward.level.value) == (date(2025, 7, 1), "H44", "COMMUNE")
    assert ward.occurred_at == datetime.combine(date(2025, 7, 1), time(0), tzinfo=BUSINESS_TZ)


def test_every_procedure_is_announced_with_its_law_and_published(
    publication: Publication, reference: ReferenceData
) -> None:
    announced = {e.procedure_code: e for e in of_type(publication, ProcedureAnnounced)}
    published = {e.procedure_code: e for e in of_type(publication, ProcedurePublished)}
    assert set(announced) == {p.code for p in reference.procedures}
    unpublished = {a.procedures[0] for a in reference.procedures.announcements if a.published_at is None}
    assert set(published) == set(announced) - unpublished
    birth = announced["1.001193"]
    assert birth.decision_no == "1250/QĐ-UBND"
    assert {d.number for d in birth.legal_documents} == {"60/2014/QH13", "123/2015/NĐ-CP"}
    assert birth.occurred_at == datetime(2025, 6, 20, tzinfo=BUSINESS_TZ)
    land = announced["1.012780"]
    assert land.handling_unit_code == "H44.06.01"
    assert land.latest_legal_effective_date == date(2024, 8, 1)
    assert set(published["1.012780"].content_parts) == set(ProcedureContentPart)
    assert published["1.012780"].occurred_at == datetime(2025, 6, 30, 16, 40, tzinfo=BUSINESS_TZ)
    no_online = [p.code for p in reference.procedures if p.online_mode.value == "NONE"]
    assert no_online and all(announced[code].online_mode is None for code in no_online)
    fees = sum(len(p.fees) for p in reference.procedures)
    assert sum(len(e.fee_lines) for e in announced.values()) == fees


def test_every_national_holiday_and_swap_is_declared_on_the_national_calendar(
    publication: Publication, reference: ReferenceData
) -> None:
    national = [e for e in of_type(publication, CalendarDayDeclared) if e.calendar_code == NATIONAL_CALENDAR]
    entries = [e for e in reference.calendars.entries if not e.scope and e.kind is not DayKind.SPECIAL_HOURS]
    assert len(national) == len(entries)
    holidays = Counter(e.day.year for e in national if e.kind is CalendarDayKind.PUBLIC_HOLIDAY)
    expected = Counter(e.day.year for e in entries if e.kind is DayKind.PUBLIC_HOLIDAY)
    assert holidays == expected and set(holidays) == set(range(2024, 2031))
    days = {e.day: e for e in national}
    assert days[date(2026, 2, 16)].kind is CalendarDayKind.PUBLIC_HOLIDAY  # Tết Bính Ngọ (announced)
    assert "(tạm tính)" in days[min(d for d in days if d.year == 2030)].name  # computed, still provisional


def test_office_hours_are_set_nationally_and_where_a_unit_differs(
    publication: Publication, reference: ReferenceData
) -> None:
    hours = {e.calendar_code: e for e in of_type(publication, OfficeHoursSet)}
    own = {unit.code for unit in reference.units if unit.office_hours is not None}
    assert set(hours) == {NATIONAL_CALENDAR} | own
    national = hours[NATIONAL_CALENDAR]
    assert [(s.start, s.end) for s in national.sessions] == [
        (time(7, 30), time(11, 30)),
        (time(13), time(17)),
    ]
    assert national.valid_from == reference.calendars.first_day


# --- a changed data set is a different publication -------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def edit(path: Path, change: Any) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def test_renaming_one_unit_changes_the_digest_but_no_event_id(
    data_dir: Path, publication: Publication
) -> None:
    def rename(document: dict[str, Any]) -> None:
        document["units"][2]["name"] = "Sở Nội vụ tỉnh Sơn Hà"

    edit(data_dir / "units.v1.json", rename)
    changed = build_publication(load_reference_data(data_dir))
    assert changed.digest != publication.digest
    assert changed.correlation_id != publication.correlation_id
    assert [e.event_id for e in changed.events] == [e.event_id for e in publication.events]


def test_a_procedure_in_no_announcement_is_refused(data_dir: Path) -> None:
    edit(data_dir / "procedures.v1.json", lambda d: d["announcements"][3]["procedures"].clear())
    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(data_dir)
    assert "procedures" in str(caught.value)


def test_a_procedure_citing_no_registered_law_is_refused_with_its_code(data_dir: Path) -> None:
    edit(data_dir / "procedures.v1.json", lambda d: d["procedures"][0].update(legal_basis=["Công văn 1/CV"]))
    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(data_dir)
    assert "2.000815" in str(caught.value)
