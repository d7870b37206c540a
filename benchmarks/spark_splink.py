"""Splink on Spark (its SparkAPI) on the rows `spark_scale.py` generates: the HubSpot export
of N rows under benchmarks/data/spark-N/, deduplicated with the settings of
`match_scale.py`'s Splink run (the same comparisons, blocking rules, training and 0.9
threshold), timed, with pairwise precision and recall against the generator's truth.

    .venv/bin/python benchmarks/spark_splink.py [--rows 1000000] [--master local[2]]
        [--driver-memory 2g]   the JVM's heap
        [--hygiene FILE]       also score the Spark engine's CRM clusters written by
                               `spark_scale.py --clusters FILE` on the same rows
    (needs: pip install splink; its Spark 4 similarity jar ships with it)

The export is read by the local loader (its column map from the HubSpot preset) and
handed to Spark as one frame, as `match_scale.py` hands Splink and hygiene the same frame;
the time runs from that hand-over to the clusters read back. It prints wall and CPU
seconds of the driver, the JVM and its Python workers, their peak RSS, Spark's shuffle
bytes and the pairs precision and recall.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from match_scale import _pairs_in, splink_clusters, splink_input, splink_settings
from spark_scale import HERE, TreePeak, free_port, make_data, metrics_line, stage_metrics


def truth_groups(folder: Path, rows: int) -> np.ndarray:
    """Each CRM row's true person group (-1: no duplicate), from the generator's truth."""
    from hygiene.demo.truth import load_truth

    dup = load_truth(folder / "truth.json").duplicates
    dup = dup[dup["source"] == "crm"]
    group = np.full(rows, -1, dtype=np.int64)
    group[dup["row"].to_numpy(dtype=np.int64) - 1] = dup["group"].to_numpy(dtype=np.int64)
    return group


def labels_of(frame: pd.DataFrame, id_col: str, cluster_col: str, rows: int) -> np.ndarray:
    """Each row's cluster (-1 alone) from (row id, cluster) rows; clusters of one are alone."""
    sizes = frame.groupby(cluster_col)[id_col].transform("size")
    multi = frame[sizes > 1]
    label = np.full(rows, -1, dtype=np.int64)
    codes = pd.factorize(multi[cluster_col])[0]
    label[multi[id_col].to_numpy(dtype=np.int64)] = codes
    return label


def precision_recall(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float, int]:
    predicted, true = _pairs_in(pred), _pairs_in(truth)
    tp = _pairs_in(pred, truth)
    return (tp / predicted if predicted else 0.0), (tp / true if true else 0.0), predicted


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", help="the JVM's heap (default: what a local master gets "
                    "from `hygiene audit --engine spark`)")
    ap.add_argument("--hygiene", help="the Spark engine's CRM clusters (spark_scale.py --clusters)")
    args = ap.parse_args()
    paths = make_data(args.rows)
    folder = paths["crm"].parent

    import splink
    from pyspark.sql import SparkSession
    from splink import Linker
    from splink.backends.spark import SparkAPI, similarity_jar_location

    from hygiene.load import SourceSpec, load_source
    from hygiene.spark.session import local_driver_memory

    t0 = time.perf_counter()
    src = load_source(SourceSpec(name="crm", paths=(str(paths["crm"]),)))
    df = splink_input(src.data, dict(src.columns))
    rows = len(df)
    truth = truth_groups(folder, rows)
    del src
    print(f"loaded {rows:,} CRM rows with the local loader in {time.perf_counter() - t0:.1f} s")

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    port = free_port()
    spark = (
        SparkSession.builder.master(args.master)
        .appName("splink-on-spark")
        .config("spark.ui.enabled", "true")
        .config("spark.ui.port", str(port))
        .config("spark.ui.showConsoleProgress", "false")
        # As spark_scale.py runs the Spark engine: 4 shuffle partitions (adaptive
        # execution on), the heap `hygiene audit --engine spark` gives a local master.
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", args.driver_memory or local_driver_memory() or "1g")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    checkpoints = tempfile.mkdtemp(prefix="splink-checkpoints-", dir=HERE / "data")
    spark.sparkContext.setCheckpointDir(checkpoints)
    load0 = os.getloadavg()
    peak = TreePeak()
    t0 = time.perf_counter()
    frame = spark.createDataFrame(df)
    db = SparkAPI(spark_session=spark)
    linker = Linker(db.register(frame), splink_settings(), log_level=logging.ERROR)
    t_train = time.perf_counter()
    clustered = splink_clusters(linker).as_spark_dataframe()
    got = clustered.select("unique_id", "cluster_id").toPandas()
    seconds = time.perf_counter() - t0
    peak.stop()
    pred = labels_of(got, "unique_id", "cluster_id", rows)
    p, r, predicted = precision_recall(pred, truth)
    print(f"Splink {splink.__version__} on Spark "
          f"{spark.version}, master {args.master}: {seconds:.1f} s wall "
          f"(hand-over {t_train - t0:.1f} s), {seconds / rows * 1e6:.1f} us a row")
    print(f"CPU of driver + JVM + Python workers {peak.cpu():,.1f} s; peak RSS: driver "
          f"{peak.driver:,.0f} MB, JVM + Python workers {peak.children:,.0f} MB; load average "
          f"{load0[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end")
    print(f"clusters of 2+: {len(np.unique(pred[pred >= 0])):,}; pairs in them {predicted:,}; "
          f"true pairs {_pairs_in(truth):,}; precision {p:.4f}, recall {r:.4f}")
    ui = spark.sparkContext.uiWebUrl or f"http://127.0.0.1:{port}"
    try:
        print(metrics_line(stage_metrics(ui, spark.sparkContext.applicationId)))
    except OSError as err:
        print(f"stage metrics: the REST API at {ui} did not answer ({err})")
    if args.hygiene:
        mine = pd.read_parquet(args.hygiene)
        hp, hr, hpred = precision_recall(labels_of(mine, "row", "cluster", rows), truth)
        print(f"the Spark engine's CRM clusters ({args.hygiene}): pairs in them {hpred:,}; "
              f"precision {hp:.4f}, recall {hr:.4f}")
    spark.stop()


if __name__ == "__main__":
    main()
