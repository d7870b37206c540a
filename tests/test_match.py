"""Duplicate matching end to end: pairs that must match, pairs that must not, chains, links.

Match weights are learnt from the file itself, so every case sits inside a realistic contact
list (a few thousand people, some of them entered twice in the usual ways); the assertions
are what a user would check by hand: are these two rows reported as one person?
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest

from hygiene.match import MatchResult, MatchSettings, clusters_to_records, find_duplicates
from hygiene.model import Source
from tests.helpers import make_source

FIRST = (
    "james mary john patricia robert jennifer michael linda william elizabeth david barbara "
    "richard susan joseph jessica thomas sarah charles karen christopher nancy daniel lisa "
    "matthew betty anthony margaret mark sandra donald ashley steven kimberly paul emily andrew "
    "donna joshua michelle kenneth dorothy kevin carol brian amanda george melissa timothy "
    "deborah ronald stephanie edward rebecca jason sharon jeffrey laura ryan cynthia jacob "
    "kathleen gary amy nicholas angela eric shirley jonathan anna stephen brenda larry pamela"
).split()
LAST = (
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez "
    "gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white "
    "harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres "
    "nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts "
    "gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales "
    "murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos "
    "kim cox ward richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes"
).split()
COMPANIES = [
    f"{w} {s}"
    for w in (
        "Acme",
        "Globex",
        "Initech",
        "Umbrella",
        "Hooli",
        "Vandelay",
        "Stark",
        "Wayne",
        "Wonka",
        "Tyrell",
        "Cyberdyne",
        "Soylent",
    )
    for s in ("Inc", "LLC", "Ltd", "Corp", "GmbH")
]
AREAS = [212, 312, 415, 617, 303, 512, 206, 404, 305, 503]
CITIES = ["Boston", "Denver", "Austin", "Seattle", "Chicago", "Portland", "Atlanta", "Miami"]
COLUMNS = {
    "Record ID": "record_id",
    "Email": "email",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Phone Number": "phone",
    "Company Name": "company",
    "City": "city",
    "Postal Code": "postal_code",
    "Last Activity Date": "last_activity_at",
}

# The record every case varies: one person, entered once as below ...
BASE: dict[str, str | None] = {
    "Email": "robert.kowalczyk@northwind.io",
    "First Name": "Robert",
    "Last Name": "Kowalczyk",
    "Phone Number": "+1 415 555 0134",
    "Company Name": "Northwind Traders Inc",
    "City": "San Francisco",
    "Postal Code": "94107",
}

# ... and once more, changed as people and imports change it. (name, second record)
MUST_MATCH: list[tuple[str, dict[str, str | None]]] = [
    ("nickname", {"First Name": "Bob", "Email": "bob.k@yahoo.com"}),
    ("typo in last name", {"Last Name": "Kowalcyzk", "Email": "rk1977@hotmail.com"}),
    (
        "first and last swapped",
        {"First Name": "Kowalczyk", "Last Name": "Robert", "Email": "kowalczyk.r@aol.com"},
    ),
    (
        "email case",
        {"Email": "Robert.Kowalczyk@NORTHWIND.IO", "Phone Number": None, "Company Name": None},
    ),
    (
        "gmail dots and tag",
        {"Email": "robertkowalczyk+crm@googlemail.com", "Phone Number": None, "Company Name": None},
    ),
    ("phone formats", {"Phone Number": "(415) 555-0134", "Email": "rkowalczyk@icloud.com"}),
    (
        "company legal suffix",
        {"Company Name": "Northwind Traders, LLC", "Email": None, "Phone Number": None},
    ),
]
# The gmail case needs a gmail original to compare with.
GMAIL_BASE: dict[str, str | None] = {"Email": "robert.kowalczyk@gmail.com"}

MUST_NOT_MATCH: list[tuple[str, dict[str, str | None]]] = [
    (
        "same name and company, different email and phone",
        {"Email": "rob.kowalczyk@contoso.com", "Phone Number": "+1 312 555 0199"},
    ),
]

#: What the module fixture hands each test: the source, its result, case rows, row -> cluster.
Matched = tuple[Source, MatchResult, dict[str, tuple[int, int]], dict[int, int]]

# Each case gets its own person (a distinct surname), so the cases cannot meet each other.
SURNAMES = [
    "Kowalczyk",
    "Brzezinski",
    "Wojciechowski",
    "Szczepanski",
    "Grabowski",
    "Zielinski",
    "Jankowski",
    "Mazurkiewicz",
    "Wisniewski",
    "Dabrowski",
]


def _person(rng: np.random.Generator, i: int) -> dict[str, object]:
    first = FIRST[rng.integers(len(FIRST))]
    last = LAST[rng.integers(len(LAST))]
    company = COMPANIES[rng.integers(len(COMPANIES))]
    domain = "gmail.com" if i % 3 == 0 else company.split()[0].lower() + ".com"
    return {
        "Email": f"{first}.{last}{i}@{domain}",
        "First Name": first.title(),
        "Last Name": last.title(),
        "Phone Number": f"+1 {AREAS[i % len(AREAS)]} {200 + i // 10 % 800} {i % 10000:04d}",
        "Company Name": company,
        "City": CITIES[i % len(CITIES)],
        "Postal Code": f"{10000 + (i * 7919) % 300 * 37:05d}",  # ~300 postcodes, shared
    }


def _variant(rec: dict[str, object], rng: np.random.Generator) -> dict[str, object]:
    """A second entry of the same person, as CRM files hold them."""
    out = dict(rec)
    kind = rng.integers(5)
    if kind == 0:
        out["Email"] = str(out["Email"]).upper()
    elif kind == 1:
        area, rest = str(out["Phone Number"])[3:].split(" ", 1)
        out["Phone Number"] = f"({area}) {rest.replace(' ', '-')}"
    elif kind == 2:
        last = str(out["Last Name"])
        out["Last Name"] = last[:-2] + last[-1] + last[-2]
        out["Email"] = None
    elif kind == 3:
        out["Company Name"] = None
        out["City"] = None
    else:
        out["Phone Number"] = None
    return out


COMPANY_WORDS = [
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Litware",
    "Adatum",
    "Proseware",
    "Wingtip",
    "Lucerne",
    "Coho",
]


def _personal(rec: Mapping[str, object], k: int) -> dict[str, object]:
    """The case record made into person k: own surname, employer, phone and address."""
    swaps = [
        ("Kowalczyk", SURNAMES[k]),
        ("kowalczyk", SURNAMES[k].lower()),
        ("KOWALCZYK", SURNAMES[k].upper()),
        ("Northwind", COMPANY_WORDS[k]),
        ("northwind", COMPANY_WORDS[k].lower()),
        ("NORTHWIND", COMPANY_WORDS[k].upper()),
        ("415 555 0134", f"{AREAS[k]} 555 01{k:02d}"),
        ("(415) 555-0134", f"({AREAS[k]}) 555-01{k:02d}"),
        ("San Francisco", CITIES[k % len(CITIES)]),
        ("94107", f"{94107 + 97 * k}"),
    ]
    out = {}
    for key, v in rec.items():
        if isinstance(v, str):
            for old, new in swaps:
                v = v.replace(old, new)
        out[key] = v
    return out


def _contact_list() -> tuple[pd.DataFrame, dict[str, tuple[int, int]]]:
    """~3,000 people, 10% entered twice, plus the test cases; case name -> (row a, row b)."""
    rng = np.random.default_rng(7)
    rows = [_person(rng, i) for i in range(3000)]
    rows += [_variant(rows[i], rng) for i in rng.choice(3000, 300, replace=False)]
    cases: dict[str, tuple[int, int]] = {}
    for k, (name, change) in enumerate(MUST_MATCH + MUST_NOT_MATCH):
        base = {**BASE, **(GMAIL_BASE if name.startswith("gmail") else {})}
        a = _personal(base, k)
        b = _personal({**base, **change}, k)
        cases[name] = (len(rows), len(rows) + 1)
        rows += [a, b]
    frame = pd.DataFrame(rows)
    frame.insert(0, "Record ID", [str(50000 + i) for i in range(len(frame))])
    frame["Last Activity Date"] = "2024-03-01"
    return frame, cases


def _source(frame: pd.DataFrame, name: str = "crm", platform: str = "hubspot") -> Source:
    data = {c: [None if pd.isna(v) else str(v) for v in frame[c]] for c in frame.columns}
    return make_source(name, data, COLUMNS, platform=platform, file="hubspot_contacts.csv")


@pytest.fixture(scope="module")
def matched() -> Matched:
    frame, cases = _contact_list()
    source = _source(frame)
    result = find_duplicates([source])
    cluster_of = {}
    for c in result.clusters:
        for m in c.members:
            cluster_of[m] = c.id
    return source, result, cases, cluster_of


@pytest.mark.parametrize("name", [m[0] for m in MUST_MATCH])
def test_pairs_that_must_match(matched: Matched, name: str) -> None:
    _, result, cases, cluster_of = matched
    a, b = cases[name]
    assert a in cluster_of and cluster_of.get(a) == cluster_of.get(b), name
    cluster = next(c for c in result.clusters if c.id == cluster_of[a])
    assert cluster.evidence, "a cluster must say why it matched"
    assert 0.0 < cluster.confidence <= 1.0


@pytest.mark.parametrize("name", [m[0] for m in MUST_NOT_MATCH])
def test_pairs_that_must_not_match(matched: Matched, name: str) -> None:
    _, _, cases, cluster_of = matched
    a, b = cases[name]
    assert a not in cluster_of or cluster_of.get(a) != cluster_of.get(b)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("nickname", "first name nickname (robert/bob)"),
        ("email case", "email equal after normalisation"),
        ("gmail dots and tag", "email equal under provider rules (dots, +tag)"),
        ("phone formats", "phone equal (E.164)"),
        ("first and last swapped", "first and last name swapped"),
        ("company legal suffix", "company equal without legal form"),
    ],
)
def test_evidence_says_why(matched: Matched, name: str, words: str) -> None:
    _, result, cases, cluster_of = matched
    cluster = next(c for c in result.clusters if c.id == cluster_of[cases[name][0]])
    assert words in cluster.evidence


def test_planted_duplicates_are_found_and_nothing_else(matched: Matched) -> None:
    """Precision and recall on the 300 planted duplicates of the background list."""
    _, result, _, _ = matched
    found = {tuple(c.members) for c in result.clusters if max(c.members) < 3300}
    assert len(found) >= 285  # 95% of planted pairs
    assert all(len(m) == 2 for m in found)  # no unrelated people chained in


def test_records_follow_the_contract(matched: Matched) -> None:
    source, result, cases, cluster_of = matched
    records = clusters_to_records(result, [source])
    a, b = cases["nickname"]
    rec = next(r for r in records if r["cluster"] == cluster_of[a])
    rows = sorted(m["row"] for m in rec["members"])
    assert rows == [a + 1, b + 1]  # 1-based data rows
    assert {m["record_id"] for m in rec["members"]} == {str(50000 + a), str(50000 + b)}
    assert rec["survivor"]["row"] in rows and rec["survivor"]["source"] == "crm"
    assert all(m["file"] == "hubspot_contacts.csv" for m in rec["members"])
    json.dumps(records)  # plain JSON types only


def test_chain_does_not_collapse_people_who_differ_on_email_and_phone() -> None:
    """A~B share an email, B~C share a phone; A and C differ on both: not one cluster."""
    frame, _ = _contact_list()
    chain = pd.DataFrame(
        [
            {
                "Email": "robert.grabowski@northwind.io",
                "First Name": "Robert",
                "Last Name": "Grabowski",
                "Phone Number": "+1 415 555 0101",
            },
            {
                "Email": "robert.grabowski@northwind.io",
                "First Name": "Robert",
                "Last Name": "Grabowski",
                "Phone Number": "+1 415 555 0202",
            },
            {
                "Email": "r.grabowski@contoso.com",
                "First Name": "Robert",
                "Last Name": "Grabowski",
                "Phone Number": "+1 415 555 0202",
            },
        ]
    )
    start = len(frame)
    frame = pd.concat([frame, chain], ignore_index=True)
    frame["Record ID"] = [str(i) for i in range(len(frame))]
    result = find_duplicates([_source(frame)])
    owner = {m: c.id for c in result.clusters for m in c.members}
    a, c = start, start + 2
    assert not (a in owner and owner.get(a) == owner.get(c))
    assert result.stats["guarded_components"] >= 1


def test_cluster_evidence_starts_with_its_weakest_tie() -> None:
    """A and B agree on everything; C is B with a nickname. C's only tie is the weaker one,
    so the cluster's evidence (and confidence) lead with it, then add what A~B adds."""
    frame, _ = _contact_list()
    trio = pd.DataFrame(
        [
            {
                "Email": "robert.grabowski@northwind.io",
                "First Name": first,
                "Last Name": "Grabowski",
                "Phone Number": "+1 415 555 0101",
            }
            for first in ("Robert", "Robert", "Bob")
        ]
    )
    start = len(frame)
    frame = pd.concat([frame, trio], ignore_index=True)
    frame["Record ID"] = [str(i) for i in range(len(frame))]
    result = find_duplicates([_source(frame)])
    cluster = next(c for c in result.clusters if start in c.members)
    assert cluster.members == [start, start + 1, start + 2]
    ev = cluster.evidence
    assert ev.index("first name nickname (robert/bob)") < ev.index("first name equal")
    assert len(ev) == len(set(ev))
    trio_pairs = result.pairs[result.pairs.pos_a >= start]
    nick = trio_pairs[trio_pairs.pos_b == start + 2]
    assert cluster.confidence == round(float(nick.probability.max()), 4)


