"""The whole pipeline on the demo exports: duplicates, links and scores fit together."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import hygiene
from hygiene.demo import generate, load_truth
from hygiene.errors import ConfigError
from hygiene.match import MatchSettings
from tests.helpers import check_audit_json


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    files = generate(tmp_path_factory.mktemp("demo"), crm_rows=1200, seed=5)
    result = hygiene.audit(f"crm={files.crm}", f"esp={files.esp}")
    return files, result


def test_duplicates_are_found_and_written(demo, tmp_path: Path):
    files, result = demo
    truth = load_truth(files.truth)
    assert result.match is not None
    assert len(result.duplicates) > 0
    # every cluster of the audit is within one source and names its survivor among members
    for c in result.duplicates:
        assert len({m["source"] for m in c["members"]}) == 1
        assert (c["survivor"]["source"], c["survivor"]["row"]) in {
            (m["source"], m["row"]) for m in c["members"]
        }
        assert c["evidence"]
    paths = result.save(tmp_path, ["json"])
    check_audit_json(paths["json"])
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert doc["summary"]["duplicate_clusters"] == len(result.duplicates)
    # pairwise precision against the planted duplicates
    planted = set()
    for group in truth.duplicates.groupby("group"):
        rows = sorted(zip(group[1]["source"], group[1]["row"], strict=True))
        planted |= {(a, b) for i, a in enumerate(rows) for b in rows[i + 1 :]}
    found = set()
    for c in result.duplicates:
        rows = sorted((m["source"], m["row"]) for m in c["members"])
        found |= {(a, b) for i, a in enumerate(rows) for b in rows[i + 1 :]}
    assert len(found & planted) / len(found) >= 0.9


def test_duplicates_lower_uniqueness(demo):
    _, result = demo
    assert result.score.dimensions["uniqueness"] < 100.0
    without = hygiene.audit(*[s for s in result.sources], match=False)
    assert without.score.dimensions["uniqueness"] == 100.0
    assert without.duplicates == []


def test_match_settings_from_config_are_checked(tmp_path: Path):
    from hygiene.config import load_config
    from hygiene.settings import match_settings

    cfg = tmp_path / "hygiene.toml"
    cfg.write_text('[sources.crm]\npath = "x.csv"\n[match]\nthreshold = 0.99\n', encoding="utf-8")
    (tmp_path / "x.csv").write_text("Email\na@b.com\n", encoding="utf-8")
    assert match_settings(load_config(cfg)) == MatchSettings(threshold=0.99)
    cfg.write_text('[sources.crm]\npath = "x.csv"\n[match]\nthreshhold = 0.99\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key"):
        match_settings(load_config(cfg))


def test_every_dimension_is_measured_with_a_crm_and_an_esp(demo, tmp_path: Path):
    _, result = demo
    assert result.score.unmeasured == {}
    result.save(tmp_path, ["json"])
    assert json.loads((tmp_path / "audit.json").read_text())["score"]["unmeasured"] == {}


def test_one_bare_export_says_what_it_could_not_measure(tmp_path: Path):
    path = tmp_path / "contacts.csv"
    path.write_text(
        "First Name,Last Name,Email\nAnn,Lee,ann@acme.com\nBo,Park,bo@acme.com\n",
        encoding="utf-8",
    )
    result = hygiene.audit(f"crm={path}", match=False)
    assert set(result.score.unmeasured) == {"integrity", "compliance"}
    # the default 100 stays (the contract's numbers) but no report lets it pass for a result
    assert result.score.dimensions["integrity"] == 100.0
    result.save(tmp_path / "out", ["json", "md", "html"])
    doc = json.loads((tmp_path / "out" / "audit.json").read_text())
    assert "one system only" in doc["score"]["unmeasured"]["integrity"]
    check_audit_json(tmp_path / "out" / "audit.json")
    md = (tmp_path / "out" / "summary.md").read_text()
    assert "| integrity | 100.0 (not measured) |" in md
    assert "Compliance is not measured: no source has a consent" in md
    html = (tmp_path / "out" / "report.html").read_text()
    assert html.count("Not measured:") == 2


def test_a_consent_column_makes_compliance_measured(tmp_path: Path):
    path = tmp_path / "contacts.csv"
    path.write_text(
        "First Name,Last Name,Email,Marketing contact status\n"
        "Ann,Lee,ann@acme.com,Marketing contact\n",
        encoding="utf-8",
    )
    result = hygiene.audit(f"crm={path}", platforms=["crm=hubspot"], match=False)
    assert "compliance" not in result.score.unmeasured
    assert "integrity" in result.score.unmeasured


def test_no_hits_are_kept_on_the_sources(demo):
    """The checks hand hits on as values (`EarlierHits` to later rules, `CheckHits` to the
    links), never through a source's cache of views."""
    _, a = demo
    placeholder = a.findings[a.findings["code"] == "value.placeholder"]
    assert len(placeholder)  # the links read these hits for emails
    for prep in a.prepared:
        assert not [k for k in prep._memo if isinstance(k, tuple) and k and k[0] == "hits"]


