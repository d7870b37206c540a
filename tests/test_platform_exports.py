"""Every platform's real export, built from header lists with a public source
(tests/platform_exports.py): detected as its platform, mapped, its opt-outs read from content
as well as from file names, and a warning where nothing can be read."""

from __future__ import annotations

import csv
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hygiene
from hygiene.load import SourceSpec, apply_overrides, detect_platform, load_source, map_columns
from hygiene.load.archive import status_from_name
from tests.platform_exports import EXPORTS, write_export


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_each_real_export_is_detected_and_its_email_mapped(name: str) -> None:
    export = EXPORTS[name]
    platform, confidence = detect_platform(list(export.headers))
    assert platform == export.platform, export.source
    assert confidence >= 0.8
    mapping, conf = map_columns(list(export.headers), platform)
    if export.email is not None:
        assert mapping.get(export.email) == "email" and conf[export.email] == 1.0


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_platform_override_maps_the_export_as_that_platform(name: str, tmp_path: Path) -> None:
    """`--platform NAME=PLATFORM` fixes a wrong guess: forced, the preset's headers map."""
    export = EXPORTS[name]
    path = write_export(tmp_path / "export.csv", export.headers, [{export.email or "": "a@b.co"}])
    (spec,) = apply_overrides([SourceSpec("crm", (str(path),))], [f"crm={export.platform}"])
    src = load_source(spec)
    assert src.platform == export.platform and src.platform_confidence == 1.0
    assert export.email is None or src.column_for("email") == export.email


PIPEDRIVE_ROWS = [
    {"ID": "1", "Name": "Ann Lee", "First name": "Ann", "Last name": "Lee",
     "Email - Work": "ann@acme-corp.com", "Marketing status": "Subscribed",
     "Country of Postal address": "Germany"},
    {"ID": "2", "Name": "Bob Roe", "First name": "Bob", "Last name": "Roe",
     "Email - Work": "bob@@acme-corp.com", "Marketing status": "Unsubscribed",
     "Country of Postal address": "Germny"},
    {"ID": "3", "Name": "Cy Poe", "First name": "Cy", "Last name": "Poe",
     "Email - Work": "cy@acme-corp.com", "Marketing status": "No consent",
     "Country of Postal address": "Germany"},
]  # fmt: skip


def test_pipedrive_unprefixed_export_gets_its_email_and_country_checks(tmp_path: Path) -> None:
    """The issue's case: the current (unprefixed) people export was read as generic with no
    email column, so the "@@" address and the misspelt country went unreported."""
    export = EXPORTS["pipedrive-people"]
    path = write_export(tmp_path / "people-23955722-71.csv", export.headers, PIPEDRIVE_ROWS)
    result = hygiene.audit(f"crm={path}", match=False)
    (src,) = result.sources
    assert src.platform == "pipedrive"
    invalid = result.findings[result.findings["code"] == "email.invalid_syntax"]
    assert invalid["row"].tolist() == [2]
    unknown = result.findings[result.findings["code"] == "field.unknown_value"]
    assert unknown["value"].tolist() == ["Germny"]
    assert "file.unrecognised" not in set(result.findings["code"])


def test_pipedrive_marketing_status_is_read_as_consent(tmp_path: Path) -> None:
    from hygiene.links.state import consent_state
    from hygiene.prepared import Prepared

    export = EXPORTS["pipedrive-people"]
    path = write_export(tmp_path / "people.csv", export.headers, PIPEDRIVE_ROWS)
    st_ = consent_state(Prepared(load_source(SourceSpec("crm", (str(path),)))))
    assert st_.opted_out.tolist() == [False, True, False]
    # "No consent" is neither an opt-out nor marketable.
    assert st_.marketable.tolist() == [True, False, False]


# --- opt-out state from content and from any file name -----------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("subscribed_members_export_8f3a.csv", "subscribed"),
        ("unsubscribed_members_export_8f3a.csv", "unsubscribed"),
        ("cleaned_members_export_8f3a.csv", "cleaned"),
        ("nonsubscribed_members_export_8f3a.csv", "nonsubscribed"),
        ("mailchimp_subscribed.csv", "subscribed"),
        ("mailchimp_unsubscribed.csv", "unsubscribed"),
        ("Mailchimp Unsubscribed (March).csv", "unsubscribed"),
        ("audience-cleaned.csv", "cleaned"),
        ("2024-05 non subscribed.txt", "nonsubscribed"),
        ("audience.zip/unsubscribed.csv", "unsubscribed"),
        ("cleaned_crm.csv", None),  # what `hygiene clean` writes, not a member file
        ("subscribed_and_unsubscribed.csv", None),  # two statuses: tells nothing
        ("contacts.csv", None),
        ("resubscribedx.csv", None),
    ],
)
def test_status_word_anywhere_in_a_file_name(name: str, status: str | None) -> None:
    assert status_from_name(name) == status


