"""The effect of one batch on the read model, as data: rows to upsert and entities whose rows to rebuild."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .state import Row
from .tables import TABLES, TABLES_BY_STEM, Table


class RowShapeError(ValueError):
    """A fold produced a row whose columns are not its table's (a programming error, caught in tests)."""


@dataclass
class Changes:
    """Purges run first (every row of the named entities), then upserts; the last row for a key wins."""

    purges: dict[str, set[str]] = field(default_factory=dict)
    rows: dict[str, dict[tuple[object, ...], Row]] = field(default_factory=dict)

    def put(self, table: Table, row: Row) -> None:
        if row.keys() != table.column_set:
            missing = sorted(table.column_set - row.keys())
            extra = sorted(row.keys() - table.column_set)
            raise RowShapeError(f"{table.stem}: missing columns {missing}, unknown columns {extra}")
        self.rows.setdefault(table.stem, {})[table.key_of(row)] = row

    def put_all(self, table: Table, rows: list[Row]) -> None:
        for row in rows:
            self.put(table, row)

    def purge(self, table: Table, entity: str) -> None:
        if table.entity is None:
            raise ValueError(f"{table.stem} has no entity column to purge by")
        self.purges.setdefault(table.stem, set()).add(entity)

    def tables(self) -> Iterator[tuple[Table, list[Row]]]:
        """Tables with rows to upsert, in the fixed order of ``TABLES`` (rows in key order)."""
        for table in TABLES:
            rows = self.rows.get(table.stem)
            if rows:
                yield table, [rows[k] for k in sorted(rows, key=str)]

    def purged(self) -> Iterator[tuple[Table, list[str]]]:
        for stem in sorted(self.purges):
            yield TABLES_BY_STEM[stem], sorted(self.purges[stem])
