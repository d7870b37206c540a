"""The Spark engine on generated contacts: wall time, time per step, peak memory of the
driver (Python) and of the JVM with its Python workers, and the bytes Spark shuffled.

Generates (and caches under benchmarks/data/spark-N/) a HubSpot export of N rows and a
Mailchimp audience of 0.7 N members as one CSV (the member files joined by the local
loader), then runs `hygiene.spark.audit` on a local[2] master. Shuffle bytes come from the
Spark REST API of the run's own UI (localhost only); memory is sampled from /proc over the
driver's process tree.

    .venv/bin/python benchmarks/spark_scale.py [--rows 1000000] [--master local[2]]
    [--compare]   also run the local engine and check the findings, and the duplicate
                  clusters (members and survivor), agree
    [--no-match]  leave duplicate matching out of both runs
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
import urllib.request
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent


def make_data(rows: int) -> dict[str, Path]:
    from hygiene.demo.generator import generate
    from hygiene.load import SourceSpec, load_source

    out = HERE / "data" / f"spark-{rows}"
    crm, esp = out / "hubspot_contacts.csv", out / "mailchimp_members.csv"
    if not (crm.is_file() and esp.is_file()):
        files = generate(out, crm_rows=rows, esp_rows=int(rows * 0.7), esp_format="csv")
        members = load_source(SourceSpec("esp", tuple(str(p) for p in files.esp)))
        members.data.to_csv(esp, index=False)
    return {"crm": crm, "esp": esp}


class TreePeak:
    """Peak RSS (MB) of this process and of its children (the JVM and its Python workers),
    sampled every 0.2 s."""

    def __init__(self) -> None:
        self.driver = 0.0
        self.children = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                self.driver = max(self.driver, me.memory_info().rss / 2**20)
                kids = sum(c.memory_info().rss for c in me.children(recursive=True))
                self.children = max(self.children, kids / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shuffle_bytes(ui: str, app_id: str) -> dict[str, int]:
    url = f"{ui}/api/v1/applications/{app_id}/stages?status=complete"
    with urllib.request.urlopen(url, timeout=120) as resp:
        stages = json.load(resp)
    return {
        "shuffle_write": sum(int(s.get("shuffleWriteBytes", 0)) for s in stages),
        "shuffle_read": sum(int(s.get("shuffleReadBytes", 0)) for s in stages),
        "input": sum(int(s.get("inputBytes", 0)) for s in stages),
        "stages": len(stages),
    }


def same_clusters(local: object, result: object) -> bool:
    """The two engines' clusters as (source, members, survivor) sets, compared."""
    from hygiene.spark.match import clusters

    theirs = {(c.source, frozenset(c.members), c.survivor)
              for c in local.match.clusters}  # type: ignore[attr-defined]
    frame = clusters(result.matched).toPandas()  # type: ignore[attr-defined]
    mine = set()
    for _, part in frame.groupby("cluster"):
        survivor = int(part.loc[part["survivor"], "row"].iloc[0])
        mine.add((str(part["source"].iloc[0]), frozenset(part["row"].astype(int)), survivor))
    return mine == theirs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--no-match", action="store_true")
    args = ap.parse_args()
    paths = make_data(args.rows)

    from pyspark.sql import SparkSession

    import hygiene.spark as hs

    port = free_port()
    hs.start_session(args.master, shuffle_partitions=4)  # sets PYSPARK_PYTHON for local
    spark = SparkSession.getActiveSession()
    assert spark is not None
    spark.stop()
    spark = (
        SparkSession.builder.master(args.master)
        .config("spark.ui.enabled", "true")
        .config("spark.ui.port", str(port))
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    peak = TreePeak()
    t0 = time.perf_counter()
    checkpoints = HERE / "data" / f"spark-{args.rows}" / "checkpoints"
    result = hs.audit(spark, {n: str(p) for n, p in paths.items()}, match=not args.no_match,
                      checkpoint_dir=str(checkpoints))
    found = sum(result.counts.values())
    seconds = time.perf_counter() - t0
    peak.stop()
    rows = sum(s.rows for s in result.sources)
    print(f"rows {rows:,} ({args.rows:,} + {int(args.rows * 0.7):,}), master {args.master}")
    print(f"audit {seconds:.1f} s ({seconds / rows * 1e6:.1f} us a row); steps "
          + ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items()))
    print(f"peak RSS: driver {peak.driver:,.0f} MB, JVM + Python workers {peak.children:,.0f} MB")
    print(f"findings {found:,}; score {result.score.overall} ({result.score.grade})")
    if result.matched is not None:
        st = result.matched.stats
        print(f"matching {result.timings.get('match', 0.0):.1f} s: {st['candidates']:,} "
              f"candidate pairs, {result.matched.count:,} clusters, "
              f"{st['guarded_components']} components guarded")
    ui = spark.sparkContext.uiWebUrl or f"http://127.0.0.1:{port}"
    try:
        shuffled = shuffle_bytes(ui, spark.sparkContext.applicationId)
        print(f"shuffle write {shuffled['shuffle_write'] / 2**20:,.1f} MB, read "
              f"{shuffled['shuffle_read'] / 2**20:,.1f} MB, input "
              f"{shuffled['input'] / 2**20:,.1f} MB over {shuffled['stages']} stages")
    except OSError as err:
        print(f"shuffle bytes: the REST API at {ui} did not answer ({err})")
    if args.compare:
        import hygiene

        t0 = time.perf_counter()
        local = hygiene.audit(*(f"{n}={p}" for n, p in paths.items()),
                              match=not args.no_match, decisions=False)
        print(f"local engine {time.perf_counter() - t0:.1f} s; "
              f"counts equal: {local.counts().to_dict() == result.counts}")
        if result.matched is not None and local.match is not None:
            print(f"clusters equal: {same_clusters(local, result)} "
                  f"({len(local.match.clusters):,} local, {result.matched.count:,} Spark)")
    spark.stop()


if __name__ == "__main__":
    main()
