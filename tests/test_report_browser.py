"""report.html in a real browser: headless Chromium (Debian's chromium + chromium-driver,
installed by `make test` through .ci/install-browser; flags in DEVELOPERS.md).

Asserts no console errors, no network requests, that markup in a contact's name did not
run, that sorting, filtering and paging the findings table work, and that the duplicate
clusters stay compact (the least and most certain open, the rest collapsed and paged). Saves
a full-page screenshot (also copied to /tmp/report-screenshot.png for a person to look at)
and one of each section at 1,400 px width, in the test's tmp folder.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from hygiene.report.options import ReportOptions
from tests.report_samples import SCRIPT_NAME, sample_audit

DRIVER = Path("/usr/bin/chromedriver")
WIDTH = 1400
SECTIONS = ("overview", "trend", "workflows", "findings", "dimensions", "duplicates", "sources")
#: Clusters in the page: more than the six shown open, so the rest page (20 a page).
CLUSTERS = 60
SCREENSHOT_COPY = Path("/tmp/report-screenshot.png")

pytestmark = pytest.mark.browser

webdriver = pytest.importorskip("selenium.webdriver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not DRIVER.exists():
        pytest.skip("chromium-driver is not installed: run .ci/install-browser (as root)")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},1000",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=opts)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    audit = sample_audit()
    # Nine copies of the findings make the table page (50 a page), every field real.
    many = pd.concat([audit.findings] * 9, ignore_index=True)
    audit.findings = many
    audit.duplicates = many_clusters(audit.duplicates, CLUSTERS)
    audit.save(out, ["html"], redact=False)
    assert ReportOptions().max_findings >= len(many)
    return out / "report.html"


@pytest.fixture(scope="module")
def loaded(browser, report):
    """The page, opened after the browser's own start-up traffic is drained."""
    browser.get("about:blank")
    browser.get_log("performance")
    browser.get_log("browser")
    browser.get(report.as_uri())
    browser.execute_script("document.documentElement.style.scrollBehavior = 'auto'")
    return {
        "console": browser.get_log("browser"),
        "requests": _requests(browser.get_log("performance")),
    }


def many_clusters(clusters: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """`n` clusters made of the sample's two, with confidences spread over 0.55-0.99."""
    out = []
    for i in range(n):
        c = json.loads(json.dumps(clusters[i % len(clusters)]))
        c["cluster"] = i + 1
        c["confidence"] = round(0.55 + 0.44 * ((i * 37) % n) / n, 3)
        c["survivor"]["reason"] = "most complete (9 of 14 fields)"
        out.append(c)
    return out


def _requests(entries: list[dict[str, Any]]) -> list[str]:
    urls = []
    for entry in entries:
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def visible_rows(browser) -> list[list[str]]:
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('#findings-table tbody tr'))"
        ".filter(r => !r.hidden).map(r => Array.from(r.cells).map(c => c.textContent.trim()))"
    )


def wait_until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.time() + seconds
    while not check():
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)


def type_into(browser, element, text: str) -> None:
    """Set an input's text and fire the input event, as typing does."""
    browser.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
        element,
        text,
    )


def test_no_console_errors(loaded):
    assert [e for e in loaded["console"] if e["level"] in ("SEVERE", "WARNING")] == []


def test_no_network_requests(loaded, report):
    assert loaded["requests"], "the performance log recorded nothing"
    others = [u for u in loaded["requests"] if not u.startswith(("file://", "data:"))]
    assert others == []


def test_markup_in_a_contact_did_not_run_and_shows_as_text(browser, loaded):
    assert browser.execute_script("return window.__pwned === undefined")
    bold = browser.execute_script(
        "return Array.from(document.querySelectorAll('b')).map(b => b.textContent)"
    )
    assert "Fay" not in bold  # "<b>Fay</b>" in a first name stays text
    text = browser.execute_script("return document.body.innerText")
    assert SCRIPT_NAME in text and "<b>Fay</b>" in text


