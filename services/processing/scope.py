"""Who may read a case through processing-api (ADR 0531); who may *act* on it is the domain's rule.

Auditors and operators read every case. Officers (processing, counter) read the cases their own unit has a
part in: the lead unit, the receiving desk, a partner agency, a consulted body. An agency lead also reads the
cases of the units below its own in the unit tree (a department head sees its branches' cases); a unit the
tree does not know (a commune's own division such as ``H44.100.VHXH``) counts only as itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from intake.reference.units import UnitTree
from processing.case import Case
from services.runtime.auth import Principal, Role
from services.runtime.problems import ProblemError

UNSCOPED_READERS = frozenset({Role.AUDITOR, Role.OPERATOR})


def covers(tree: UnitTree, root: str, unit: str) -> bool:
    """Whether ``unit`` is ``root`` or lies below it in the unit tree."""
    if unit == root:
        return True
    try:
        return any(ancestor.code == root for ancestor in tree.ancestors(unit))
    except KeyError:
        return False


def may_read(principal: Principal, units: Iterable[str], tree: UnitTree) -> bool:
    """Whether ``principal`` may read a case in which ``units`` have a part."""
    if principal.has_any(UNSCOPED_READERS):
        return True
    own = principal.unit_code
    if own is None:
        return False
    involved = set(units)
    if Role.AGENCY_LEAD in principal.roles:
        return any(covers(tree, own, unit) for unit in involved)
    return own in involved


def check_reader(principal: Principal, case: Case, tree: UnitTree) -> None:
    """403 ``NOT_YOUR_UNIT`` unless ``principal`` may read ``case``."""
    if may_read(principal, case.involved_unit_codes, tree):
        return
    units = ", ".join(sorted(case.involved_unit_codes))
    raise ProblemError(
        403,
        "rule-violation",
        "Not your unit",
        f"Unit {principal.unit_code} has no part in dossier {case.dossier_code} (units: {units}).",
        title_vi="Không thuộc đơn vị của cán bộ",
        detail_vi=f"Đơn vị {principal.unit_code} không tham gia giải quyết hồ sơ {case.dossier_code}"
        f" (các đơn vị: {units}).",
        rule="NOT_YOUR_UNIT",
    )