def test_keep_separate_pairs_are_never_merged(matched: Matched) -> None:
    source, _, cases, _ = matched
    a, b = cases["email case"]
    result = find_duplicates([source], exclude_pairs=[("crm", a, "crm", b)])
    owner = {m: c.id for c in result.clusters for m in c.members}
    assert not (a in owner and owner.get(a) == owner.get(b))


def test_same_person_in_crm_and_esp_is_a_link_not_a_duplicate() -> None:
    crm = _source(pd.DataFrame([{**BASE, "Record ID": "1"}]), "crm", "hubspot")
    esp_cols = {"Email Address": "email", "First Name": "first_name", "Last Name": "last_name"}
    esp = make_source(
        "esp",
        {
            "Email Address": ["Robert.Kowalczyk@northwind.io", "ann.lee@example.org"],
            "First Name": ["Bob", "Ann"],
            "Last Name": ["Kowalczyk", "Lee"],
        },
        esp_cols,
        platform="mailchimp",
        file="members.csv",
    )
    result = find_duplicates([crm, esp])
    assert result.clusters == []
    links = result.links
    assert len(links) == 1
    row = links.iloc[0]
    assert (row.source_a, row.pos_a, row.source_b, row.pos_b) == ("crm", 0, "esp", 0)
    assert row.method == "email"
    assert "email equal after normalisation" in row.evidence


