"""Rule packs: YAML files of rules, each with a stable code, read into `Rule` objects.

A rule names a check in the registry (`check: email_typo_domain`), or carries a Great
Expectations expectation (`expect: {type: not_null}`) that compiles into the suite, or both
(the check runs; the expectation is the part GX can export).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..fields import DIMENSIONS, FIELDS, SEVERITIES
from ..resources import load_yaml, rules_dir

#: Expectation types a rule may name, and the GX class each compiles into.
GX_TYPES = {
    "not_null": "ExpectColumnValuesToNotBeNull",
    "match_regex": "ExpectColumnValuesToMatchRegex",
    "not_match_regex": "ExpectColumnValuesToNotMatchRegex",
    "in_set": "ExpectColumnValuesToBeInSet",
    "not_in_set": "ExpectColumnValuesToNotBeInSet",
    "length_between": "ExpectColumnValueLengthsToBeBetween",
}

#: Fields a rule may check besides the canonical ones: parts derived while normalising.
DERIVED_FIELDS = ("email_local", "email_domain")

_RULE_KEYS = {
    "code",
    "title",
    "severity",
    "dimension",
    "message",
    "fix",
    "check",
    "expect",
    "fields",
    "params",
    "platforms",
    "enabled",
    "description",
}


@dataclass(frozen=True)
class Rule:
    """One rule of a pack: what it checks, how bad a failure is, and how to say it."""

    code: str
    title: str
    severity: str
    dimension: str
    message: str
    fields: tuple[str, ...]
    check: str | None = None
    expect: Mapping[str, Any] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    fix: str = ""
    description: str = ""
    platforms: tuple[str, ...] = ()
    enabled: bool = True
    pack: str = "core"

    @property
    def engine(self) -> str:
        """`gx` when the rule compiles into the Great Expectations suite, `links` when the
        links step runs it (`params: {scope: links}`: it sees every source), else `registry`.
        A rule with both a check and an expectation runs its check; the expectation (what GX
        can say of it) is what `hygiene rules export --gx` writes."""
        if self.check is None:
            return "gx"
        return "links" if self.params.get("scope") == "links" else "registry"

    def applies_to(self, platform: str) -> bool:
        return not self.platforms or platform in self.platforms


def _fail(where: str, problem: str) -> ConfigError:
    return ConfigError(f"{where}: {problem}")


def parse_rule(raw: Mapping[str, Any], pack: str, where: str) -> Rule:
    """Validate one rule mapping; every problem names the file and the rule's code."""
    if not isinstance(raw, Mapping):
        raise _fail(where, "each rule must be a mapping")
    code = raw.get("code")
    if not isinstance(code, str) or "." not in code:
        raise _fail(where, f"rule code {code!r} must look like 'area.name'")
    here = f"{where} [{code}]"
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise _fail(here, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}")
    severity = raw.get("severity", "warning")
    if severity not in SEVERITIES:
        raise _fail(here, f"severity {severity!r} is not one of {list(SEVERITIES)}")
    dimension = raw.get("dimension", "validity")
    if dimension not in DIMENSIONS:
        raise _fail(here, f"dimension {dimension!r} is not one of {list(DIMENSIONS)}")
    check, expect = raw.get("check"), raw.get("expect")
    if check is None and expect is None:
        raise _fail(here, "needs 'check' (a registered check), 'expect' (GX) or both")
    if expect is not None:
        if not isinstance(expect, Mapping) or expect.get("type") not in GX_TYPES:
            raise _fail(here, f"expect.type must be one of {sorted(GX_TYPES)}")
    fields_raw = raw.get("fields", [])
    fields = (fields_raw,) if isinstance(fields_raw, str) else tuple(fields_raw)
    for f in fields:
        if f not in FIELDS and f not in DERIVED_FIELDS and f != "*workflows":
            raise _fail(here, f"unknown field {f!r}")
    params = raw.get("params") or {}
    if not isinstance(params, Mapping):
        raise _fail(here, "params must be a mapping")
    platforms = raw.get("platforms") or ()
    return Rule(
        code=code,
        title=str(raw.get("title", code)),
        severity=severity,
        dimension=dimension,
        message=str(raw.get("message", raw.get("title", code))),
        fields=fields,
        check=check,
        expect=dict(expect) if expect is not None else None,
        params=dict(params),
        fix=str(raw.get("fix", "")),
        description=str(raw.get("description", "")),
        platforms=(platforms,) if isinstance(platforms, str) else tuple(platforms),
        enabled=bool(raw.get("enabled", True)),
        pack=pack,
    )


def load_pack(path: Path) -> list[Rule]:
    """Read one pack file: `{pack: name, rules: [...]}`."""
    doc = load_yaml(path)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("rules"), list):
        raise _fail(str(path), "a rule pack needs a top-level 'rules:' list")
    pack = str(doc.get("pack", path.stem))
    return [parse_rule(r, pack, str(path)) for r in doc["rules"]]


def builtin_pack_paths() -> list[Path]:
    """The shipped packs: core first, then the per-platform extras, in name order."""
    packs = rules_dir() / "packs"
    core = packs / "core.yaml"
    return [core] + sorted(p for p in packs.glob("*.yaml") if p != core)


def load_rules(extra: Iterable[Path | str] = (), disabled: Sequence[str] = ()) -> list[Rule]:
    """Every rule of the shipped packs plus `extra` pack files.

    A later rule with the same code replaces an earlier one, so a team's pack can retune a
    shipped rule by repeating its code. Codes in `disabled` are switched off.
    """
    by_code: dict[str, Rule] = {}
    for path in [*builtin_pack_paths(), *map(Path, extra)]:
        for rule in load_pack(path):
            by_code[rule.code] = rule
    for code in disabled:
        if code not in by_code:
            raise ConfigError(f"cannot disable unknown rule {code!r}; see `hygiene rules list`")
        by_code[code] = replace(by_code[code], enabled=False)
    return list(by_code.values())


def rule_catalogue() -> dict[str, Rule]:
    """Every shipped rule by code (for `hygiene rules` and the reports)."""
    return {r.code: r for r in load_rules()}
