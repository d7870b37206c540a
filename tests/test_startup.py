"""Commands that run no audit import nothing heavy.

Each command runs in a fresh interpreter that prints the modules it ended up importing
(`sys.modules`), so the check holds on any machine, however loaded: wall time is measured by
benchmarks/startup.py, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hygiene.history.runs import record_snapshot
from hygiene.history.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[1]

#: What an audit needs and a look at the CLI does not.
HEAVY = {"pandas", "numpy", "pyarrow", "great_expectations", "openpyxl", "jinja2"}

RUN = """
import contextlib, io, json, sys
from hygiene.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "out": out.getvalue(),
                  "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _run(args: list[str], cwd: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", RUN, *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--version"], ["audit", "--help"], ["clean", "--help"], ["rules", "--help"],
     ["history", "--help"], ["init", "--help"], ["demo", "--help"], ["schema", "--help"]],
)
def test_help_imports_nothing_heavy(tmp_path: Path, args: list[str]):
    result = _run(args, tmp_path)
    assert result["code"] == 0
    assert result["out"].strip()
    assert not HEAVY & set(result["modules"]), sorted(HEAVY & set(result["modules"]))
    # Not even the YAML parser or rich: --help reads no rule and draws no table.
    assert not {"yaml", "rich"} & set(result["modules"])


def test_rules_list_reads_the_catalogue_without_pandas(tmp_path: Path):
    result = _run(["rules", "list"], tmp_path)
    assert result["code"] == 0
    assert "email.invalid_syntax" in result["out"]
    assert not HEAVY & set(result["modules"]), sorted(HEAVY & set(result["modules"]))


def test_history_lists_runs_without_pandas(tmp_path: Path):
    db = tmp_path / "history.db"
    for overall in (61.0, 64.5):
        ids = np.array([3, 7, 11], dtype=np.int64)
        record_snapshot(db, Snapshot(
            generated_at="2026-11-24T10:00:00Z", source_set="crm:hubspot", overall=overall,
            grade="D", records=3, findings=3, duplicates=0, dimensions={"validity": 0.5},
            workflows={}, counts={("email.missing", "warning"): 3},
            identities={"email.missing": ids}))  # fmt: skip
    result = _run(["history", "--db", str(db), "--json"], tmp_path)
    assert result["code"] == 0
    runs = json.loads(result["out"])
    assert [r["score"]["overall"] for r in runs["runs"]] == [61.0, 64.5]
    # The listing reads no finding identities, so not even numpy (they are numpy arrays).
    assert not HEAVY & set(result["modules"]), sorted(HEAVY & set(result["modules"]))


def test_rule_files_read_the_same_with_libyaml():
    """hygiene.resources parses with libyaml's CSafeLoader: every shipped YAML file must
    give exactly what PyYAML's pure-Python safe loader gives (values, types, key order)."""
    import yaml

    from hygiene.resources import _LOADER, load_yaml, rules_dir

    assert _LOADER is yaml.CSafeLoader  # the wheel of PyYAML on PyPI carries libyaml
    files = sorted(rules_dir().rglob("*.yaml"))
    assert len(files) > 20
    for path in files:
        pure = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert repr(load_yaml(path)) == repr(pure), path


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=20),
    st.floats(allow_nan=False), st.dates(),
)
_DOCS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(doc=_DOCS, flow=st.booleans())
def test_libyaml_and_pure_loader_agree(doc, flow):
    """Over generated documents (text with YAML's special words and characters included),
    both loaders build the same values."""
    import yaml

    from hygiene.resources import _LOADER

    text = yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True)
    assert repr(yaml.load(text, Loader=_LOADER)) == repr(yaml.safe_load(text))


@pytest.mark.parametrize(
    "text",
    [
        # YAML 1.1 words and forms the resolver turns into values: both loaders must agree.
        "a: yes\nb: No\nc: on\nd: ~\ne: 0o17\nf: 0x1F\ng: 1_000\nh: 2026-11-24\ni: .inf\n",
        "k: 012\nl: 1e3\nm: '1e3'\nn: 2026-11-24T10:00:00Z\no: +12\np: -.5\nq: null\n",
        "- gmial.com: gmail.com\n- 'hotmail.con': hotmail.com\n- [a, {b: c}]\n",
        "key: |\n  line one\n  line two\nfold: >\n  folded\n  text\n",
    ],
)
def test_libyaml_and_pure_loader_agree_on_yaml_words(text):
    import yaml

    from hygiene.resources import _LOADER

    assert repr(yaml.load(text, Loader=_LOADER)) == repr(yaml.safe_load(text))
