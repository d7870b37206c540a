"""How fast hygiene.load reads exports. Prints seconds (median of 3) and peak RSS.

    .venv/bin/python benchmarks/load_speed.py [--rows 1000000] [--xlsx-rows 100000]

1. CSV: a HubSpot-style contacts export (15 columns, ~140 MB at 1M rows) in
   benchmarks/data/, loaded AND mapped by `load_source`; each run in a fresh process so
   peak RSS is the load's own.
2. XLSX: a 100k x 15 workbook read with python-calamine (what hygiene uses) and with
   openpyxl (read_only=True, data_only=True), cells rendered the same way.
3. Delimiter detection: clevercsv's Detector, csv.Sniffer and hygiene's count-consistency
   heuristic on a corpus of samples: how many each gets right, and microseconds per sample.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
HEADERS = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number",
    "Company Name", "Job Title", "Street Address", "City", "State/Region", "Postal Code",
    "Country/Region", "Lifecycle Stage", "Create Date",
]  # fmt: skip


def make_columns(rows: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Realistic-looking contact columns, built vectorised."""
    rng = np.random.default_rng(seed)

    def pick(values: list[str]) -> np.ndarray:
        return np.array(values, dtype=object)[rng.integers(0, len(values), rows)]

    first = pick(["Ann", "Bob", "José", "Zoë", "Mohammed", "Li", "Priya", "Jürgen", "Siobhán"])
    last = pick(["Smith", "García", "Müller", "O'Brien", "Nguyen", "Kowalski", "van der Berg"])
    ids = np.arange(51000, 51000 + rows).astype(str).astype(object)
    domains = pick(["gmail.com", "acme.io", "example.org", "hotmail.co.uk", "gmial.com"])
    email = np.char.add(np.char.add(np.char.add(ids.astype(str), "@"), "x."), domains.astype(str))
    phone = np.char.add("+1 415 555 ", rng.integers(1000, 9999, rows).astype(str))
    mobile = np.char.add("(415) 555-", rng.integers(1000, 9999, rows).astype(str))
    return {
        "Record ID": ids,
        "First Name": first,
        "Last Name": last,
        "Email": email.astype(object),
        "Phone Number": phone.astype(object),
        "Mobile Phone Number": mobile.astype(object),
        "Company Name": pick(["Acme Inc.", "Globex GmbH", "Initech LLC", "Umbrella Corp", ""]),
        "Job Title": pick(["CEO", "Head of Marketing", "Sales Rep", "Engineer", ""]),
        "Street Address": np.char.add(
            rng.integers(1, 999, rows).astype(str), " Market Street, Suite 100"
        ).astype(object),
        "City": pick(["San Francisco", "London", "Berlin", "São Paulo", "Köln"]),
        "State/Region": pick(["CA", "California", "NY", "Bavaria", ""]),
        "Postal Code": pick(["02134", "94105", "SW1A 1AA", "10115", "007"]),
        "Country/Region": pick(["United States", "USA", "UK", "Germany", "Brasil"]),
        "Lifecycle Stage": pick(["lead", "subscriber", "marketingqualifiedlead", "customer"]),
        "Create Date": pick(["2024-01-05 10:11", "2023-12-31 23:59", "01/05/2024"]),
    }


def make_csv(rows: int) -> Path:
    path = DATA / f"hubspot_contacts_{rows}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    cols = make_columns(rows)
    table = pa.table({h: pa.array(cols[h], type=pa.string()) for h in HEADERS})
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
    return path


def make_xlsx(rows: int) -> Path:
    import openpyxl

    path = DATA / f"hubspot_contacts_{rows}.xlsx"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    cols = make_columns(rows, seed=11)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Contacts")
    ws.append(HEADERS)
    numbers = np.arange(51000, 51000 + rows)
    for i in range(rows):
        row: list[object] = [cols[h][i] for h in HEADERS]
        row[0] = int(numbers[i])  # a real number cell: must come back as "51000", not "51000.0"
        ws.append(row)
    wb.save(path)
    return path


