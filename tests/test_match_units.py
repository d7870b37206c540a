"""The parts of duplicate matching one at a time: keys, blocks, levels, EM, clusters, survivors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.errors import ConfigError
from hygiene.load.presets import source_kind
from hygiene.match.blocking import (
    DEFAULT_RULES,
    block_pairs,
    candidates,
    neighbour_pairs,
    stable_order,
    swap_pairs,
)
from hygiene.match.cluster import components
from hygiene.match.compare import COMPARISONS, active, compare
from hygiene.match.features import Coded, Vocab, _snm_keys, encode_frames
from hygiene.match.frame import postcode_key, prepare, street_key
from hygiene.match.fs import em_fixed_u, patterns, probability
from hygiene.match.names import related_pairs
from hygiene.match.survivor import choose_survivors, load_survivorship
from hygiene.model import Source
from hygiene.resources import rules_dir
from tests.helpers import make_source

CONTACT_COLUMNS = {
    "Email": "email",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Phone": "phone",
    "Company": "company",
    "Zip": "postal_code",
    "City": "city",
}


def _levels(a: dict[str, str | None], b: dict[str, str | None]) -> dict[str, int]:
    """Comparison levels of one pair of contacts, by comparison name."""
    data = {k: [a.get(k), b.get(k)] for k in CONTACT_COLUMNS}
    src = make_source("crm", data, CONTACT_COLUMNS)
    f = encode_frames([prepare(src)], ["crm"])
    comps = active(f)
    g, _ = compare(f, np.array([0]), np.array([1]), comps)
    out = {c.name: -1 for c in COMPARISONS}  # a comparison without data: no evidence
    out.update({c.name: int(g[0, k]) for k, c in enumerate(comps)})
    return out


@pytest.mark.parametrize(
    ("a", "b", "comparison", "level"),
    [
        ({"Email": "Ann.Lee@Example.com"}, {"Email": "ann.lee@example.com"}, "email", 4),
        ({"Email": "ann.lee@gmail.com"}, {"Email": "annlee+news@googlemail.com"}, "email", 3),
        ({"Email": "ann.lee@gmail.com"}, {"Email": "ann.lee@gmial.com"}, "email", 2),
        (
            {"Email": "bigcat77@gmail.com", "First Name": "Ann"},
            {"Email": "bigcat77@acme.com", "First Name": "Ann"},
            "email",
            1,
        ),
        # Namesakes: a mailbox spelt from the name says nothing more than the name.
        (
            {"Email": "ann.lee@acme.com", "First Name": "Ann", "Last Name": "Lee"},
            {"Email": "ann.lee@globex.com", "First Name": "Ann", "Last Name": "Lee"},
            "email",
            0,
        ),
        ({"Email": "a@x.com"}, {"Email": None}, "email", -1),
        ({"First Name": "Robert"}, {"First Name": "Bob"}, "first_name", 3),
        ({"First Name": "Elizabeth"}, {"First Name": "Liz"}, "first_name", 3),
        ({"First Name": "Michael"}, {"First Name": "Micheal"}, "first_name", 2),
        ({"First Name": "J"}, {"First Name": "John"}, "first_name", 1),
        ({"First Name": "Mary"}, {"First Name": "Peter"}, "first_name", 0),
        (
            {"First Name": "Smith", "Last Name": "John"},
            {"First Name": "John", "Last Name": "Smith"},
            "first_name",
            4,
        ),
        ({"Last Name": "Kowalczyk"}, {"Last Name": "Kowalcyzk"}, "last_name", 2),
        ({"Phone": "+1 (415) 555-0134"}, {"Phone": "415.555.0134"}, "phone", 2),
        ({"Phone": "+1 415 555 0134"}, {"Phone": "+1 415 555 0135"}, "phone", 1),
        ({"Company": "Acme, Inc."}, {"Company": "ACME LLC"}, "company", 3),
        ({"Company": "Northwind Traders"}, {"Company": "Northwind Traders Europe"}, "company", 2),
        (
            {"Zip": "94107", "City": "San Francisco"},
            {"Zip": "94107-1234", "City": "san francisco"},
            "place",
            6,
        ),
        ({"Zip": "94107", "City": "Oakland"}, {"Zip": "94017", "City": "Oakland"}, "place", 4),
        ({"Zip": None, "City": "Boston"}, {"Zip": "02110", "City": "Boston"}, "place", 2),
    ],
)
def test_comparison_levels(
    a: dict[str, str | None], b: dict[str, str | None], comparison: str, level: int
) -> None:
    assert _levels(a, b)[comparison] == level


@pytest.mark.parametrize(
    ("raw", "key"),
    [("94107-1234", "94107"), ("sw1a 1aa", "SW1A1AA"), ("  2000 ", "2000"), (None, None)],
)
def test_postcode_key(raw: str | None, key: str | None) -> None:
    out = postcode_key(pd.Series([raw], dtype="str"))
    assert (out.iloc[0] if pd.notna(out.iloc[0]) else None) == key


def test_street_key_ignores_case_accents_and_punctuation() -> None:
    out = street_key(pd.Series(["12, Rue de l'Église", "12 rue de l eglise"], dtype="str"))
    assert out.iloc[0] == out.iloc[1] == "12 rue de l eglise"


def test_nickname_pairs_come_from_the_nicknames_package() -> None:
    vocab = np.array(["robert", "bob", "elizabeth", "liz", "william", "bill", "mary"], dtype=object)
    keys = set(related_pairs(vocab).tolist())
    n = len(vocab)

    def rel(a: str, b: str) -> bool:
        i, j = sorted((list(vocab).index(a), list(vocab).index(b)))
        return i * n + j in keys

    assert rel("robert", "bob") and rel("elizabeth", "liz") and rel("william", "bill")
    assert not rel("mary", "bob") and not rel("liz", "robert")


def test_blocks_pair_everyone_inside_small_blocks_and_window_big_ones() -> None:
    key = np.array([0, 0, 0, 1, 1, 2] + [3] * 10)
    rows = np.arange(len(key))
    pairs, capped_rows, capped_sizes = block_pairs(rows, key, rows, max_block_size=5, window=3)
    got = {tuple(sorted(p)) for p in pairs.tolist()}
    assert {(0, 1), (0, 2), (1, 2), (3, 4)} <= got
    assert not any(5 in p for p in got)  # a block of one has no pairs
    big = {p for p in got if p[0] >= 6}
    assert big == {(i, i + d) for i in range(6, 16) for d in (1, 2) if i + d < 16}
    assert capped_sizes.tolist() == [10] and capped_rows.tolist() == [6]


def test_missing_keys_never_block_together() -> None:
    key = np.array([-1, -1, -1, 4, 4])
    pairs, _, _ = block_pairs(np.arange(5), key, np.arange(5), 10, 3)
    assert {tuple(sorted(p)) for p in pairs.tolist()} == {(3, 4)}


def test_blocks_over_the_cap_without_crowds_give_no_pairs_but_are_reported() -> None:
    key = np.array([0, 0] + [1] * 10)
    rows = np.arange(len(key))
    pairs, capped_rows, capped_sizes = block_pairs(rows, key, rows, max_block_size=5, window=0)
    assert {tuple(sorted(p)) for p in pairs.tolist()} == {(0, 1)}
    assert capped_sizes.tolist() == [10] and capped_rows.tolist() == [2]


def test_swapped_keys_meet_straight_keys_only() -> None:
    # Rows 0-2 straight keys, rows 0-2 again as swapped keys (stacked like a rule does).
    # Row 0 straight "smith|john" = row 1 swapped; rows 0 and 2 share only a swapped key.
    rows = np.array([0, 1, 2, 0, 1, 2])
    key = np.array([10, 20, 30, 40, 10, 40])
    swapped = np.array([False, False, False, True, True, True])
    pairs, _, sizes = swap_pairs(rows, key, swapped, max_block_size=10)
    assert {tuple(sorted(p)) for p in pairs.tolist()} == {(0, 1)}
    assert sizes.tolist() == []


def _blocked(data: dict[str, list[str | None]]) -> set[tuple[int, int]]:
    cols = {c: c for c in data}
    src = make_source("crm", data, cols)
    f = encode_frames([prepare(src)], ["crm"])
    rules = tuple(r for r in DEFAULT_RULES if r.name in ("name_company", "phonetic_name"))
    cand = candidates(f, rules, max_block_size=200, window=3)
    return set(zip(cand.left.tolist(), cand.right.tolist(), strict=True))


def test_name_and_company_block_pairs_swapped_names_not_colleagues_with_one_first_name() -> None:
    got = _blocked(
        {
            "first_name": ["John", "Smith", "John", "Mary"],
            "last_name": ["Smith", "John", "Jones", "Smith"],
            "company": ["Acme", "Acme", "Acme", "Acme"],
        }
    )
    # John Smith ~ "Smith John" (swapped) and ~ Mary Smith (same last name at Acme); John
    # Jones shares only a first name with John Smith at Acme: not a candidate.
    assert (0, 1) in got and (0, 3) in got
    assert (0, 2) not in got and (1, 2) in got  # "Smith John" swapped meets John Jones


def test_sorted_neighbourhood_pairs_nearby_keys() -> None:
    # Keys in sort order ("anna smith" < "anna smiht" < ...); key 1 is held by rows 1 and 2.
    key = np.array([0, 1, 1, 2, 7])
    pairs, _, _ = neighbour_pairs(np.arange(5), key, max_block_size=10, window=2)
    got = {tuple(sorted(p)) for p in pairs.tolist()}
    # Adjacent keys pair up; rows with the very same key are left to the phonetic rule.
    assert got == {(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)}


def test_sorted_neighbourhood_never_pairs_two_crowds() -> None:
    key = np.array([0] * 5 + [1] * 5 + [2])
    pairs, capped_rows, capped_sizes = neighbour_pairs(np.arange(11), key, 10, window=2)
    got = {tuple(sorted(p)) for p in pairs.tolist()}
    assert got == {(i, 10) for i in range(5, 10)}  # 5 x 5 > 10: only the rare key pairs
    assert capped_sizes.tolist() == []


def test_sorted_neighbourhood_keys_spell_first_then_last_reversed_in_sort_order() -> None:
    names = Vocab(["mary ann", "lee", "mary", "lee nna", "ann"])
    first = Coded(np.array([0, 2, -1, 4, -1, 1], dtype=np.int32), names)
    last = Coded(np.array([1, 3, -1, -1, 4, 0], dtype=np.int32), names)
    straight, swapped = _snm_keys(first, last)
    vocab = straight.vocab.tolist()
    assert vocab == sorted(vocab)
    spelt = [vocab[c] if c >= 0 else None for c in straight.codes]
    # "mary ann" + "lee" and "mary" + "lee nna" spell one key, so they share one code.
    assert spelt == ["mary ann eel", "mary ann eel", None, "ann ", " nna", "lee nna yram"]
    assert straight.codes[0] == straight.codes[1]
    assert [vocab[c] if c >= 0 else None for c in swapped.codes] == [
        "lee nna yram", "lee nna yram", None, " nna", "ann ", "mary ann eel",
    ]
    assert swapped.vocab is straight.vocab


def test_components_follow_chains() -> None:
    lab = components(7, np.array([0, 1, 4]), np.array([1, 2, 5]))
    assert lab[0] == lab[1] == lab[2]
    assert lab[4] == lab[5] != lab[0]
    assert len({lab[3], lab[6], lab[0], lab[4]}) == 4


def test_patterns_round_trip() -> None:
    g = np.array([[4, -1, 0], [4, -1, 0], [0, 2, 1]], dtype=np.int8)
    pats, counts = patterns(g)
    assert {(tuple(p), c) for p, c in zip(pats.tolist(), counts.tolist(), strict=True)} == {
        ((4, -1, 0), 2.0),
        ((0, 2, 1), 1.0),
    }


def test_em_recovers_how_often_matches_agree() -> None:
    """1,000 matches agree on a field 90% of the time, 9,000 non-matches 1%: EM finds m."""
    rng = np.random.default_rng(0)
    match = np.stack([rng.random(1000) < 0.9, rng.random(1000) < 0.8], axis=1)
    non = np.stack([rng.random(9000) < 0.01, rng.random(9000) < 0.05], axis=1)
    g = np.concatenate([match, non]).astype(np.int8)
    pats, counts = patterns(g)
    u = [np.array([0.99, 0.01]), np.array([0.95, 0.05])]
    m, lam, _, converged = em_fixed_u(pats, counts, [2, 2], u, max_iter=500)
    assert converged
    assert abs(m[0][1] - 0.9) < 0.03 and abs(m[1][1] - 0.8) < 0.05
    assert abs(lam - 0.1) < 0.02


def test_probability_follows_weight() -> None:
    p = probability(np.array([-10.0, 0.0, 10.0]))
    assert p[0] < 0.001 and p[1] == 0.5 and p[2] > 0.999


def _survivor_sources() -> tuple[Source, Source]:
    crm = make_source(
        "crm",
        {
            "Email": ["a@x.com", "a@x.com", "b@x.com", "b@x.com"],
            "First Name": ["Ann", "Ann", "Bo", "Bo"],
            "Phone": [None, "+1 415 555 0100", "+1 415 555 0101", "+1 415 555 0101"],
            "Last Activity": ["2024-01-01", "2023-01-01", "2022-05-01", "2024-06-30"],
        },
        {
            "Email": "email",
            "First Name": "first_name",
            "Phone": "phone",
            "Last Activity": "last_activity_at",
        },
        platform="hubspot",
    )
    esp = make_source(
        "esp",
        {"Email Address": ["a@x.com"], "FNAME": ["Ann"]},
        {"Email Address": "email", "FNAME": "first_name"},
        platform="mailchimp",
    )
    return crm, esp


@pytest.mark.parametrize(
    ("members", "survivor", "reason"),
    [
        ([("crm", 0), ("crm", 1)], ("crm", 1), "most complete (3 of"),
        ([("crm", 2), ("crm", 3)], ("crm", 3), "most recent activity (2024-06-30)"),
        ([("esp", 0), ("crm", 0)], ("crm", 0), "CRM record preferred (hubspot)"),
    ],
)
def test_survivor_rules(
    members: list[tuple[str, int]], survivor: tuple[str, int], reason: str
) -> None:
    crm, esp = _survivor_sources()
    frame = pd.DataFrame(
        {"cluster": 1, "source": [m[0] for m in members], "pos": [m[1] for m in members]}
    )
    out = choose_survivors(frame, [crm, esp], load_survivorship())
    assert (out.source.iloc[0], int(out.pos.iloc[0])) == survivor
    assert out.reason.iloc[0].startswith(reason)


def test_survivor_reasons_of_many_clusters_in_one_call() -> None:
    """Each cluster gets the words of the rule that decided it, not of its neighbours."""
    crm, esp = _survivor_sources()
    frame = pd.DataFrame(
        {
            "cluster": [1, 1, 2, 2, 3, 3, 4],
            "source": ["crm", "crm", "crm", "crm", "esp", "crm", "esp"],
            "pos": [0, 1, 2, 3, 0, 0, 0],
        }
    )
    out = choose_survivors(frame, [crm, esp], load_survivorship())
    assert out.cluster.tolist() == [1, 2, 3, 4]
    assert list(zip(out.source, out.pos.astype(int), strict=True)) == [
        ("crm", 1),
        ("crm", 3),
        ("crm", 0),
        ("esp", 0),
    ]
    reasons = out.reason.tolist()
    assert reasons[0].startswith("most complete (3 of")
    assert reasons[1] == "most recent activity (2024-06-30)"
    assert reasons[2] == "CRM record preferred (hubspot)"
    assert reasons[3] == "first in file (all else equal)"  # one member: nothing to compare


def test_survivor_dates_read_in_utc_before_1970(tmp_path: Path) -> None:
    crm = make_source(
        "crm",
        {"Email": ["a@x.com", "a@x.com"], "Created": ["1969-12-31", "1965-03-02"]},
        {"Email": "email", "Created": "created_at"},
    )
    path = tmp_path / "survivorship.yaml"
    path.write_text("rules:\n  - rule: oldest\n    fields: [created_at]\n")
    frame = pd.DataFrame({"cluster": 1, "source": "crm", "pos": [0, 1]})
    out = choose_survivors(frame, [crm], load_survivorship(path))
    assert out.reason.iloc[0] == "oldest record (1965-03-02)"


def test_survivorship_rules_are_configurable(tmp_path: Path) -> None:
    crm, esp = _survivor_sources()
    path = tmp_path / "survivorship.yaml"
    path.write_text("rules:\n  - rule: oldest\n    fields: [last_activity_at]\n")
    frame = pd.DataFrame({"cluster": 1, "source": "crm", "pos": [2, 3]})
    out = choose_survivors(frame, [crm, esp], load_survivorship(path))
    assert int(out.pos.iloc[0]) == 2 and out.reason.iloc[0].startswith("oldest record")


def test_unknown_survivorship_rule_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("rules:\n  - rule: loudest\n")
    with pytest.raises(ConfigError, match="loudest"):
        load_survivorship(path)


def _one_person_in(platforms: tuple[str, str]) -> list[Source]:
    """The same record in two sources of the given platforms (nothing else tells them apart)."""
    return [
        make_source(
            name, {"Email": ["a@x.com"], "First Name": ["Ann"]},
            {"Email": "email", "First Name": "first_name"}, platform=platform,
        )
        for name, platform in zip(("one", "two"), platforms, strict=True)
    ]


@pytest.mark.parametrize(
    "platform", sorted(p.stem for p in (rules_dir() / "platforms").glob("*.yaml"))
)
def test_survivorship_kind_is_the_one_source_kind(platform: str) -> None:
    """Survivorship prefers by `hygiene.load.source_kind`, the kind the audit, the links and
    the scores use: for every platform preset, a CRM record beats this platform's exactly
    when source_kind calls this platform an ESP (a generic export counts as a CRM)."""
    sources = _one_person_in(("hubspot", platform))
    frame = pd.DataFrame({"cluster": 1, "source": ["two", "one"], "pos": [0, 0]})
    out = choose_survivors(frame, sources, load_survivorship())
    kind = source_kind(platform)
    assert kind in ("crm", "esp")
    if kind == "esp":
        assert out.source.iloc[0] == "one"
        assert out.reason.iloc[0] == "CRM record preferred (hubspot)"
    else:  # same kind: source_kind does not decide, the earliest source given does
        assert out.source.iloc[0] == "one" and out.rule.iloc[0] == "first_row"


def test_survivorship_takes_the_kind_asked_for_a_source() -> None:
    """A source asked to be an ESP (hygiene.toml `kind`) is one for survivorship too."""
    sources = _one_person_in(("hubspot", "hubspot"))
    frame = pd.DataFrame({"cluster": 1, "source": ["one", "two"], "pos": [0, 0]})
    out = choose_survivors(frame, sources, load_survivorship(), kinds={"one": "esp"})
    assert out.source.iloc[0] == "two"
    assert out.reason.iloc[0] == "CRM record preferred (hubspot)"


def test_survivorship_file_with_its_own_kinds_table_warns(tmp_path: Path) -> None:
    """An older copy of survivorship.yaml with a `kinds:` table: it is not read, and the
    warning names the file."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "rules:\n  - rule: source_kind\n    prefer: [crm, esp]\n"
        "kinds:\n  esp: [hubspot]\n"
    )
    with pytest.warns(FutureWarning, match=r"s\.yaml: `kinds:` is no longer read"):
        surv = load_survivorship(path)
    sources = _one_person_in(("mailchimp", "hubspot"))
    frame = pd.DataFrame({"cluster": 1, "source": ["one", "two"], "pos": [0, 0]})
    out = choose_survivors(frame, sources, surv)
    assert out.source.iloc[0] == "two"  # hubspot is a CRM, whatever the old table said


