"""Speed of the normalisers on 1M generated export rows: median of 3 runs per function.

Run from the repository root: `PYTHONPATH=. .venv/bin/python benchmarks/normalize_speed.py [rows]`
(or without PYTHONPATH once the package is pip-installed).
Budgets (1M rows, 2 cores) are printed next to each figure.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from hygiene.normalize import (
    category_key,
    clean_name,
    company_key,
    country_code,
    name_key,
    normalize_email,
    normalize_phone,
    nullify,
    parse_bool,
    parse_dates,
    state_code,
)

RNG = np.random.default_rng(2024)


def pick(values: list[str], n: int, p: list[float] | None = None) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object)[RNG.choice(len(values), n, p=p)], dtype="str")


def numbers(n: int, digits: int) -> pd.Series:
    return pd.Series(RNG.integers(0, 10**digits, n).astype(str), dtype="str").str.zfill(digits)


def emails(n: int) -> pd.Series:
    first = pick(["john", "mary", "ann", "peter", "li", "josé", "o.neil", "sarah", "tom"], n)
    domain = pick(
        ["gmail.com", "yahoo.com", "outlook.com", "acme.com", "example.org", "hotmail.co.uk",
         "googlemail.com", "bücher.de", "web.de"],
        n,
        p=[0.3, 0.1, 0.1, 0.2, 0.1, 0.08, 0.05, 0.02, 0.05],
    )
    tag = pd.Series(np.where(RNG.random(n) < 0.05, "+news", ""), dtype="str")
    out = first + "." + numbers(n, 7) + tag + "@" + domain
    upper = RNG.random(n) < 0.1
    return pd.Series(np.where(upper, out.str.upper(), out), dtype="str")


def phones(n: int) -> tuple[pd.Series, pd.Series]:
    """Mostly unique numbers of US, GB, DE, FR, AU in the formats exports hold."""
    region = pick(["US", "GB", "DE", "FR", "AU"], n, p=[0.5, 0.15, 0.15, 0.1, 0.1])
    tail = numbers(n, 4)
    mid = numbers(n, 3)
    area = pick(["415", "212", "646", "303", "617"], n)
    fmt = RNG.integers(0, 5, n)
    us = [
        "(" + area + ") " + mid + "-" + tail,
        area + "." + mid + "." + tail,
        "+1 " + area + " " + mid + " " + tail,
        "1-" + area + "-" + mid + "-" + tail,
        area + mid + tail,
    ]
    gb = ["020 7" + mid + " " + tail, "+44 20 7" + mid + " " + tail, "07400 1" + mid[:2] + tail,
          "+447400" + mid + tail[:3], "0044 20 7" + mid + tail]
    de = ["030 " + mid + tail, "+49 30 " + mid + tail, "0151 2" + mid + tail, "+49151" + "2" + mid
          + tail, "0049 30 " + mid + " " + tail]
    fr = ["01 " + mid[:2] + " " + mid[2:] + tail[:1] + " " + tail[1:3] + " " + tail[2:],
          "+33 1 " + mid + tail + "9", "06 12 " + mid + " " + tail[:2], "+336" + mid + tail + "1",
          "0033 1 " + mid + tail + "2"]
    au = ["(02) 9" + mid + " " + tail, "+61 2 9" + mid + " " + tail, "0412 " + mid + " " + tail[:3],
          "+61412" + mid + tail[:3], "0011 61 2 9" + mid + tail]
    by_region = {"US": us, "GB": gb, "DE": de, "FR": fr, "AU": au}
    out = pd.Series(pd.NA, index=region.index, dtype="str")
    for code, forms in by_region.items():
        for k, form in enumerate(forms):
            sel = (region == code) & (fmt == k)
            out[sel] = form[sel]
    return out, region


def names(n: int, distinct: int) -> pd.Series:
    first = ["John", "MARY", "anne-marie", "o'brien", "José", "li", "van der berg", "McDonald"]
    base = pd.Series(np.asarray(first, dtype=object)[RNG.integers(0, len(first), distinct)])
    pool = (base + " " + pd.Series(RNG.integers(0, 10**6, distinct).astype(str))).tolist()
    return pick(pool, n)


def companies(n: int, distinct: int) -> pd.Series:
    stems = ["Acme", "Globex", "Initech", "Umbrella", "Société Générale", "The Coca-Cola"]
    forms = ["Inc.", "Inc", "LLC", "GmbH", "Ltd", "S.A.", "Corp", "", "", "Company"]
    stem = pd.Series(np.asarray(stems, dtype=object)[RNG.integers(0, len(stems), distinct)])
    form = pd.Series(np.asarray(forms, dtype=object)[RNG.integers(0, len(forms), distinct)])
    pool = (stem + " " + pd.Series(RNG.integers(0, 10**6, distinct).astype(str)) + " " + form)
    return pick(pool.str.strip().tolist(), n)


def timestamps(n: int, fmt: str) -> pd.Series:
    seconds = RNG.integers(0, 10 * 365 * 86400, n)
    ts = pd.Timestamp("2015-01-01") + pd.to_timedelta(seconds, unit="s")
    return pd.Series(ts.strftime(fmt), dtype="str")


def median_seconds(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(n: int) -> None:
    raw = pick(["Ann", " N/A", "Acme Inc ", "", "null", "\u00a0Berlin", "#N/A", "x" * 20], n)
    raw = raw + pd.Series(np.where(RNG.random(n) < 0.5, "", "1"), dtype="str")
    email = emails(n)
    phone, phone_region = phones(n)
    country = pick(["US", "USA", "United States", "U.S.", "UK", "Germany", "Deutschland",
                    "France", "Australia", "Canada", "N/A"], n)
    state = pick(["CA", "California", "Calif.", "NY", "ON", "Ontario", "NSW", "Bavaria", "TX"], n)
    stage = pick(["MQL", "Marketing Qualified Lead", "lead", "Customer", "SQL", "Subscriber"], n)
    flags = pick(["true", "false", "Yes", "no", "1", "0", "Opted Out", ""], n)
    person = names(n, 50_000)
    company = companies(n, 50_000)
    iso = timestamps(n, "%Y-%m-%d %H:%M:%S")
    us_dates = timestamps(n, "%m/%d/%Y")

    cases: list[tuple[str, float, Callable[[], object]]] = [
        ("nullify", 0.3, lambda: nullify(raw)),
        ("normalize_email (mostly unique)", 1.5, lambda: normalize_email(email)),
        ("normalize_phone (mostly unique, 5 countries)", 3.0,
         lambda: normalize_phone(phone, phone_region)),
        ("country_code", 0.3, lambda: country_code(country)),
        ("state_code (with country)", 0.3, lambda: state_code(state, country)),
        ("category_key", 0.3, lambda: category_key(stage, "lifecycle_stage")),
        ("parse_bool", 0.3, lambda: parse_bool(flags)),
        ("clean_name (50k distinct)", 1.5, lambda: clean_name(person)),
        ("name_key (50k distinct)", 1.5, lambda: name_key(person)),
        ("company_key (50k distinct)", 1.5, lambda: company_key(company)),
        ("parse_dates ISO timestamps (mostly unique)", 1.0, lambda: parse_dates(iso)),
        ("parse_dates US m/d/Y", 1.0, lambda: parse_dates(us_dates)),
    ]
    print(f"{n:,} rows, median of 3 runs")
    for name, budget, fn in cases:
        fn()  # warm-up: imports, regex compilation, metadata loading
        seconds = median_seconds(fn)
        flag = "ok" if seconds * 1_000_000 / n <= budget else "OVER"
        print(f"{name:48s} {seconds:7.3f} s   budget {budget:.1f} s at 1M   {flag}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
