"""The layer contracts of pyproject.toml ([tool.importlinter]), checked by import-linter.

`make test` fails when a module imports from a layer above its own, inside a function or
under TYPE_CHECKING included; the broken-contract tests prove the check can fail by running
it on a copy of the package with one upward import added.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = (
    "import sys\n"
    "from importlinter.cli import lint_imports\n"
    "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))\n"
)


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports run in `tree` (its pyproject.toml, its copy of `hygiene` first on the
    path), in a fresh interpreter so no module of another tree is already imported."""
    return subprocess.run(
        [sys.executable, "-c", LINT],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    shutil.copytree(
        ROOT / "hygiene", tree / "hygiene", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tree


def test_contracts_are_declared() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")
    # Top and bottom as DEVELOPERS.md "Layout" draws the flow.
    order = [name for layer in layers["layers"] for name in layer.split(" | ")]
    for upper, lower in [
        ("cli", "report"),
        ("report", "audit"),
        ("clean", "audit"),
        ("history", "audit"),
        ("audit", "results"),
        ("results", "links"),
        ("links", "checks"),
        ("match", "prepared"),
        ("checks", "load"),
        ("load", "normalize"),
        ("normalize", "model"),
        ("model", "errors"),
    ]:
        assert order.index(upper) < order.index(lower), (upper, lower)
    assert not config["tool"]["importlinter"].get("exclude_type_checking_imports", False)


def test_layers_kept() -> None:
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize(
    ("module", "line", "imported"),
    [
        # The bottom reaching the pipeline at import time.
        ("model.py", "from .checks.rules import Rule as _Rule\n", "checks.rules"),
        # From inside a function: still an import.
        ("model.py", "def _late():\n    from .load import platform_kind\n    return 1\n", "load"),
        # A report reaching the pipeline (a layer below it, but the reports read results).
        (
            "report/markdown.py",
            "def _late():\n    from ..audit import audit\n    return audit\n",
            "audit",
        ),
        # A type-only import is a dependency too.
        (
            "load/spec.py",
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from ..results import Audit\n",
            "results",
        ),
    ],
)
def test_broken_contract_fails(tmp_path: Path, module: str, line: str, imported: str) -> None:
    tree = _copy(tmp_path)
    path = tree / "hygiene" / module
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + line, encoding="utf-8")
    proc = _lint(tree)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 broken" in proc.stdout
    importer = "hygiene." + module.removesuffix(".py").replace("/", ".")
    chain = rf"-\s+{re.escape(importer)} -> {re.escape('hygiene.' + imported)} \(l\.\d+\)"
    assert re.search(chain, proc.stdout), proc.stdout
