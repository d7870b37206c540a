"""Duplicates in a generated 1M-row contact export: hygiene vs Splink (DuckDB), same data.

The export comes from hygiene.demo.generator (a HubSpot CSV with truth.json listing the
duplicate groups) or, with `--data own`, from benchmarks/match_data.py. Each tool runs in
its own process, so seconds and peak memory are its own; hygiene's time includes reading
nothing (both tools get the same in-memory frame) but does include normalisation.
Precision and recall are over pairs of rows that end up in one cluster.

    .venv/bin/python benchmarks/match_scale.py [--rows 1000000] [--repeat 3] [--data demo|own]
    (needs: pip install splink duckdb)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from match_common import peak_rss_mb, run_child, source_from_frame

from hygiene.load import SourceSpec, load_source

HERE = Path(__file__).resolve()


def make_data(out: Path, rows: int, kind: str) -> None:
    """Write export.parquet (text columns) and truth.npy (person group per row, -1 alone)."""
    if kind == "demo":
        from hygiene.demo.generator import generate
        from hygiene.demo.truth import load_truth

        files = generate(out / "demo", crm_rows=rows, esp_rows=0, esp_format="csv")
        src = load_source(SourceSpec(name="crm", paths=(str(files.crm),)))
        frame = src.data.copy()
        frame.columns = [f"{c}|{src.columns.get(c, '')}" for c in frame.columns]
        dup = load_truth(files.truth).duplicates
        dup = dup[dup["source"] == "crm"]
        group = np.full(len(frame), -1, dtype=np.int64)
        group[dup["row"].to_numpy(dtype=np.int64) - 1] = dup["group"].to_numpy(dtype=np.int64)
    else:
        from match_data import HEADERS, make_contacts

        data, person = make_contacts(rows)
        frame = data.copy()
        frame.columns = [f"{c}|{HEADERS.get(c, '')}" for c in frame.columns]
        counts = np.bincount(person)
        group = np.where(counts[person] > 1, person, -1)
    frame.astype("str").where(frame.notna()).to_parquet(out / "export.parquet")
    np.save(out / "truth.npy", group)


def _frame(out: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    raw = pd.read_parquet(out / "export.parquet")
    names = [c.split("|", 1) for c in raw.columns]
    raw.columns = [n for n, _ in names]
    return raw, {n: f for n, f in names if f}


def _save_labels(out: Path, tool: str, groups: list[np.ndarray], n: int) -> None:
    """Cluster number of every row (-1 alone): pairs are counted from it, never listed, so
    a giant cluster costs nothing to score."""
    label = np.full(n, -1, dtype=np.int64)
    for k, g in enumerate(groups):
        label[np.asarray(g, dtype=np.int64)] = k
    np.save(out / f"pred_{tool}.npy", label)


def child_hygiene(out: Path) -> dict[str, Any]:
    from hygiene.match import MatchSettings, find_duplicates

    raw, columns = _frame(out)
    src = source_from_frame("crm", raw, columns, "export.csv", "hubspot")
    del raw
    t = time.perf_counter()
    res = find_duplicates([src], MatchSettings())
    secs = time.perf_counter() - t
    _save_labels(out, "hygiene", [np.asarray(c.members) for c in res.clusters], src.rows)
    return {
        "seconds": secs,
        "stages": {k: round(v, 2) for k, v in res.stats["seconds"].items()},
        "candidates": res.stats["candidates"],
        "screened_out": res.stats["screened_out"],
        "capped_blocks": res.stats["capped_block_count"],
        "peak_mb": peak_rss_mb(),
    }


def _digits(s: pd.Series) -> pd.Series:
    d = s.str.replace(r"\D", "", regex=True).str[-10:]
    return d.where(d.str.len() >= 7)


def splink_input(raw: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The columns Splink compares, from a loaded export (`columns`: header -> field), with
    light cleaning in pandas (lower case, phone digits) and a `unique_id` per row."""
    col = {f: c for c, f in columns.items()}

    def get(field: str, frame: pd.DataFrame = raw) -> pd.Series:
        if field in col:
            return frame[col[field]]
        return pd.Series(None, index=frame.index, dtype=object)

    df = pd.DataFrame(
        {
            "unique_id": np.arange(len(raw)),
            "email": get("email").str.strip().str.lower(),
            "first_name": get("first_name").str.strip().str.lower(),
            "last_name": get("last_name").str.strip().str.lower(),
            "phone": _digits(get("phone")),
            "company": get("company").str.strip().str.lower(),
            "postcode": get("postal_code").str.strip().str.upper(),
            "city": get("city").str.strip().str.lower(),
        }
    )
    return df.astype(object).where(df.notna(), None)


