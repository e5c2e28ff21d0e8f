"""The shipped reference data, its loaders, and the errors they give for bad files."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from intake.calendar import VIETNAM_TZ, DayKind
from intake.deadlines import DurationUnit
from intake.reference import DATA_DIR, ReferenceData, ReferenceDataError, load_reference_data
from intake.reference.procedures import CompetentLevel, OnlineMode
from intake.reference.units import UnitKind

# --- the shipped files ---------------------------------------------------------------------------------------


def test_a_province_with_about_twenty_agencies_and_over_a_hundred_communes(reference: ReferenceData) -> None:
    units = reference.units
    assert units.province.code == "H44"
    today = date(2026, 1, 15)
    agencies = units.of_kind(UnitKind.PROVINCIAL_AGENCY, on=today) + units.of_kind(
        UnitKind.SERVICE_CENTRE, on=today
    )
    assert 18 <= len(agencies) <= 22
    communes = units.of_kind(UnitKind.COMMUNE, on=today)
    assert 100 <= len(communes) <= 150
    assert all(re.fullmatch(r"H44\.\d{3}", c.code) for c in communes)
    assert all(re.fullmatch(r"H44\.\d{2}", a.code) for a in agencies)
    assert units.of_kind(UnitKind.DISTRICT, on=today) == []  # abolished 1/7/2025
    assert len(units.of_kind(UnitKind.DISTRICT, on=date(2025, 6, 30))) == 8
    assert [a.code for a in units.ancestors("H44.06.01.02")] == ["H44.06.01", "H44.06", "H44"]


def test_the_catalogue_has_realistic_procedures_of_every_kind(reference: ReferenceData) -> None:
    procedures = list(reference.procedures)
    assert len(procedures) >= 40
    assert {p.duration.unit for p in procedures} == set(DurationUnit)
    assert {p.online_mode for p in procedures} == set(OnlineMode)
    assert {p.competent_level for p in procedures} == set(CompetentLevel)
    assert {p.receipt_cutoff for p in procedures} >= {
        None,
        datetime(2026, 1, 1, 15).time(),
        datetime(2026, 1, 1, 17).time(),
    }
    assert any(p.personal_presence_required for p in procedures)
    assert any(p.supplement_clock_policy == "PAUSE" for p in procedures)
    fields = Counter(p.field for p in procedures)
    assert {
        "Chứng thực",
        "Hộ tịch",
        "Đất đai",
        "Hoạt động xây dựng",
        "Thành lập và hoạt động của hộ kinh doanh",
    } <= set(fields)
    birth_group = reference.procedures.get("1.004884")
    assert birth_group.inter_agency_group == "BIRTH_3_IN_1"
    assert [s.allotted.working_hours for s in birth_group.workflow] == [2, 6, 8, 8, 0]


def test_land_limits_grow_in_remote_communes(reference: ReferenceData) -> None:
    transfer = reference.procedures.get("1.012780")
    assert reference.units.get("H44.208").remote_area
    assert transfer.statutory_duration(remote_area=True).value == 20
    assert transfer.statutory_duration().value == 10
    certification = reference.procedures.get("2.000815")
    assert certification.statutory_duration(remote_area=True) == certification.duration


def test_fees_are_whole_dong(reference: ReferenceData) -> None:
    amounts = [fee.amount_vnd for p in reference.procedures for fee in p.fees if fee.amount_vnd is not None]
    assert amounts and all(isinstance(a, int) and a >= 0 for a in amounts)
    assert reference.procedures.get("2.000815").fees[0].amount_vnd == 2000


def test_the_calendar_covers_2024_to_2030(reference: ReferenceData) -> None:
    book = reference.calendars
    assert (book.first_day, book.last_day) == (date(2024, 1, 1), date(2030, 12, 31))
    provisional_years = {e.day.year for e in book.entries if e.provisional}
    announced_years = {e.day.year for e in book.entries if not e.provisional}
    assert provisional_years == {2026, 2027, 2028, 2029, 2030}
    assert announced_years == {2024, 2025, 2026}


# --- operators add days without code -----------------------------------------------------------------------


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def supplement(**content: Any) -> dict[str, Any]:
    return {"format": "motcua.reference.calendar-supplement", "version": 1, **content}


def test_a_supplement_adds_a_half_day_make_up_saturday_for_one_commune(tmp_path: Path) -> None:
    extra = write(
        tmp_path / "calendar.local.json",
        supplement(
            adjustments=[
                {
                    "date": "2027-03-13",
                    "kind": "MAKE_UP_WORKING_DAY",
                    "name": "Làm bù sáng thứ Bảy",
                    "sessions": [["07:30", "11:30"]],
                    "scope": ["H44.100"],
                }
            ]
        ),
    )
    data = load_reference_data(calendar_supplements=[extra])
    commune = data.calendar_for("H44.100")
    assert commune.day(date(2027, 3, 13)).kind is DayKind.MAKE_UP_WORKING_DAY
    assert commune.closing_time(date(2027, 3, 13)) == datetime(2027, 3, 13, 11, 30, tzinfo=VIETNAM_TZ)
    assert not data.calendar_for("H44.101").is_working_day(date(2027, 3, 13))


def test_a_supplement_records_an_announcement_that_replaces_the_computed_days(tmp_path: Path) -> None:
    days = [{"date": f"2027-02-{d:02d}", "kind": "PUBLIC_HOLIDAY", "name": "Tết"} for d in (4, 5, 8, 9, 10)]
    days.append({"date": "2027-02-20", "kind": "MAKE_UP_WORKING_DAY", "name": "Làm bù"})
    days.append({"date": "2027-02-11", "kind": "SWAPPED_DAY_OFF", "name": "Hoán đổi"})
    announcement = {
        "year": 2027,
        "occasion": "LUNAR_NEW_YEAR",
        "status": "OFFICIAL",
        "source": "CV x/BNV",
        "days": days,
    }
    extra = write(tmp_path / "tet2027.json", supplement(announcements=[announcement]))
    calendar = load_reference_data(calendar_supplements=[extra]).calendar_for("H44.100")
    assert calendar.day(date(2027, 2, 4)).kind is DayKind.PUBLIC_HOLIDAY
    assert not calendar.day(date(2027, 2, 4)).provisional
    assert calendar.is_working_day(date(2027, 2, 20))
    assert calendar.day(date(2027, 2, 11)).kind is DayKind.SWAPPED_DAY_OFF
    assert calendar.day(date(2027, 4, 16)).provisional  # Giỗ Tổ 2027 is still computed


# --- clear errors --------------------------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def edit(path: Path, change: Any) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def problems_of(directory: Path, supplements: tuple[Path, ...] = ()) -> str:
    with pytest.raises(ReferenceDataError) as caught:
        load_reference_data(directory, calendar_supplements=supplements)
    return str(caught.value)


def test_the_copied_files_load(data_dir: Path) -> None:
    assert len(load_reference_data(data_dir).procedures) >= 40


def test_broken_json_names_line_and_column(data_dir: Path) -> None:
    path = data_dir / "units.v1.json"
    path.write_text('{\n  "format": "motcua.reference.units",\n  "version": 1,,\n}', encoding="utf-8")
    message = problems_of(data_dir)
    assert "units.v1.json" in message and "line 3" in message


def test_a_duplicated_key_is_an_error_not_an_overwrite(data_dir: Path) -> None:
    path = data_dir / "units.v1.json"
    text = path.read_text(encoding="utf-8").replace('"version": 1,', '"version": 1, "version": 1,', 1)
    path.write_text(text, encoding="utf-8")
    assert "key 'version' appears twice" in problems_of(data_dir)


def test_wrong_format_or_version(data_dir: Path) -> None:
    path = data_dir / "procedures.v1.json"
    edit(path, lambda d: d.update(version=2))
    assert "version 2 is not supported: this code reads version 1" in problems_of(data_dir)
    edit(path, lambda d: d.update(version=1, format="motcua.reference.units"))
    assert "expected 'motcua.reference.procedures'" in problems_of(data_dir)


def test_a_postal_procedure_that_requires_presence_is_refused_with_its_code(data_dir: Path) -> None:
    edit(data_dir / "procedures.v1.json", lambda d: d["procedures"][1].update(postal_allowed=True))
    message = problems_of(data_dir)
    assert "procedures[1] (2.000884): postal_allowed contradicts personal_presence_required" in message


def test_workflow_allotments_must_add_up_to_the_limit(data_dir: Path) -> None:
    def lengthen(document: dict[str, Any]) -> None:
        document["procedures"][3]["workflow"][1]["allotted"]["value"] = 3

    edit(data_dir / "procedures.v1.json", lengthen)
    assert "(2.000927): steps are allotted 36 working hours in all, the limit is 16" in problems_of(data_dir)


def test_field_errors_point_at_the_field(data_dir: Path) -> None:
    def break_fields(document: dict[str, Any]) -> None:
        document["procedures"][0]["duration"] = {"value": 2, "unit": "FORTNIGHT"}
        document["procedures"][2]["fees"][0]["amount_vnd"] = -5
        document["procedures"][4]["colour"] = "red"

    edit(data_dir / "procedures.v1.json", break_fields)
    message = problems_of(data_dir)
    assert "procedures[0] (2.000815).duration: unknown duration unit 'FORTNIGHT'" in message
    assert (
        "procedures[2] (2.000913).fees[0].amount_vnd: Input should be greater than or equal to 0" in message
    )
    assert "procedures[4] (2.000942).colour: Extra inputs are not permitted" in message


ORPHAN = {"code": "H44.77.01", "name": "Phòng lạc", "kind": "AGENCY_OFFICE", "parent": "H44.77"}


@pytest.mark.parametrize(
    ("extra_unit", "problem"),
    [
        (ORPHAN, "units whose parent is not in the file: H44.77.01 (parent H44.77)"),
        (
            ORPHAN | {"code": "H44.07.001", "parent": "H44.07"},
            "(H44.07.001): AGENCY_OFFICE codes add 2 digits",
        ),
        (
            ORPHAN | {"code": "H45.07.01", "parent": "H44.07"},
            "code H45.07.01 must extend its parent's code H44.07",
        ),
        (
            {"code": "H44.300", "name": "Xã Thiếu Loại", "kind": "COMMUNE", "parent": "H44"},
            "(H44.300): commune_type is given for communes and only for them",
        ),
        (
            {"code": "H44.05", "name": "Sở Công Thương", "kind": "PROVINCIAL_AGENCY", "parent": "H44"},
            "given twice: H44.05",
        ),
        (
            {"code": "H45", "name": "Tỉnh khác", "kind": "PROVINCE", "parent": None},
            "exactly one PROVINCE unit, found 2",
        ),
    ],
)
def test_a_unit_tree_must_hang_together(data_dir: Path, extra_unit: dict[str, Any], problem: str) -> None:
    edit(data_dir / "units.v1.json", lambda d: d["units"].append(extra_unit))
    assert problem in problems_of(data_dir)


def test_a_procedure_handled_by_an_unknown_unit(data_dir: Path) -> None:
    edit(data_dir / "procedures.v1.json", lambda d: d["procedures"][-1].update(handling_unit="H44.99"))
    assert "handling_unit H44.99 is not in the unit tree" in problems_of(data_dir)


def test_two_entries_for_one_day_are_reported(data_dir: Path, tmp_path: Path) -> None:
    extra = write(
        tmp_path / "bad.json",
        supplement(adjustments=[{"date": "2026-02-17", "kind": "LOCAL_DAY_OFF", "name": "Trùng mùng 1"}]),
    )
    message = problems_of(data_dir, (extra,))
    assert (
        "2026-02-17 is given twice: by announcement LUNAR_NEW_YEAR 2026 and by adjustment 'Trùng mùng 1'"
        in message
    )


def test_calendar_entries_must_be_consistent(data_dir: Path, tmp_path: Path) -> None:
    extra = write(
        tmp_path / "bad.json",
        supplement(
            adjustments=[
                {"date": "2027-03-13", "kind": "WEEKLY_REST_DAY", "name": "x"},
                {
                    "date": "2027-03-15",
                    "kind": "PUBLIC_HOLIDAY",
                    "name": "y",
                    "sessions": [["07:30", "11:30"]],
                },
            ]
        ),
    )
    message = problems_of(data_dir, (extra,))
    assert "adjustments[0] (2027-03-13).kind: WEEKLY_REST_DAY is implied by the weekday" in message
    assert "adjustments[1] (2027-03-15): a day off (PUBLIC_HOLIDAY) has no sessions" in message
    extra = write(
        tmp_path / "bad.json",
        supplement(adjustments=[{"date": "2031-01-02", "kind": "LOCAL_DAY_OFF", "name": "z"}]),
    )
    assert "2031-01-02 is outside 2024-01-01 – 2030-12-31" in problems_of(data_dir, (extra,))
    extra = write(
        tmp_path / "bad.json",
        supplement(
            adjustments=[{"date": "2027-03-16", "kind": "LOCAL_DAY_OFF", "name": "w", "scope": ["H44.999"]}]
        ),
    )
    assert "scoped to unknown units: H44.999" in problems_of(data_dir, (extra,))


def test_an_announcement_day_outside_its_year(data_dir: Path) -> None:
    def move(document: dict[str, Any]) -> None:
        document["announcements"][0]["days"][0]["date"] = "2025-01-01"

    edit(data_dir / "calendar.v1.json", move)
    assert "announcements[0] (2024): 2025-01-01 is not in 2024" in problems_of(data_dir)
