"""Test directories are not packages (pytest's default import mode puts each one on sys.path), so two test
modules with the same file name in different tiers collide at collection. Keep every name unique."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_name_is_unique_across_tiers() -> None:
    names = Counter(p.name for p in TESTS.rglob("*.py") if p.name not in {"conftest.py", "__init__.py"})
    assert [name for name, count in names.items() if count > 1] == []
