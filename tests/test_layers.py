"""The layer contracts of pyproject.toml ([tool.importlinter]), checked by import-linter.

`make test` fails when a module imports from a layer above its own, inside a function or
under TYPE_CHECKING included; the broken-contract tests prove the check can fail by running
it on a copy of the package with one upward import added.
"""

from __future__ import annotations

import ast
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


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(folder: Path, package: str) -> list[str]:
    """Imports in the modules of `folder` (the package `package`, e.g. "hygiene.spark") of a
    private name, or through a private module, from elsewhere in `hygiene`: "file:line
    module.name" each. Dunder names (`__version__`) are public."""
    found: list[str] = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                parent = package.split(".")
                base = parent[: len(parent) - node.level + 1] if node.level else []
                module = ".".join([*base, *filter(None, [node.module])])
                pairs = [(module, a.name) for a in node.names]
            elif isinstance(node, ast.Import):
                pairs = [(a.name, "") for a in node.names]
            else:
                continue
            for module, name in pairs:
                if not module.startswith("hygiene") or module.startswith(package):
                    continue
                if _private(name) or any(_private(part) for part in module.split(".")):
                    found.append(f"{path.name}:{node.lineno} {module}.{name}")
    return found


def test_the_spark_engine_imports_no_private_name_of_the_local_engine() -> None:
    """hygiene/spark calls the local engine through public names only: a helper both engines
    use has a public home (`load.source.undecided_dates`, `score.scoring_frame` ...)."""
    assert private_imports(ROOT / "hygiene" / "spark", "hygiene.spark") == []


def test_a_private_import_in_spark_is_found(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    path = tree / "hygiene" / "spark" / "score.py"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\n\ndef _late():\n    from ..score import _SCORED\n"
        "    from ..normalize._arrow import flat\n"
        "    from .partition import _private_here\n    return _SCORED, flat\n",
        encoding="utf-8",
    )
    found = private_imports(tree / "hygiene" / "spark", "hygiene.spark")
    assert [f.split(" ")[1] for f in found] == [
        "hygiene.score._SCORED", "hygiene.normalize._arrow.flat"
    ]
