"""An export under construction: named arrow columns in internal row order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from . import vec


@dataclass
class Table:
    """Columns being built; `get`/`set` touch the few rows that get a defect."""

    columns: dict[str, pa.Array]

    def get(self, column: str, rows: np.ndarray) -> list[Any]:
        return self.columns[column].take(pa.array(np.asarray(rows, dtype=np.int64))).to_pylist()

    def set(self, column: str, rows: np.ndarray | Sequence[int],
            values: pa.Array | Sequence[str | None]) -> None:
        self.columns[column] = vec.put(self.columns[column], np.asarray(rows), values)

    def arrow(self, headers: Sequence[str], start: int = 0, stop: int | None = None) -> pa.Table:
        """Rows [start, stop) with the columns in header order (zero-copy slices)."""
        stop = len(self) if stop is None else stop
        return pa.table({h: self.columns[h].slice(start, stop - start) for h in headers})

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0
