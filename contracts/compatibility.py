"""Compatibility of the catalogue with its last release (ADR 0102).

A released v1 type may only gain optional fields (with its minor version raised). Anything else —
a removed or retyped field, a new required field, a removed or added enum value, a tightened or loosened
constraint, a moved topic — needs a new major version and a new topic. The baseline is the lock file
written by `python -m contracts.generate --release`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contracts.documents import event_schema
from contracts.envelope import parse_schema_version
from contracts.registry import EVENT_TYPES
from contracts.topics import all_topics

LOCK_FORMAT = 1

_ANNOTATIONS = {
    "title",
    "description",
    "examples",
    "$comment",
    "$schema",
    "$id",
    "deprecated",
    "readOnly",
    "writeOnly",
}
_SCHEMA_MAPS = {"properties", "$defs", "patternProperties", "dependentSchemas"}
_SCHEMA_LISTS = {"anyOf", "oneOf", "allOf", "prefixItems"}
_SCHEMA_VALUES = {"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else"}
_LOWER_BOUNDS = {"minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties", "minContains"}
_UPPER_BOUNDS = {"maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties", "maxContains"}
_OTHER_CONSTRAINTS = {"pattern", "multipleOf", "uniqueItems"}
_STRUCTURE = {
    "type",
    "format",
    "const",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "$ref",
}


@dataclass(frozen=True)
class Incompatibility:
    subject: str  # event type or topic name
    path: str
    kind: str
    message: str

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        return f"{self.subject}{where}: {self.message} [{self.kind}]"


def build_lock() -> dict[str, Any]:
    """What a release freezes: every type's schema, version and topic, and every topic's partitioning."""
    return {
        "format": LOCK_FORMAT,
        "types": {
            event_type: {
                "schema_version": cls.SCHEMA_VERSION,
                "topic": cls.TOPIC,
                "schema": event_schema(cls),
            }
            for event_type, cls in EVENT_TYPES.items()
        },
        "topics": {topic.name: {"partitions": topic.partitions} for topic in all_topics()},
    }


def check_compatibility(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> list[Incompatibility]:
    problems: list[Incompatibility] = []
    for event_type, old in sorted(baseline["types"].items()):
        new = current["types"].get(event_type)
        if new is None:
            problems.append(
                Incompatibility(event_type, "", "removed-type", "a released event type was removed")
            )
            continue
        if new["topic"] != old["topic"]:
            message = f"moved from topic {old['topic']} to {new['topic']}"
            problems.append(Incompatibility(event_type, "", "topic-changed", message))
        problems += _SchemaComparison(event_type, old["schema"], new["schema"]).run()
        problems += _version_problems(event_type, old, new)
    for name, old_topic in sorted(baseline["topics"].items()):
        new_topic = current["topics"].get(name)
        if new_topic is None:
            problems.append(Incompatibility(name, "", "removed-topic", "a released topic was removed"))
        elif new_topic["partitions"] != old_topic["partitions"]:
            message = (
                f"partitions {old_topic['partitions']} → {new_topic['partitions']} would move keys between "
                "partitions and break per-key order"
            )
            problems.append(Incompatibility(name, "", "partitions-changed", message))
    return problems


def _version_problems(
    event_type: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[Incompatibility]:
    old_version = parse_schema_version(old["schema_version"])
    new_version = parse_schema_version(new["schema_version"])
    changed = canonical(old["schema"]) != canonical(new["schema"])
    if new_version < old_version:
        message = f"schema version went back from {old['schema_version']} to {new['schema_version']}"
        return [Incompatibility(event_type, "", "version-went-back", message)]
    if changed and new_version == old_version:
        message = f"the schema changed but SCHEMA_VERSION is still {new['schema_version']}: raise the minor"
        return [Incompatibility(event_type, "", "version-not-bumped", message)]
    return []


def canonical(node: Any) -> Any:
    """A schema without annotations (titles, descriptions, examples, x-*), which never affect validity."""
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in _ANNOTATIONS or key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            result[key] = {name: canonical(schema) for name, schema in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            result[key] = [canonical(schema) for schema in value]
        elif key in _SCHEMA_VALUES:
            result[key] = canonical(value)
        else:
            result[key] = value
    return result


class _SchemaComparison:
    """Walks the released and the current schema side by side, following `$ref`s into each one's `$defs`."""

    def __init__(self, event_type: str, old_root: Mapping[str, Any], new_root: Mapping[str, Any]) -> None:
        self.event_type = event_type
        self.old_root = old_root
        self.new_root = new_root
        self.problems: list[Incompatibility] = []
        self.visited: set[tuple[str, str]] = set()

    def run(self) -> list[Incompatibility]:
        self.walk(self.old_root, self.new_root, "")
        return self.problems

    def report(self, path: str, kind: str, message: str) -> None:
        self.problems.append(Incompatibility(self.event_type, path or "(root)", kind, message))

    def resolve(self, node: Any, root: Mapping[str, Any]) -> tuple[Any, str | None]:
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str):
            return node, None
        name = ref.rsplit("/", 1)[-1]
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        return {**root.get("$defs", {}).get(name, {}), **siblings}, name

    def walk(self, old: Any, new: Any, path: str) -> None:
        old, old_ref = self.resolve(old, self.old_root)
        new, new_ref = self.resolve(new, self.new_root)
        if old_ref is not None and new_ref is not None:
            if (old_ref, new_ref) in self.visited:
                return
            self.visited.add((old_ref, new_ref))
        if not isinstance(old, dict) or not isinstance(new, dict):
            if old != new:
                self.report(path, "changed", f"{old!r} became {new!r}")
            return
        self.compare_type(old, new, path)
        self.compare_enum(old, new, path)
        self.compare_bounds(old, new, path)
        self.compare_properties(old, new, path)
        self.compare_alternatives(old, new, path)
        if "items" in old or "items" in new:
            self.walk(old.get("items", {}), new.get("items", {}), f"{path}[]")
        if old.get("additionalProperties", True) != new.get("additionalProperties", True):
            self.report(path, "changed", "additionalProperties changed")
        self.compare_rest(old, new, path)

    def compare_type(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        for keyword in ("type", "format"):
            if old.get(keyword) != new.get(keyword):
                self.report(
                    path, "type-changed", f"{keyword} {old.get(keyword)!r} became {new.get(keyword)!r}"
                )
        if old.get("const") != new.get("const"):
            self.report(path, "changed", f"const {old.get('const')!r} became {new.get('const')!r}")

    def compare_enum(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        if "enum" not in old and "enum" not in new:
            return
        old_values, new_values = old.get("enum", []), new.get("enum", [])
        for value in old_values:
            if value not in new_values:
                self.report(path, "removed-enum-value", f"enum value {value!r} was removed")
        for value in new_values:
            if value not in old_values:
                self.report(
                    path, "added-enum-value", f"enum value {value!r} was added; old readers reject it"
                )

    def compare_bounds(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        for keyword in sorted(_LOWER_BOUNDS | _UPPER_BOUNDS | _OTHER_CONSTRAINTS):
            before, after = old.get(keyword), new.get(keyword)
            if before == after:
                continue
            if keyword in _LOWER_BOUNDS:
                tightened = before is None or (after is not None and after > before)
            elif keyword in _UPPER_BOUNDS:
                tightened = before is None or (after is not None and after < before)
            else:
                tightened = after is not None
            kind = "constraint-tightened" if tightened else "constraint-loosened"
            effect = "old events may now fail" if tightened else "old readers may reject new events"
            self.report(path, kind, f"{keyword} {before!r} became {after!r}; {effect}")

    def compare_properties(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        old_properties, new_properties = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name in old_properties:
            where = f"{path}.{name}" if path else name
            if name not in new_properties:
                self.report(where, "removed-field", f"field {name!r} was removed")
                continue
            if name in new_required and name not in old_required:
                self.report(where, "field-became-required", f"field {name!r} became required")
            elif name in old_required and name not in new_required:
                self.report(where, "field-became-optional", f"field {name!r} is no longer required")
            self.walk(old_properties[name], new_properties[name], where)
        for name in new_properties:
            if name not in old_properties and name in new_required:
                where = f"{path}.{name}" if path else name
                self.report(
                    where, "new-required-field", f"new field {name!r} is required; old events lack it"
                )

    def compare_alternatives(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        for keyword in ("anyOf", "oneOf", "allOf"):
            old_branches, new_branches = old.get(keyword), new.get(keyword)
            if old_branches is None and new_branches is None:
                continue
            if old_branches is None or new_branches is None or len(old_branches) != len(new_branches):
                self.report(path, "type-changed", f"{keyword} alternatives changed")
                continue
            for index, (before, after) in enumerate(zip(old_branches, new_branches, strict=True)):
                self.walk(before, after, f"{path}<{keyword}:{index}>")

    def compare_rest(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        handled = (
            _STRUCTURE | _LOWER_BOUNDS | _UPPER_BOUNDS | _OTHER_CONSTRAINTS | _SCHEMA_LISTS | _ANNOTATIONS
        )
        for keyword in sorted(set(old) | set(new)):
            if keyword in handled or keyword.startswith("x-") or keyword == "$defs":
                continue
            if canonical(old.get(keyword)) != canonical(new.get(keyword)):
                self.report(path, "changed", f"{keyword} {old.get(keyword)!r} became {new.get(keyword)!r}")