@settings(max_examples=60, deadline=None)
@given(
    keys=st.lists(st.integers(-(2**45), 2**45), min_size=0, max_size=60),
    ties=st.lists(st.integers(0, 2**45), min_size=60, max_size=60),
    spread=st.sampled_from([3, 2**20, 2**45]),
    with_tie=st.booleans(),
)
def test_stable_order_is_lexsort_whatever_the_range_of_the_keys(
    keys: list[int], ties: list[int], spread: int, with_tie: bool
) -> None:
    # Keys and tiebreaks of a narrow range are packed as they are, wide ones coded densely
    # first: both must give lexsort's order.
    key = np.asarray(keys, dtype=np.int64) % spread
    tie = np.asarray(ties[: len(keys)], dtype=np.int64) % spread if with_tie else None
    want = np.lexsort((tie, key)) if tie is not None else np.argsort(key, kind="stable")
    assert stable_order(key, tie).tolist() == want.tolist()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(alphabet="abc.@1", min_size=1, max_size=9), min_size=2, max_size=40,
                unique=True))
def test_the_one_edit_screen_never_rules_out_a_pair_one_edit_apart(values: list[str]) -> None:
    from rapidfuzz.distance import OSA

    from hygiene.match.compare import one_edit_possible
    from hygiene.match.features import Features

    n = len(values)
    col = Coded(np.arange(n, dtype=np.int32), Vocab(values))
    f = Features({"email": col}, np.zeros(n, dtype=np.int16), np.arange(n), ["crm"])
    a, b = np.triu_indices(n, 1)
    possible = one_edit_possible(f, "email", a, b)
    for i, j, ok in zip(a.tolist(), b.tolist(), possible.tolist(), strict=True):
        if OSA.distance(values[i], values[j]) <= 1:  # one edit or one transposition
            assert ok, (values[i], values[j])
        if abs(len(values[i]) - len(values[j])) >= 2:
            assert not ok, (values[i], values[j])


def test_features_cached_computes_once_for_threads_asking_at_once() -> None:
    import threading
    import time

    from hygiene.match.features import Features

    f = Features({}, np.zeros(0, dtype=np.int16), np.zeros(0, dtype=np.int64), ["crm"])
    calls = []

    def slow() -> str:
        calls.append(1)
        time.sleep(0.05)
        return "shape"

    got: list[str] = []
    threads = [
        threading.Thread(target=lambda: got.append(f.cached("edit:email", slow)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["shape"] * 4 and len(calls) == 1
