"""Dossier codes (mã hồ sơ, domain.md §2.10) and receipt-slip numbers, and the books that allocate them.

A code is ``<agency identifier>-<YYMMDD>-<daily sequence>``, unique per agency and day. Each (agency, day)
has its own small ``SequenceBook`` aggregate whose id is derived from that pair (uuid5), so the desk saves
the book in the same ``Application.save`` as the dossier it numbers: two commands that took a number from
the same book version cannot both commit (the second gets eventsourcing's ``IntegrityError``). Receipt
slips are numbered the same way per receiving unit and year. Codes assigned elsewhere (the national portal
numbers online dossiers at submission) are *claimed* in the book of their agency and day, so a code is
never issued twice and a clash is refused. ADR 0250 records the format choices.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from intake.errors import IntakeRuleViolation

# Fixed forever: book ids derive from it, and a stored book is found by its id.
BOOK_NAMESPACE = uuid5(NAMESPACE_URL, "urn:motcua:intake:sequence-book")

_CODE = re.compile(
    r"^(?P<agency>[0-9A-Z]{1,10}(?:\.[0-9A-Z]{1,10}){0,6})-(?P<day>[0-9]{6})-(?P<sequence>[0-9]{4,10})$"
)
_UNIT_CODE = re.compile(r"^[0-9A-Z]{1,10}(?:\.[0-9A-Z]{1,10}){0,6}$")
_LEVEL_WIDTHS = (2, 2, 3)  # Y1Y2 (level 2), Z1Z2 (level 3), V1V2V3 (level 4)


class BookKind(StrEnum):
    DOSSIER_CODE = "DOSSIER_CODE"
    RECEIPT_SLIP = "RECEIPT_SLIP"


class AgencyIdentifierStyle(StrEnum):
    """How the agency part of the code is written from a unit code such as ``H44.06.01``."""

    # Circular 01/2018 template V1V2V3.Z1Z2.Y1Y2.MX1X2: levels 4 → 1, zero-padded: 000.01.06.H44
    CIRCULAR_01_2018 = "CIRCULAR_01_2018"
    UNIT_CODE = "UNIT_CODE"  # the unit code itself: H44.06.01


@dataclass(frozen=True)
class CodePolicy:
    """The deployment's numbering choices (defaults: ADR 0250).

    - ``agency_style``: how a unit code becomes the agency identifier; ``agency_identifiers`` overrides
      it per unit with identifiers actually issued under Decision 20/2020.
    - ``sequence_digits``: minimum width of the daily sequence (4 in Circular 01/2018; a 10,000th dossier
      of the day simply widens it).
    - ``system_owner``: the two-digit ``AA`` prefix of the Circular 04/2025 variant, or None.
    - ``slip_label``: the document symbol of receipt slips (Giấy tiếp nhận → GTN).
    """

    agency_style: AgencyIdentifierStyle = AgencyIdentifierStyle.CIRCULAR_01_2018
    agency_identifiers: Mapping[str, str] = field(default_factory=dict)
    sequence_digits: int = 4
    system_owner: str | None = None
    slip_label: str = "GTN"

    def __post_init__(self) -> None:
        if not 4 <= self.sequence_digits <= 10:
            raise ValueError("sequence_digits must be between 4 and 10")
        if self.system_owner is not None and not re.fullmatch(r"[0-9]{2}", self.system_owner):
            raise ValueError("system_owner is the two-digit AA code of Circular 04/2025")
        for unit, identifier in self.agency_identifiers.items():
            if not _UNIT_CODE.match(identifier):
                raise ValueError(f"agency identifier {identifier!r} of {unit} is not of the form H44.06 …")

    def agency_identifier(self, unit_code: str) -> str:
        """The agency part of a dossier code for a dossier received by ``unit_code``."""
        if unit_code in self.agency_identifiers:
            return self.agency_identifiers[unit_code]
        if self.agency_style is AgencyIdentifierStyle.UNIT_CODE:
            return unit_code
        levels = unit_code.split(".")
        if len(levels) > 4:
            raise ValueError(f"{unit_code} has more than the four levels of an agency identifier")
        lower = [part.zfill(width) for part, width in zip(levels[1:], _LEVEL_WIDTHS, strict=False)]
        lower += ["0" * width for width in _LEVEL_WIDTHS[len(lower) :]]
        return ".".join([*reversed(lower), levels[0]])

    def sequence_text(self, number: int) -> str:
        return f"{self.system_owner or ''}{number:0{self.sequence_digits}d}"

    def dossier_code(self, agency: str, day: date, number: int) -> str:
        return compose_dossier_code(agency, day, self.sequence_text(number))

    def receipt_slip_no(self, unit_code: str, year: int, number: int) -> str:
        return f"{number:04d}/{year}/{self.slip_label}-{unit_code}"


@dataclass(frozen=True)
class DossierCodeParts:
    agency: str
    day: date
    sequence: str


def compose_dossier_code(agency: str, day: date, sequence: str) -> str:
    return f"{agency}-{day:%y%m%d}-{sequence}"


def parse_dossier_code(code: str) -> DossierCodeParts | None:
    """The parts of a well-formed dossier code, or None if it is not one."""
    match = _CODE.match(code)
    if match is None:
        return None
    try:
        day = datetime.strptime(match["day"], "%y%m%d").date()
    except ValueError:
        return None
    return DossierCodeParts(match["agency"], day, match["sequence"])


def book_id(kind: BookKind, scope: str, period: str) -> UUID:
    """The deterministic id of the book numbering ``kind`` for ``scope`` (agency or unit) in ``period``."""
    return uuid5(BOOK_NAMESPACE, f"{kind.value}|{scope}|{period}")


def dossier_code_book_id(agency: str, day: date) -> UUID:
    return book_id(BookKind.DOSSIER_CODE, agency, day.isoformat())


def receipt_slip_book_id(unit_code: str, year: int) -> UUID:
    return book_id(BookKind.RECEIPT_SLIP, unit_code, str(year))


class SequenceBook(Aggregate):
    """The numbers issued for one scope and period; each allocation is an event, so numbers are gap-free."""

    class Event(Aggregate.Event):
        pass

    class Opened(Event, Aggregate.Created):
        kind: str
        scope: str
        period: str

        def apply(self, aggregate: SequenceBook) -> None:
            aggregate.kind = BookKind(self.kind)
            aggregate.scope = self.scope
            aggregate.period = self.period

    class Allocated(Event):
        number: int
        text: str

        def apply(self, aggregate: SequenceBook) -> None:
            aggregate.last_number = max(aggregate.last_number, self.number)
            aggregate.taken[self.text] = self.number

    class Claimed(Event):
        """A number issued elsewhere (e.g. by the national portal) that this book must never issue."""

        text: str

        def apply(self, aggregate: SequenceBook) -> None:
            aggregate.taken[self.text] = 0

    def __init__(self) -> None:
        self.kind = BookKind.DOSSIER_CODE
        self.scope = ""
        self.period = ""
        self.last_number = 0
        self.taken: dict[str, int] = {}

    @classmethod
    def open(cls, kind: BookKind, scope: str, period: str, *, at: datetime) -> SequenceBook:
        return cls._create(
            cls.Opened,
            id=book_id(kind, scope, period),
            kind=kind.value,
            scope=scope,
            period=period,
            timestamp=at,
        )

    def allocate(self, render: Callable[[int], str], *, at: datetime) -> str:
        """The next number rendered by ``render``, skipping any text claimed from elsewhere."""
        number = self.last_number + 1
        while render(number) in self.taken:
            number += 1
        text = render(number)
        self.trigger_event(self.Allocated, number=number, text=text, timestamp=at)
        return text

    def claim(self, text: str, *, at: datetime) -> None:
        """Record ``text`` as issued elsewhere; refuses a text this book already holds."""
        if text in self.taken:
            raise IntakeRuleViolation(
                "DOSSIER_CODE_TAKEN",
                f"Mã hồ sơ có số thứ tự {text} trong ngày {self.period} đã được cấp cho hồ sơ khác.",
                f"Sequence {text} of {self.period} is already used by another dossier code.",
                field="dossier_code",
            )
        self.trigger_event(self.Claimed, text=text, timestamp=at)
