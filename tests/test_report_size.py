"""report.html at a million rows stays small enough to open at once (issue 25: under 5 MB).

The page embeds capped samples (ReportOptions: findings, clusters, examples), so its size must
not follow the audit's. `benchmarks/report_size.py` prints the same figures and the page's
load time in Chromium (time is measured there, never asserted).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hygiene.report.options import ReportOptions
from tests.report_samples import large_audit

LIMIT = 5_000_000


@pytest.mark.slow
def test_report_at_a_million_rows_stays_under_5_mb(tmp_path: Path):
    audit = large_audit(rows=1_000_000, findings=1_000_000, clusters=50_000)
    page = audit.save(tmp_path, ["html"])["html"]
    size = page.stat().st_size
    assert size < LIMIT, f"report.html is {size / 1e6:.2f} MB"
    html = page.read_text(encoding="utf-8")
    options = ReportOptions()
    body = html[html.index('id="findings-table"') :]
    assert body[: body.index("</table>")].count("<tr") == options.max_findings + 1  # + header
    assert html.count('<details class="cluster"') == options.max_clusters
    assert "1,000,000 findings" in html
    assert "review.xlsx lists them all" in html
    assert "review.xlsx and audit.json hold them all" in html
