"""Golden examples: one realistic event per type in `contracts/examples/<event_type>.json`.

Examples are the structured (flat) form of an event, exactly as `model_dump(mode="json")` renders it.
"""

from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from contracts.envelope import PublicEvent
from contracts.registry import EVENT_TYPES

EXAMPLES_DIR = Path(__file__).parent / "examples"


def example_path(event_type: str) -> Path:
    return EXAMPLES_DIR / f"{event_type}.json"


def load_example(event_type: str) -> dict[str, Any]:
    data = orjson.loads(example_path(event_type).read_bytes())
    if not isinstance(data, dict):
        raise ValueError(f"{example_path(event_type)} does not hold a JSON object")
    return data


def example_event(event_type: str) -> PublicEvent:
    """The golden example validated the way the codec validates what it reads (strict JSON)."""
    return EVENT_TYPES[event_type].model_validate_json(example_path(event_type).read_bytes(), strict=True)


def example_problems() -> list[str]:
    """What is wrong with the examples as a set: missing, unknown, invalid or not in canonical form."""
    present = {path.name.removesuffix(".json") for path in EXAMPLES_DIR.glob("*.json")}
    problems = [
        f"no golden example for {t} (add {example_path(t).name})" for t in sorted(set(EVENT_TYPES) - present)
    ]
    problems += [f"golden example {t}.json has no event type" for t in sorted(present - set(EVENT_TYPES))]
    for event_type in sorted(present & set(EVENT_TYPES)):
        try:
            event = example_event(event_type)
        except ValidationError as error:
            problems.append(f"golden example {event_type}.json is invalid: {error}")
            continue
        if event.model_dump(mode="json") != load_example(event_type):
            problems.append(
                f"golden example {event_type}.json is not in canonical form (+07:00 times, all fields)"
            )
    return problems
