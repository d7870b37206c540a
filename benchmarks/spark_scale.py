"""The Spark engine on generated contacts: wall time, time per step, peak memory of the
driver (Python) and of the JVM with its Python workers, and the bytes Spark shuffled.

Generates (and caches under benchmarks/data/spark-N/) a HubSpot export of N rows and a
Mailchimp audience of 0.7 N members as one CSV (the member files joined by the local
loader), then runs `hygiene.spark.audit` on a local[2] master. Shuffle bytes come from the
Spark REST API of the run's own UI (localhost only); memory is sampled from /proc over the
driver's process tree.

    .venv/bin/python benchmarks/spark_scale.py [--rows 1000000] [--master local[2]]
    [--compare]   also run the local engine and check that the findings (code, source,
                  row, field, suggestion, as a multiset), the counts per code, the score
                  and the duplicate clusters (members and survivor) are the same
    [--no-match]  leave duplicate matching out of both runs
    [--stages]    also list the call sites whose stages took the most executor time
    [--dump FILE] write the REST API's jobs and stages (for a timeline) to FILE
    [--clusters FILE] write the CRM's clusters (row, cluster) as Parquet to FILE, for
                  `spark_splink.py --hygiene FILE` to score against the generator's truth

Besides wall time per step it prints the CPU seconds of the driver, the JVM and its Python
workers (per step and in all), Spark's executor run time and JVM CPU, jobs, stages and
tasks, the same per step (from the job descriptions the engine sets), and the box's load
average: on a shared box the CPU and task figures are the ones to compare.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import threading
import time
import urllib.request
from collections import Counter
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
    and the CPU seconds each used (its last sample), sampled every 0.2 s."""

    def __init__(self) -> None:
        self.driver = 0.0
        self.children = 0.0
        self._cpu: dict[int, float] = {}
        self._first: dict[int, float] = {}
        self._trace: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                self.driver = max(self.driver, me.memory_info().rss / 2**20)
                kids = me.children(recursive=True)
                rss = 0
                for p in [me, *kids]:
                    with contextlib.suppress(psutil.Error):
                        t = p.cpu_times()
                        self._first.setdefault(p.pid, t.user + t.system)
                        self._cpu[p.pid] = t.user + t.system
                        rss += p.memory_info().rss if p is not me else 0
                self.children = max(self.children, rss / 2**20)
                self._trace.append((time.perf_counter(), self.cpu()))
            except psutil.Error:
                pass
            time.sleep(0.2)

    def processes(self) -> int:
        """Processes seen in the tree (the driver, the JVM, Python daemon and workers)."""
        return len(self._cpu)

    def cpu(self) -> float:
        """CPU seconds of the tree (driver, JVM, Python workers) since sampling began."""
        return sum(v - self._first[k] for k, v in self._cpu.items())

    def cpu_at(self, when: float) -> float:
        """The tree's CPU seconds at the last sample taken by `when` (perf_counter)."""
        got = 0.0
        for t, c in self._trace:
            if t > when:
                break
            got = c
        return got

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rest(ui: str, app_id: str, what: str) -> list[dict]:
    url = f"{ui}/api/v1/applications/{app_id}/{what}"
    with urllib.request.urlopen(url, timeout=120) as resp:
        return list(json.load(resp))


def stage_metrics(ui: str, app_id: str) -> dict[str, float]:
    """Totals over the run's completed stages and jobs: bytes shuffled and read, executor
    CPU and run time (what the tasks cost whatever the box's load), tasks, stages, jobs."""
    stages = rest(ui, app_id, "stages?status=complete")
    jobs = rest(ui, app_id, "jobs")
    return {
        "shuffle_write": sum(int(s.get("shuffleWriteBytes", 0)) for s in stages),
        "shuffle_read": sum(int(s.get("shuffleReadBytes", 0)) for s in stages),
        "input": sum(int(s.get("inputBytes", 0)) for s in stages),
        "cpu": sum(int(s.get("executorCpuTime", 0)) for s in stages) / 1e9,
        "run": sum(int(s.get("executorRunTime", 0)) for s in stages) / 1e3,
        "tasks": sum(int(s.get("numTasks", 0)) for s in stages),
        "stages": len(stages),
        "skipped": len(rest(ui, app_id, "stages?status=skipped")),
        "jobs": len(jobs),
    }


