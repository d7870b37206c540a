"""The Public Suffix List as the email checks read it (`hygiene.checks.email_typos._psl`).

The list is handed to publicsuffixlist as ready rules (`psl_rules`: the IDNA forms of the
non-ASCII rules added by us, not by the parser for every rule). It must hold exactly what
the parser's own reading of the same file holds, and answer the list's published test
cases (publicsuffix.org's test_psl.txt, shipped inside the publicsuffixlist package).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.checks.email_typos import _psl, psl_rules


def _library_psl():  # the parser's own reading of the file it ships
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(accept_unknown=False)


def test_same_rules_as_the_parser_reads_from_the_file() -> None:
    ours, theirs = _psl(), _library_psl()
    assert ours._publicsuffix == theirs._publicsuffix
    assert ours._maxlabel == theirs._maxlabel
    assert len(ours._publicsuffix) > 9000  # the whole list, not an empty parse


def _published_cases() -> list[tuple[str, str | None]]:
    import publicsuffixlist

    path = Path(publicsuffixlist.__file__).with_name("test_psl.txt")
    pattern = re.compile(r"^checkPublicSuffix\(('[^']*'|null), ('[^']*'|null)\);")
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = pattern.match(line)
        if m and m.group(1) != "null":
            want = None if m.group(2) == "null" else m.group(2).strip("'")
            cases.append((m.group(1).strip("'"), want))
    return cases


CASES = _published_cases()


def test_the_published_cases_are_read() -> None:
    assert len(CASES) > 50


@pytest.mark.parametrize(("domain", "registrable"), CASES)
def test_published_public_suffix_cases(domain: str, registrable: str | None) -> None:
    """publicsuffix.org's test_psl.txt: the registrable domain ("private suffix") of each
    test domain, as the parser built from our rules gives it."""
    got = _psl().privatesuffix(domain)
    theirs = _library_psl().privatesuffix(domain)
    assert got == theirs
    # The list's own expectation where publicsuffixlist implements the same reading of it
    # (it differs from test_psl.txt only on unlisted TLDs, which accept_unknown=False
    # refuses on purpose: the email checks treat them as unknown).
    if registrable is None:
        assert got is None
    elif theirs is not None:
        assert got == registrable.lower()
    else:  # only an unlisted top-level domain ("example.example")
        assert _psl().publicsuffix(domain) is None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-.!*"), max_size=20)
        | st.sampled_from(["公司.cn", "!城市.jp", "*.ドメイン", "xn--55qx5d.cn", "食狮.公司.cn"]),
        max_size=30,
    ),
    st.lists(
        st.sampled_from(["", "// a comment", "  indented", "trailing words here"]), max_size=5
    ),
)
def test_rules_any_file_as_the_parser_reads_it(rules: list[str], extra: list[str]) -> None:
    """For any list file, `psl_rules` + `accept_encoded_idn=False` holds what the parser
    holds reading the file itself (IDNA forms included)."""
    from publicsuffixlist import PublicSuffixList

    text = "\n".join([*rules, *extra])
    try:
        theirs = PublicSuffixList(text.encode("utf-8"), accept_unknown=False)
    except (UnicodeError, IndexError):
        return  # a rule the parser itself cannot read is not a case to compare
    ours = PublicSuffixList(psl_rules(text), accept_unknown=False, accept_encoded_idn=False)
    assert ours._publicsuffix == theirs._publicsuffix
    assert ours._maxlabel == theirs._maxlabel
