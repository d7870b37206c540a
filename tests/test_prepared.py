"""hygiene.prepared: views computed once, whichever thread asks first."""

from __future__ import annotations

import threading
import time

import pandas as pd

from hygiene.model import Source
from hygiene.prepared import Prepared


def _prep() -> Prepared:
    data = pd.DataFrame({"Email": ["ann@acme.com", " bob@acme.com ", "N/A"]}, dtype="str")
    prov = pd.DataFrame({"file": ["a.csv"] * 3, "row": [2, 3, 4]})
    return Prepared(Source("crm", "hubspot", data, prov, {"Email": "email"}))


def test_a_view_asked_for_by_two_threads_at_once_is_computed_once() -> None:
    prep = _prep()
    calls = []
    started = threading.Event()

    def compute() -> str:
        calls.append(1)
        started.set()
        time.sleep(0.2)  # the second thread asks while this one computes
        return "view"

    got: list[str] = []
    first = threading.Thread(target=lambda: got.append(prep.memo("k", compute)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: got.append(prep.memo("k", compute)))
    second.start()
    first.join()
    second.join()
    assert got == ["view", "view"] and len(calls) == 1


def test_views_nest_and_are_trimmed_values() -> None:
    prep = _prep()
    emails = prep.email()  # computes the trimmed value first, under its own key
    assert emails is not None
    assert emails["email"].tolist()[:2] == ["ann@acme.com", "bob@acme.com"]
    assert pd.isna(emails["email"].tolist()[2])