@pytest.mark.parametrize("serial", [False, True])
def test_past_the_checks_only_the_views_the_links_read_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serial: bool
):
    files = generate(tmp_path / "demo", crm_rows=600, seed=11)
    if serial:  # the matcher runs after the links' plan: its views go after it
        monkeypatch.setenv("HYGIENE_SERIAL", "1")
    a = hygiene.audit(f"crm={files.crm}", f"esp={files.esp}")
    assert a.match is not None and a.match.clusters
    for prep in a.prepared:
        held = set(prep._memo)
        # Read by the checks and the matcher only: dropped.
        assert ("phone", "phone") not in held and ("value", "company") not in held
        assert "state" not in held and ("value", "phone") not in held
        # Read by the links: kept until the reports.
        assert {"email", ("value", "email"), ("value", "first_name")} <= held
    esp = next(p for p in a.prepared if p.source.name == "esp")
    assert ("value", "consent_date") in set(esp._memo)
    # Dropping them changes nothing the audit says.
    with monkeypatch.context() as m:
        # (`hygiene.audit` is also the function: the module by its sys.modules name)
        m.setattr(sys.modules["hygiene.audit"], "keep_link_views", lambda prep: None)
        kept = hygiene.audit(f"crm={files.crm}", f"esp={files.esp}")
    assert ("phone", "phone") in set(kept.prepared[0]._memo)
    assert kept.findings.equals(a.findings)
    assert kept.links.equals(a.links)


def test_released_views_change_no_report_and_come_back_when_asked(tmp_path: Path):
    files = generate(tmp_path / "demo", crm_rows=600, seed=11)
    a = hygiene.audit(f"crm={files.crm}", f"esp={files.esp}")
    before = {n: a.normalized(n) for n in ("crm", "esp")}
    kept = a.save(tmp_path / "kept", ["json", "html"])
    a.release_views()
    for prep in a.prepared:
        assert prep.memo(("phone", "phone"), lambda: "gone") == "gone"
        prep.forget("phone")  # the probe above stored "gone"
        # The reports and the history read the emails: kept.
        assert isinstance(prep.memo("email", lambda: "gone"), pd.DataFrame)
    released = a.save(tmp_path / "released", ["json", "html"])
    assert kept["json"].read_bytes() == released["json"].read_bytes()
    assert kept["html"].read_bytes() == released["html"].read_bytes()
    for name, frame in before.items():  # computed again, the same
        assert a.normalized(name).equals(frame)


def test_timings_and_the_matchers_phases_are_the_runtimes(demo):
    """The runtime times the audit's steps (`Audit.timings`, audit.json `seconds`) and the
    matcher's phases run beside the checks (`match.stats["seconds"]`, read by
    benchmarks/run.py's "match split"): each figure once, in order, never negative."""
    _, result = demo
    assert list(result.timings) == ["load", "normalize", "checks", "match", "links", "score"]
    seconds = result.match.stats["seconds"]
    assert list(seconds) == [
        "prepare", "encode", "blocking", "training", "comparisons", "clustering"
    ]
    assert all(v >= 0 for v in [*result.timings.values(), *seconds.values()])
    assert result.to_dict()["summary"]["seconds"].keys() == result.timings.keys()
