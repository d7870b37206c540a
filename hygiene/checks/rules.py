"""Rule packs: YAML files of rules, each with a stable code, read into `Rule` objects.

A rule runs the check registered under its code (`hygiene.checks.registry`; `check: CODE`
borrows another rule's check), or carries a Great Expectations expectation
(`expect: {type: not_null}`) that compiles into the suite, or both (the check runs; the
expectation is the part GX can export). `params` are the check's own typed parameters;
what the engine does around a check (`skip_if`, `supersedes`, `skip_fields`, `scope`) is a
top-level key. Packs of the old form, with those keys inside `params` or `check:` naming a
check by its old function name, still load: each is translated with a `FutureWarning` that
says what to write instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..errors import ConfigError
from ..fields import DIMENSIONS, FIELDS, SEVERITIES
from ..resources import load_yaml, rules_dir
from .needs import LOADER, Needs, engine_of
from .params import NoParams, parse_params

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

#: Engine directives: what the engine does around a rule's check, not the check's params.
#: skip_if: drop this rule's hits on cells an earlier rule (by code) already reported;
#: supersedes: drop an earlier rule's hits on cells this rule reports (one finding a cell);
#: skip_fields: fields `*workflows` does not stand for (reported by their own rules);
#: scope: `links` or `source`, checked against what the check needs (it decides the step).
DIRECTIVES = ("skip_if", "supersedes", "skip_fields", "scope")
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
    *DIRECTIVES,
}

SCOPES = {"links": (Needs.SOURCE, Needs.LINK, Needs.REFERENCE), "source": (Needs.FIELDS,)}

#: Check names of packs written before checks were registered under their rule code.
OLD_CHECK_NAMES = {
    "email_syntax": "email.invalid_syntax",
    "placeholder": "value.placeholder",
    "email_typo_domain": "email.typo_domain",
    "email_unknown_tld": "email.unknown_tld",
    "email_lookalike": "email.lookalike_domain",
    "email_disposable": "email.disposable",
    "email_free_mail": "email.free_mail",
    "email_mx": "email.no_mail_server",
    "phone_valid": "phone.invalid",
    "inconsistent_category": "field.inconsistent",
    "unknown_category": "field.unknown_value",
    "missing_column": "field.missing_column",
    "unreachable": "contact.unreachable",
    "consent_unknown": "link.consent_unknown",
    "consent_no_timestamp": "consent.no_timestamp",
    "consent_no_source": "consent.no_source",
    "consent_double_opt_in": "consent.double_opt_in_missing",
    "consent_casl_expired": "consent.casl_expired",
    "link_orphan": "link.orphan",
    "link_consent_conflict": "link.consent_conflict",
    "link_status_mismatch": "link.status_mismatch",
    "link_missing_reference": "link.missing_reference",
}

P = TypeVar("P")


@dataclass(frozen=True)
class Rule(Generic[P]):
    """One rule of a pack: what it checks, how bad a failure is, and how to say it.
    `params` is the check's parameters object (`P`, the class its `@check` declares)."""

    code: str
    title: str
    severity: str
    dimension: str
    message: str
    fields: tuple[str, ...]
    #: The code of the registered check this rule runs (its own, or the one `check:` names).
    check: str | None = None
    expect: Mapping[str, Any] | None = None
    params: P = field(default_factory=NoParams)  # type: ignore[assignment]
    fix: str = ""
    description: str = ""
    platforms: tuple[str, ...] = ()
    enabled: bool = True
    pack: str = "core"
    skip_if: tuple[str, ...] = ()
    supersedes: tuple[str, ...] = ()
    skip_fields: tuple[str, ...] = ()
    #: What the check is given (`Needs`), None for a Great Expectations rule.
    needs: str | None = None

    @property
    def engine(self) -> str:
        """`gx` when the rule compiles into the Great Expectations suite, `links` when the
        links step runs it (its check needs a whole source, a link or a reference: it sees
        every source), else `registry`. A rule with both a check and an expectation runs its
        check; the expectation (what GX can say of it) is what `hygiene rules export --gx`
        writes."""
        return engine_of(None if self.check is None and self.needs != LOADER else self.needs)

    def applies_to(self, platform: str) -> bool:
        return not self.platforms or platform in self.platforms