def test_threshold_is_configurable(matched: Matched) -> None:
    source, result, _, _ = matched
    strict = find_duplicates([source], MatchSettings(threshold=0.999999999))
    assert len(strict.clusters) < len(result.clusters)


def test_stats_report_stages_and_capped_blocks(matched: Matched) -> None:
    source, _, _, _ = matched
    result = find_duplicates([source], MatchSettings(max_block_size=3))
    stats = result.stats
    assert stats["candidates"] > 0 and stats["capped_block_count"] > 0
    key, size = stats["capped_blocks"][0]
    assert size > 3 and "=" in key
    assert list(stats["seconds"]) == [
        "prepare", "encode", "blocking", "training", "comparisons", "clustering"
    ]
    assert all(v >= 0 for v in stats["seconds"].values())
    assert 0 < stats["em"]["lambda"] < 1


def test_score_frames_scores_as_find_duplicates_does(matched: Matched) -> None:
    """The public `score_frames` runs the same phases from the match frames: the same pairs
    at the same weights as the full matcher's kept pairs, its phases timed in order."""
    from hygiene.match import prepare, score_frames
    from hygiene.prepared import Prepared

    source, result, _, _ = matched
    scored = score_frames([prepare(Prepared(source))], [source.name], MatchSettings())
    assert list(scored.stats["seconds"]) == ["encode", "blocking", "training", "comparisons"]
    keep = scored.prob >= MatchSettings().keep_pairs_above
    got = sorted(
        zip(scored.features.pos[scored.left[keep]].tolist(),
            scored.features.pos[scored.right[keep]].tolist(),
            np.round(scored.weight[keep].astype(np.float32), 4).tolist(), strict=True)
    )
    want = sorted(
        zip(result.pairs["pos_a"].tolist(), result.pairs["pos_b"].tolist(),
            np.round(result.pairs["match_weight"], 4).tolist(), strict=True)
    )
    assert got == want and got


