"""A text file of sentences is refused (exit 2, one line naming the file and the fix),
never audited as a table whose columns are named after sentences. Real exports' header rows
(every list in tests/platform_exports.py, each from a public source) are never prose."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import hygiene
from hygiene.cli import main
from hygiene.errors import InputError
from hygiene.load.prose import is_prose, prose_header
from tests.platform_exports import EXPORTS

NOTES = (
    "Called Ann on Monday about the renewal, she wants a quote by Friday.\n"
    "Bob from Acme said their budget is frozen until Q3.\n"
    "Follow up with the Globex team after the conference next week.\n"
)


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_no_published_export_header_is_prose(name: str):
    assert not prose_header(list(EXPORTS[name].headers)), name


@pytest.mark.parametrize(
    "cell,prose",
    [
        ("Email", False),
        ("Opted out of email: Marketing Information", False),
        ("City/town/village/locality of Postal address", False),
        ("Is Email Bounced?", False),
        ("Unsubscribed from all email", False),
        ("Notes...", False),
        ("Called Ann on Monday about the renewal", True),
        ("she wants a quote by Friday.", True),
        ("Meeting went well!", False),
        ("The meeting with Bob went well!", True),
    ],
)
def test_a_cell_reads_as_a_sentence(cell: str, prose: bool):
    assert is_prose(cell) is prose


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="abcdefghij/:-_", min_size=1, max_size=12),
                         min_size=1, max_size=6).map(" ".join), min_size=1, max_size=30))
def test_short_names_are_never_prose(headers: list[str]):
    """Column names of up to six words that do not end as a sentence never read as prose."""
    assert not prose_header(headers)


@pytest.mark.parametrize("text", [NOTES, NOTES.replace(",", ""), NOTES.replace(",", ";")])
def test_a_notes_file_is_refused_in_one_line(tmp_path: Path, text: str, capsys):
    path = tmp_path / "notes.txt"
    path.write_text(text, encoding="utf-8")
    code = main(["audit", str(path), "--out", str(tmp_path / "o"), "--no-history"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1
    assert err.startswith("hygiene: error: ") and "notes.txt" in err
    assert "not a table" in err and "header row" in err
    assert not (tmp_path / "o").exists()


def test_the_python_api_raises_an_input_error(tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_text(NOTES, encoding="utf-8")
    with pytest.raises(InputError, match="not a table"):
        hygiene.audit(f"notes={path}", decisions=False)


def test_a_map_audits_it_anyway(tmp_path: Path):
    """Whoever names a column takes the file as a table: no refusal."""
    path = tmp_path / "notes.txt"
    path.write_text("Called Ann on Monday about the renewal she wants a quote\nBob\n",
                    encoding="utf-8")
    column = "Called Ann on Monday about the renewal she wants a quote"
    res = CliRunner().invoke(
        hygiene.cli.cli,
        ["audit", f"notes={path}", "--map", f"notes:{column}=full_name", "--out",
         str(tmp_path / "o"), "--format", "json", "--no-history"],
    )
    assert res.exit_code == 0, res.output


def test_a_generic_export_shows_no_confidence(tmp_path: Path):
    """"generic (100%)" read as certainty about a guess; a generic export says what it is."""
    from hygiene.report.terminal import platform_label

    assert platform_label("generic", 1.0) == "generic (no known platform's export)"
    assert platform_label("hubspot", 0.974) == "hubspot (97%)"
    path = tmp_path / "contacts.csv"
    path.write_text("E-Mail,Vorname\nann@acme.com,Ann\n", encoding="utf-8")
    res = CliRunner().invoke(hygiene.cli.cli, ["audit", str(path), "--out", str(tmp_path / "o"),
                                               "--format", "json", "--no-history"])
    assert res.exit_code == 0, res.output
    assert "generic (no known platform's export)" in res.output and "%)" not in res.output
