"""Errors a user can act on. The CLI prints them as one line and exits 2."""

from __future__ import annotations


class HygieneError(Exception):
    """Bad usage or unreadable input: one line that names the file and the fix."""

    exit_code = 2


class InputError(HygieneError):
    """An input file that cannot be read as a contact export."""

    def __init__(self, path: object, problem: str, fix: str = "") -> None:
        self.path = str(path)
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
