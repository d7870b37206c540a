"""`hygiene clean` on the demo exports: outputs, accounting, and a re-audit of what it wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import hygiene
from hygiene.clean import AccountingError, check_accounting
from hygiene.demo import generate
from hygiene.load import SourceSpec, load_source


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("clean-demo")
    files = generate(folder / "data", crm_rows=1500, seed=11)
    result = hygiene.clean(
        f"crm={files.crm}", f"esp={files.esp}", out=folder / "out", decisions=folder / "none.json"
    )
    return files, result


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def reaudit(demo):
    """The cleaned files audited again, as a user would after importing them."""
    _, result = demo
    out = result.out_dir
    return hygiene.audit(
        SourceSpec("crm", (str(out / "cleaned_crm.csv"),)),
        SourceSpec("esp", (str(out / "cleaned_esp.csv"),), platform="mailchimp"),
        decisions=False,
    )


def test_writes_the_contract_files(demo):
    _, result = demo
    names = sorted(p.name for p in result.out_dir.iterdir())
    assert names == [
        "changes.csv",
        "clean_summary.json",
        "cleaned_crm.csv",
        "cleaned_esp.csv",
        "merge_plan.csv",
        "suppression.csv",
        "suppression_hubspot.csv",
        "suppression_mailchimp.csv",
    ]


def test_every_input_row_is_accounted_for(demo):
    files, result = demo
    acc = {s["source"]: s for s in result.accounting["sources"]}
    before = {s.name: s.rows for s in result.audit.sources}
    for name, s in acc.items():
        assert s["kept"] + s["merged"] + s["suppressed"] == before[name]
        assert sum(f["rows"] for f in s["files"]) == before[name]
    # CRM (HubSpot): suppressed records stay in the file, to be marked by suppression.csv.
    assert acc["crm"]["cleaned_rows"] == acc["crm"]["kept"] + acc["crm"]["suppressed"]
    # ESP (Mailchimp, its own export): suppressed members with an address stay, marked with
    # their status; those without one (placeholder emptied, none at all) are left out.
    esp = read(result.out_dir / "cleaned_esp.csv")
    ledger = read(result.out_dir / "suppression.csv")
    marked = ledger[(ledger["Source"] == "esp") & (ledger["Reason"] != "address_fixed")]
    marked = marked[~marked["Reasons"].str.contains("missing")]
    assert acc["esp"]["cleaned_rows"] == acc["esp"]["kept"] + len(marked) == len(esp)
    assert (esp["Member Status"] != "subscribed").sum() == len(marked)
    summary = json.loads((result.out_dir / "clean_summary.json").read_text())
    assert summary["accounting"] == result.accounting


def test_each_crm_record_is_once_in_the_file_or_merged(demo):
    files, result = demo
    original = read(files.crm)["Record ID"]
    cleaned = read(result.out_dir / "cleaned_crm.csv")["Record ID"]
    plan = read(result.out_dir / "merge_plan.csv")
    merged = [i for ids in plan.loc[plan["source"] == "crm", "merged_ids"] for i in ids.split("; ")]
    assert cleaned.is_unique
    assert not set(cleaned) & set(merged)
    assert sorted([*cleaned, *merged]) == sorted(original)
    # Every merged record names a survivor that is in the cleaned file.
    assert set(plan.loc[plan["source"] == "crm", "survivor_id"]) <= set(cleaned)


def test_cleaned_files_load_again_with_the_same_rows(demo):
    _, result = demo
    for name in ("crm", "esp"):
        src = load_source(SourceSpec(name, (str(result.out_dir / f"cleaned_{name}.csv"),)))
        assert (
            src.rows
            == result.summary["accounting"]["sources"][["crm", "esp"].index(name)]["cleaned_rows"]
        )
    crm = load_source(SourceSpec("crm", (str(result.out_dir / "cleaned_crm.csv"),)))
    assert crm.platform == "hubspot"


def test_typo_domains_fixed_are_gone(demo, reaudit):
    _, result = demo
    changes = read(result.out_dir / "changes.csv")
    fixed = changes[changes["rule"].str.contains("email.typo_domain")]
    assert len(fixed) > 10
    before = result.audit.findings
    typo_before = set(
        before.loc[
            (before["code"] == "email.typo_domain") & (before["source"] == "crm"), "record_id"
        ]
    )
    after = reaudit.findings
    typo_after = set(
        after.loc[(after["code"] == "email.typo_domain") & (after["source"] == "crm"), "record_id"]
    )
    fixed_ids = set(fixed.loc[fixed["source"] == "crm", "record_id"])
    assert fixed_ids and not typo_after & fixed_ids
    # What remains are the suggestions no rule was sure of (left for a person).
    assert typo_after <= typo_before - fixed_ids


def test_fixed_addresses_are_lower_case_and_use_the_suggestion(demo):
    _, result = demo
    f = result.audit.findings
    typo = f[(f["code"] == "email.typo_domain") & (f["source"] == "crm")]
    cleaned = read(result.out_dir / "cleaned_crm.csv").set_index("Record ID")["Email"]
    changes = read(result.out_dir / "changes.csv")
    fixed = set(changes.loc[changes["rule"].str.contains("typo"), "record_id"])
    for rid, suggestion in zip(typo["record_id"], typo["suggestion"], strict=True):
        if rid in fixed and rid in cleaned.index:
            assert cleaned[rid] == suggestion.lower()
    assert (cleaned == cleaned.str.lower()).all()


@pytest.mark.parametrize("code", ["field.inconsistent", "value.placeholder"])
def test_fixed_codes_are_gone_from_the_crm(reaudit, demo, code):
    _, result = demo
    before = result.audit.findings
    assert ((before["code"] == code) & (before["source"] == "crm")).sum() > 0
    after = reaudit.findings
    assert ((after["code"] == code) & (after["source"] == "crm")).sum() == 0


def test_countries_and_states_in_hubspot_form(demo):
    _, result = demo
    crm = read(result.out_dir / "cleaned_crm.csv")
    assert "United States" in set(crm["Country/Region"])
    assert not crm["Country/Region"].isin(["US", "USA", "U.S.", "usa"]).any()
    assert "California" in set(crm["State/Region"])
    assert not crm["State/Region"].isin(["CA", "TX", "NY"]).any()


def test_phones_in_e164_and_no_new_invalid_ones(demo, reaudit):
    _, result = demo
    crm = read(result.out_dir / "cleaned_crm.csv")
    phones = crm["Phone Number"][crm["Phone Number"] != ""]
    assert phones.str.match(r"^\+[1-9][0-9]{6,14}$").mean() > 0.95
    before = result.audit.findings
    invalid_before = set(
        before.loc[(before["code"] == "phone.invalid") & (before["source"] == "crm"), "record_id"]
    )
    after = reaudit.findings
    invalid_after = set(
        after.loc[(after["code"] == "phone.invalid") & (after["source"] == "crm"), "record_id"]
    )
    assert invalid_after <= invalid_before


@pytest.mark.parametrize("code", ["email.disposable", "link.consent_conflict"])
def test_suppressed_esp_members_are_marked_not_marketable(reaudit, demo, code):
    from hygiene.links.state import consent_state

    _, result = demo
    before = result.audit.findings
    assert ((before["code"] == code) & (before["source"] == "esp")).sum() > 0
    after = reaudit.findings
    hit = after[(after["code"] == code) & (after["source"] == "esp")]
    prep = next(p for p in reaudit.prepared if p.source.name == "esp")
    state = consent_state(prep)
    assert not state.marketable[hit["pos"].to_numpy(dtype=int)].any()
    assert code != "link.consent_conflict" or len(hit) == 0
    esp = read(result.out_dir / "cleaned_esp.csv")
    assert set(esp["Member Status"]) == {"subscribed", "unsubscribed", "cleaned"}


def test_duplicates_are_merged_away(demo, reaudit):
    _, result = demo
    before = [c for c in result.audit.match.clusters if c.source == "crm"]
    after = [c for c in reaudit.match.clusters if c.source == "crm"]
    assert len(before) > 20
    assert len(after) <= len(before) // 10


def test_suppression_lists_every_reason_with_the_address(demo):
    files, result = demo
    supp = read(result.out_dir / "suppression.csv")
    assert list(supp.columns[:3]) == ["Email", "Action", "Reason"]
    assert {"unsubscribed", "cleaned", "consent_conflict", "invalid"} <= set(supp["Reason"])
    # Without an address only an opt-out is listed: it is the person's, and the record
    # carries it (an address's bounce or fault needs the address).
    unaddressed = supp[supp["Email"] == ""]
    assert set(unaddressed["Action"]) <= {"unsubscribe"}
    assert set(supp["Action"]) <= {"unsubscribe", "archive"}
    pairs = set(zip(supp["Source"], supp["Target"], strict=True))
    assert pairs == {("crm", "hubspot"), ("esp", "mailchimp")}
    unsub = supp[(supp["Source"] == "esp") & (supp["Reason"] == "unsubscribed")]
    assert unsub["Detail"].str.contains("Member Status = unsubscribed").all()


def test_one_suppression_file_per_target_each_address_once(demo):
    _, result = demo
    ledger = read(result.out_dir / "suppression.csv")
    hub = read(result.out_dir / "suppression_hubspot.csv")
    mc = read(result.out_dir / "suppression_mailchimp.csv")
    assert list(hub.columns) == ["Email"] and list(mc.columns) == ["Email Address", "Action"]
    assert hub["Email"].str.lower().is_unique and mc["Email Address"].str.lower().is_unique
    # Each side lists its own records only, HubSpot its opt-outs.
    crm = ledger[(ledger["Source"] == "crm") & (ledger["Action"] == "unsubscribe")]
    assert set(hub["Email"]) == set(crm["Email"]) - {""}
    esp = ledger[ledger["Source"] == "esp"]
    assert set(mc["Email Address"]) == set(esp["Email"])
    # One action per address: the one of its first reason (rules/clean.yaml order).
    order = [*result.plan.settings.reasons, "address_fixed"]
    esp = esp.assign(rank=esp["Reason"].map(order.index)).sort_values("rank", kind="stable")
    expected = esp.drop_duplicates("Email").set_index("Email")["Action"]
    assert mc.set_index("Email Address")["Action"].to_dict() == expected.to_dict()


def test_esp_typo_fix_archives_the_old_address(demo):
    _, result = demo
    supp = read(result.out_dir / "suppression.csv")
    changes = read(result.out_dir / "changes.csv")
    fixed = changes[(changes["source"] == "esp") & changes["rule"].str.contains("typo")]
    archived = supp[supp["Reason"] == "address_fixed"]
    assert set(archived["Source"]) <= {"esp"}
    assert sorted(archived["Email"]) == sorted(fixed["old"].str.strip().str.lower())
    assert archived["Detail"].str.startswith("replaced by ").all()


def test_a_status_stays_on_the_address_it_was_recorded_on(demo):
    """A bounce or unsubscribe recorded on a misspelt address: the address is kept as it was
    (the typo finding stays for a person), so the status never moves onto the corrected one."""
    _, result = demo
    f = result.audit.findings
    typo = f[(f["code"] == "email.typo_domain") & (f["source"] == "esp")]
    supp = read(result.out_dir / "suppression.csv")
    esp = supp[(supp["Source"] == "esp") & supp["Reason"].isin(["cleaned", "unsubscribed"])]
    with_status = set(typo["value"].str.strip().str.lower()) & set(esp["Email"])
    assert with_status  # the demo has such members
    esp_file = read(result.out_dir / "cleaned_esp.csv")
    held = esp_file.set_index("Email Address")["Member Status"]
    for address in with_status:
        assert held[address] in ("cleaned", "unsubscribed")
    changes = read(result.out_dir / "changes.csv")
    assert not set(changes.loc[changes["rule"].str.contains("typo"), "old"].str.lower()) & (
        with_status
    )


def test_merge_plan_keeps_every_losing_value(demo):
    files, result = demo
    plan = read(result.out_dir / "merge_plan.csv")
    original = read(files.crm).set_index("Record ID")
    crm = plan[plan["source"] == "crm"]
    assert len(crm) > 0
    lost = 0
    for row in crm.itertuples():
        fields = json.loads(row.fields)
        members = [row.survivor_id, *row.merged_ids.split("; ")]
        for column in ("Email", "Company Name", "Job Title", "City"):
            values = {original.loc[m, column].strip() for m in members} - {""}
            kept = set()
            if column in fields:
                kept = {fields[column]["value"]} | {o["value"] for o in fields[column]["others"]}
            else:
                kept = {original.loc[row.survivor_id, column].strip()}
            lost += len({v.lower() for v in values} - {str(k).lower() for k in kept})
        calls = json.loads(row.merge_calls)
        assert [c["objectIdToMerge"] for c in calls] == row.merged_ids.split("; ")
        assert {c["primaryObjectId"] for c in calls} == {row.survivor_id}
    assert lost == 0


def test_changes_name_every_changed_cell(demo):
    files, result = demo
    changes = read(result.out_dir / "changes.csv")
    assert list(changes.columns) == [
        "source",
        "file",
        "row",
        "record_id",
        "column",
        "old",
        "new",
        "rule",
    ]
    assert (changes["old"] != changes["new"]).all()
    original = read(files.crm)
    crm = changes[changes["source"] == "crm"]
    for r in crm.head(200).itertuples():
        assert original.iloc[int(r.row) - 1][r.column] == r.old
    assert {"phone.e164", "state.form", "email.typo_domain", "value.placeholder"} <= {
        part for rule in changes["rule"] for part in rule.split("+")
    }


def test_inputs_are_never_touched(demo):
    files, result = demo
    assert files.crm.parent != result.out_dir
    assert not any(p.name.startswith(".") for p in result.out_dir.iterdir())


def test_a_plan_that_loses_a_row_is_an_error(demo):
    _, result = demo
    plan = result.plan
    sp = plan.sources[0]
    saved = sp.disposition.copy()
    try:
        sp.disposition[0] = 1  # "merged" without a survivor
        with pytest.raises(AccountingError, match="no surviving record"):
            check_accounting(plan)
    finally:
        sp.disposition[:] = saved
    assert check_accounting(plan)["ok"]


def test_timings_are_the_audit_the_plan_and_the_write(demo):
    """The runtime times clean's steps under the same three figures, in order."""
    _, result = demo
    assert list(result.timings) == ["audit", "plan", "write"]
    assert all(v >= 0 for v in result.timings.values())
