"""The unit tree: province → provincial agencies (and their offices) → communes, time-versioned."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from intake.calendar import OfficeHours, UnitCalendarProfile
from intake.reference.files import DATA_DIR, OfficeHoursField, read_document, validate

UNITS_FORMAT = "motcua.reference.units"
UNITS_VERSION = 1
_CODE = re.compile(r"^H\d{2}(\.\d{2,3})*$")


class UnitKind(StrEnum):
    PROVINCE = "PROVINCE"  # Ủy ban nhân dân tỉnh
    PROVINCIAL_AGENCY = "PROVINCIAL_AGENCY"  # sở, ban, ngành cấp tỉnh
    SERVICE_CENTRE = "SERVICE_CENTRE"  # Trung tâm Phục vụ hành chính công tỉnh
    AGENCY_OFFICE = "AGENCY_OFFICE"  # office under an agency (Văn phòng Đăng ký đất đai)
    BRANCH = "BRANCH"  # branch of such an office (chi nhánh)
    DISTRICT = "DISTRICT"  # cấp huyện, abolished 1/7/2025: history only
    COMMUNE = "COMMUNE"  # xã, phường, đặc khu (each with its commune service centre)


class CommuneType(StrEnum):
    WARD = "WARD"  # phường
    COMMUNE = "COMMUNE"  # xã
    SPECIAL_ZONE = "SPECIAL_ZONE"  # đặc khu


class Unit(BaseModel):
    """One administrative unit. ``valid_from``/``valid_to`` bound its life (inclusive; None = open)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=_CODE.pattern)
    name: str = Field(min_length=1)
    kind: UnitKind
    parent: str | None
    commune_type: CommuneType | None = None
    remote_area: bool = False  # miền núi, hải đảo, vùng sâu, vùng xa, đặc biệt khó khăn (land limits +10 wd)
    office_hours: OfficeHoursField | None = None  # None: the parent's, up to the file default
    valid_from: date | None = None
    valid_to: date | None = None
    successors: list[str] = []  # units that took over its work when it was dissolved or merged
    dissolution_basis: str | None = None  # the decision or resolution that ended it

    @model_validator(mode="after")
    def _consistent(self) -> Unit:
        if (self.parent is None) != (self.kind is UnitKind.PROVINCE):
            raise ValueError("the province, and only the province, has no parent")
        if self.parent is not None:
            if not self.code.startswith(self.parent + "."):
                raise ValueError(f"code {self.code} must extend its parent's code {self.parent}")
            digits = 3 if self.kind is UnitKind.COMMUNE else 2
            if len(self.code.rsplit(".", 1)[1]) != digits:
                raise ValueError(
                    f"{self.kind} codes add {digits} digits to the parent's, e.g. {self.parent}.{'1' * digits}"
                )
        if (self.commune_type is not None) != (self.kind is UnitKind.COMMUNE):
            raise ValueError("commune_type is given for communes and only for them")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError("valid_from is after valid_to")
        if (self.successors or self.dissolution_basis) and self.valid_to is None:
            raise ValueError("successors and dissolution_basis belong to a unit with a valid_to")
        if self.code in self.successors or len(set(self.successors)) != len(self.successors):
            raise ValueError("successors are other units, each named once")
        return self

    def active_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class UnitsFile(BaseModel):
    """The schema of ``units.v<N>.json``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["motcua.reference.units"]
    version: Literal[1]
    published: date
    description: str = ""
    history_start: date | None = (
        None  # the day the file's history begins: units without valid_from exist by then
    )
    default_office_hours: OfficeHoursField
    units: list[Unit] = Field(min_length=1)

    @model_validator(mode="after")
    def _tree(self) -> UnitsFile:
        codes = [unit.code for unit in self.units]
        duplicated = sorted({code for code in codes if codes.count(code) > 1})
        if duplicated:
            raise ValueError(f"unit codes given twice: {', '.join(duplicated)}")
        known = set(codes)
        orphans = [
            f"{unit.code} (parent {unit.parent})"
            for unit in self.units
            if unit.parent and unit.parent not in known
        ]
        if orphans:
            raise ValueError(f"units whose parent is not in the file: {', '.join(orphans)}")
        unknown = [
            f"{unit.code} (successor {s})" for unit in self.units for s in unit.successors if s not in known
        ]
        if unknown:
            raise ValueError(f"successors that are not in the file: {', '.join(unknown)}")
        if self.history_start is not None:
            early = [
                unit.code
                for unit in self.units
                if unit.valid_from is None
                and unit.valid_to is not None
                and unit.valid_to < self.history_start
            ]
            if early:
                raise ValueError(
                    f"units without valid_from that end before history_start: {', '.join(early)}"
                )
        roots = [unit.code for unit in self.units if unit.kind is UnitKind.PROVINCE]
        if len(roots) != 1:
            raise ValueError(f"the file needs exactly one PROVINCE unit, found {len(roots)}")
        return self


class UnitTree:
    """The units of one province, looked up by code, with inherited office hours."""

    def __init__(
        self,
        units: Sequence[Unit],
        *,
        default_office_hours: OfficeHours,
        published: date,
        history_start: date | None = None,
    ) -> None:
        self._units = {unit.code: unit for unit in units}
        self.default_office_hours = default_office_hours
        self.published = published
        self.history_start = history_start
        self.province = next(unit for unit in units if unit.kind is UnitKind.PROVINCE)

    def __len__(self) -> int:
        return len(self._units)

    def __iter__(self) -> Iterator[Unit]:
        return iter(self._units.values())

    def __contains__(self, code: object) -> bool:
        return code in self._units

    def get(self, code: str) -> Unit:
        """The unit with ``code`` (``KeyError`` naming it if unknown)."""
        try:
            return self._units[code]
        except KeyError:
            raise KeyError(f"unknown unit {code!r}") from None

    def children(self, code: str) -> list[Unit]:
        return [unit for unit in self._units.values() if unit.parent == code]

    def in_tree_order(self) -> list[Unit]:
        """Every unit, each after its parent: depth first from the province, siblings in file order."""
        ordered: list[Unit] = []
        pending = [self.province]
        while pending:
            unit = pending.pop()
            ordered.append(unit)
            pending.extend(reversed(self.children(unit.code)))
        return ordered

    def ancestors(self, code: str) -> list[Unit]:
        """The parent, its parent, … up to the province."""
        chain = []
        parent = self.get(code).parent
        while parent is not None:
            unit = self._units[parent]
            chain.append(unit)
            parent = unit.parent
        return chain

    def office_hours(self, code: str) -> OfficeHours:
        """The unit's own office hours, else the nearest ancestor's, else the file default."""
        for unit in (self.get(code), *self.ancestors(code)):
            if unit.office_hours is not None:
                return unit.office_hours
        return self.default_office_hours

    def of_kind(self, kind: UnitKind, *, on: date | None = None) -> list[Unit]:
        """Units of ``kind``; with ``on``, only those in existence that day."""
        return [
            unit for unit in self._units.values() if unit.kind is kind and (on is None or unit.active_on(on))
        ]

    def calendar_profiles(self) -> dict[str, UnitCalendarProfile]:
        """What ``CalendarBook`` needs per unit: office hours and the codes from the unit up to the root."""
        return {
            code: UnitCalendarProfile(
                self.office_hours(code), (code, *(a.code for a in self.ancestors(code)))
            )
            for code in self._units
        }


def load_units(path: Path | None = None) -> UnitTree:
    """Read and validate a units file (default: the shipped ``units.v1.json``)."""
    path = path or DATA_DIR / f"units.v{UNITS_VERSION}.json"
    document = read_document(path, expected_format=UNITS_FORMAT, version=UNITS_VERSION)
    parsed = validate(UnitsFile, document, path)
    return UnitTree(
        parsed.units,
        default_office_hours=parsed.default_office_hours,
        published=parsed.published,
        history_start=parsed.history_start,
    )


__all__ = ["CommuneType", "Unit", "UnitKind", "UnitTree", "UnitsFile", "load_units"]
