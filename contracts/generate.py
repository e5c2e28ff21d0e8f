"""`python -m contracts.generate [--check | --release]`: regenerate, verify or release the contracts.

- no option: write `schemas/<event_type>.json` and `asyncapi.json` from the models;
- `--check`: change nothing; fail when the committed documents differ from the models, when a golden
  example is missing or invalid, or when the catalogue is not compatible with the released baseline;
- `--release`: after the same compatibility check, write the documents and freeze the baseline
  `released/v1.lock.json`.
"""

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from contracts.compatibility import Incompatibility, build_lock, check_compatibility
from contracts.documents import SCHEMAS_DIR, expected_documents, render
from contracts.golden import example_problems

PACKAGE_DIR = Path(__file__).parent
DESCRIPTION = "Regenerate, verify or release the public event contracts."
LOCK_FILE = "released/v1.lock.json"
REGENERATE = "run `make contracts` (python -m contracts.generate) and commit the result"
BREAKING = (
    "a released v1 contract may only gain optional fields (raise its SCHEMA_VERSION minor); anything else "
    "needs a new major version and topic (docs/adr/0102)"
)


def drift(root: Path, expected: Mapping[str, bytes]) -> list[str]:
    """Generated files that are missing, differ from the models, or no longer belong to any type."""
    problems = []
    for relative, content in sorted(expected.items()):
        path = root / relative
        if not path.exists():
            problems.append(f"{relative} is missing")
        elif path.read_bytes() != content:
            problems.append(f"{relative} differs from what the models produce")
    for path in sorted((root / SCHEMAS_DIR).glob("*.json")):
        relative = f"{SCHEMAS_DIR}/{path.name}"
        if relative not in expected:
            problems.append(f"{relative} belongs to no event type")
    return problems


def write(root: Path, expected: Mapping[str, bytes]) -> list[str]:
    """Write what changed and remove stale schemas; returns the paths touched."""
    touched = []
    for relative, content in sorted(expected.items()):
        path = root / relative
        if not path.exists() or path.read_bytes() != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            touched.append(relative)
    for path in sorted((root / SCHEMAS_DIR).glob("*.json")):
        if f"{SCHEMAS_DIR}/{path.name}" not in expected:
            path.unlink()
            touched.append(f"{SCHEMAS_DIR}/{path.name} (removed)")
    return touched


def load_lock(root: Path) -> dict[str, Any] | None:
    path = root / LOCK_FILE
    if not path.exists():
        return None
    lock = orjson.loads(path.read_bytes())
    if not isinstance(lock, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return lock


def compatibility_problems(root: Path, current: Mapping[str, Any]) -> list[Incompatibility]:
    baseline = load_lock(root)
    return [] if baseline is None else check_compatibility(baseline, current)


def check(root: Path) -> int:
    failed = False
    examples = example_problems()
    # The documents embed the golden examples: with an invalid example they cannot be built, and the
    # example problems (and the compatibility verdict below) are what the reader needs to see.
    generated = [] if examples else drift(root, expected_documents())
    for problem in generated + examples:
        print(f"contracts: {problem}", file=sys.stderr)
    if generated:
        print(f"contracts: generated documents are out of date: {REGENERATE}", file=sys.stderr)
        failed = True
    if examples:
        print("contracts: fix the golden examples under contracts/examples/", file=sys.stderr)
        failed = True
    if load_lock(root) is None:
        print(f"contracts: no release baseline {LOCK_FILE}; create it with --release", file=sys.stderr)
        failed = True
    incompatible = compatibility_problems(root, build_lock())
    for incompatibility in incompatible:
        print(f"contracts: incompatible: {incompatibility}", file=sys.stderr)
    if incompatible:
        print(f"contracts: {BREAKING}", file=sys.stderr)
        failed = True
    if not failed:
        print("contracts: documents, golden examples and compatibility with the release are in order")
    return 1 if failed else 0


def generate(root: Path) -> int:
    touched = write(root, expected_documents())
    print(f"contracts: {len(touched)} file(s) written" + "".join(f"\n  {path}" for path in touched))
    return 0


def release(root: Path) -> int:
    current = build_lock()
    incompatible = compatibility_problems(root, current)
    for incompatibility in incompatible:
        print(f"contracts: incompatible: {incompatibility}", file=sys.stderr)
    if incompatible:
        print(f"contracts: release refused: {BREAKING}", file=sys.stderr)
        return 1
    examples = example_problems()
    for problem in examples:
        print(f"contracts: {problem}", file=sys.stderr)
    if examples:
        print("contracts: release refused until every type has a valid golden example", file=sys.stderr)
        return 1
    generate(root)
    lock_path = root / LOCK_FILE
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path.write_bytes(render(current))
    print(f"contracts: released baseline written to {LOCK_FILE} ({len(current['types'])} event types)")
    return 0


def main(argv: Sequence[str] | None = None, root: Path = PACKAGE_DIR) -> int:
    parser = argparse.ArgumentParser(prog="python -m contracts.generate", description=DESCRIPTION)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="verify only; exit 1 on drift or incompatibility")
    mode.add_argument("--release", action="store_true", help="freeze the current catalogue as the baseline")
    arguments = parser.parse_args(argv)
    if arguments.check:
        return check(root)
    if arguments.release:
        return release(root)
    return generate(root)


if __name__ == "__main__":
    sys.exit(main())
