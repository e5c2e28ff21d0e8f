"""The read-model DDL: every object carries its projection version, so v2 can be built beside v1."""

from __future__ import annotations

import re

from projections.readmodels import TABLES, VIEW_STEMS, Layout
from projections.readmodels.ddl import ddl


def statements(layout: Layout) -> list[str]:
    return [s.as_string(None) for s in ddl(layout)]


def created_names(layout: Layout) -> list[str]:
    pattern = re.compile(r'CREATE (?:TABLE|INDEX|OR REPLACE VIEW) IF NOT EXISTS "([^"]+)"(?:\."([^"]+)")?')
    view = re.compile(r'CREATE OR REPLACE VIEW "([^"]+)"\."([^"]+)"')
    names = []
    for text in statements(layout):
        if match := view.match(text):
            names.append(match.group(2))
        elif match := pattern.match(text):
            names.append(match.group(2) or match.group(1))
    return names


def test_every_table_index_and_view_of_a_version_is_suffixed_with_it() -> None:
    names = created_names(Layout("projections", 1))
    assert len(names) == len(TABLES) + sum(len(t.indexes) for t in TABLES) + len(VIEW_STEMS)
    assert all("_v1" in name for name in names)
    assert all(len(name.encode()) <= 63 for name in names)  # PostgreSQL would silently truncate longer ones


def test_a_second_version_shares_no_object_with_the_first() -> None:
    v1 = set(created_names(Layout("projections", 1)))
    v2 = set(created_names(Layout("projections", 2)))
    assert v1.isdisjoint(v2) and len(v1) == len(v2)


def test_all_objects_live_in_the_schema_given() -> None:
    texts = statements(Layout("read_side", 1))
    assert texts[0] == 'CREATE SCHEMA IF NOT EXISTS "read_side"'
    assert all('"read_side".' in text for text in texts[1:])
    assert not any('"projections"' in text for text in texts)


def test_keys_and_entity_columns_are_real_columns() -> None:
    for table in TABLES:
        names = set(table.column_names)
        assert set(table.primary_key) <= names, table.stem
        assert table.entity is None or table.entity in names, table.stem
        assert all(set(index) <= names for index in table.indexes), table.stem
        assert len(names) == len(table.columns), f"{table.stem} repeats a column"


def test_history_tables_key_each_revision_and_carry_knowledge_time() -> None:
    histories = [t for t in TABLES if t.stem.endswith("_versions")]
    assert len(histories) == 6
    for table in histories:
        assert table.primary_key[-1] == "revision"
        assert "known_at" in table.column_names
