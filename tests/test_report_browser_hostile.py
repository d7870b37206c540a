"""report.html of a hostile export in headless Chromium (issue 23): every string of the Big
List of Naughty Strings as a header and as a value (script tags, event handlers,
`javascript:` URLs, template injections), plus characters XML forbids and formula starts.
The page must hold one script (its own), run nothing from the data, make no request but
`file:`/`data:` and log no error.
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import pytest

from hygiene.cli import main
from tests.test_hostile_property import BLNS, XML_FORBIDDEN
from tests.test_report_browser import _requests, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

#: Scripts that, had they run, leave a mark the test can read without an alert dialog.
MARKERS = [
    "<script>window.__pwned = 1</script>",
    "<img src=x onerror=\"window.__pwned = 2\">",
    "<svg onload=\"window.__pwned = 3\"></svg>",
    "\"><script>window.__pwned = 4</script>",
    "javascript:window.__pwned = 5",
]


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    path = tmp / "naughty.csv"
    values = [*BLNS, *MARKERS, *(f"a{c}b" for c in XML_FORBIDDEN), "=1+1", "@SUM(A1)"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Email", "First Name", *values])
        for i, v in enumerate(values[:200]):
            w.writerow([f"p{i}@corp.io", v, *values[i:], *values[:i]])
    out = tmp / "out"
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["audit", f"crm={path}", "--out", str(out), "--format", "html",
                     "--no-history", "-q"])  # fmt: skip
    assert code in (0, 1), err.getvalue()
    return out / "report.html"


def test_the_hostile_report_runs_only_its_own_script(browser, hostile_report):  # noqa: F811
    browser.get("about:blank")
    browser.get_log("performance")
    browser.get_log("browser")
    browser.get(hostile_report.as_uri())
    # An alert from the data would raise UnexpectedAlertPresentException here.
    assert browser.execute_script("return document.scripts.length") == 1
    assert browser.execute_script("return window.__pwned === undefined")
    requests = _requests(browser.get_log("performance"))
    assert requests and [u for u in requests if not u.startswith(("file://", "data:"))] == []
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    # The markers are shown as text, not run.
    text = browser.execute_script("return document.body.innerText")
    assert "window.__pwned = 1" in text
