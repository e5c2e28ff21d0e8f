"""Constrained field types of the public language: business time, money, codes, hashes, personal data.

Fields that carry personal data are tagged `x-personal-data` in the JSON Schema so that loggers and
exporters can mask them (architecture.md §6).
"""

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, Field, PlainSerializer

BUSINESS_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_PERSONAL = {"x-personal-data": True}


def to_business_time(value: datetime) -> datetime:
    """Business time is rendered in Asia/Ho_Chi_Minh (+07:00) whatever offset the producer used."""
    return value.astimezone(BUSINESS_TZ)


def _render_business_time(value: datetime) -> str:
    return to_business_time(value).isoformat()


# The serializer repeats the conversion because `model_copy(update=...)` skips validation: what reaches the
# wire is +07:00 even then.
BusinessTime = Annotated[
    AwareDatetime,
    AfterValidator(to_business_time),
    PlainSerializer(_render_business_time, return_type=str, when_used="json"),
    Field(description="Timezone-aware instant, rendered in Asia/Ho_Chi_Minh (+07:00)"),
]

Vnd = Annotated[int, Field(ge=0, strict=True, description="Amount in Vietnamese đồng (integer VND)")]
PositiveVnd = Annotated[int, Field(gt=0, strict=True, description="Amount in Vietnamese đồng, > 0")]

Sha256Hex = Annotated[
    str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 digest, 64 lowercase hex characters")
]

UnitCode = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Z]{1,10}(\.[0-9A-Z]{1,10}){0,6}$",
        max_length=35,
        description="Agency/unit identifier (Decision 20/2020 style, ≤ 35 chars), e.g. H44, H44.01, H44.100",
    ),
]

ProcedureCode = Annotated[
    str,
    Field(
        pattern=r"^[0-9]\.[0-9]{6}(\.[0-9A-Z]{1,10}){0,6}$",
        max_length=64,
        description="National procedure code (mã TTHC), e.g. 1.001193, optionally with a local suffix",
    ),
]


def _dossier_code_date_is_real(value: str) -> str:
    segment = value.split("-")[-2]
    try:
        # Same validity as strptime("%y%m%d") (2000-2068 and 1969-1999 share their leap years), without the
        # locale lookup strptime makes on every call: this runs once per decoded event.
        date(2000 + int(segment[:2]), int(segment[2:4]), int(segment[4:6]))
    except ValueError:
        raise ValueError(f"date segment {segment!r} of dossier code {value!r} is not a YYMMDD date") from None
    return value


DossierCode = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Z]{1,10}(\.[0-9A-Z]{1,10}){0,6}-[0-9]{6}-[0-9]{4,10}$",
        max_length=64,
        description=(
            "Dossier code (mã hồ sơ): agency identifier, receipt date YYMMDD and daily sequence, "
            "e.g. 000.00.16.H56-250715-0042 (Circular 01/2018) or the Circular 04/2025 variant"
        ),
    ),
    AfterValidator(_dossier_code_date_is_real),
]

Identifier = Annotated[
    str,
    Field(min_length=1, max_length=128, pattern=r"^\S+$", description="Opaque identifier, no whitespace"),
]
FileRef = Annotated[
    str,
    Field(min_length=1, max_length=512, pattern=r"^\S+$", description="Reference to a stored file"),
]
DocumentNumber = Annotated[
    str, Field(min_length=1, max_length=64, description="Number of an issued paper, e.g. 125/QĐ-UBND")
]
ShortText = Annotated[str, Field(min_length=1, max_length=255)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]

PersonName = Annotated[str, Field(min_length=1, max_length=255, json_schema_extra=_PERSONAL)]
IdNumber = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Z-]{6,20}$",
        description="Citizen ID (CCCD, 12 digits), passport number or tax code (MST)",
        json_schema_extra=_PERSONAL,
    ),
]
Phone = Annotated[
    str,
    Field(
        pattern=r"^(\+84|0)[0-9]{9,10}$", description="Vietnamese phone number", json_schema_extra=_PERSONAL
    ),
]
Email = Annotated[
    str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254, json_schema_extra=_PERSONAL)
]
AddressLine = Annotated[str, Field(min_length=1, max_length=255, json_schema_extra=_PERSONAL)]