_WORD = st.text(string.ascii_lowercase, min_size=1, max_size=8).filter(
    lambda w: w not in {"subscribed", "unsubscribed", "cleaned", "nonsubscribed", "pending",
                        "transactional", "archived", "non", "un", "members"})


@settings(max_examples=200, deadline=None)
@given(
    before=st.lists(_WORD, max_size=3),
    after=st.lists(_WORD, max_size=3),
    status=st.sampled_from(["subscribed", "unsubscribed", "pending", "archived"]),
    sep=st.sampled_from(["_", "-", " ", "."]),
)
def test_one_status_word_tells_the_status_wherever_it_stands(before, after, status, sep):
    """Invariant: a name with exactly one status word gives that status, whatever surrounds
    it and however the words are separated."""
    name = sep.join([*before, status, *after]) + ".csv"
    assert status_from_name(name) == status


MC = EXPORTS["mailchimp-unsubscribed"]


def _mailchimp_files(tmp_path: Path, sub_name: str, unsub_name: str) -> tuple[Path, Path]:
    sub_headers = tuple(h for h in MC.headers if not h.startswith("UNSUB_"))
    sub = write_export(tmp_path / sub_name, sub_headers, [
        {"Email Address": "ann@acme-corp.com", "OPTIN_TIME": "2024-01-02 10:00:00"},
        {"Email Address": "bob@acme-corp.com", "OPTIN_TIME": "2024-01-02 10:00:00"},
    ])
    unsub = write_export(tmp_path / unsub_name, MC.headers, [
        {"Email Address": "cy@acme-corp.com", "UNSUB_TIME": "2024-03-01 09:00:00"},
        {"Email Address": "dee@acme-corp.com", "UNSUB_TIME": "2024-03-02 09:00:00"},
    ])
    return sub, unsub


HUBSPOT = EXPORTS["hubspot-default-view"]


def _crm(tmp_path: Path) -> Path:
    rows = [{"Record ID": str(i), "Email": e, "Marketing contact status": "Marketing contact"}
            for i, e in enumerate(["ann@acme-corp.com", "bob@acme-corp.com",
                                   "cy@acme-corp.com", "dee@acme-corp.com"], start=1)]
    return write_export(tmp_path / "hubspot.csv", HUBSPOT.headers, rows)


@pytest.mark.parametrize(
    ("sub_name", "unsub_name"),
    [
        ("subscribed_members_export_1.csv", "unsubscribed_members_export_1.csv"),
        ("mailchimp_subscribed.csv", "mailchimp_unsubscribed.csv"),  # renamed by the user
        ("list_a.csv", "list_b.csv"),  # names tell nothing: UNSUB_TIME does
    ],
)
def test_opt_outs_do_not_depend_on_file_names(tmp_path: Path, sub_name: str, unsub_name: str):
    """Issue 22: renamed Mailchimp member files gave zero consent conflicts, silently."""
    sub, unsub = _mailchimp_files(tmp_path, sub_name, unsub_name)
    result = hygiene.audit(f"crm={_crm(tmp_path)}", f"esp={sub}", f"esp={unsub}", match=False)
    conflicts = result.findings[result.findings["code"] == "link.consent_conflict"]
    assert sorted(conflicts["record_id"].tolist()) == ["3", "4"]
    assert "link.consent_unknown" not in set(result.findings["code"])