_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from hygiene.load import SourceSpec, load_source
t = time.perf_counter()
s = load_source(SourceSpec(name="crm", paths=({path!r},)))
dt = time.perf_counter() - t
print(json.dumps({{"s": dt, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "rows": s.rows, "platform": s.platform, "mapped": len(s.columns)}}))
"""


def bench_csv(path: Path, runs: int = 3) -> None:
    results = []
    for _ in range(runs):
        code = _CHILD.format(root=str(ROOT), path=str(path))
        cmd = [sys.executable, "-c", code]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout))
    secs = statistics.median(r["s"] for r in results)
    rss = max(r["rss"] for r in results) / 1024
    size = path.stat().st_size / 1e6
    r = results[0]
    print(
        f"csv   {r['rows']:>9,} rows  {size:6.0f} MB  load+map {secs:6.2f} s (median of {runs})"
        f"  peak RSS {rss:6.0f} MB  platform={r['platform']} mapped={r['mapped']}"
    )


def bench_xlsx(path: Path, runs: int = 3) -> None:
    import openpyxl

    from hygiene.load.excel import _sheet_table, read_workbook

    def with_calamine() -> int:
        return sum(len(t.data) for t in read_workbook(path, None, path.name))

    def with_openpyxl() -> int:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        n = 0
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            table = _sheet_table(rows, path.name, ws.title)
            n += 0 if table is None else len(table.data)
        wb.close()
        return n

    for name, fn in (("calamine", with_calamine), ("openpyxl", with_openpyxl)):
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            n = fn()
            times.append(time.perf_counter() - t)
        print(f"xlsx  {n:>9,} rows  {name:9s} {statistics.median(times):6.2f} s (median of {runs})")


DELIM_CORPUS: list[tuple[str, str]] = [
    (",", 'Email,First Name,Company\nann@x.com,Ann,"Acme, Inc."\nbo@y.org,Bo,Globex\n'),
    (";", "Email;Vorname;Betrag\nann@x.de;Jürgen;1,50\nbo@y.de;Zoë;2,75\n"),
    ("\t", "Email\tName\tCity\nann@x.com\tAnn Lee\tSan Francisco, CA\nb@y.com\tBo\tLondon\n"),
    ("|", "Email|Name|Notes\nann@x.com|Ann|likes, commas; and semis\nb@y.com|Bo|x\n"),
    (",", 'Name,Company\n"Smith; John","Acme; Ltd"\n"Doe; Jane","Beta"\n'),
    (";", 'Name;Note\n"Lee, Ann";"a, b, c"\n"Bo";"d"\n"Cy";"e, f"\n'),
    (",", "Email,Phone\nann@x.com,+1 415 555 2671\nbo@x.com,020 7946 0958\n"),
    (",", 'a,b,c\n1,"multi\nline",3\n4,5,6\n'),
    (";", "E-Mail;PLZ;Ort\na@b.de;01067;Dresden\nc@d.de;80331;München\n"),
    (",", "Email\nann@x.com\nbo@x.com\n"),
    # a 64 KB sample, what the loader reads from a real export
    (
        ";",
        (
            "Record ID;Email;First Name;Company;City\n"
            + "51002;ann@x.com;Ann;Acme, Inc.;Köln\n" * 1900
        )[:65536],
    ),
]


def bench_delimiters(repeat: int = 20) -> None:
    import clevercsv

    from hygiene.load.sniff import DELIMITERS, detect_delimiter

    def cc(sample: str) -> str:
        d = clevercsv.Detector().detect(sample, delimiters=list(DELIMITERS))
        return str(d.delimiter) if d is not None and d.delimiter else ","

    def sniffer(sample: str) -> str:
        try:
            return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        except csv.Error:
            return ","

    for name, fn in (("clevercsv", cc), ("csv.Sniffer", sniffer), ("hygiene", detect_delimiter)):
        right = sum(fn(sample) == want for want, sample in DELIM_CORPUS)
        t = time.perf_counter()
        for _ in range(repeat):
            for _want, sample in DELIM_CORPUS:
                fn(sample)
        us = (time.perf_counter() - t) / (repeat * len(DELIM_CORPUS)) * 1e6
        print(f"delim {name:12s} right {right}/{len(DELIM_CORPUS)}  {us:9.0f} us/sample")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--xlsx-rows", type=int, default=100_000)
    ap.add_argument("--skip", default="", help="comma list of csv,xlsx,delim to skip")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    skip = set(args.skip.split(","))
    if "delim" not in skip:
        bench_delimiters()
    if "csv" not in skip:
        bench_csv(make_csv(args.rows))
    if "xlsx" not in skip:
        bench_xlsx(make_xlsx(args.xlsx_rows))


if __name__ == "__main__":
    main()
