"""Where the shipped rules/ and reports/ folders are, in a wheel or in a checkout.

The wheel carries them as `hygiene/_data/rules` and `hygiene/_data/reports`
(pyproject's force-include); an editable install or a source checkout reads the top-level
folders directly, so an edit to a YAML file takes effect without reinstalling.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

_PKG = Path(__file__).resolve().parent
#: libyaml's parser when PyYAML was built with it: the same documents (same constructor and
#: resolver), parsed in C. Every audit reads some twenty rule files before the first row.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def resource_dir(name: str) -> Path:
    """`rules` or `reports`, wherever this installation keeps them."""
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise ConfigError(
        f"the {name}/ folder is missing from this installation; reinstall crm-hygiene"
    )


def rules_dir() -> Path:
    return resource_dir("rules")


def reports_dir() -> Path:
    return resource_dir("reports")


@cache
def _load_yaml_cached(path: str, mtime: float) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file (cached while unchanged); a syntax error names the file."""
    try:
        return _load_yaml_cached(str(path), path.stat().st_mtime)
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"{path}: not valid YAML ({exc.__class__.__name__}); fix the file"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc


def rules_yaml(*parts: str) -> Any:
    """A YAML file under rules/, e.g. `rules_yaml("aliases", "countries.yaml")`."""
    return load_yaml(rules_dir().joinpath(*parts))