def test_clean_time_and_bounce_hard_are_read_from_content(tmp_path: Path) -> None:
    from hygiene.links.state import consent_state
    from hygiene.prepared import Prepared

    cleaned = EXPORTS["mailchimp-cleaned"]
    path = write_export(tmp_path / "export_2.csv", cleaned.headers, [
        {"Email Address": "a@acme-corp.com", "CLEAN_TIME": "2024-02-01 08:00:00"},
        {"Email Address": "b@acme-corp.com", "CLEAN_TIME": ""},
    ])
    mc = consent_state(Prepared(load_source(SourceSpec("esp", (str(path),)))))
    assert mc.opted_out.tolist() == [True, False] and mc.bounced.tolist() == [True, False]

    ac = EXPORTS["activecampaign-contacts"]
    path = write_export(tmp_path / "contacts.csv", ac.headers, [
        {"Email": "a@acme-corp.com", "Bounce Hard": "0", "Status": "Active"},
        {"Email": "b@acme-corp.com", "Bounce Hard": "2", "Status": "Active"},
    ])
    state = consent_state(Prepared(load_source(SourceSpec("esp", (str(path),)))))
    assert state.bounced.tolist() == [False, True]


def test_esp_without_readable_opt_outs_gets_a_visible_warning(tmp_path: Path) -> None:
    sub, _ = _mailchimp_files(tmp_path, "audience.csv", "x.csv")
    result = hygiene.audit(f"crm={_crm(tmp_path)}", f"esp={sub}", match=False)
    unknown = result.findings[result.findings["code"] == "link.consent_unknown"]
    assert len(unknown) == 1
    (row,) = unknown.to_dict("records")
    assert row["source"] == "esp" and row["severity"] == "warning" and pd_isna(row["row"])
    assert "cannot tell who opted out in esp" in row["message"].lower()
    assert "consent checks skipped" in row["message"]
    # A CRM without any opt-out column is not an ESP: no such warning for it.
    assert set(unknown["source"]) == {"esp"}


