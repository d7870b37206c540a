"""Duplicates on public labelled person sets nobody here generated: hygiene beside Splink.

The sets (benchmarks/data_public/, see its README for source and licence) are Splink's own
synthetic persons with typos, swapped names and missing fields: `fake_1000` and
`fake_20000` (first name, surname, date of birth, city, email) and `historical_50k`
(first name, surname, date of birth, birth place, postcode; gender and occupation are
left unmapped, as a CRM has no such columns). Each tool sees the same fields; the
`cluster` label is used only to score the output, as pairs inside predicted clusters
against pairs inside true clusters.

Splink runs with the settings of its own tutorial for each set (`fake_*`: tutorials 04-05;
`historical_50k`: the "deduplicate 50k synthetic" example) and is scored at 0.95, hygiene's
default and the 50k example's clustering threshold; for the fake sets also at 0.2, the
clustering threshold of Splink's tutorial 05 ("splink at 0.2").

    .venv/bin/python benchmarks/match_public.py [--data fake_20000,...] [--no-splink]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from match_common import cluster_pairs, prf, source_from_frame

from hygiene.match import MatchSettings, find_duplicates

DATA = Path(__file__).resolve().parent / "data_public"
FAKE_MAP = {
    "unique_id": "record_id",
    "first_name": "first_name",
    "surname": "last_name",
    "dob": "birth_date",
    "city": "city",
    "email": "email",
}
HIST_MAP = {
    "unique_id": "record_id",
    "first_name": "first_name",
    "surname": "last_name",
    "dob": "birth_date",
    "birth_place": "city",
    "postcode_fake": "postal_code",
}
SETS = {
    "fake_1000": ("fake_1000.csv", FAKE_MAP),
    "fake_20000": ("fake_20000.csv", FAKE_MAP),
    "historical_50k": ("historical_50k.parquet", HIST_MAP),
}
Pairs = set[tuple[object, object]]


def load(name: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The set as text (ids kept), and its column map."""
    file, columns = SETS[name]
    path = DATA / file
    df = pd.read_parquet(path) if file.endswith(".parquet") else pd.read_csv(path, dtype=str)
    df["unique_id"] = df["unique_id"].astype(str)
    df["cluster"] = df["cluster"].astype(str)
    return df, columns


def truth(df: pd.DataFrame) -> Pairs:
    """Every pair of records inside each labelled cluster."""
    return cluster_pairs(df.groupby("cluster")["unique_id"].agg(list).tolist())


def run_hygiene(name: str, df: pd.DataFrame, columns: dict[str, str]) -> dict[str, Any]:
    src = source_from_frame("crm", df[list(columns)], columns, f"{name}.csv")
    t = time.perf_counter()
    res = find_duplicates([src], MatchSettings())
    secs = time.perf_counter() - t
    ids = src.data["unique_id"].to_numpy()
    return {"pred": cluster_pairs([ids[c.members] for c in res.clusters]), "seconds": secs}