def test_febrl_columns_match_through_a_column_map() -> None:
    """FEBRL's own headers, mapped as `--map` maps them, are matchable like any CRM file."""
    cols = {
        "rec_id": "record_id",
        "given_name": "first_name",
        "surname": "last_name",
        "address_1": "street",
        "suburb": "city",
        "postcode": "postal_code",
        "date_of_birth": "birth_date",
    }
    rng = np.random.default_rng(3)
    n = 1500
    data = {
        "rec_id": [f"rec-{i}-org" for i in range(n)],
        "given_name": [FIRST[rng.integers(len(FIRST))] for _ in range(n)],
        "surname": [LAST[rng.integers(len(LAST))] for _ in range(n)],
        "address_1": [
            f"{rng.integers(1, 200)} {LAST[rng.integers(len(LAST))]} street" for _ in range(n)
        ],
        "suburb": [CITIES[rng.integers(len(CITIES))].lower() for _ in range(n)],
        "postcode": [f"{rng.integers(2000, 7000)}" for _ in range(n)],
        "date_of_birth": [
            f"19{rng.integers(30, 99)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}"
            for _ in range(n)
        ],
    }
    dups = rng.choice(n, 150, replace=False)
    for k in ("given_name", "surname", "address_1", "suburb", "postcode", "date_of_birth"):
        data[k] += [data[k][i] for i in dups]
    data["rec_id"] += [f"rec-{i}-dup-0" for i in dups]
    for j in range(50):  # typos in a third of the copies
        s = data["surname"][n + j]
        data["surname"][n + j] = s[0] + s[2] + s[1] + s[3:]
    result = find_duplicates([make_source("febrl", data, cols)])
    found = {tuple(sorted(c.members)) for c in result.clusters}
    truth = {(int(i), n + j) for j, i in enumerate(dups)}
    assert len(found & truth) >= 0.95 * len(truth)
    assert len(found - truth) <= 0.05 * len(found)
