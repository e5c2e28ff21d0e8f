"""Group MDSH (digitisation): worked examples for every row."""

from __future__ import annotations

from index766_kit import (
    COMMUNE_A,
    COMMUNE_B,
    DEPARTMENT,
    PROVINCE,
    at,
    d,
    dossier,
    facts,
    procedure,
    rows_by_subject,
    run,
)

from projections.index766 import ApplicantKind, Component, ComponentSource, Outcome

APPROVED = Outcome.APPROVED
DONE = at(2026, 3, 5, 10)


def scan(source: ComponentSource = ComponentSource.COUNTER_SCAN) -> Component:
    return Component(code="TP1", file_attached=True, source=source)


PROCEDURES = (procedure("P1"), procedure("P2", paper_result=False), procedure("PC", certification=True))
DOSSIERS = (
    dossier(
        "G1",
        outcome=APPROVED,
        finished_at=DONE,
        result_code="KQ",
        result_file_linked=True,
        components=(scan(ComponentSource.DATA_STORE),),
        vneid_authenticated=True,
    ),
    dossier(
        "G2",
        outcome=APPROVED,
        finished_at=DONE,
        components=(scan(ComponentSource.REUSED_RESULT),),
        population_db_linked=True,
    ),
    dossier(
        "G3",
        procedure_code="P2",
        outcome=APPROVED,
        finished_at=DONE,
        result_code="KQ",
        result_file_linked=True,
        result_in_data_store=True,
        applicant_kind=ApplicantKind.ORGANISATION,
    ),
    dossier("G4"),  # unfinished, nothing digitised
    dossier(
        "G5",
        procedure_code="PC",
        unit_code=COMMUNE_A,
        outcome=APPROVED,
        finished_at=DONE,
        result_code="BS",
        result_file_linked=True,
        components=(scan(),),
    ),
    dossier("G6", procedure_code="PC", unit_code=COMMUNE_B, outcome=APPROVED, finished_at=DONE),
)
BASE = facts(procedures=PROCEDURES, dossiers=DOSSIERS)


def test_electronic_results_and_digitised_dossiers() -> None:
    result = run(BASE, unit_code=PROVINCE)
    e_result = result.indicator("ORIGINAL_RESULT_AVAILABLE")
    # approved dossiers of paper-result procedures: G1, G2, G5, G6; with a result file: G1, G5 → 6 × 2/4 = 3
    assert (e_result.numerator, e_result.denominator, e_result.points) == (2, 4, d("3"))
    digitised = result.indicator("SO_HOA_GIAY_TO_GIAI_QUYET")
    # approved: G1, G2, G3, G5, G6; components and result both filed: G1, G5 → 4 × 2/5 = 1.6
    assert (digitised.numerator, digitised.denominator, digitised.points) == (2, 5, d("1.6"))
    assert rows_by_subject(result, "SO_HOA_GIAY_TO_GIAI_QUYET")["G3"].reason_en == "no files for: components"


def test_communes_issuing_electronic_certified_copies() -> None:
    result = run(BASE, unit_code=PROVINCE)
    indicator = result.indicator("ELECTRONIC_CERTIFIED_COPY")
    # communes in the province: X01 (G5 has an e-copy), X02 (none) → 2 × 1/2 = 1
    assert (indicator.numerator, indicator.denominator, indicator.points) == (1, 2, d("1"))
    rows = rows_by_subject(result, "ELECTRONIC_CERTIFIED_COPY")
    assert rows[COMMUNE_A].reason_en == "Xã An: 1 electronic certified copy"
    assert not rows[COMMUNE_B].in_numerator
    # a department has no communes: empty → 0 points under the ruleset's rule
    assert run(BASE, unit_code=DEPARTMENT).indicator("ELECTRONIC_CERTIFIED_COPY").denominator == 0


def test_reuse_and_data_store() -> None:
    result = run(BASE, unit_code=PROVINCE)
    reused = result.indicator("REUSED_DIGITIZED_DATA")
    # received: 6; re-using: G1 (data store), G2 (previous result) → 1/3; full at 80 %: 2 × (1/3)/0.8 = 5/6
    assert (reused.numerator, reused.denominator, reused.points) == (2, 6, d("0.8333333333"))
    assert rows_by_subject(result, "REUSED_DIGITIZED_DATA")["G2"].reason_en == "re-used: TP1 (REUSED_RESULT)"
    store = result.indicator("SYNCED_WITH_DVCQG_PERSONAL_STORAGE")
    # G1 (component from the store), G3 (result pushed to the store) → 4 × 2/6 = 4/3
    assert (store.numerator, store.points) == (2, d("1.3333333333"))


def test_population_data_rows() -> None:
    result = run(BASE, unit_code=PROVINCE)
    dossiers = result.indicator("CITIZEN_DATA_CONNECTED_DOSSIER")
    # individuals' dossiers: all but G3; with VNeID or MaCSDL: G1, G2 → 2 × 2/5 = 0.8
    assert (dossiers.numerator, dossiers.denominator, dossiers.points) == (2, 5, d("0.8"))
    procedures = result.indicator("CITIZEN_DATA_CONNECTED_FORMALITY")
    # procedures for individuals with individuals' dossiers: P1 (G1, G2 flagged), PC (none) → 2 × 1/2 = 1
    assert (procedures.numerator, procedures.denominator, procedures.points) == (1, 2, d("1"))
    assert rows_by_subject(result, "CITIZEN_DATA_CONNECTED_FORMALITY")["P1"].reason_en == (
        "2/3 dossier(s) used population data"
    )
    # MDSH: 3 + 1.6 + 1 + 5/6 + 4/3 + 0.8 + 1 = 287/30
    assert result.group("MDSH").points == d("9.5666666667")
