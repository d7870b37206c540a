"""How big report.html is at scale, how long it takes to build, and to open in Chromium.

    .venv/bin/python benchmarks/report_size.py [--rows 1000000] [--findings 1000000]
        [--clusters 50000] [--no-browser]

A synthetic audit (tests/report_samples.py `large_audit`: a `rows`-row CRM and a 70% ESP,
`findings` findings over seven codes, `clusters` duplicate pairs; no checks run) is written
as report.html. Prints the seconds to build and write it, its size in MB, and, with
Debian's chromium-driver, the seconds from navigation start to the load event and to the
first contentful paint in headless Chromium (median of 3 loads, fresh tab each).
The page must stay under 5 MB and open in under 3 s (issue 25); a test holds the size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.report_samples import large_audit  # noqa: E402

DRIVER = Path("/usr/bin/chromedriver")
LIMIT_MB = 5.0
LIMIT_S = 3.0


def load_seconds(page: Path, repeat: int = 3) -> tuple[float, float]:
    """Median seconds to the load event and to the first contentful paint."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    with tempfile.TemporaryDirectory() as profile:
        for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", f"--user-data-dir={profile}", "--window-size=1400,1000"):
            opts.add_argument(flag)
        driver = webdriver.Chrome(service=Service(str(DRIVER)), options=opts)
        loads, paints = [], []
        try:
            for _ in range(repeat):
                driver.get("about:blank")
                driver.get(page.as_uri())
                timing = driver.execute_script(
                    "const n = performance.getEntriesByType('navigation')[0];"
                    "const p = performance.getEntriesByName('first-contentful-paint')[0];"
                    "return [n.loadEventEnd, p ? p.startTime : 0];"
                )
                loads.append(timing[0] / 1000)
                paints.append(timing[1] / 1000)
        finally:
            driver.quit()
    return statistics.median(loads), statistics.median(paints)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--findings", type=int, default=1_000_000)
    ap.add_argument("--clusters", type=int, default=50_000)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    audit = large_audit(args.rows, args.findings, args.clusters)
    made = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        page = audit.save(tmp, ["html"])["html"]
        built = time.perf_counter() - t0
        mb = page.stat().st_size / 1e6
        print(f"synthetic audit: {args.rows:,} + {int(args.rows * 0.7):,} rows, "
              f"{args.findings:,} findings, {args.clusters:,} clusters ({made:.1f} s to make)")
        print(f"report.html: {mb:.2f} MB (limit {LIMIT_MB:g}), built and written in {built:.1f} s")
        if args.no_browser or not DRIVER.exists():
            print("browser: skipped" + ("" if args.no_browser else f" ({DRIVER} not found)"))
            return
        load, paint = load_seconds(page)
        print(f"chromium: load event {load:.2f} s, first contentful paint {paint:.2f} s "
              f"(limit {LIMIT_S:g} s; median of 3)")


if __name__ == "__main__":
    main()
