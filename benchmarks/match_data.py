"""A generated HubSpot-style contact export with known duplicates, for the scale benchmark.

Vectorised (numpy and pyarrow, one call per column), so a million rows take seconds. Names
follow Zipf-like frequencies (common names are common), emails and phones are unique per
person, and each duplicate copy is changed the way CRM duplicates differ: address case,
gmail dots and +tags, nicknames, typos, swapped names, phone formats, legal suffixes, empty
fields, a second (personal) address.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from nicknames import NickNamer

HEADERS = {
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

_SYL_A = (
    "An",
    "Bar",
    "Cal",
    "Dor",
    "El",
    "Fer",
    "Gal",
    "Har",
    "Ives",
    "Jor",
    "Kel",
    "Lan",
    "Mar",
    "Nor",
    "Ol",
    "Pen",
    "Quin",
    "Ros",
    "Sut",
    "Tal",
    "Ul",
    "Van",
    "Wal",
    "Yor",
    "Ash",
    "Bren",
    "Crow",
    "Dal",
    "Eas",
    "Fair",
    "Glen",
    "Hol",
    "Kirk",
    "Lind",
    "Mor",
)
_SYL_B = (
    "ton",
    "son",
    "ley",
    "wood",
    "ford",
    "field",
    "man",
    "well",
    "by",
    "worth",
    "ridge",
    "stone",
    "croft",
    "ham",
    "dale",
    "more",
    "wick",
    "er",
    "ings",
    "all",
    "ock",
    "sey",
)
_SYL_C = ("", "e", "s", "er", "en", "ow", "ie", "a", "ing", "et")
_PREFIX = ("", "Mc", "O'", "Van ", "De", "St. ")
_FREEMAIL = np.array(
    ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com"], dtype=object
)
_LEGAL = np.array(["Inc", "Inc.", "LLC", "Ltd", "Corp", "Co.", "GmbH", "PLC"], dtype=object)
_AREAS = np.array(
    [
        212,
        310,
        312,
        415,
        617,
        303,
        512,
        206,
        404,
        305,
        503,
        602,
        702,
        713,
        214,
        646,
        718,
        919,
        704,
        615,
    ]
)


def _zipf_pick(rng: np.random.Generator, pool: np.ndarray, n: int, s: float = 1.0) -> np.ndarray:
    w = 1.0 / np.arange(1, len(pool) + 1) ** s
    return pool[rng.choice(len(pool), n, p=w / w.sum())]


def _surnames() -> np.ndarray:
    """About 40,000 surnames: syllable combinations, some with a prefix (Mc, O', Van)."""
    names = {pre + a + b + c for pre in _PREFIX for a in _SYL_A for b in _SYL_B for c in _SYL_C}
    return np.array(sorted(names), dtype=object)


def _typo(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Swap two adjacent letters somewhere after the first (a typing slip)."""
    out = values.copy()
    for i, v in enumerate(values.tolist()):
        if isinstance(v, str) and len(v) > 3:
            k = int(rng.integers(1, len(v) - 1))
            out[i] = v[:k] + v[k + 1] + v[k] + v[k + 2 :]
    return out


def make_contacts(
    rows: int, dup_share: float = 0.15, seed: int = 11
) -> tuple[pd.DataFrame, np.ndarray]:
    """`rows` contacts of which about `dup_share` are extra copies of a person.

    Returns the export (HubSpot headers, all text) and the person id of every row.
    """
    rng = np.random.default_rng(seed)
    people = int(rows / (1 + dup_share))
    firsts = np.array(sorted({n.title() for n in NickNamer().nickname_lookup}), dtype=object)
    rng.shuffle(firsts)
    lasts = _surnames()
    rng.shuffle(lasts)
    # Exponents give top shares near real ones (James ~3% of first names, Smith ~0.8%).
    first = _zipf_pick(rng, firsts, people, 0.6)
    last = _zipf_pick(rng, lasts, people, 0.6)
    companies = np.array(
        [
            f"{lasts[i % len(lasts)]} {w}"
            for i, w in enumerate(
                np.resize(
                    np.array(
                        [
                            "Group",
                            "Systems",
                            "Partners",
                            "Labs",
                            "Foods",
                            "Logistics",
                            "Media",
                            "Health",
                            "Capital",
                            "Works",
                        ]
                    ),
                    20000,
                )
            )
        ],
        dtype=object,
    )
    comp_idx = rng.integers(0, len(companies), people)
    company = companies[comp_idx]
    legal = _LEGAL[rng.integers(0, len(_LEGAL), people)]
    work = rng.random(people) < 0.55
    domain = np.where(
        work,
        pd.Series(companies[comp_idx]).str.lower().str.replace(r"[^a-z]", "", regex=True).to_numpy()
        + ".com",
        _FREEMAIL[rng.integers(0, len(_FREEMAIL), people)],
    )
    f_l = pd.Series(first).str.lower()
    l_l = pd.Series(last).str.lower().str.replace(r"[^a-z]", "", regex=True)
    styles = [
        f_l + "." + l_l,
        f_l.str[0] + l_l,
        f_l + "_" + l_l,
        l_l + f_l.str[0],
        f_l + "." + l_l.str[0],
        f_l.str[0] + "." + l_l,
        f_l + l_l,
        f_l,
    ]
    pattern = rng.integers(0, len(styles), people)
    local = np.select([pattern == k for k in range(len(styles))], styles)
    # Most personal mailboxes carry digits: the plain name was taken long ago.
    digits = (~work) & (rng.random(people) < 0.7)
    local = np.where(digits, local + pd.Series(rng.integers(1, 9999, people)).astype(str), local)
    email = pd.Series(local + "@" + domain)
    clash = email.duplicated(keep="first").to_numpy()
    pid = np.arange(people)
    email[clash] = (
        pd.Series(local[clash]) + pd.Series(pid[clash]).astype(str) + "@" + pd.Series(domain[clash])
    ).to_numpy()
    # Seven digits starting 2-9, as NANP exchanges do; unique per person.
    phone_num = 2_000_000 + (rng.permutation(8_000_000)[:people] if people <= 8_000_000 else pid)
    area = _AREAS[rng.integers(0, len(_AREAS), people)]
    has_phone = rng.random(people) < 0.7
    postcode_pool = np.array([f"{z:05d}" for z in rng.choice(99999, 3000, replace=False)])
    pc_idx = rng.integers(0, len(postcode_pool), people)
    base = pd.DataFrame(
        {
            "person": pid,
            "email": email.to_numpy(),
            "first": first,
            "last": last,
            "area": area,
            "num": phone_num,
            "has_phone": has_phone,
            "company": company,
            "legal": legal,
            "has_company": rng.random(people) < 0.8,
            "postcode": postcode_pool[pc_idx],
            "city": np.array([f"{lasts[i % 500]}ville" for i in range(3000)], dtype=object)[pc_idx],
        }
    )
    copies = base.iloc[rng.choice(people, rows - people, replace=True)].reset_index(drop=True)
    return _render(base, copies, rng)


def _phone_text(area: np.ndarray, num: np.ndarray, style: np.ndarray) -> np.ndarray:
    a = area.astype(str)
    n = np.char.zfill(num.astype(str), 7)
    x, y = np.char.ljust(n, 3).astype("<U3"), np.array([s[3:] for s in n.tolist()])
    out = np.where(
        style == 0,
        np.char.add(np.char.add(np.char.add("+1 ", a), " "), np.char.add(np.char.add(x, "-"), y)),
        "",
    )
    out = np.where(
        style == 1,
        np.char.add(np.char.add(np.char.add("(", a), ") "), np.char.add(np.char.add(x, "-"), y)),
        out,
    )
    out = np.where(
        style == 2, np.char.add(np.char.add(np.char.add(a, "."), x), np.char.add(".", y)), out
    )
    out = np.where(style == 3, np.char.add(np.char.add(a, x), y), out)
    return out.astype(object)


def _render(
    base: pd.DataFrame, copies: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray]:
    """Both tables as export rows; copies get the changes duplicates have."""
    nn = NickNamer()
    m = len(copies)
    c = copies.copy()
    change = rng.random((m, 8))
    # Email: case, gmail dots/+tag, missing, or a second personal address (then the phone
    # stays, so a person could still tell).
    upper = change[:, 0] < 0.2
    c.loc[upper, "email"] = c.loc[upper, "email"].str.title()
    gmail = c["email"].str.endswith("@gmail.com") & (change[:, 1] < 0.5)
    loc = c.loc[gmail, "email"].str.split("@").str[0]
    c.loc[gmail, "email"] = loc.str.replace(".", "", regex=False) + "+news@gmail.com"
    gone = (change[:, 0] >= 0.2) & (change[:, 0] < 0.3)
    c.loc[gone, "email"] = None
    moved = (change[:, 0] >= 0.4) & (change[:, 0] < 0.45)  # changed jobs, same mailbox name
    c.loc[moved, "email"] = (
        c.loc[moved, "email"].str.split("@").str[0]
        + "@"
        + (c.loc[moved, "last"].str.lower().str.replace(r"[^a-z]", "", regex=True) + "corp.com")
    )
    other = (change[:, 0] >= 0.3) & (change[:, 0] < 0.4)
    c.loc[other, "email"] = (
        c.loc[other, "first"].str.lower()
        + str(7)
        + c.loc[other, "person"].astype(str)
        + "@icloud.com"
    )
    c.loc[other, "has_phone"] = True
    # Names: nickname, typo, swap.
    nick = change[:, 2] < 0.15
    for i in np.flatnonzero(nick):
        opts = sorted(nn.nicknames_of(str(c.at[i, "first"]).lower()))
        if opts:
            c.at[i, "first"] = opts[int(rng.integers(len(opts)))].title()
    typo_first = (change[:, 2] >= 0.15) & (change[:, 2] < 0.25)
    c.loc[typo_first, "first"] = _typo(c.loc[typo_first, "first"].to_numpy(), rng)
    typo_last = change[:, 3] < 0.1
    c.loc[typo_last, "last"] = _typo(c.loc[typo_last, "last"].to_numpy(), rng)
    swap = (change[:, 3] >= 0.1) & (change[:, 3] < 0.13)
    c.loc[swap, ["first", "last"]] = c.loc[swap, ["last", "first"]].to_numpy()
    # Phone, company, address.
    c.loc[change[:, 4] < 0.15, "has_phone"] = False
    c.loc[change[:, 5] < 0.3, "legal"] = _LEGAL[
        rng.integers(0, len(_LEGAL), int((change[:, 5] < 0.3).sum()))
    ]
    c.loc[change[:, 5] >= 0.9, "has_company"] = False
    c.loc[change[:, 6] < 0.2, ["postcode", "city"]] = None
    both = pd.concat([base, c], ignore_index=True)
    n = len(both)
    style = rng.integers(0, 4, n)
    phone = _phone_text(both["area"].to_numpy(), both["num"].to_numpy(), style)
    comp = both["company"] + " " + both["legal"]
    activity = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    out = pd.DataFrame(
        {
            "Record ID": (100000 + np.arange(n)).astype(str),
            "Email": both["email"],
            "First Name": both["first"],
            "Last Name": both["last"],
            "Phone Number": pd.Series(phone).where(both["has_phone"].to_numpy()),
            "Company Name": comp.where(both["has_company"].to_numpy(), None),
            "City": both["city"],
            "Postal Code": both["postcode"],
            "Last Activity Date": activity.strftime("%Y-%m-%d"),
        }
    )
    order = rng.permutation(n)  # duplicates are not next to their originals in a real export
    out = out.iloc[order].reset_index(drop=True)
    out["Record ID"] = (100000 + np.arange(n)).astype(str)
    return out.astype(object).where(out.notna(), None), both["person"].to_numpy()[order]


def true_pairs(person: np.ndarray) -> np.ndarray:
    """Row pairs (lo * n + hi) of rows that are one person."""
    n = len(person)
    order = np.argsort(person, kind="stable")
    p = person[order]
    out = []
    for d in range(1, 6):  # a person has at most a handful of copies
        same = np.flatnonzero(p[:-d] == p[d:])
        a, b = order[same], order[same + d]
        out.append(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
    return np.unique(np.concatenate(out))