def splink_settings() -> Any:
    """Splink's contact-data comparisons (email, names, phone, company, postcode, city) and
    blocking rules, the same whatever backend runs them."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("first_name", "last_name"),
            block_on("last_name", "postcode"),
            block_on("first_name", "company"),
        ],
        comparisons=[
            cl.EmailComparison("email"),
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("phone", [1, 2]),
            cl.JaroWinklerAtThresholds("company", [0.9, 0.8]),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )


def splink_clusters(linker: Any) -> Any:
    """Train (prior from email matches, u by random sampling, EM on two blocking rules),
    predict and cluster at 0.9: a SplinkDataFrame of unique_id and cluster_id."""
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match([block_on("email")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("email"), block_on("first_name", "last_name")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except ValueError:  # an EM session that underflows leaves the other estimates
            continue
    pred = linker.inference.predict(threshold_match_probability=0.9)
    return linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.9)


def child_splink(out: Path) -> dict[str, Any]:
    """Splink on DuckDB with `splink_settings`, on `splink_input`."""
    import logging

    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    raw, columns = _frame(out)
    df = splink_input(raw, columns)
    del raw
    t = time.perf_counter()
    db = DuckDBAPI()
    linker = Linker(db.register(df), splink_settings(), log_level=logging.ERROR)
    clusters = splink_clusters(linker).as_pandas_dataframe()
    secs = time.perf_counter() - t
    sizes = clusters.groupby("cluster_id")["unique_id"].apply(np.asarray)
    groups = [g for g in sizes.tolist() if len(g) > 1]
    _save_labels(out, "splink", groups, len(df))
    return {"seconds": secs, "peak_mb": peak_rss_mb()}


def _pairs_in(*labels: np.ndarray) -> int:
    """Pairs of rows that agree on every label (rows with a label < 0 pair with nobody)."""
    ok = np.logical_and.reduce([lab >= 0 for lab in labels])
    if not ok.any():
        return 0
    _, counts = np.unique(np.stack([lab[ok] for lab in labels], axis=1), axis=0, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def score(out: Path, tool: str) -> tuple[float, float]:
    """Pairwise precision and recall of the tool's clusters against the true groups."""
    truth = np.load(out / "truth.npy")
    pred = np.load(out / f"pred_{tool}.npy")
    predicted, true = _pairs_in(pred), _pairs_in(truth)
    tp = _pairs_in(pred, truth)
    return (tp / predicted if predicted else 0.0), (tp / true if true else 0.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1, help="hygiene runs (median seconds)")
    ap.add_argument("--data", choices=("demo", "own"), default="demo")
    ap.add_argument("--skip-splink", action="store_true")
    ap.add_argument("--child", nargs=2, metavar=("TOOL", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        tool, out = args.child
        fn = child_hygiene if tool == "hygiene" else child_splink
        print(json.dumps(fn(Path(out))))
        return 0
    with tempfile.TemporaryDirectory(prefix="match_scale_") as tmp:
        out = Path(tmp)
        t = time.perf_counter()
        make_data(out, args.rows, args.data)
        print(f"data: {args.rows:,} rows ({args.data}) in {time.perf_counter() - t:.1f} s")
        rows = []
        runs = [
            run_child([sys.executable, str(HERE), "--child", "hygiene", tmp])
            for _ in range(args.repeat)
        ]
        ok = [r for r in runs if "error" not in r]
        if ok:
            p, r = score(out, "hygiene")
            secs = statistics.median(float(x["seconds"]) for x in ok)
            rows.append(
                (
                    "hygiene",
                    secs,
                    max(float(x["peak_mb"]) for x in ok),
                    p,
                    r,
                    json.dumps(
                        {
                            **ok[0]["stages"],
                            "candidates": ok[0]["candidates"],
                            "screened_out": ok[0]["screened_out"],
                        }
                    ),
                )
            )
        else:
            rows.append(("hygiene", np.nan, np.nan, np.nan, np.nan, runs[0]["error"]))
        if not args.skip_splink:
            res = run_child([sys.executable, str(HERE), "--child", "splink", tmp])
            if "error" in res:
                rows.append(("splink", np.nan, np.nan, np.nan, np.nan, str(res["error"])))
            else:
                p, r = score(out, "splink")
                rows.append(("splink", float(res["seconds"]), float(res["peak_mb"]), p, r, ""))
    table = pd.DataFrame(
        rows, columns=["tool", "seconds", "peak_MB", "precision", "recall", "stages"]
    )
    with pd.option_context(
        "display.width", 200, "display.max_colwidth", 120, "display.precision", 4
    ):
        print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
