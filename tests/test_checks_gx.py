"""The Great Expectations runner is shared by every check in a process (a Spark Python
worker checks many buckets with it): its answers must not depend on what it checked
before, and it must keep no values of an earlier run."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.checks.engine import check_source
from hygiene.checks.gx import SuiteRunner, shared_runner
from hygiene.checks.registry import CheckOptions
from hygiene.checks.rules import load_rules
from hygiene.prepared import Prepared
from tests.helpers import make_source

RULES = [r for r in load_rules() if r.engine == "gx" and r.code.startswith("email.")]
EMAILS = st.lists(
    st.sampled_from(
        ["ann@example.com", "info@example.com", "", "sales@acme.co", "ADMIN@Example.com",
         "not-an-email", "  ", "bob.smith@x.org", "noreply@shop.de"]
    )
    | st.text(max_size=10),
    min_size=1,
    max_size=8,
)


def prep(emails: list[str]) -> Prepared:
    src = make_source("crm", {"Email": emails}, {"Email": "email"})
    return Prepared(src, CheckOptions().region)


def hits(prepared: Prepared, runner: SuiteRunner) -> dict[str, list[tuple[int, str]]]:
    found = check_source(prepared, RULES, CheckOptions(), runner)
    return {code: sorted(zip(h["pos"].tolist(), h["field"].tolist(), strict=True))
            for code, h in found.items()}


def held(runner: SuiteRunner) -> int:
    """Frames and metrics GX's execution engine still holds."""
    engine = runner._datasource.get_execution_engine()
    return len(engine.batch_manager.batch_data_cache) + len(engine._metric_cache)


@given(first=EMAILS, second=EMAILS)
@settings(max_examples=8, deadline=None)
def test_shared_runner_answers_as_a_fresh_context_whatever_it_checked_before(
    first: list[str], second: list[str]
) -> None:
    runner = shared_runner()
    assert runner is shared_runner()
    hits(prep(first), runner)
    assert held(runner) == 0
    again = hits(prep(second), runner)
    assert held(runner) == 0
    assert again == hits(prep(second), SuiteRunner())


def test_shared_runner_finds_each_source_its_own_rows() -> None:
    runner = shared_runner()
    a = hits(prep(["info@example.com", "ann@example.com", ""]), runner)
    b = hits(prep(["ann@example.com", "", "sales@acme.co", "bob@x.org"]), runner)
    assert a["email.role_account"] == [(0, "email_local")]
    assert a["email.missing"] == [(2, "email")]
    assert b["email.role_account"] == [(2, "email_local")]
    assert b["email.missing"] == [(1, "email")]