def _splink_fake(db: Any, df: pd.DataFrame) -> tuple[Any, Any]:
    """Splink tutorial 04 (fake_1000), applied as written to the data."""
    import splink.comparison_library as cl
    from splink import ColumnExpression, Linker, SettingsCreator, block_on

    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.LevenshteinAtThresholds(ColumnExpression("dob").cast_to_string(), 1),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "city"),
            block_on("surname"),
            block_on("dob"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(db.register(df), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("first_name", "dob"),
            "l.first_name = r.first_name and levenshtein(r.surname, l.surname) <= 2",
            block_on("email"),
        ],
        recall=0.7,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    return linker, linker.inference.predict(threshold_match_probability=0.1)


def _splink_historical(db: Any, df: pd.DataFrame) -> tuple[Any, Any]:
    """Splink's "deduplicate 50k synthetic" example, applied as written."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on

    rules = [
        block_on("substr(first_name,1,3)", "substr(surname,1,4)"),
        block_on("surname", "dob"),
        block_on("first_name", "dob"),
        block_on("postcode_fake", "first_name"),
        block_on("postcode_fake", "surname"),
        block_on("dob", "birth_place"),
        block_on("substr(postcode_fake,1,3)", "dob"),
        block_on("substr(postcode_fake,1,3)", "first_name"),
        block_on("substr(postcode_fake,1,3)", "surname"),
        block_on("substr(first_name,1,2)", "substr(surname,1,2)", "substr(dob,1,4)"),
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=rules,
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name",
                "surname",
                forename_surname_concat_col_name="first_name_surname_concat",
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode_fake"),
            cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True),
            cl.ExactMatch("occupation").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )
    d = df.copy()
    d["first_name_surname_concat"] = d["first_name"] + " " + d["surname"]
    linker = Linker(db.register(d), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("first_name", "surname", "dob"),
            block_on("substr(first_name,1,2)", "surname", "substr(postcode_fake,1,2)"),
            block_on("dob", "postcode_fake"),
        ],
        recall=0.6,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    for rule in (block_on("first_name", "surname"), block_on("dob")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    return linker, linker.inference.predict()


def run_splink(name: str, df: pd.DataFrame, columns: dict[str, str]) -> dict[str, Any]:
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    db = DuckDBAPI()
    keep = [c for c in df.columns if c != "cluster"]
    d = df[keep].astype(object).where(df[keep].notna(), None)
    t = time.perf_counter()
    build: Callable[[Any, pd.DataFrame], tuple[Any, Any]] = (
        _splink_historical if name == "historical_50k" else _splink_fake
    )
    linker, pred = build(db, d)
    out: dict[str, Any] = {}
    # 0.95 as hygiene; the fake sets' tutorial (05) clusters at 0.2, reported beside.
    for threshold in (0.95, 0.2) if name != "historical_50k" else (0.95,):
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            pred, threshold_match_probability=threshold
        ).as_pandas_dataframe()
        groups = clusters.groupby("cluster_id")["unique_id"].agg(list)
        out[f"at {threshold}"] = cluster_pairs([g for g in groups if len(g) > 1])
    secs = time.perf_counter() - t
    return {"pred": out.pop("at 0.95"), "seconds": secs, "also": out}


def shared_email_misses(df: pd.DataFrame, missed: Pairs) -> int:
    """Missed true pairs whose two records hold the same non-empty email (case-folded)."""
    if "email" not in df.columns:
        return 0
    email = dict(zip(df["unique_id"], df["email"].str.strip().str.lower(), strict=True))
    return sum(
        1 for a, b in missed if isinstance(email[a], str) and email[a] and email[a] == email[b]
    )


def main() -> int:
    warnings.filterwarnings("ignore")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=",".join(SETS), help="sets, comma-separated")
    ap.add_argument("--no-splink", action="store_true", help="hygiene only")
    args = ap.parse_args()
    rows = []
    tools: list[tuple[str, Callable[..., dict[str, Any]]]] = [("hygiene", run_hygiene)]
    if not args.no_splink:
        tools.append(("splink", run_splink))
    for name in args.data.split(","):
        df, columns = load(name)
        true = truth(df)
        for tool, fn in tools:
            try:
                out = fn(name, df, columns)
            except Exception as exc:  # a failing competitor must not hide the others' figures
                rows.append((name, tool, np.nan, np.nan, np.nan, np.nan, f"error: {exc!r}"[:80]))
                continue
            for label, pred in (("", out["pred"]), *out.get("also", {}).items()):
                p, r, f1 = prf(pred, true)
                note = (
                    f"{len(pred)} pairs of {len(true)}; "
                    f"missed with one email: {shared_email_misses(df, true - pred)}"
                )
                tag = f"{tool} {label}".strip()
                rows.append((name, tag, p, r, f1, out["seconds"], note))
    table = pd.DataFrame(
        rows, columns=["data", "tool", "precision", "recall", "F1", "seconds", "note"]
    )
    with pd.option_context("display.width", 160, "display.precision", 4):
        print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
