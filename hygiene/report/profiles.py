"""Per-source profiles (fill rate per column, key categoricals) and the CRM/ESP overlap."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..arrays import distinct
from ..model import FIELDS, Source
from ..normalize.base import arrow
from ..prepared import Prepared
from .charts import venn
from .context import DistItem, Distribution, FieldFill, OverlapView, SourceProfile
from .redact import mask_series

#: Categorical fields whose distribution a profile shows, in this order (up to MAX_DISTS).
KEY_CATEGORICALS = (
    "country",
    "lifecycle_stage",
    "lead_status",
    "email_status",
    "marketable",
    "consent",
    "lead_source",
    "state",
    "owner",
    "language",
    "gender",
)
MAX_DISTS = 6
TOP_VALUES = 8


def distribution(
    values: pd.Series, label: str, column: str, field: str | None, redact: bool
) -> Distribution:
    """The TOP_VALUES most common values, then the rest as "(other)"."""
    counts = values.value_counts(dropna=True)
    filled = int(counts.sum())
    top = counts.head(TOP_VALUES)
    labels = pd.Series(top.index.astype(str), dtype="str")
    if redact:
        labels = mask_series(labels, field)
    items = [
        DistItem(label=str(lab), count=int(n), share=n / filled if filled else 0.0)
        for lab, n in zip(labels.tolist(), top.tolist(), strict=True)
    ]
    rest = filled - int(top.sum())
    if rest:
        items.append(DistItem(label="(other)", count=rest, share=rest / filled))
    return Distribution(label=label, column=column, distinct=len(counts), items=items)


def profile(
    source: Source,
    kind: str,
    prep: Prepared | None,
    findings: pd.DataFrame,
    redact: bool,
    required: Collection[str] = (),
) -> SourceProfile:
    """Size, mapping, fill rate per column and key distributions of one source; `required`
    are the fields the selected workflows need."""
    data = source.data
    filled = data.notna().sum()
    order = {f: i for i, f in enumerate(FIELDS)}
    mapped = sorted(source.columns.items(), key=lambda cf: order.get(cf[1], len(order)))
    unmapped = [c for c in data.columns if c not in source.columns]
    n = max(source.rows, 1)
    fill = [
        FieldFill(
            field=f,
            column=c,
            filled=float(filled[c]) / n,
            count=int(filled[c]),
            required=f in required,
        )
        for c, f in mapped
    ] + [
        FieldFill(
            field="", column=c, filled=float(filled[c]) / n, count=int(filled[c]), required=False
        )
        for c in unmapped
    ]
    dists = []
    for f in KEY_CATEGORICALS:
        col = source.column_for(f)
        if col is None or not filled[col]:
            continue
        dists.append(distribution(data[col], f.replace("_", " "), col, f, redact))
        if len(dists) >= MAX_DISTS - 1:
            break
    if prep is not None and prep.email() is not None:
        email = prep.email()
        assert email is not None
        domains = email["domain"]
        if domains.notna().any():
            dists.append(
                distribution(domains, "email domain", "from the email address", None, redact=False)
            )
    mine = findings[findings["source"] == source.name]
    flagged = int(mine.loc[mine["pos"] >= 0, "pos"].nunique())
    return SourceProfile(
        name=source.name,
        platform=source.platform,
        kind=kind,
        files=source.files,
        rows=source.rows,
        columns=len(data.columns),
        mapped=len(source.columns),
        findings=len(mine),
        flagged=flagged,
        fill=fill,
        distributions=dists,
    )


def _emails(prep: Prepared) -> pa.Array | None:
    """Distinct addresses, hashed in Arrow: pandas' `unique` then a Python string per
    address is much slower."""
    email = prep.email()
    if email is None:
        return None
    values = arrow(email["email"])
    return pc.unique(pc.drop_null(values)).cast(pa.string())


def _union(parts: list[pa.Array]) -> pa.Array:
    """Distinct values of arrays that are each distinct already."""
    if len(parts) == 1:
        return parts[0]
    return pc.unique(pa.chunked_array(parts, type=pa.string()))


def overlap(preps: Sequence[Prepared], kinds: Mapping[str, str]) -> OverlapView | None:
    """Distinct normalised addresses in the CRM sources, the ESP sources and both."""
    sides: dict[str, list[pa.Array]] = {"crm": [], "esp": []}
    names: dict[str, list[str]] = {"crm": [], "esp": []}
    for p in preps:
        kind = kinds.get(p.source.name, "crm")
        arr = _emails(p)
        if arr is None:
            continue
        sides[kind].append(arr)
        names[kind].append(p.source.name)
    if not sides["crm"] or not sides["esp"]:
        return None
    crm, esp = _union(sides["crm"]), _union(sides["esp"])
    both = int(pc.sum(pc.is_in(crm, value_set=esp)).as_py() or 0)
    a, b = len(crm), len(esp)
    return OverlapView(
        crm=names["crm"],
        esp=names["esp"],
        crm_only=a - both,
        both=both,
        esp_only=b - both,
        venn=venn(a, b, both),
    )


def flagged_positions(findings: pd.DataFrame, source: str) -> np.ndarray:
    """Sorted distinct row positions of `source` that carry a finding."""
    pos = findings.loc[(findings["source"] == source) & (findings["pos"] >= 0), "pos"]
    return distinct(pos.to_numpy(dtype=np.int64))
