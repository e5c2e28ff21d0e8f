"""The province the demo plays in: the shipped reference data (the same files intake-api serves), turned
into what the stories and the requests need — procedures with weights, communes, components, fee lines."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from intake.reference import ReferenceData, load_reference_data
from intake.reference.procedures import Procedure

from .stories import ProcedureInfo

# How often a field's dossiers come to a desk, relative to the others (certifications and civil status are
# the bulk of a commune's month; disputes and construction appraisals are rare). Keys are the catalogue's
# field names.
FIELD_WEIGHTS = {
    "Chứng thực": 4.0,
    "Hộ tịch": 3.0,
    "Đăng ký, quản lý cư trú": 2.5,
    "Đất đai": 1.5,
    "Thành lập và hoạt động của hộ kinh doanh": 1.5,
    "Việc làm": 1.2,
}
PROCEDURE_WEIGHTS = {
    "2.000815": 8.0,  # copies certified from originals: the high-volume procedure (domain.md §5.1)
    "1.012789": 0.2,  # land disputes
    "1.009981": 0.3,  # feasibility-study appraisals
}
# Procedures with no online service (signature, contract and will certifications, land disputes) can only
# come to the counter. §5.4's post-2025 mix has 2–10 % counter-only dossiers in all, so at each level they
# take at most this share of the month, whatever their fields' weights (ADR 0390).
COUNTER_ONLY_SHARE = 0.035
PROCESSING_HANDLERS = frozenset({"SPECIALIST", "DIVISION_LEAD", "AGENCY_LEAD"})
PROVINCE = "H44"
SERVICE_CENTRE = "H44.18"


@dataclass(frozen=True)
class Province:
    reference: ReferenceData
    procedures: dict[str, Procedure]
    commune_procedures: list[ProcedureInfo]
    provincial_procedures: list[ProcedureInfo]
    communes: list[tuple[str, float]]
    code: str = PROVINCE
    service_centre: str = SERVICE_CENTRE

    def steps(self, code: str) -> list[str]:
        """The processing steps of the procedure's workflow, in order (the desk's own steps left out)."""
        return [
            s.step.value for s in self.procedures[code].workflow if s.handled_by.value in PROCESSING_HANDLERS
        ]


def info(procedure: Procedure) -> ProcedureInfo:
    provincial = procedure.handling_unit is not None
    return ProcedureInfo(
        code=procedure.code,
        field=procedure.field,
        provincial=provincial,
        handling_unit=procedure.handling_unit,
        online_offered=procedure.online_mode.value != "NONE",
        fully_online=procedure.online_mode.value == "FULL",
        postal_allowed=procedure.postal_allowed,
        personal_presence_required=procedure.personal_presence_required,
        has_fees=any((f.amount_vnd or 0) > 0 for f in procedure.fees),
        inter_agency=procedure.inter_agency_group is not None,
        weight=PROCEDURE_WEIGHTS.get(procedure.code, FIELD_WEIGHTS.get(procedure.field, 1.0)),
    )


def cap_counter_only(infos: list[ProcedureInfo], share: float = COUNTER_ONLY_SHARE) -> list[ProcedureInfo]:
    """The same procedures, those with no online service scaled down together to at most ``share`` of the
    weight (their relative weights kept)."""
    closed = sum(i.weight for i in infos if not i.online_offered)
    open_ = sum(i.weight for i in infos if i.online_offered)
    if closed <= 0 or open_ <= 0 or closed / (closed + open_) <= share:
        return infos
    factor = share * open_ / ((1.0 - share) * closed)
    return [i if i.online_offered else replace(i, weight=i.weight * factor) for i in infos]


def load_province(on: date, reference: ReferenceData | None = None) -> Province:
    """The province as it stands on ``on`` (units are time-versioned: only communes active then)."""
    data = reference or load_reference_data()
    procedures = {p.code: p for p in data.procedures}
    infos = [info(p) for p in procedures.values()]
    communes = [u for u in data.units if u.kind.value == "COMMUNE" and u.active_on(on)]
    # Wards (phường) are busier than rural communes.
    weighted = [(u.code, 2.0 if getattr(u, "commune_type", None) == "WARD" else 1.0) for u in communes]
    return Province(
        reference=data,
        procedures=procedures,
        commune_procedures=cap_counter_only([i for i in infos if not i.provincial]),
        provincial_procedures=cap_counter_only([i for i in infos if i.provincial]),
        communes=weighted,
    )


def file_ref(dossier_key: str, component: str) -> dict[str, str]:
    digest = hashlib.sha256(f"{dossier_key}/{component}".encode()).hexdigest()
    return {"file_ref": f"dvcqg://tailieu/{dossier_key}/{component}.pdf", "sha256": digest}


def components(procedure: Procedure, channel: str, dossier_key: str) -> list[dict[str, Any]]:
    """The required components as the applicant hands them in: electronic files online, paper otherwise."""
    out: list[dict[str, Any]] = []
    for c in procedure.components:
        if not c.required:
            continue
        if channel == "ONLINE":
            out.append(
                {
                    "code": c.code,
                    "name": c.name,
                    "form": "ELECTRONIC",
                    "files": [file_ref(dossier_key, c.code)],
                    "source": "UPLOADED_BY_APPLICANT",
                }
            )
        else:
            out.append({"code": c.code, "name": c.name, "form": c.form.value, "copies": c.copies})
    return out


def fee_lines(procedure: Procedure, rng: random.Random) -> list[dict[str, Any]]:
    """The fee lines the desk assesses: published unit prices times a small count (pages, copies)."""
    lines = []
    for fee in procedure.fees:
        if not fee.amount_vnd:
            continue
        count = rng.randint(1, 3) if fee.per not in ("hồ sơ", "lần", "giấy", "hồ sơ/lần") else 1
        lines.append({"kind": fee.kind.value, "name": fee.name, "amount_vnd": fee.amount_vnd * count})
    return lines
