"""Precision and recall of the link findings against the demo generator's truth.json.

Run from the repository root: `PYTHONPATH=. .venv/bin/python benchmarks/links_accuracy.py
[crm_rows]` (default 20,000; the exports are cached under benchmarks/data/).

The generator links records by person, so a person whose address differs between the two
exports (a misspelt or replaced address, a duplicate CRM record with another address) is
linked in the truth but not by email. The first table is what email (plus the fixed address
of a misspelt domain) finds; the second adds stand-in matcher links (the same name, unique
on both sides, and the same email user, company domain or phone, among rows email left
unlinked) through `fuzzy_links`, the path hygiene.match's cross-source links will take; the
third adds the truth's own duplicate groups as `clusters` (what a perfect matcher would find),
through which a duplicate record with another address inherits its cluster-mate's links.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

import hygiene
from benchmarks.links_speed import demo_files
from hygiene.demo import load_truth
from hygiene.links import check_links
from hygiene.normalize import name_key
from hygiene.prepared import Prepared

CODES = ("link.orphan", "link.consent_conflict", "link.status_mismatch")
FREE_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com",
             "gmx.de", "web.de", "t-online.de", "yahoo.co.uk", "btinternet.com", "orange.fr",
             "free.fr", "yahoo.ca", "yahoo.co.in", "hotmail.co.uk", "live.com", "mail.com")


def score(findings: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per code and source: truth, found, true positives, precision, recall."""
    rows = []
    for code in CODES:
        for source in ("crm", "esp"):
            t = truth[(truth["kind"] == code) & (truth["source"] == source)]
            f = findings[(findings["code"] == code) & (findings["source"] == source)]
            want = set(zip(t["file"], t["row"].astype(int), strict=True))
            got = set(zip(f["file"], f["row"].astype(int), strict=True))
            tp = len(want & got)
            rows.append({
                "code": code, "source": source, "truth": len(want), "found": len(got), "tp": tp,
                "precision": round(tp / len(got), 3) if got else float("nan"),
                "recall": round(tp / len(want), 3) if want else float("nan"),
            })
    return pd.DataFrame(rows)


def _people(p: Prepared) -> pd.DataFrame:
    """Name key (unique within the source), email local part and domain, phone, position."""
    first, last = p.value("first_name"), p.value("last_name")
    emails, phones = p.email(), p.phone()
    assert first is not None and last is not None and emails is not None
    frame = pd.DataFrame({
        "key": (name_key(first) + " " + name_key(last)).to_numpy(dtype=object, na_value=None),
        "local": emails["local"].to_numpy(dtype=object, na_value=None),
        "domain": emails["domain"].to_numpy(dtype=object, na_value=None),
        "phone": (phones["e164"].to_numpy(dtype=object, na_value=None) if phones is not None
                  else np.full(p.rows, None, dtype=object)),
        "pos": np.arange(p.rows),
    })
    frame = frame[frame["key"].notna()]
    return frame[~frame["key"].duplicated(keep=False)]


def stand_in_links(preps: list[Prepared], pairs: pd.DataFrame) -> pd.DataFrame:
    """Cross-source links among the rows the email join left unlinked: the same first and
    last name (unique on each side) and the same email local part, domain or phone. A crude
    stand-in for hygiene.match."""
    crm, esp = (_people(p) for p in preps)
    linked_esp = set(pairs.loc[pairs["source_a"] == "esp", "pos_a"].tolist())
    linked_crm = set(pairs.loc[pairs["source_b"] == "crm", "pos_b"].tolist())
    both = esp.merge(crm, on="key", suffixes=("_esp", "_crm"))
    both = both[~both["pos_esp"].isin(linked_esp) | ~both["pos_crm"].isin(linked_crm)]
    same = {c: (both[f"{c}_esp"] == both[f"{c}_crm"]) & both[f"{c}_esp"].notna()
            for c in ("local", "domain", "phone")}
    # A company domain is evidence, a mailbox provider's is not.
    company = same["domain"] & ~both["domain_esp"].isin(FREE_MAIL)
    both = both[same["local"] | company | same["phone"]]
    evidence = np.where(same["phone"][both.index], "name and phone", "name and email")
    return pd.DataFrame({
        "source_a": "esp", "pos_a": both["pos_esp"].to_numpy(), "source_b": "crm",
        "pos_b": both["pos_crm"].to_numpy(), "probability": 0.9,
        "evidence": evidence, "method": "fuzzy",
    })


@dataclass
class Cluster:
    """The two fields of hygiene.match's Cluster that the links step reads."""

    source: str
    members: list[int]


def truth_clusters(truth_dups: pd.DataFrame, preps: list[Prepared]) -> list[Cluster]:
    """The generator's own duplicate groups as clusters: what a perfect matcher would find."""
    where = {}
    for p in preps:
        prov = p.source.provenance
        where[p.source.name] = pd.Series(
            np.arange(p.rows), index=pd.MultiIndex.from_arrays(
                [prov["file"].astype(str), prov["row"].astype(np.int64)]))
    out = []
    for (_, source), g in truth_dups.groupby(["group", "source"], sort=False):
        idx = pd.MultiIndex.from_arrays([g["file"].astype(str), g["row"].astype(np.int64)])
        out.append(Cluster(str(source), where[str(source)].reindex(idx).dropna()
                           .astype(int).tolist()))
    return out


def main(argv: list[str]) -> None:
    crm_rows = int(argv[0]) if argv else 20_000
    crm, esp, truth_path = demo_files(crm_rows, int(round(crm_rows * 0.7)))
    truth = load_truth(truth_path).defects
    audit = hygiene.audit(f"crm={crm}", f"esp={esp}", workflows=["newsletter"])
    print(f"{crm_rows:,} CRM rows; links step {audit.timings['links']:.2f} s in the audit\n")
    print("email (and fixed misspelt domains) only:")
    print(score(audit.findings, truth).to_string(index=False))
    assert audit.links is not None
    fuzzy = stand_in_links(audit.prepared, audit.links)
    with_fuzzy = check_links(audit.prepared, audit.rules, kinds=audit.kinds, fuzzy_links=fuzzy)
    print(f"\nwith {len(fuzzy):,} stand-in matcher links "
          "(name and email user, company domain or phone):")
    print(score(with_fuzzy.findings, truth).to_string(index=False))
    clusters = truth_clusters(load_truth(truth_path).duplicates, audit.prepared)
    with_clusters = check_links(audit.prepared, audit.rules, kinds=audit.kinds,
                                fuzzy_links=fuzzy, clusters=clusters)
    print(f"\nand {len(clusters):,} duplicate clusters (the truth's own: a perfect matcher):")
    print(score(with_clusters.findings, truth).to_string(index=False))


if __name__ == "__main__":
    main(sys.argv[1:])
