"""Realistic sample exports with known defects: a HubSpot contacts CSV, a Mailchimp
audience export (ZIP of subscribed / unsubscribed / cleaned members) and truth.json.

Used by `hygiene demo` and by the benchmarks, which score audits against truth.json.
The same seed gives byte-identical files.
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import ConfigError
from ..runtime import Background
from .crm import HUBSPOT_COLUMNS, Crm, build_crm
from .defects import crm_defects, esp_defects
from .esp import HEADERS, Esp, build_esp, locator
from .links import link_truth
from .members import STATUSES, plan_members
from .people import make_companies, make_people
from .rates import DefectRates
from .truth import Locator, Recorder, groups_frame, write_truth

CRM_FILE = "hubspot_contacts.csv"
TRUTH_FILE = "truth.json"
#: Runs with more rows than this write the truth lists as CSV beside truth.json.
INLINE_LIMIT = 50_000
#: Fixed ZIP entry time, so the same seed gives the same bytes.
_ZIP_TIME = (2025, 6, 30, 12, 0, 0)


@dataclass(frozen=True)
class DemoFiles:
    """Paths written by `generate`: `esp` is the ZIP, or the three member CSVs."""

    crm: Path
    esp: Path | list[Path]
    truth: Path
    truth_lists: list[Path] = field(default_factory=list)  # CSVs beside truth.json, if any


def generate(
    out_dir: Path | str,
    crm_rows: int = 2000,
    esp_rows: int | None = None,
    seed: int = 7,
    esp_format: str = "zip",
    *,
    rates: DefectRates | None = None,
    truth_format: str = "auto",
) -> DemoFiles:
    """Write a HubSpot export of `crm_rows` rows and a Mailchimp audience of `esp_rows`
    members (default 70% of `crm_rows`) into `out_dir`, with truth.json beside them.

    `esp_format` is "zip" (Mailchimp's "Export audience" download) or "csv" (the three
    member files side by side). `truth_format` is "json" (lists inside truth.json), "csv"
    (lists in truth_*.csv) or "auto" (json up to INLINE_LIMIT rows in all).
    """
    if esp_format not in ("zip", "csv"):
        raise ConfigError(f"esp_format must be 'zip' or 'csv', not {esp_format!r}")
    if truth_format not in ("auto", "json", "csv"):
        raise ConfigError(f"truth_format must be 'auto', 'json' or 'csv', not {truth_format!r}")
    if esp_rows is None:
        esp_rows = int(round(crm_rows * 0.7))
    if crm_rows < 0 or esp_rows < 0:
        raise ConfigError("row counts must be 0 or more")
    rates = rates or DefectRates()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(seed)
    rnd = random.Random(seed)
    tag = f"{int(rng.integers(16**10)):010x}"
    crm, esp, rec = _make(rng, rnd, crm_rows, esp_rows, rates)

    crm_path = out / CRM_FILE
    n_crm = len(crm.person)
    crm_loc = Locator("crm", (CRM_FILE,), np.zeros(n_crm, dtype=np.int64),
                      np.arange(1, n_crm + 1))
    members_csv = {s: f"{s}_members_export_{tag}.csv" for s in STATUSES}
    tables = {s: esp.table.arrow(HEADERS[s], *esp.spans[s]) for s in STATUSES}
    esp_path: Path | list[Path]
    if esp_format == "zip":
        zip_name = f"members_export_{tag}.zip"
        esp_path = out / zip_name
        shown = {s: f"{zip_name}/{members_csv[s]}" for s in STATUSES}
    else:
        esp_path = [out / members_csv[s] for s in STATUSES]
        shown = dict(members_csv)
    locs = {"crm": crm_loc, "esp": locator(esp, shown)}

    # The tables are final: write them on threads of their own (arrow's CSV writer and zlib
    # release the GIL) while the truth is worked out.
    jobs = [Background(_write_csv, crm.table.arrow(HUBSPOT_COLUMNS), crm_path, serial=False),
            Background(_write_esp, tables, members_csv, esp_path, serial=False)]
    links = link_truth(crm, esp, rec)
    lists = {
        "defects": rec.frame(locs),
        "duplicates": groups_frame(None, locs, _duplicates(crm.groups, esp.members.original)),
        "links": groups_frame(None, locs, links),
        "hard_negatives": groups_frame(
            [[("crm", int(a)), ("crm", int(b))] for a, b in crm.twins], locs),
    }
    meta = _meta(seed, rates, crm_rows, esp_path, esp_format, shown, tables,
                 int((~crm.is_dup).sum()))
    inline = truth_format == "json" or (truth_format == "auto"
                                        and crm_rows + esp_rows <= INLINE_LIMIT)
    written = write_truth(out / TRUTH_FILE, meta, lists, inline)
    for job in jobs:
        job.result()
    return DemoFiles(crm_path, esp_path, written[0], written[1:])


def _make(
    rng: np.random.Generator, rnd: random.Random, crm_rows: int, esp_rows: int,
    rates: DefectRates,
) -> tuple[Crm, Esp, Recorder]:
    """People, both tables and their defects (recorded in the returned Recorder)."""
    n_extra = min(int(round(crm_rows * rates.duplicates)), crm_rows // 2)
    n_base = crm_rows - n_extra
    esp_main = esp_rows - min(int(round(esp_rows * rates.esp_duplicates)), esp_rows // 2)
    n_only = int(round(esp_main * rates.esp_only))
    n_only = max(n_only, esp_main - n_base)
    companies = make_companies(rng, max(20, n_base // 12))
    people = make_people(rng, n_base + n_only, n_base, companies,
                         int(round(crm_rows * rates.hard_negatives)))
    members = plan_members(rng, rnd, people, companies, esp_rows, rates)
    rec = Recorder()
    crm = build_crm(rng, rnd, people, companies, members, n_extra, rates, rec)
    crm_defects(rng, rnd, people, companies, crm, rates, rec)
    esp = build_esp(rng, people, members)
    esp_defects(rng, rnd, people, esp, rates, rec)
    return crm, esp, rec


def _duplicates(crm_groups: pd.DataFrame, original: np.ndarray) -> pd.DataFrame:
    """CRM duplicate groups, then audience members who are in twice (group, source, idx)."""
    second = np.flatnonzero(original >= 0)
    first_group = int(crm_groups["group"].max()) if len(crm_groups) else 0
    numbers = np.arange(first_group + 1, first_group + 1 + len(second))
    esp = pd.DataFrame({
        "group": np.concatenate([numbers, numbers]),
        "source": "esp",
        "idx": np.concatenate([original[second], second]),
    })
    return pd.concat([crm_groups.assign(source="crm"), esp], ignore_index=True)


def _meta(
    seed: int, rates: DefectRates, crm_rows: int, esp_path: Path | list[Path],
    esp_format: str, shown: dict[str, str], tables: dict[str, pa.Table], people: int,
) -> dict[str, Any]:
    return {
        "schema": "hygiene.demo-truth/1",
        "seed": seed,
        "crm": {"file": CRM_FILE, "platform": "hubspot", "rows": crm_rows, "people": people},
        "esp": {
            "file": esp_path.name if isinstance(esp_path, Path) else None,
            "format": esp_format,
            "platform": "mailchimp",
            "rows": sum(t.num_rows for t in tables.values()),
            "files": {s: {"file": shown[s], "rows": tables[s].num_rows} for s in STATUSES},
        },
        "rates": rates.to_dict(),
    }


def _csv_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed"))
    return sink.getvalue().to_pybytes()


def _write_csv(table: pa.Table, path: Path) -> None:
    pacsv.write_csv(table, str(path), pacsv.WriteOptions(quoting_style="needed"))


def _write_esp(tables: dict[str, pa.Table], names: dict[str, str],
               path: Path | list[Path]) -> None:
    if isinstance(path, Path):
        _write_zip(tables, names, path)
    else:
        for s, p in zip(STATUSES, path, strict=True):
            _write_csv(tables[s], p)


def _write_zip(tables: dict[str, pa.Table], names: dict[str, str], path: Path) -> None:
    # Level 1: a large audience compresses much faster than at the default level 6, for a
    # slightly larger file.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for s in STATUSES:
            info = zipfile.ZipInfo(names[s], date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, io.BytesIO(_csv_bytes(tables[s])).getvalue(), compresslevel=1)
