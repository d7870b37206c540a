"""The data every step passes on: sources, findings, duplicate clusters.

A `Source` is one system's export after loading: the original columns untouched (all text),
the provenance of each row, and the map from original columns to canonical fields.
Findings travel as one DataFrame (`FINDING_COLUMNS`) because an audit of a million rows
can hold hundreds of thousands of them; `Finding` is the one-row view for the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .fields import DIMENSIONS as DIMENSIONS
from .fields import FIELDS as FIELDS
from .fields import FINDING_COLUMNS as FINDING_COLUMNS
from .fields import INTERNAL_FINDING_COLUMNS as INTERNAL_FINDING_COLUMNS
from .fields import PROVENANCE_COLUMNS as PROVENANCE_COLUMNS
from .fields import SEVERITIES as SEVERITIES
from .trend import Trend as Trend


@dataclass
class Source:
    """One system's export, loaded.

    `data` holds the original columns (headers made unique, every cell text or missing) in
    file order; `provenance` is aligned with it row by row; `columns` maps original column
    names onto canonical fields (at most one column per field).
    """

    name: str
    platform: str
    data: pd.DataFrame
    provenance: pd.DataFrame
    columns: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    paths: list[Path] = field(default_factory=list)
    platform_confidence: float = 0.0
    #: Problems found while reading (ragged rows ...), as a findings frame.
    load_findings: pd.DataFrame | None = None
    #: Column -> "dmy" / "mdy": how its numeric dates are read (given, or decided from it).
    date_orders: dict[str, str] = field(default_factory=dict)
    #: Bytes its files gave (ZIP members unpacked), for the memory limit of hygiene.load.limits.
    bytes_read: int = 0

    @property
    def files(self) -> list[str]:
        """File names as they appear in findings (base names; ZIP members as zip/member)."""
        return [str(f) for f in pd.unique(self.provenance["file"].dropna())]

    @property
    def rows(self) -> int:
        return len(self.data)

    @property
    def fields(self) -> dict[str, str]:
        """Canonical field -> original column."""
        return {f: c for c, f in self.columns.items()}

    def column_for(self, name: str) -> str | None:
        return self.fields.get(name)

    def has(self, name: str) -> bool:
        return name in self.fields

    def field(self, name: str) -> pd.Series | None:
        """The raw values of a canonical field, or None when no column maps to it."""
        col = self.fields.get(name)
        return None if col is None else self.data[col]

    def record_ids(self) -> pd.Series:
        """The platform's own id of each row (record_id, else source_id), or missing."""
        for name in ("record_id", "source_id"):
            s = self.field(name)
            if s is not None:
                return s
        return pd.Series(pd.NA, index=self.data.index, dtype="str")


@dataclass(frozen=True)
class Finding:
    """One problem on one row (or one column when `row` is None). See CONTRACT.md."""

    code: str
    severity: str
    message: str
    source: str
    dimension: str = "validity"
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    record_id: str | None = None
    field: str | None = None
    column: str | None = None
    value: str | None = None
    suggestion: str | None = None
    related: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The audit.json form: keys with no value are left out."""
        out: dict[str, Any] = {}
        for k, v in asdict(self).items():
            if v is None or v == () or v == []:
                continue
            out[k] = list(v) if k == "related" else v
        return out


#: Findings columns with a handful of distinct values (codes, files, fields ...), held as
#: categoricals: a byte a row instead of a Python string each, a large saving on a big
#: findings frame. Readers compare and map them like strings; none writes new values.
#: A filtered frame keeps every category: count with `observed_counts`, not `value_counts`.
FEW_VALUED_COLUMNS = ("code", "severity", "dimension", "source", "file", "sheet", "field", "column")


#: Findings columns held as text (str dtype, NaN when missing) when they hold only text:
#: Python strings per finding would cost more memory.
TEXT_COLUMNS = ("record_id", "value", "suggestion")


def compact_findings(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its few-valued columns as categoricals and its text columns as Arrow
    text (in place; returned for chaining)."""
    for c in FEW_VALUED_COLUMNS:
        if c in frame and not isinstance(frame[c].dtype, pd.CategoricalDtype):
            codes, uniques = pd.factorize(frame[c], use_na_sentinel=True)
            frame[c] = category_from_codes(codes, list(uniques))
    for c in TEXT_COLUMNS:
        if c in frame and frame[c].dtype == object:
            frame[c] = _as_text(frame[c])
    return frame


def _as_text(values: pd.Series) -> pd.Series:
    """An object column as str dtype when it holds only strings and missing values."""
    arr = text_array(values.to_numpy(dtype=object))
    if arr is None:
        return values
    return pd.Series(pd.array(arr.cast(pa.large_string()), dtype="str"), index=values.index,
                     copy=False)


def text_array(values: Sequence[object] | np.ndarray) -> pa.Array | None:
    """Python objects holding only strings and missing values (None, NaN) as one string
    array; None when anything else is among them."""
    try:
        arr = pa.array(np.asarray(values, dtype=object), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if pa.types.is_string(arr.type) or pa.types.is_null(arr.type):
        return arr.cast(pa.string())
    return None


def is_missing(v: Any) -> bool:
    """None, NaN, pd.NA or NaT: what pandas reads as a missing scalar."""
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def category_from_codes(codes: np.ndarray, values: Sequence[Any]) -> pd.Categorical:
    """A findings categorical from codes into `values` (-1 or a missing value: missing).

    Text categories whatever the values are (so that pieces from different steps combine),
    sorted (so that sorting or grouping by the column orders as the strings did), only those
    used."""
    labels = [None if is_missing(v) else str(v) for v in values]
    used = np.zeros(len(labels) + 1, dtype=bool)
    used[codes] = True  # code -1 marks the extra last slot
    cats = sorted({lab for lab, u in zip(labels, used, strict=False) if u and lab is not None})
    at = {lab: i for i, lab in enumerate(cats)}
    remap = np.array([at.get(lab, -1) if lab is not None else -1 for lab in labels] + [-1])
    dtype: pd.CategoricalDtype[object] = pd.CategoricalDtype(pd.Index(cats, dtype="str"))
    return pd.Categorical.from_codes(remap[codes], dtype=dtype)


def observed_counts(column: pd.Series) -> pd.Series:
    """Rows per value, most frequent first, of the values present (a categorical's
    `value_counts` also lists its unused categories, with 0)."""
    counts = column.value_counts()
    return counts[counts.to_numpy() > 0]


def concat_findings(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Findings frames one after the other, the few-valued columns kept categorical (plain
    `pd.concat` turns categoricals with different categories into Python strings)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return compact_findings(empty_findings())
    if len(frames) == 1:
        return compact_findings(frames[0].reset_index(drop=True))
    columns = list(frames[0].columns)
    few = [c for c in columns if c in FEW_VALUED_COLUMNS]
    for f in frames:
        compact_findings(f)
    out = pd.concat([f.drop(columns=few) for f in frames], ignore_index=True)
    for c in few:
        out[c] = pd.Categorical(
            pd.api.types.union_categoricals(
                [f[c].array for f in frames], sort_categories=True, ignore_order=True
            )
        )
    return out[columns]


def empty_findings() -> pd.DataFrame:
    """A findings frame with no rows and the right columns."""
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in FINDING_COLUMNS})
    frame["pos"] = pd.Series(dtype="int64")
    return frame
