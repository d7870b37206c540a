"""Errors a user can act on. The CLI prints them as one line and exits 2."""

from __future__ import annotations

import re

#: Characters that would break the one line of an error (line breaks, other controls).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` with line breaks and other control characters shown as escapes ("\\n")."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)


class HygieneError(Exception):
    """Bad usage or unreadable input: one line that names the file and the fix."""

    exit_code = 2


class InputError(HygieneError):
    """An input file that cannot be read as a contact export."""

    def __init__(self, path: object, problem: str, fix: str = "") -> None:
        self.path = one_line(str(path))
        self.problem = problem
        self.fix = fix
        text = f"{self.path}: {problem}"
        if fix:
            text += f"; {fix}"
        super().__init__(text)


class ConfigError(HygieneError):
    """A bad option, config key or rule file."""


class HygieneWarning(UserWarning):
    """Something the run went on with that a person should hear of (`hygiene` prints it as
    one line on stderr: "hygiene: warning: ...")."""