def pd_isna(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


# --- HubSpot per-subscription opt-outs -----------------------------------------------------


def _hubspot_with_types(tmp_path: Path) -> Path:
    hs = EXPORTS["hubspot-all-properties"]
    crm = write_export(tmp_path / "hubspot-crm-exports-all-properties.csv", hs.headers, [
        {"Record ID": "51", "Email": "ann@acme-corp.com",
         "Marketing contact status": "Marketing contact", "Unsubscribed from all email": "",
         "Opted out of email: Marketing Information": "true",
         "Opted out of email: One to One": "false"},
        {"Record ID": "52", "Email": "bob@acme-corp.com",
         "Marketing contact status": "Marketing contact",
         "Opted out of email: Marketing Information": "false"},
    ])
    return crm


def test_hubspot_subscription_type_opt_out_is_a_conflict_naming_the_type(tmp_path: Path):
    crm = _hubspot_with_types(tmp_path)
    esp, _ = _mailchimp_files(tmp_path, "subscribed_members_export_1.csv", "u.csv")
    result = hygiene.audit(f"crm={crm}", f"esp={esp}", match=False)
    conflicts = result.findings[result.findings["code"] == "link.consent_conflict"]
    assert conflicts["source"].tolist() == ["esp"] and conflicts["row"].tolist() == [1]
    assert "Opted out of email: Marketing Information = true" in conflicts["message"].iloc[0]
    # Opted out of one type only: the CRM contact stays marketable for the others.
    from hygiene.links.state import consent_state
    from hygiene.prepared import Prepared

    state = consent_state(Prepared(load_source(SourceSpec("crm", (str(crm),)))))
    assert state.marketable.tolist() == [True, True]
    assert [t for t, rows in state.out_of_type if rows[0]] == ["Marketing Information"]


@pytest.mark.parametrize(
    ("types", "conflicts"),
    [(["Marketing Information"], 1), (["one to one"], 0), ([], 1)],
)
def test_a_workflow_names_the_subscription_types_it_sends(tmp_path: Path, types, conflicts):
    crm = _hubspot_with_types(tmp_path)
    esp, _ = _mailchimp_files(tmp_path, "subscribed_members_export_1.csv", "u.csv")
    profile = tmp_path / "promo.yaml"
    profile.write_text(
        "name: promo\napplies_to: [crm, esp]\nrequires: [email]\n"
        f"blocking: [link.consent_conflict]\nsubscription_types: {types}\n",
        encoding="utf-8",
    )
    result = hygiene.audit(f"crm={crm}", f"esp={esp}", workflow_files=[profile],
                           workflows=["promo"], match=False)
    found = result.findings[result.findings["code"] == "link.consent_conflict"]
    assert len(found) == conflicts


# --- bad input -----------------------------------------------------------------------------


def test_unknown_export_without_email_column_names_its_columns_and_the_map(tmp_path: Path):
    path = write_export(tmp_path / "export.csv", ("Kontakt", "Adresse elektronisch", "Ort"),
                        [{"Kontakt": "Ann", "Adresse elektronisch": "ann@acme-corp.com"}])
    result = hygiene.audit(f"leads={path}", match=False)
    found = result.findings[result.findings["code"] == "file.unrecognised"]
    assert len(found) == 1
    message = found["message"].iloc[0]
    assert "'Adresse elektronisch'" in message and "--map leads:" in message
    fixed = hygiene.audit(f"leads={path}", maps=["leads:Adresse elektronisch=email"],
                          match=False)
    assert "file.unrecognised" not in set(fixed.findings["code"])


# --- dates -------------------------------------------------------------------------------


def test_undecidable_date_column_is_reported_and_date_order_settles_it(tmp_path: Path):
    hs = EXPORTS["hubspot-default-view"]
    rows = [{"Record ID": "1", "Email": "ann@acme-corp.com", "Create Date": "05/02/2024"},
            {"Record ID": "2", "Email": "bob@acme-corp.com", "Create Date": "03/04/2024"}]
    path = write_export(tmp_path / "hubspot.csv", hs.headers, rows)
    src = load_source(SourceSpec("crm", (str(path),)))
    notes = src.load_findings
    assert notes is not None
    found = notes[notes["code"] == "date.ambiguous_order"]
    assert found["column"].tolist() == ["Create Date"]
    assert "--date-order crm=dmy" in found["message"].iloc[0]
    (spec,) = apply_overrides([SourceSpec("crm", (str(path),))], date_orders=["crm=dmy"])
    settled = load_source(spec)
    assert settled.date_orders == {"Create Date": "dmy"}
    assert settled.load_findings is None

    from hygiene.prepared import Prepared

    created = Prepared(settled).dates("created_at")
    assert created is not None and created.iloc[0].month == 2  # 5 February


def test_date_order_option_is_checked(tmp_path: Path) -> None:
    from hygiene.errors import ConfigError

    spec = SourceSpec("crm", ("x.csv",))
    with pytest.raises(ConfigError, match="--date-order 'ymd'"):
        apply_overrides([spec], date_orders=["ymd"])
    with pytest.raises(ConfigError, match="no source named 'esp'"):
        apply_overrides([spec], date_orders=["esp=dmy"])
    (all_,) = apply_overrides([spec], date_orders=["mdy"])
    assert all_.date_order == "mdy"


@pytest.mark.parametrize(
    ("address", "flagged", "suggestion"),
    [
        ("1 High St    Leeds    LS1 4AP  Untied Kingdom", True, "United Kingdom"),
        ("Hauptstr. 5    Berlin    10115  Germny", True, "Germany"),
        ("1 High St    Leeds    LS1 4AP  United Kingdom", False, None),
        ("1 High St    Leeds    LS1 4AP  GB", False, None),
        ("12 Main St  Springfield  IL  62701", False, None),  # no country: ends with a zip
        ("12 Main St  Omaha", False, None),  # a city, not a misspelt "Oman"
    ],
)
def test_a_country_misspelt_inside_mailchimps_address_is_checked(
    tmp_path: Path, address, flagged, suggestion
):
    mc = EXPORTS["mailchimp-cleaned"]
    headers = tuple(h for h in mc.headers if h not in ("CC", "CLEAN_TIME"))
    path = write_export(tmp_path / "subscribed_members_export_1.csv", headers,
                        [{"Email Address": "ann@acme-corp.com", "Address": address}])
    result = hygiene.audit(f"esp={path}", match=False)
    found = result.findings[result.findings["code"] == "field.unknown_value"]
    assert len(found) == int(flagged)
    if flagged:
        row = found.iloc[0]
        assert row["column"] == "Address" and row["suggestion"] == suggestion
        assert row["message"].endswith("is not a known country")


@pytest.mark.parametrize("cc", ["", "GB", "US"])
def test_the_address_country_is_checked_beside_mailchimps_cc_column(tmp_path: Path, cc):
    """A real member export keeps its CC column (where the member signed up from, Mailchimp
    Help "Export your audience"): "Untied Kingdom" typed in the Address is still checked."""
    mc = EXPORTS["mailchimp-cleaned"]
    headers = tuple(h for h in mc.headers if not h.startswith("CLEAN_"))
    path = write_export(tmp_path / "subscribed_members_export_1.csv", headers, [
        {"Email Address": "ann@acme-corp.com", "CC": cc,
         "Address": "1 High St    Leeds    LS1 4AP  Untied Kingdom"},
        {"Email Address": "bo@acme-corp.com", "CC": cc,
         "Address": "12 Main St  Omaha  NE  68102  US"},
    ])
    result = hygiene.audit(f"esp={path}", match=False, decisions=False)
    found = result.findings[(result.findings["code"] == "field.unknown_value")
                            & (result.findings["column"] == "Address")]
    assert found["suggestion"].tolist() == ["United Kingdom"]


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(sorted(EXPORTS)), rnd=st.randoms())
def test_detection_does_not_depend_on_column_order(name, rnd):
    """Invariant: the platform (and its confidence) is a property of the header set."""
    headers = list(EXPORTS[name].headers)
    shuffled = headers[:]
    rnd.shuffle(shuffled)
    assert detect_platform(shuffled) == detect_platform(headers)