def metrics_line(m: dict[str, float]) -> str:
    """`stage_metrics` as the one line the Spark benchmarks print."""
    return (f"shuffle write {m['shuffle_write'] / 2**20:,.1f} MB, read "
            f"{m['shuffle_read'] / 2**20:,.1f} MB, input {m['input'] / 2**20:,.1f} MB; "
            f"{m['jobs']:,.0f} jobs, {m['stages']:,.0f} stages ({m['skipped']:,.0f} "
            f"skipped), {m['tasks']:,.0f} tasks; executor run time {m['run']:,.1f} s, "
            f"executor (JVM) CPU {m['cpu']:,.1f} s")


def by_step(ui: str, app_id: str) -> list[tuple[str, int, float, float, float]]:
    """Per step (the "source: step" description the engine gives its jobs): jobs, executor
    run time, JVM CPU and shuffle bytes written, in the order the steps ran."""
    stages = rest(ui, app_id, "stages?status=complete")
    jobs = rest(ui, app_id, "jobs")
    per: dict[str, list[float]] = {}
    for s in sorted(stages, key=lambda s: int(s.get("stageId", 0))):
        got = per.setdefault(str(s.get("description") or "(no step)"), [0, 0.0, 0.0, 0.0])
        got[1] += int(s.get("executorRunTime", 0)) / 1e3
        got[2] += int(s.get("executorCpuTime", 0)) / 1e9
        got[3] += int(s.get("shuffleWriteBytes", 0)) / 2**20
    for j in jobs:
        got = per.setdefault(str(j.get("description") or "(no step)"), [0, 0.0, 0.0, 0.0])
        got[0] += 1
    return [(k, int(v[0]), v[1], v[2], v[3]) for k, v in per.items()]


def top_stages(ui: str, app_id: str, n: int = 12) -> list[tuple[str, int, float, float]]:
    """The call sites whose stages took the most executor run time: (name, stages, run s,
    CPU s), summed over stages of one name."""
    per: dict[str, list[float]] = {}
    for s in rest(ui, app_id, "stages?status=complete"):
        got = per.setdefault(str(s.get("name", "?")), [0, 0.0, 0.0])
        got[0] += 1
        got[1] += int(s.get("executorRunTime", 0)) / 1e3
        got[2] += int(s.get("executorCpuTime", 0)) / 1e9
    ranked = sorted(per.items(), key=lambda kv: -kv[1][1])[:n]
    return [(name, int(v[0]), v[1], v[2]) for name, v in ranked]


FINDING_KEY = ("code", "source", "row", "field", "suggestion")


