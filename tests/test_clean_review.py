"""Human review: review.xlsx decisions applied by `clean --review`, kept in
hygiene-decisions.json, and honoured by the next audit and clean."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

import hygiene
from hygiene.clean import Decisions, PairDecision, RecordRef, load_decisions, save_decisions
from hygiene.demo import generate
from hygiene.errors import ConfigError


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory):
    """A demo audit, its review.xlsx with decisions typed in, and `clean --review`."""
    folder = tmp_path_factory.mktemp("review")
    files = generate(folder / "data", crm_rows=1500, seed=11)
    sources = (f"crm={files.crm}",)
    audit = hygiene.audit(*sources, decisions=False)
    audit.save(folder / "report", ["xlsx"])
    book = load_workbook(folder / "report" / "review.xlsx")
    dup = book["Duplicates"]
    head = [c.value for c in dup[1]]
    col = {h: i + 1 for i, h in enumerate(head)}
    rows = list(dup.iter_rows(min_row=2, values_only=True))
    first = rows[0][col["Cluster"] - 1]
    members = [r for r in rows if r[col["Cluster"] - 1] == first]
    loser = next(i for i, r in enumerate(rows) if r in members and r[col["Survivor"] - 1] != "yes")
    dup.cell(row=loser + 2, column=col["Decision"], value="keep separate")
    pair = sorted(str(r[col["Record ID"] - 1]) for r in members[:2])

    fnd = book["Findings"]
    fhead = [c.value for c in fnd[1]]
    fcol = {h: i + 1 for i, h in enumerate(fhead)}
    frows = list(fnd.iter_rows(min_row=2, values_only=True))
    typos = [(i, r) for i, r in enumerate(frows) if r[fcol["Code"] - 1] == "email.typo_domain"]
    gmail = next((i, r) for i, r in typos if "@gmail.com" in str(r[fcol["Suggestion"] - 1]))
    other = next(
        (i, r) for i, r in typos
        if not any(p in str(r[fcol["Suggestion"] - 1]) for p in ("gmail", "yahoo", "hotmail",
                                                                 "outlook", "aol"))
    )  # fmt: skip
    fnd.cell(row=gmail[0] + 2, column=fcol["Decision"], value="reject fix")
    fnd.cell(row=other[0] + 2, column=fcol["Decision"], value="accept fix")
    book.save(folder / "review.xlsx")
    decisions = folder / "hygiene-decisions.json"
    result = hygiene.clean(
        *sources, out=folder / "out", review=folder / "review.xlsx", decisions=decisions
    )
    return {
        "folder": folder, "files": files, "sources": sources, "result": result, "pair": pair,
        "rejected": gmail[1], "accepted": other[1], "fcol": fcol, "decisions": decisions,
    }  # fmt: skip


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_decisions_are_kept_in_the_file(reviewed):
    doc = json.loads(reviewed["decisions"].read_text())
    assert doc["schema"] == "hygiene.decisions/1"
    assert len(doc["keep_separate"]) == 1
    pair = sorted(r["record_id"] for r in doc["keep_separate"][0]["records"])
    assert pair == reviewed["pair"]
    assert [f["code"] for f in doc["rejected_fixes"]] == ["email.typo_domain"]
    assert [f["code"] for f in doc["accepted_fixes"]] == ["email.typo_domain"]
    assert doc["rejected_fixes"][0]["decided_at"].endswith("Z")
    assert oct(reviewed["decisions"].stat().st_mode & 0o777) == "0o600"


def test_keep_separate_is_not_merged(reviewed):
    plan = read(reviewed["result"].out_dir / "merge_plan.csv")
    for row in plan.itertuples():
        ids = {row.survivor_id, *row.merged_ids.split("; ")}
        assert not set(reviewed["pair"]) <= ids
    cleaned = read(reviewed["result"].out_dir / "cleaned_crm.csv")["Record ID"]
    assert set(reviewed["pair"]) <= set(cleaned)


def test_rejected_fix_is_not_applied_accepted_one_is(reviewed):
    fcol = reviewed["fcol"]
    cleaned = read(reviewed["result"].out_dir / "cleaned_crm.csv").set_index("Record ID")
    rej, acc = reviewed["rejected"], reviewed["accepted"]
    rid = str(rej[fcol["Record ID"] - 1])
    assert cleaned.loc[rid, "Email"] == str(rej[fcol["Value"] - 1]).strip().lower()
    aid = str(acc[fcol["Record ID"] - 1])
    assert cleaned.loc[aid, "Email"] == str(acc[fcol["Suggestion"] - 1])
    assert reviewed["result"].summary["decisions"]["rejected_fixes"] == 1
    assert reviewed["result"].summary["decisions"]["accepted_fixes"] == 1


def test_next_audit_does_not_pair_them_again(reviewed, monkeypatch):
    monkeypatch.chdir(reviewed["folder"])  # the decisions file is found in the cwd
    audit = hygiene.audit(*reviewed["sources"])
    assert audit.decisions is not None
    for c in audit.match.clusters:
        ids = {str(audit.source("crm").record_ids().iloc[m]) for m in c.members}
        assert not set(reviewed["pair"]) <= ids
    blind = hygiene.audit(*reviewed["sources"], decisions=False)
    assert any(
        set(reviewed["pair"]) <= {str(blind.source("crm").record_ids().iloc[m]) for m in c.members}
        for c in blind.match.clusters
    )


def test_decisions_persist_without_the_workbook(reviewed):
    again = hygiene.clean(
        *reviewed["sources"], out=reviewed["folder"] / "again", decisions=reviewed["decisions"]
    )
    a = read(reviewed["result"].out_dir / "cleaned_crm.csv")
    b = read(again.out_dir / "cleaned_crm.csv")
    pd.testing.assert_frame_equal(a, b)


def test_decisions_given_as_an_object_are_honoured_as_the_audit_honours_them(reviewed):
    """`clean(decisions=Decisions)` reads the object, as `audit(decisions=Decisions)` does,
    not the file its `path` names (here: a path where no file is)."""
    given = load_decisions(reviewed["decisions"])
    given.path = reviewed["folder"] / "elsewhere.json"
    again = hygiene.clean(*reviewed["sources"], out=reviewed["folder"] / "object", decisions=given)
    a = read(reviewed["result"].out_dir / "cleaned_crm.csv")
    b = read(again.out_dir / "cleaned_crm.csv")
    pd.testing.assert_frame_equal(a, b)
    assert not given.path.exists()  # no review given: nothing written


def test_merge_undoes_an_earlier_keep_separate(tmp_path):
    a = RecordRef("crm", record_id="1")
    b = RecordRef("crm", record_id="2")
    old = Decisions(keep_separate=[PairDecision(a, b, "2026-01-01T00:00:00Z")])
    new = old.merged_with(Decisions(), unpair=[PairDecision(b, a)])
    assert new.keep_separate == []
    save_decisions(old, tmp_path / "d.json")
    assert load_decisions(tmp_path / "d.json").keep_separate == old.keep_separate


def test_bad_decisions_file_is_one_line_error(tmp_path):
    bad = tmp_path / "hygiene-decisions.json"
    bad.write_text('{"schema": "other"}')
    with pytest.raises(ConfigError, match="not a decisions file"):
        load_decisions(bad)
    with pytest.raises(ConfigError, match="decisions file not found"):
        hygiene.audit("crm=x.csv", decisions=tmp_path / "missing.json")


def test_decisions_from_a_redacted_workbook_apply(tmp_path):
    files = generate(tmp_path / "data", crm_rows=300, seed=5)
    audit = hygiene.audit(f"crm={files.crm}", decisions=False)
    audit.save(tmp_path / "report", ["xlsx"], redact=True)
    book = load_workbook(tmp_path / "report" / "review.xlsx")
    sheet = book["Findings"]
    head = {c.value: i + 1 for i, c in enumerate(sheet[1])}
    row = next(
        i for i, r in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2)
        if r[head["Code"] - 1] == "value.placeholder" and r[head["Field"] - 1] == "first_name"
    )  # fmt: skip
    rid = str(sheet.cell(row=row, column=head["Record ID"]).value)
    sheet.cell(row=row, column=head["Decision"], value="reject fix")
    book.save(tmp_path / "review.xlsx")
    result = hygiene.clean(
        f"crm={files.crm}",
        out=tmp_path / "out",
        review=tmp_path / "review.xlsx",
        decisions=tmp_path / "d.json",
    )
    original = read(files.crm).set_index("Record ID")
    cleaned = read(result.out_dir / "cleaned_crm.csv").set_index("Record ID")
    # Not emptied (the person kept it); still cased like every other all-lower name.
    kept = cleaned.loc[rid, "First Name"]
    assert kept != "" and kept.lower() == original.loc[rid, "First Name"].strip().lower()


def test_an_empty_decision_applies_only_sure_fixes_as_the_workbook_says(reviewed):
    """Empty means "not reviewed": clean applies only the fixes its rules are sure of, never
    a guess no person looked at (a two-edit domain guess can be someone else's address)."""
    folder, result = reviewed["folder"], reviewed["result"]
    notes = [
        str(c.value)
        for row in load_workbook(folder / "review.xlsx")["Summary"].iter_rows()
        for c in row
        if c.value
    ]
    assert any("empty leaves it to hygiene clean" in n for n in notes)
    assert not any("empty means accept" in n for n in notes)
    f = result.audit.findings
    typo = f[(f["code"] == "email.typo_domain") & (f["source"] == "crm")]
    changes = read(result.out_dir / "changes.csv")
    fixed = set(changes.loc[changes["rule"].str.contains("email.typo_domain"), "record_id"])
    judged = {str(reviewed["rejected"][reviewed["fcol"]["Record ID"] - 1]),
              str(reviewed["accepted"][reviewed["fcol"]["Record ID"] - 1])}  # fmt: skip
    unsure = typo[~typo["record_id"].isin(fixed | judged)]
    assert len(unsure)  # the demo has suggestions no rule is sure of
    cleaned = read(result.out_dir / "cleaned_crm.csv").set_index("Record ID")["Email"]
    for rid, suggestion in zip(unsure["record_id"], unsure["suggestion"], strict=True):
        if rid in cleaned.index:
            assert cleaned[rid] != str(suggestion).lower()