def test_pipedrive_unsubscribed_rows_reach_the_suppression_file(tmp_path: Path):
    """Issue 24: `clean` wrote an empty suppression list although rows were "Unsubscribed"."""
    export = EXPORTS["pipedrive-people"]
    rows = [{**r, "Email - Work": r["Email - Work"].replace("@@", "@")} for r in PIPEDRIVE_ROWS]
    path = write_export(tmp_path / "people.csv", export.headers, rows)
    out = tmp_path / "out"
    hygiene.clean(f"crm={path}", out=out, decisions=tmp_path / "d.json")
    with (out / "suppression.csv").open(encoding="utf-8") as fh:
        ledger = list(csv.DictReader(fh))
    assert [r["Email"] for r in ledger] == ["bob@acme-corp.com"]
    # Pipedrive's own import: an update by ID setting the person's Marketing status.
    with (out / "suppression_pipedrive.csv").open(encoding="utf-8") as fh:
        supp = list(csv.DictReader(fh))
    assert [r["Email"] for r in supp] == ["bob@acme-corp.com"]
    assert supp[0]["Marketing status"] == "Unsubscribed" and supp[0]["ID"] == "2"
    # ... and the cleaned file says so too.
    with (out / "cleaned_crm.csv").open(encoding="utf-8") as fh:
        cleaned = {r["Email"]: r for r in csv.DictReader(fh)}
    assert cleaned["bob@acme-corp.com"]["Marketing status"] == "Unsubscribed"


def test_a_weak_platform_guess_without_email_is_reported_too(tmp_path: Path):
    """"Create Date" alone makes a weak HubSpot guess: still no email check could run."""
    path = write_export(tmp_path / "export.csv", ("Kontakt", "Adresse elektronisch",
                                                  "Create Date"), [{"Kontakt": "Ann"}])
    src = load_source(SourceSpec("leads", (str(path),)))
    assert src.platform_confidence < 0.8
    notes = src.load_findings
    assert notes is not None
    (message,) = notes.loc[notes["code"] == "file.unrecognised", "message"]
    assert f"looks most like {src.platform}" in message
    forced = load_source(apply_overrides([SourceSpec("leads", (str(path),))],
                                         ["leads=hubspot"])[0])
    assert forced.load_findings is None or "file.unrecognised" not in set(
        forced.load_findings["code"])


def test_hygiene_toml_sets_a_sources_date_order(tmp_path: Path) -> None:
    from hygiene.config import as_config
    from hygiene.errors import ConfigError

    hs = EXPORTS["hubspot-default-view"]
    write_export(tmp_path / "hubspot.csv", hs.headers,
                 [{"Record ID": "1", "Email": "ann@acme-corp.com", "Create Date": "05/02/2024"}])
    toml = tmp_path / "hygiene.toml"
    toml.write_text('[sources.crm]\npath = "hubspot.csv"\ndate_order = "dmy"\n', encoding="utf-8")
    (spec,) = as_config(toml).source_specs()
    assert isinstance(spec, SourceSpec) and spec.date_order == "dmy"
    assert load_source(spec).date_orders == {"Create Date": "dmy"}
    toml.write_text('[sources.crm]\npath = "hubspot.csv"\ndate_order = "ymd"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[sources.crm\] date_order: 'ymd' is not one of"):
        as_config(toml)