def _fail(where: str, problem: str) -> ConfigError:
    return ConfigError(f"{where}: {problem}")


def _codes(value: Any, here: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _fail(here, f"{key} must be a list of rule codes or field names")
    return tuple(value)


def _fields(value: Any, here: str) -> tuple[str, ...]:
    out = _codes(value, here, "skip_fields")
    unknown = [f for f in out if f not in FIELDS]
    if unknown:
        raise _fail(here, f"skip_fields names unknown field(s) {unknown}")
    return out


def _deprecated(where: str, code: str, what: str, instead: str) -> None:
    """One line a person reads: the pack file (as the warning's location), the rule, the fix."""
    warnings.warn_explicit(
        f"[{code}] {what} is deprecated; {instead}", FutureWarning, where, 0, "hygiene.checks.rules"
    )


def _old_form(
    raw: Mapping[str, Any], params: dict[str, Any], where: str, code: str
) -> dict[str, Any]:
    """The rule's directives, taking those an old pack wrote inside `params` (with a warning
    naming the fix); given in both places is an error."""
    directives = {k: raw[k] for k in DIRECTIVES if k in raw}
    for key in DIRECTIVES:
        if key not in params:
            continue
        if key in directives:
            raise _fail(f"{where} [{code}]", f"{key} is given both at the top level and in "
                                             f"params; keep the top-level one")
        _deprecated(where, code, f"params.{key}", f"write `{key}:` as a key of the rule itself")
        directives[key] = params.pop(key)
    return directives


def _check_code(raw: Mapping[str, Any], code: str, where: str) -> str | None:
    """The registered check the rule runs: `check:` (a rule code, or an old check name),
    else the check registered under the rule's own code, else None (a GX rule)."""
    from .registry import registry  # the checks' modules: not for `rules list`

    named = raw.get("check")
    if named is None:
        return code if registry().get(code) is not None else None
    named = str(named)
    if registry().get(named) is None and named in OLD_CHECK_NAMES:
        new = OLD_CHECK_NAMES[named]
        instead = "drop `check:`" if new == code else f"write check: {new}"
        _deprecated(where, code, f"check: {named}", f"checks go by rule code: {instead}")
        named = new
    if registry().get(named) is None:
        raise _fail(f"{where} [{code}]", f"check {named!r} is not a registered check; use one of "
                          f"{', '.join(registry().codes())}")
    return named


def parse_rule(raw: Mapping[str, Any], pack: str, where: str) -> Rule[Any]:
    """Validate one rule mapping; every problem names the file and the rule's code."""
    from .registry import registry  # the checks' modules: not for `rules list`

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
    expect = raw.get("expect")
    if expect is not None:
        if not isinstance(expect, Mapping) or expect.get("type") not in GX_TYPES:
            raise _fail(here, f"expect.type must be one of {sorted(GX_TYPES)}")
    fields_raw = raw.get("fields", [])
    fields = (fields_raw,) if isinstance(fields_raw, str) else tuple(fields_raw)
    for f in fields:
        if f not in FIELDS and f not in DERIVED_FIELDS and f != "*workflows":
            raise _fail(here, f"unknown field {f!r}")
    check = _check_code(raw, code, where)
    if check is None and expect is None:
        raise _fail(here, "needs 'check' (a registered check), 'expect' (GX) or both; no "
                          "check is registered under this code")
    raw_params = raw.get("params") or {}
    if not isinstance(raw_params, Mapping):
        raise _fail(here, "params must be a mapping")
    params = dict(raw_params)
    directives = _old_form(raw, params, where, code)
    spec = registry().get(check) if check is not None else None
    needs = spec.needs if spec is not None else None
    scope = directives.get("scope")
    if scope is not None:
        if scope not in SCOPES:
            raise _fail(here, f"scope {scope!r} is not one of {sorted(SCOPES)}")
        if needs not in SCOPES[scope]:
            raise _fail(here, f"scope {scope!r} does not fit check {check!r}, which needs "
                              f"{needs or 'no check (a GX rule)'}; drop `scope:`")
    typed = parse_params(spec.params if spec is not None else NoParams, params,
                         f"{where} [{code}] (pack {pack})")
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
        params=typed,
        fix=str(raw.get("fix", "")),
        description=str(raw.get("description", "")),
        platforms=(platforms,) if isinstance(platforms, str) else tuple(platforms),
        enabled=bool(raw.get("enabled", True)),
        pack=pack,
        skip_if=_codes(directives.get("skip_if", ()), here, "skip_if"),
        supersedes=_codes(directives.get("supersedes", ()), here, "supersedes"),
        skip_fields=_fields(directives.get("skip_fields", ()), here),
        needs=str(needs) if needs is not None else None,
    )