def finding_keys(local: object, result: object) -> tuple[Counter, Counter]:
    """Both engines' findings as multisets of (code, source, row, field, suggestion): the
    local engine's from its frame, the Spark engine's collected here (a benchmark, not the
    engine, reads them all)."""
    from hygiene.model import is_missing

    def plain(column: str, v: object) -> object:
        if v is None or is_missing(v):
            return None
        return int(v) if column == "row" else str(v)  # type: ignore[call-overload]

    f = local.findings  # type: ignore[attr-defined]
    theirs = Counter(
        tuple(plain(c, v) for c, v in zip(FINDING_KEY, rec, strict=True))
        for rec in zip(*(f[c].astype(object) for c in FINDING_KEY), strict=True)
    )
    rows = result.findings.select(*FINDING_KEY).toLocalIterator()  # type: ignore[attr-defined]
    mine = Counter(tuple(plain(c, r[c]) for c in FINDING_KEY) for r in rows)
    return mine, theirs


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
    ap.add_argument("--stages", action="store_true",
                    help="also list the call sites whose stages took the most time")
    ap.add_argument("--dump", help="write the REST API's jobs and stages to this JSON file")
    ap.add_argument("--clusters", help="write the CRM's clusters (row, cluster) as Parquet")
    args = ap.parse_args()
    paths = make_data(args.rows)

    from pyspark.sql import SparkSession

    import hygiene.spark as hs
    from hygiene.spark.session import local_driver_memory

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
        # The heap `hygiene audit --engine spark` gives a local master on this machine.
        .config("spark.driver.memory", local_driver_memory() or "1g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    load0 = os.getloadavg()
    peak = TreePeak()
    t0 = time.perf_counter()
    checkpoints = HERE / "data" / f"spark-{args.rows}" / "checkpoints"
    result = hs.audit(spark, {n: str(p) for n, p in paths.items()}, match=not args.no_match,
                      checkpoint_dir=str(checkpoints))
    found = sum(result.counts.values())
    seconds = time.perf_counter() - t0
    peak.stop()
    rows = sum(s.rows for s in result.sources)
    print(f"rows {rows:,} ({args.rows:,} + {int(args.rows * 0.7):,}), master {args.master}, "
          f"driver heap {local_driver_memory() or '1g'}")
    print(f"audit {seconds:.1f} s ({seconds / rows * 1e6:.1f} us a row); steps "
          + ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items()))
    # The steps run one after the other from t0: the tree's CPU over each step's span.
    spans, at = [], t0
    for k, v in result.timings.items():
        spans.append(f"{k} {peak.cpu_at(at + v) - peak.cpu_at(at):.1f} s "
                     f"({(peak.cpu_at(at + v) - peak.cpu_at(at)) / rows * 1e6:.0f} us a row)")
        at += v
    print("CPU (driver + JVM + Python workers) per step: " + ", ".join(spans))
    print(f"peak RSS: driver {peak.driver:,.0f} MB, JVM + Python workers {peak.children:,.0f} MB")
    print(f"findings {found:,}; score {result.score.overall} ({result.score.grade})")
    if result.matched is not None:
        st = result.matched.stats
        print(f"matching {result.timings.get('match', 0.0):.1f} s: {st['candidates']:,} "
              f"candidate pairs, {result.matched.count:,} clusters, "
              f"{st['guarded_components']} components guarded")
    print(f"CPU of driver + JVM + Python workers {peak.cpu():,.1f} s "
          f"({peak.processes()} processes seen); load average "
          f"{load0[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end (1 min), "
          f"{os.getloadavg()[2]:.2f} (15 min)")
    ui = spark.sparkContext.uiWebUrl or f"http://127.0.0.1:{port}"
    try:
        print(metrics_line(stage_metrics(ui, spark.sparkContext.applicationId)))
        if args.dump:
            app = spark.sparkContext.applicationId
            Path(args.dump).write_text(json.dumps(
                {"jobs": rest(ui, app, "jobs"), "stages": rest(ui, app, "stages")}))
        for step, n_jobs, run, cpu, shuffled in by_step(ui, spark.sparkContext.applicationId):
            print(f"  step {step}: {n_jobs} jobs, executor run {run:,.1f} s, JVM CPU "
                  f"{cpu:,.1f} s, shuffle write {shuffled:,.1f} MB")
        if args.stages:
            for name, count, run, cpu in top_stages(ui, spark.sparkContext.applicationId):
                print(f"  {run:8.1f} s run {cpu:7.1f} s JVM CPU {count:4d} stages  {name}")
    except OSError as err:
        print(f"stage metrics: the REST API at {ui} did not answer ({err})")
    if args.clusters and result.matched is not None:
        from hygiene.spark.match import clusters

        crm = clusters(result.matched).filter("source = 'crm'").select("row", "cluster")
        crm.toPandas().to_parquet(args.clusters)
    if args.compare:
        import hygiene

        t0 = time.perf_counter()
        local = hygiene.audit(*(f"{n}={p}" for n, p in paths.items()),
                              match=not args.no_match, decisions=False)
        print(f"local engine {time.perf_counter() - t0:.1f} s; "
              f"counts per code equal: {local.counts().to_dict() == result.counts}; "
              f"score equal: {local.score.to_dict() == result.score.to_dict()}")
        mine, theirs = finding_keys(local, result)
        print(f"findings (code, source, row, field, suggestion) equal: {mine == theirs} "
              f"({sum(theirs.values()):,} local, {sum(mine.values()):,} Spark; "
              f"{sum((mine - theirs).values()):,} only on Spark, "
              f"{sum((theirs - mine).values()):,} only local)")
        for label, extra in (("only on Spark", mine - theirs), ("only local", theirs - mine)):
            for key, times in list(extra.items())[:5]:
                print(f"  {label}: {key} x{times}")
        if result.matched is not None and local.match is not None:
            print(f"clusters (source, members, survivor) equal: {same_clusters(local, result)} "
                  f"({len(local.match.clusters):,} local, {result.matched.count:,} Spark)")
    spark.stop()


if __name__ == "__main__":
    main()
