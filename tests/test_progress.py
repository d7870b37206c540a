"""Progress of long steps: the library names its steps (hygiene/progress.py), the command
shows them on a terminal only (hygiene/cli_progress.py), and one source name over unrelated
files warns (hygiene/load/joined.py)."""

from __future__ import annotations

import io
import threading
import time
import warnings
from pathlib import Path

import pytest

import hygiene
from hygiene.cli_progress import progress, wanted, warnings_as_lines
from hygiene.errors import HygieneWarning
from hygiene.load.joined import MIN_SHARED, mismatched_files, shared_share
from hygiene.progress import listening, step
from tests.test_cli import HUBSPOT


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_steps_reach_listeners_on_any_thread_and_stop_after():
    heard: list[str] = []
    with listening(heard.append):
        step("one")
        t = threading.Thread(target=step, args=("two",))
        t.start()
        t.join()
    step("three")
    assert heard == ["one", "two"]


@pytest.mark.parametrize(
    ("quiet", "stream", "shown"),
    [(False, Terminal(), True), (True, Terminal(), False), (False, io.StringIO(), False)],
)
def test_progress_only_on_a_terminal_and_never_under_quiet(quiet, stream, shown):
    assert wanted(quiet, stream) is shown


def test_the_audit_names_its_long_steps(tmp_path: Path):
    (tmp_path / "contacts.csv").write_text(HUBSPOT, encoding="utf-8")
    heard: list[str] = []
    with listening(heard.append):
        result = hygiene.audit(f"crm={tmp_path / 'contacts.csv'}")
        result.save(tmp_path / "out", ["html"])
    assert heard == ["Reading the exports", "Normalising values", "Checking rules",
                     "Linking sources", "Matching duplicates", "Scoring", "Writing html"]


def test_progress_on_a_terminal_shows_at_once_and_names_each_step(monkeypatch, tmp_path: Path):
    err = Terminal()
    monkeypatch.setattr("sys.stderr", err)
    (tmp_path / "contacts.csv").write_text(HUBSPOT, encoding="utf-8")
    with progress(False, "Reading the exports") as done:
        time.sleep(0.3)  # the spinner's first frame, before any step has finished
        first = err.getvalue()
        hygiene.audit(f"crm={tmp_path / 'contacts.csv'}")
        done()
    assert "Reading the exports" in first
    text = err.getvalue()
    for name in ("Reading the exports (", "Checking rules (", "Matching duplicates ("):
        assert name in text


def test_progress_is_silent_off_a_terminal(monkeypatch, tmp_path: Path):
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    with progress(False) as done:
        step("Checking rules")
        done()
    assert err.getvalue() == ""


@pytest.mark.parametrize(
    ("headers", "odd"),
    [
        # Mailchimp's audience export: subscribed, unsubscribed and cleaned share their
        # merge fields and add their own (mailchimp.com/help/view-export-contacts).
        ([("subscribed.csv", ["Email Address", "First Name", "Last Name", "MEMBER_RATING",
                              "OPTIN_TIME", "CONFIRM_TIME", "LAST_CHANGED", "LEID", "TAGS"]),
          ("unsubscribed.csv", ["Email Address", "First Name", "Last Name", "MEMBER_RATING",
                                "OPTIN_TIME", "CONFIRM_TIME", "LAST_CHANGED", "LEID", "TAGS",
                                "UNSUB_TIME", "UNSUB_CAMPAIGN_TITLE", "UNSUB_REASON"]),
          ("cleaned.csv", ["Email Address", "First Name", "Last Name", "MEMBER_RATING",
                           "OPTIN_TIME", "CONFIRM_TIME", "LAST_CHANGED", "LEID", "TAGS",
                           "CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE"])], []),
        # A contacts export and a notes file under one name.
        ([("contacts.csv", ["Record ID", "First Name", "Last Name", "Email"]),
          ("notes.txt", ["Date", "Note", "Author"])], ["notes.txt"]),
        # Headers compared trimmed and case-folded.
        ([("a.csv", ["Email", "First Name"]), ("b.csv", [" email ", "FIRST NAME", "Phone"])],
         []),
        # A third file that matches the second, not the first, is not odd.
        ([("a.csv", ["Email"]), ("b.csv", ["Email", "X", "Y", "Z"]),
          ("c.csv", ["X", "Y", "Z"])], []),
    ],
)
def test_mismatched_files(headers, odd):
    assert [other for _, other, _ in mismatched_files(headers)] == odd


def test_shared_share_is_symmetric_and_bounded():
    a, b = ["Email", "Name", "Phone"], ["email", "Owner"]
    assert shared_share(a, b) == shared_share(b, a) == 0.5
    assert 0 <= shared_share(["x"], ["y"]) < MIN_SHARED


def test_warnings_print_as_one_line_each_time(capsys):
    with warnings_as_lines():
        for _ in range(2):
            warnings.warn("source 'crm' joins notes.txt with contacts.csv", HygieneWarning,
                          stacklevel=1)
    err = capsys.readouterr().err.splitlines()
    assert err == ["hygiene: warning: source 'crm' joins notes.txt with contacts.csv"] * 2