def test_findings_table_pages_sorts_and_filters(browser, loaded):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    total = len(browser.find_elements(By.CSS_SELECTOR, "#findings-table tbody tr"))
    assert total > 50
    assert len(visible_rows(browser)) == 50
    pager = browser.find_element(By.CSS_SELECTOR, '[data-pager="findings-table"]')
    assert pager.text.startswith(f"1–50 of {total}")

    row_header = browser.find_element(By.XPATH, "//table[@id='findings-table']//th[text()='Row']")
    row_header.click()
    ascending = [int(r[3]) if r[3] else -1 for r in visible_rows(browser)]
    assert ascending == sorted(ascending)
    row_header.click()
    descending = [int(r[3]) if r[3] else -1 for r in visible_rows(browser)]
    assert descending == sorted(descending, reverse=True) and descending[0] == 8

    search = browser.find_element(By.CSS_SELECTOR, '[data-search="findings-table"]')
    search.send_keys("gmial")
    wait_until(lambda: len(visible_rows(browser)) != 50)
    rows = visible_rows(browser)
    # Nine copies of the misspelt address, each a typo and a free-mail address once fixed.
    assert len(rows) == 18 and all("gmial" in " ".join(r) for r in rows)
    assert sorted(r[1] for r in rows) == ["email.free_mail"] * 9 + ["email.typo_domain"] * 9
    type_into(browser, search, "")
    wait_until(lambda: len(visible_rows(browser)) == 50)

    severity = Select(browser.find_element(By.CSS_SELECTOR, 'select[data-col="0"]'))
    severity.select_by_value("error")
    rows = visible_rows(browser)
    assert rows and {r[0] for r in rows} == {"error"}
    severity.select_by_value("")

    next_button = pager.find_elements(By.TAG_NAME, "button")[1]
    first_page = visible_rows(browser)
    next_button.click()
    assert visible_rows(browser) != first_page
    assert pager.text.startswith(f"51–100 of {total}")


def visible_clusters(browser) -> list[str]:
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('#cluster-list > details'))"
        ".filter(d => !d.hidden).map(d => d.id)"
    )


def test_duplicates_are_compact_and_page(browser, loaded):
    from selenium.webdriver.common.by import By

    opened = browser.execute_script(
        "return Array.from(document.querySelectorAll('#duplicates details.cluster'))"
        ".map(d => [d.id, d.open])"
    )
    assert len(opened) == CLUSTERS
    assert [o for _, o in opened[:6]] == [True] * 6 and not any(o for _, o in opened[6:])
    assert len(visible_clusters(browser)) == 20
    pager = browser.find_element(By.CSS_SELECTOR, '[data-pager="cluster-list"]')
    assert pager.text.startswith(f"1–20 of {CLUSTERS - 6}")
    pager.find_elements(By.TAG_NAME, "button")[1].click()
    assert pager.text.startswith(f"21–40 of {CLUSTERS - 6}")
    search = browser.find_element(By.CSS_SELECTOR, '[data-search="cluster-list"]')
    type_into(browser, search, "cluster 17 ")
    wait_until(lambda: len(visible_clusters(browser)) == 1)
    assert visible_clusters(browser) == ["cluster-17"]
    type_into(browser, search, "")
    wait_until(lambda: len(visible_clusters(browser)) == 20)
    # A collapsed cluster opens to its side-by-side table and what each record gives up.
    first_shown = "#cluster-list > details:not([hidden]) > summary"
    summary = browser.find_element(By.CSS_SELECTOR, first_shown)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
    summary.click()
    details = summary.find_element(By.XPATH, "..")
    assert details.get_attribute("open") is not None
    assert "gives up" in details.text and "Survivor chosen by" in details.text
    summary.click()
    # Sixty clusters in a few screens (all open, 54 took 36,270 px of a 47,049 px page).
    height = browser.execute_script(
        "return document.getElementById('duplicates').getBoundingClientRect().height"
    )
    assert height < 4500, height
    tops = browser.execute_script(
        "return arguments[0].map(id => document.getElementById(id))"
        ".filter(e => e).map(e => e.getBoundingClientRect().top + window.scrollY)",
        list(SECTIONS),
    )
    assert tops == sorted(tops)


def test_screenshots(browser, loaded, tmp_path: Path):
    """A full-page screenshot, and one per section, at 1,400 px: look at them after changing
    the templates or CSS."""
    from selenium.webdriver.common.by import By

    browser.execute_script("window.scrollTo(0, 0)")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(WIDTH, min(int(height) + 40, 16000))
    shot = tmp_path / "report.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 50_000
    shutil.copyfile(shot, SCREENSHOT_COPY)
    for name in SECTIONS:
        section = browser.find_element(By.ID, name)
        path = tmp_path / f"section-{name}.png"
        assert section.screenshot(str(path))
        assert path.stat().st_size > 5_000, name
        width = browser.execute_script("return arguments[0].getBoundingClientRect().width", section)
        assert width <= WIDTH
    print(f"screenshots in {tmp_path}")
