"""What the sample data really holds: every injected defect, duplicate group and
cross-system link, by file and 1-based data row, so audits can be scored against it.

Small runs write everything into truth.json. Large runs (see `generate(truth_format=...)`)
keep counts in truth.json and write the lists as CSV beside it (truth_defects.csv,
truth_duplicates.csv, truth_links.csv, truth_hard_negatives.csv): a million rows give
hundreds of thousands of entries, which JSON holds at several times the size and load time.
`load_truth` reads either form into DataFrames.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

DEFECT_COLUMNS = (
    "source", "file", "row", "kind", "field", "column", "value", "expected",
    "related_source", "related_file", "related_row",
)
GROUP_COLUMNS = ("group", "source", "file", "row")
LISTS = ("defects", "duplicates", "links", "hard_negatives")


@dataclass
class Locator:
    """Where the internal rows of one source landed: file name and 1-based row."""

    source: str
    files: tuple[str, ...]
    file_of: np.ndarray  # index into files, per internal row
    row_of: np.ndarray  # 1-based data row in that file, per internal row

    def file(self, idx: np.ndarray) -> np.ndarray:
        return np.array(self.files, dtype=object)[self.file_of[idx]]

    def row(self, idx: np.ndarray) -> np.ndarray:
        return self.row_of[idx]


Values: TypeAlias = Sequence[Any] | pa.Array | np.ndarray | None


@dataclass
class Recorder:
    """Collects defects as they are injected, by internal row; `frame` resolves rows."""

    chunks: list[pd.DataFrame] = field(default_factory=list)

    def add(
        self,
        source: str,
        idx: Sequence[int] | np.ndarray,
        kind: str,
        field_name: str,
        column: str | None,
        value: Values,
        expected: Values = None,
        related: tuple[str, np.ndarray] | None = None,
    ) -> None:
        n = len(idx)
        if n == 0:
            return
        self.chunks.append(
            pd.DataFrame(
                {
                    "source": source,
                    "idx": np.asarray(idx, dtype=np.int64),
                    "kind": kind,
                    "field": field_name,
                    "column": column,
                    "value": _objects(value, n),
                    "expected": _objects(expected, n),
                    "related_source": None if related is None else related[0],
                    "related_idx": -1 if related is None else np.asarray(related[1]),
                }
            )
        )

    def frame(self, locators: dict[str, Locator]) -> pd.DataFrame:
        """All defects with file and row, sorted by source, file, row and kind."""
        if not self.chunks:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in DEFECT_COLUMNS})
        df = pd.concat(self.chunks, ignore_index=True)
        out = pd.DataFrame({"source": df["source"].astype(object)})
        out["file"] = None
        out["row"] = 0
        out["related_file"] = None
        out["related_row"] = pd.array([pd.NA] * len(df), dtype="Int64")
        for name, loc in locators.items():
            own = (df["source"] == name).to_numpy()
            idx = df["idx"].to_numpy()[own]
            out.loc[own, "file"] = loc.file(idx)
            out.loc[own, "row"] = loc.row(idx)
            rel = (df["related_source"] == name).to_numpy()
            ridx = df["related_idx"].to_numpy()[rel]
            out.loc[rel, "related_file"] = loc.file(ridx)
            out.loc[rel, "related_row"] = loc.row(ridx)
        for c in ("kind", "field", "column", "value", "expected", "related_source"):
            out[c] = df[c].astype(object)
        out = out[list(DEFECT_COLUMNS)]
        # Sorting on integer codes: pandas' sort on object columns is slower.
        keys = [pd.factorize(out[c], sort=True)[0] for c in ("kind", "file", "source")]
        order = np.lexsort((keys[0], out["row"].to_numpy(np.int64), keys[1], keys[2]))
        return out.iloc[order].reset_index(drop=True)


def _objects(values: Values, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, None, dtype=object)
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return np.array(values.to_pylist(), dtype=object)
    out = np.empty(n, dtype=object)
    out[:] = list(values)
    return out


def groups_frame(
    groups: Sequence[Sequence[tuple[str, int]]] | None,
    locators: dict[str, Locator],
    flat: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Groups of rows as one row per member: group number (from 1), source, file, row.

    Give either `groups` (lists of (source, internal row)) or `flat` with columns group,
    source, idx (the vectorised form for large runs)."""
    if flat is None:
        items = [(g + 1, s, i) for g, members in enumerate(groups or ()) for s, i in members]
        flat = pd.DataFrame({
            "group": np.array([g for g, _, _ in items], dtype=np.int64),
            "source": np.array([s for _, s, _ in items], dtype=object),
            "idx": np.array([i for _, _, i in items], dtype=np.int64),
        })
    out = pd.DataFrame({"group": flat["group"].to_numpy(np.int64),
                        "source": flat["source"].astype(object).to_numpy()})
    out["file"] = None
    out["row"] = 0
    for name, loc in locators.items():
        own = (flat["source"] == name).to_numpy()
        idx = flat["idx"].to_numpy(np.int64)[own]
        out.loc[own, "file"] = loc.file(idx)
        out.loc[own, "row"] = loc.row(idx)
    source = pd.factorize(out["source"], sort=True)[0]
    order = np.lexsort((out["row"].to_numpy(np.int64), source, out["group"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def _member_dicts(df: pd.DataFrame) -> list[list[dict[str, Any]]]:
    out: list[list[dict[str, Any]]] = []
    for _, g in df.groupby("group", sort=True):
        out.append([{"source": s, "file": f, "row": int(r)}
                    for s, f, r in zip(g["source"], g["file"], g["row"], strict=True)])
    return out


def _defect_dicts(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in df.to_dict("records"):
        d: dict[str, Any] = {}
        for k in ("source", "file", "row", "kind", "field", "column", "value", "expected"):
            v = rec[k]
            if v is not None and not (isinstance(v, float) and np.isnan(v)):
                d[k] = int(v) if k == "row" else v
        if rec["related_source"] is not None and not pd.isna(rec["related_source"]):
            d["related"] = {"source": rec["related_source"], "file": rec["related_file"],
                            "row": int(rec["related_row"])}
        out.append(d)
    return out


def _arrow_table(df: pd.DataFrame) -> pa.Table:
    """The list as an arrow table: pyarrow writes it faster than DataFrame.to_csv."""
    cols = {}
    for c in df.columns:
        numeric = c in ("row", "related_row", "group")
        kind = pa.int64() if numeric else pa.string()
        cols[c] = pa.array(df[c].to_numpy(dtype=object), type=kind, from_pandas=True)
    return pa.table(cols)


def write_truth(
    path: Path, meta: dict[str, Any], lists: dict[str, pd.DataFrame], inline: bool
) -> list[Path]:
    """truth.json (and, unless `inline`, the CSV lists beside it); returns the files written."""
    doc = dict(meta)
    defects = lists["defects"]
    doc["counts"] = {k: int(v) for k, v in defects["kind"].value_counts().sort_index().items()}
    doc["counts"].update({k: int(lists[k]["group"].nunique()) for k in LISTS[1:]})
    written = [path]
    for name in LISTS:
        df = lists[name]
        if inline:
            doc[name] = _defect_dicts(df) if name == "defects" else _member_dicts(df)
        else:
            csv_path = path.with_name(f"truth_{name}.csv")
            pacsv.write_csv(_arrow_table(df), str(csv_path))
            doc[f"{name}_csv"] = csv_path.name
            written.append(csv_path)
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return written


@dataclass
class Truth:
    """truth.json read back: its metadata and the four lists as DataFrames."""

    meta: dict[str, Any]
    defects: pd.DataFrame
    duplicates: pd.DataFrame
    links: pd.DataFrame
    hard_negatives: pd.DataFrame


def load_truth(path: Path | str) -> Truth:
    """Read truth.json (inline or with its CSV lists) into DataFrames: defects with
    `DEFECT_COLUMNS`, the groups with `GROUP_COLUMNS`."""
    path = Path(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    frames: dict[str, pd.DataFrame] = {}
    for name in LISTS:
        if f"{name}_csv" in doc:
            frames[name] = pd.read_csv(path.with_name(doc.pop(f"{name}_csv")), dtype=str,
                                       keep_default_na=False, na_values=[""])
        elif name == "defects":
            rows = []
            for d in doc.pop(name, []):
                rel = d.get("related") or {}
                rows.append({**{c: d.get(c) for c in DEFECT_COLUMNS[:8]},
                             "related_source": rel.get("source"),
                             "related_file": rel.get("file"), "related_row": rel.get("row")})
            frames[name] = pd.DataFrame(rows, columns=list(DEFECT_COLUMNS))
        else:
            rows = [{"group": g, **m} for g, members in enumerate(doc.pop(name, []), 1)
                    for m in members]
            frames[name] = pd.DataFrame(rows, columns=list(GROUP_COLUMNS))
    for df in frames.values():
        for c in ("row", "related_row", "group"):
            if c in df:
                df[c] = pd.to_numeric(df[c]).astype("Int64")
    return Truth(doc, frames["defects"], frames["duplicates"], frames["links"],
                 frames["hard_negatives"])
