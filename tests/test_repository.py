"""The repository stands on its own: nothing tracked reads or links a path outside it.

A user's clone has nothing beside it. The full proof (`bash .ci/fresh-clone`: clone into an
empty folder, `make test` there) is a release check in DEVELOPERS.md; this is the fast guard.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: A folder beside the checkout that the project once leaned on.
SIBLING = re.compile(
    r"\.\./shared\b|\bshared/(tools|CONTRACT\.md|STYLE\.md)"
    r"|parent\s*/\s*\"shared\"|\"shared\"\s*/\s*\"tools\""
)
#: Markdown links and images: [text](target).
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
#: Files that run set-up or tests: they may not name any path above the checkout.
RUNNERS = ("Makefile", ".ci/", "examples/")


def tracked() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout (an sdist): nothing tracked to check")
    return [ROOT / p for p in out.decode("utf-8").split("\0") if p]


def text_of(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        return None


def test_no_tracked_file_reaches_for_a_sibling_folder() -> None:
    offenders = []
    for path in tracked():
        if path == Path(__file__).resolve():
            continue
        text = text_of(path)
        for n, line in enumerate((text or "").splitlines(), 1):
            if SIBLING.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}")
    assert not offenders, "\n".join(offenders)


def test_markdown_links_stay_inside_and_exist() -> None:
    offenders = []
    for path in tracked():
        if path.suffix != ".md":
            continue
        for target in LINK.findall(text_of(path) or ""):
            if re.match(r"^[a-z][a-z0-9+.-]*:|^#", target):
                continue  # a URL or an anchor on the same page
            resolved = (path.parent / target.split("#", 1)[0]).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                offenders.append(f"{path.relative_to(ROOT)}: ({target})")
    assert not offenders, "\n".join(offenders)


def test_set_up_and_recipes_name_no_path_above_the_checkout() -> None:
    offenders = []
    for path in tracked():
        rel = path.relative_to(ROOT).as_posix()
        if not rel.startswith(RUNNERS):
            continue
        for n, line in enumerate((text_of(path) or "").splitlines(), 1):
            if "../" in line and not line.lstrip().startswith("#"):
                offenders.append(f"{rel}:{n}: {line.strip()[:100]}")
    assert not offenders, "\n".join(offenders)
