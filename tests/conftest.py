"""pytest configuration: see tests/helpers.py for the shared helpers."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _history_outside_the_repo(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """`hygiene audit` records each run in `.hygiene/history.db` of the working directory;
    point it at a temporary file so no test writes into the checkout."""
    monkeypatch.setenv("HYGIENE_HISTORY", str(tmp_path_factory.mktemp("history") / "history.db"))
