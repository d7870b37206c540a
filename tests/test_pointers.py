"""Pointers in the repository's own text lead somewhere: every path of a repository file
named in code, comments, docstrings, rules and markdown exists, and every dotted name in
the package (`hygiene.<module>.<name>`) resolves. A renamed or deleted file or function
fails here instead of leaving a reader a pointer to nothing.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Folders whose text is read; generated data (benchmarks/data) and tool folders are not.
FOLDERS = ("hygiene", "tests", "benchmarks", "rules", "docs", "notebooks", "examples")
#: The changelog and the results log are history: they name what was there at the time.
SKIP = ("benchmarks/data/", "CHANGELOG.md", "benchmarks/RESULTS.md")
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".cfg", ".j2", ".ipynb"}
ROOT_FILES = ("README.md", "DEVELOPERS.md", "CHANGELOG.md", "Makefile", "pyproject.toml")

#: A path into one of the repository's folders, ending in a file name with an extension.
PATH = re.compile(
    r"(?<![\w./<{*$-])((?:hygiene|tests|benchmarks|rules|docs|notebooks|examples)"
    r"/[\w./-]*\w\.(?:py|ya?ml|md|json|csv|parquet|ipynb|toml|txt|j2))(?![\w/])"
)
#: A dotted name in the package, e.g. `hygiene.match.compare.COMPARISONS` (not a schema
#: id such as "hygiene.decisions/1").
DOTTED = re.compile(r"(?<![\w./-])(hygiene(?:\.[A-Za-z_]\w*)+)(?![\w/-])")
#: A path named as another project's file (a test suite a case is taken from) is theirs:
#: on a line that links to that project, or after its name in the possessive.
ELSEWHERE = re.compile(r"github\.com/")
POSSESSIVE = re.compile(r"\w's $")


def _texts() -> Iterator[tuple[str, int, str]]:
    files = [ROOT / name for name in ROOT_FILES if (ROOT / name).is_file()]
    for folder in FOLDERS:
        if (ROOT / folder).is_dir():
            files += [p for p in sorted((ROOT / folder).rglob("*")) if p.suffix in SUFFIXES]
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(SKIP) or not path.is_file():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines()):
            yield rel, n + 1, line


def _ours(line: str, start: int) -> bool:
    return not (ELSEWHERE.search(line) or POSSESSIVE.search(line[:start]))


def _placeholder(ref: str) -> bool:
    """`rules/workflows/NAME.yaml`: a pattern, not a file."""
    return any(part.isupper() for part in re.split(r"[/.]", ref))


def test_paths_named_in_the_repository_exist() -> None:
    missing = []
    for rel, n, line in _texts():
        for m in PATH.finditer(line):
            ref = m.group(1).rstrip(".")
            if _placeholder(ref) or not _ours(line, m.start()):
                continue
            if not (ROOT / ref).exists():
                missing.append(f"{rel}:{n}: {ref}")
    assert not missing, "pointers to files that do not exist:\n" + "\n".join(missing)


def _resolves(name: str) -> bool:
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attr in parts[k:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_dotted_names_in_the_repository_resolve() -> None:
    missing = []
    for rel, n, line in _texts():
        for m in DOTTED.finditer(line):
            name = m.group(1).rstrip(".")
            if name.endswith(("_py", ".toml", ".json", ".yaml", ".md")) or "." not in name:
                continue
            if not _resolves(name):
                missing.append(f"{rel}:{n}: {name}")
    assert not missing, "names that do not resolve:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("see hygiene/match/compare.py and rules/packs/core.yaml.", 2),
        ("as carried by python-email-validator's tests/test_syntax.py", 0),
        ("(github.com/mailcheck/pymailcheck tests/test_pymailcheck.py)", 0),
        ("rules/workflows/NAME.yaml", 0),
    ],
)
def test_the_scan_tells_our_paths_from_others(line: str, found: int) -> None:
    hits = [
        m for m in PATH.finditer(line) if _ours(line, m.start()) and not _placeholder(m.group(1))
    ]
    assert len(hits) == found