def load_pack(path: Path) -> list[Rule[Any]]:
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


def loader_rules() -> list[Rule[Any]]:
    """The codes the loader reports itself (rules/loader.yaml) as rules without a check
    (engine `loader`): listed and shown with the rules, and switched off like them."""
    path = rules_dir() / "loader.yaml"
    doc = load_yaml(path)
    return [
        Rule(code=str(r["code"]), title=str(r["title"]), severity=str(r["severity"]),
             dimension=str(r["dimension"]), message=str(r["message"]), fields=(),
             fix=" ".join(str(r.get("fix", "")).split()), pack=str(doc["pack"]), needs=LOADER)
        for r in doc["rules"]
    ]


def load_rules(
    extra: Iterable[Path | str] = (), disabled: Sequence[str] = ()
) -> list[Rule[Any]]:
    """Every rule of the shipped packs plus `extra` pack files, then the loader's codes.

    A later rule with the same code replaces an earlier one, so a team's pack can retune a
    shipped rule by repeating its code. Codes in `disabled` are switched off.
    """
    by_code: dict[str, Rule[Any]] = {}
    for path in [*builtin_pack_paths(), *map(Path, extra)]:
        for rule in load_pack(path):
            by_code[rule.code] = rule
    for rule in loader_rules():
        by_code.setdefault(rule.code, rule)
    for rule in by_code.values():
        for key in ("skip_if", "supersedes"):
            unknown = [c for c in getattr(rule, key) if c not in by_code]
            if unknown:
                raise ConfigError(f"rule {rule.code} (pack {rule.pack}): {key} names unknown "
                                  f"rule(s) {unknown}; see `hygiene rules list`")
    for code in disabled:
        if code not in by_code:
            raise ConfigError(f"cannot disable unknown rule {code!r}; see `hygiene rules list`")
        by_code[code] = replace(by_code[code], enabled=False)
    return list(by_code.values())


@dataclass(frozen=True)
class RuleLine:
    """One line of `hygiene rules list`: what a rule is, read without loading its check."""

    code: str
    severity: str
    dimension: str
    engine: str
    title: str


def rule_index() -> list[RuleLine]:
    """The shipped rules as `hygiene rules list` shows them, from the packs' YAML and the
    checks' declarations (`declared_needs`), importing no check module. `load_rules` is the
    validating reader; a test keeps the two in agreement."""
    from .needs import declared_needs

    needs = declared_needs()
    by_code: dict[str, RuleLine] = {}
    for path in builtin_pack_paths():
        for raw in load_yaml(path).get("rules", []):
            code = str(raw["code"])
            check = str(raw.get("check") or code)
            check = OLD_CHECK_NAMES.get(check, check)
            engine = engine_of(needs.get(check))
            by_code[code] = RuleLine(code, raw.get("severity", "warning"),
                                     raw.get("dimension", "validity"), engine,
                                     str(raw.get("title", "")))
    for r in loader_rules():
        by_code.setdefault(r.code, RuleLine(r.code, r.severity, r.dimension, r.engine, r.title))
    return list(by_code.values())


def rule_catalogue() -> dict[str, Rule[Any]]:
    """Every shipped rule by code (for `hygiene rules` and the reports)."""
    return {r.code: r for r in load_rules()}
