"""pytest configuration: see tests/helpers.py for the shared helpers."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _history_outside_the_repo(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """`hygiene audit` records each run in `.hygiene/history.db` of the working directory;
    point it at a temporary file so no test writes into the checkout."""
    monkeypatch.setenv("HYGIENE_HISTORY", str(tmp_path_factory.mktemp("history") / "history.db"))


#: audit.json and clean_summary.json files a test wrote, checked against the shipped schemas.
_SCHEMA_OF = {"audit.json": "audit", "clean_summary.json": "clean"}
_checked: set[tuple[str, float]] = set()


def _schema_problems(root) -> list[str]:
    """Every audit.json / clean_summary.json under `root` checked against its schema."""
    import json
    from pathlib import Path

    from hygiene.schema import problems

    found = []
    for path in sorted(Path(root).rglob("*.json")):
        name = _SCHEMA_OF.get(path.name)
        if name is None or not path.is_file():
            continue
        key = (str(path), path.stat().st_mtime)
        if key in _checked:
            continue
        _checked.add(key)
        doc = json.loads(path.read_text(encoding="utf-8"))
        found += [f"{path}: {p}" for p in problems(doc, name)[:10]]
    return found


@pytest.fixture(autouse=True)
def _outputs_match_their_schema(request: pytest.FixtureRequest):
    """Every audit.json and clean_summary.json a test writes into its tmp_path is valid
    against the schema shipped in the package (hygiene/schemas/), so a renamed key fails."""
    yield
    tmp = getattr(request.node, "funcargs", {}).get("tmp_path")
    if tmp is None:
        return
    found = _schema_problems(tmp)
    assert not found, "\n".join(found)


@pytest.fixture(autouse=True, scope="session")
def _session_outputs_match_their_schema(tmp_path_factory: pytest.TempPathFactory):
    """The same for files written by module- and session-scoped fixtures."""
    yield
    found = _schema_problems(tmp_path_factory.getbasetemp())
    assert not found, "\n".join(found)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    """One local[2] SparkSession per test process, for every tests/test_spark*.py file."""
    pytest.importorskip("pyspark", reason="the spark extra is installed by `make test`")
    from tests.spark_helpers import spark_session

    yield from spark_session(tmp_path_factory.mktemp("checkpoints"))


@pytest.fixture(scope="session")
def demo_set(tmp_path_factory: pytest.TempPathFactory):
    """The default demo set (tests/demo_sets.py)."""
    from hygiene.demo import generate
    from tests.demo_sets import read_demo

    return read_demo(generate(tmp_path_factory.mktemp("demo")))


@pytest.fixture(scope="session")
def big_set(tmp_path_factory: pytest.TempPathFactory):
    """A 20,000-row demo set of another seed."""
    from hygiene.demo import generate
    from tests.demo_sets import read_demo

    return read_demo(generate(tmp_path_factory.mktemp("big"), crm_rows=20_000, seed=11))


@pytest.fixture(params=["demo_set", "big_set"])
def any_set(request: pytest.FixtureRequest):
    return request.getfixturevalue(request.param)
