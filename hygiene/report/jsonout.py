"""audit.json: the machine-readable audit (schema `hygiene.audit/1`, see CONTRACT.md)."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..fileio import atomic_write
from ..model import FINDING_COLUMNS, observed_counts, text_array
from ..normalize._arrow import to_numpy_mask
from ..normalize.base import arrow
from ..version import __version__
from .options import ReportOptions
from .redact import redact_findings

if TYPE_CHECKING:
    from ..results import Audit

SCHEMA = "hygiene.audit/1"


def _clean(v: Any) -> Any:
    """A JSON-ready scalar; None for every flavour of missing."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return None if np.isnan(v) else float(v)
    return v


def finding_records(findings: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Findings as audit.json objects: keys without a value are left out."""
    text = finding_lines(findings)
    for line in text.to_pylist():
        yield json.loads(line)


_NEEDS_ESCAPE = r'["\\\x00-\x1f]'


def _escaped(arr: pa.Array) -> pa.Array:
    """String values as JSON string literals (quotes included)."""
    needs = pc.fill_null(pc.match_substring_regex(arr, _NEEDS_ESCAPE), False)
    if pc.any(needs).as_py():
        rows = pa.array(np.flatnonzero(needs.to_numpy(zero_copy_only=False)))
        # Only the few values holding a quote, backslash or control character.
        fixed = [json.dumps(v, ensure_ascii=False)[1:-1] for v in arr.take(rows).to_pylist()]
        arr = pc.replace_with_mask(arr, needs, pa.array(fixed, pa.string()))
    return pc.binary_join_element_wise('"', arr, '"', "")


@dataclass(frozen=True)
class _Encoded:
    """One column as JSON: the text of each distinct value (key prefix included) and, per
    row, which one (-1: no value, the key is left out)."""

    texts: pa.Array
    codes: np.ndarray

    def take(self, start: int, stop: int) -> pa.Array:
        c = self.codes[start:stop]
        return self.texts.take(pa.array(c, mask=c < 0))


def _unique_texts(objs: np.ndarray) -> pa.Array:
    """Distinct values as JSON text: strings escaped with pyarrow compute, integers cast,
    anything else through `json.dumps`."""
    try:
        arr = pa.array(objs, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = None
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return _escaped(arr.cast(pa.string()))
    if arr is not None and pa.types.is_integer(arr.type):
        return pc.cast(arr, pa.string())
    return pa.array(
        [
            None if _clean(v) is None else json.dumps(_clean(v), ensure_ascii=False, default=str)
            for v in objs.tolist()
        ],
        pa.string(),
    )


def _integers_as_such(values: pd.Series) -> pd.Series:
    """Integers with gaps, made floats by pandas, back to integers (1, not 1.0)."""
    if values.dtype.kind == "f":
        whole = values.dropna()
        if len(whole) and bool((whole == whole.round()).all()):
            return values.astype("Int64")
    return values


def _encode_values(values: pd.Series, prefix: str) -> _Encoded:
    """A column of scalars; distinct values are encoded once (codes, severities and files
    repeat a million times)."""
    text: pa.Array | None = None
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        text = arrow(values).combine_chunks().cast(pa.string())
    elif values.dtype == object:
        # Hashed in Arrow when only text: pandas' factorize of a million distinct Python
        # strings (values, record ids) is much slower.
        text = text_array(values.to_numpy(dtype=object))
    if text is not None:
        coded = pc.dictionary_encode(text)
        codes = pc.fill_null(coded.indices, -1).to_numpy(zero_copy_only=False)
        texts = _escaped(coded.dictionary)
    elif values.dtype.kind in "iu" or str(values.dtype) in ("Int64", "Int32"):
        ints = values.astype("Int64")
        codes = np.where(ints.isna().to_numpy(), -1, np.arange(len(ints)))
        texts = pa.array(ints.array, pa.int64()).cast(pa.string())
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        texts = _unique_texts(np.asarray(uniques, dtype=object))
    # int32: half the memory of int64 codes, held while the file is written.
    return _Encoded(pc.binary_join_element_wise(prefix, texts, ""), codes.astype(np.int32))


def _encode_related(values: pd.Series, prefix: str) -> _Encoded:
    """`related` lists of dicts as JSON arrays of objects; left out where empty."""
    objs = values.to_numpy(dtype=object)
    full = np.flatnonzero(~pd.isna(objs))
    full = full[[isinstance(objs[i], (list, tuple)) and len(objs[i]) > 0 for i in full]]
    codes = np.full(len(values), -1, dtype=np.int64)
    if not len(full):
        return _Encoded(pa.array([], pa.string()), codes)
    lists = objs[full]
    lengths = np.fromiter((len(v) for v in lists), dtype=np.int32, count=len(lists))
    refs = pd.DataFrame.from_records([r for v in lists for r in v])
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
    objects = object_lines(refs, list(refs.columns))
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, objects), ",")
    codes[full] = np.arange(len(full))
    return _Encoded(
        pc.binary_join_element_wise(prefix + "[", joined, "]", ""), codes.astype(np.int32)
    )


#: Rows encoded at a time: pyarrow grows one output buffer per call, and buffers of
#: hundreds of MB grow slowly.
CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class _Chunked:
    """A column of mostly distinct values (messages, record ids, values, related lists),
    encoded a chunk at a time: encoded whole, its JSON text was a second copy of the
    column, held while the file was written."""

    values: pd.Series
    prefix: str
    related: bool

    def take(self, start: int, stop: int) -> pa.Array:
        part = self.values.iloc[start:stop]
        encode = _encode_related if self.related else _encode_values
        return encode(part, self.prefix).take(0, stop - start)


def _column_encoder(values: pd.Series, name: str) -> _Encoded | _Chunked:
    """Few-valued columns (categoricals: codes, severities, files) encoded once, the others
    per chunk."""
    prefix = json.dumps(name) + ":"
    if isinstance(values.dtype, pd.CategoricalDtype):
        return _encode_values(values, prefix)
    return _Chunked(_integers_as_such(values), prefix, name == "related")


def object_chunks(
    frame: pd.DataFrame, columns: Sequence[str], suffix: str = ""
) -> Iterator[pa.Array]:
    """Rows as JSON objects (keys without a value left out, then `suffix`), in chunks."""
    cols = [_column_encoder(frame[c], c) for c in columns if c in frame.columns]
    for start in range(0, len(frame), CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, len(frame))
        if not cols:
            yield pa.array(["{}" + suffix] * (stop - start), pa.string())
            continue
        parts = [c.take(start, stop) for c in cols]
        yield pc.binary_join_element_wise("{", _join_present(parts), "}" + suffix, "")


def _join_present(parts: list[pa.Array]) -> pa.Array:
    """The non-null parts of each row joined with ",", "" where a row has none.

    pyarrow 26's `binary_join_element_wise(..., null_handling="skip")` drops a row whose
    parts are all null instead of giving "" (the rows after it would shift onto the wrong
    objects), so such rows are joined apart."""
    empty = np.ones(len(parts[0]), dtype=bool)
    for p in parts:
        if p.null_count < len(p):
            empty &= to_numpy_mask(p.is_null())
    if not empty.any():
        return pc.binary_join_element_wise(*parts, ",", null_handling="skip")
    some = pa.array(np.flatnonzero(~empty))
    out = pa.array([""] * len(empty), pa.string())
    if len(some):
        joined = pc.binary_join_element_wise(
            *[p.take(some) for p in parts], ",", null_handling="skip"
        )
        out = pc.replace_with_mask(out, pa.array(~empty), joined.cast(pa.string()))
    return out


def object_lines(frame: pd.DataFrame, columns: Sequence[str]) -> pa.Array:
    """Each row as one JSON object (keys without a value left out)."""
    chunks = list(object_chunks(frame, columns))
    return pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())


def finding_lines(findings: pd.DataFrame) -> pa.Array:
    """Each finding as one JSON object (FINDING_COLUMNS order, keys without a value left
    out), built a column at a time: `json.dump` of a million finding dicts is slow (its
    pure-Python encoder runs whenever `indent` is set), and so is building the dicts."""
    return object_lines(findings, FINDING_COLUMNS)


def audit_dict(audit: Audit, findings_value: Any = None, redacted: bool = False) -> dict[str, Any]:
    """The whole audit.json document (`findings_value` stands in for the findings list;
    `redacted` marks a document whose personal values are redaction tokens)."""
    findings = audit.findings
    counts = observed_counts(findings["code"]).sort_index()
    by_sev = observed_counts(findings["severity"])
    return {
        "schema": SCHEMA,
        "generated_at": audit.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": {"name": "crm-hygiene", "version": __version__},
        **({"redacted": True} if redacted else {}),
        "sources": [audit.source_record(s) for s in audit.sources],
        "score": audit.score.to_dict(),
        "findings": (list(finding_records(findings)) if findings_value is None else findings_value),
        "duplicates": audit.duplicates,
        "links": audit.link_summary(),
        "summary": {
            "rows": int(sum(s.rows for s in audit.sources)),
            "findings": {str(k): int(v) for k, v in counts.items()},
            "severities": {str(k): int(by_sev.get(k, 0)) for k in ("error", "warning", "info")},
            "records_with_errors": int(
                findings.loc[
                    (findings["severity"] == "error") & (findings["pos"] >= 0), ["source", "pos"]
                ]
                .drop_duplicates()
                .shape[0]
            ),
            "duplicate_clusters": len(audit.duplicates),
            "workflows": list(audit.score.workflows),
            "seconds": {k: round(v, 3) for k, v in audit.timings.items()},
        },
    }


def _write_chunks(fh: IO[bytes], chunks: Iterable[pa.Array]) -> None:
    """A JSON array, one item a line, from chunks of items each ending in ",\\n"; written
    straight from pyarrow's buffers."""
    fh.write(b"[")
    pending = b"\n"
    for chunk in chunks:
        if not len(chunk):
            continue
        chunk = pa.concat_arrays([chunk]) if chunk.offset else chunk
        ends = np.frombuffer(chunk.buffers()[1], dtype=np.int32, count=len(chunk) + 1)
        body = memoryview(chunk.buffers()[2])[ends[0] : ends[-1]]
        fh.write(pending)
        fh.write(body[:-2])  # the last ",\n" waits: the array's last item has none
        pending = b",\n"
    fh.write(b"\n]" if pending == b",\n" else b"]")


def write_json(audit: Audit, path: Path, options: ReportOptions | None = None) -> Path:
    """Write audit.json. Under `options.redact` every email, phone number and name in the
    findings (value, suggestion, message) is a redaction token and `"redacted": true` says so.

    The findings and the duplicate clusters are written one object a line, encoded a
    column at a time; the rest is indented.
    """
    redact = options is not None and options.redact
    findings = redact_findings(audit.findings, audit.sources, tokens=True) if redact else None
    mark = f"@@{uuid.uuid4().hex}@@"
    doc = audit_dict(audit, findings_value=mark + "findings", redacted=redact)
    clusters = doc["duplicates"]
    doc["duplicates"] = mark + "duplicates"
    text = json.dumps(doc, ensure_ascii=False, indent=1, default=str)
    head, rest = text.split(json.dumps(mark + "findings"), 1)
    middle, tail = rest.split(json.dumps(mark + "duplicates"), 1)
    dumped = [json.dumps(c, ensure_ascii=False, default=str) for c in clusters]
    with atomic_write(path, "wb") as fh:
        fh.write(head.encode("utf-8"))
        rows = audit.findings if findings is None else findings
        _write_chunks(fh, object_chunks(rows, FINDING_COLUMNS, ",\n"))
        fh.write(middle.encode("utf-8"))
        _write_chunks(fh, [pa.array([d + ",\n" for d in dumped], pa.string())])
        fh.write((tail + "\n").encode("utf-8"))
    return path
