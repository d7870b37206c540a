"""The check registry: a rule is one YAML entry plus one registered function; params are
typed and checked when the pack loads; packs of the old form still load, with a warning."""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import hygiene
from hygiene.checks.email import TypoDomain
from hygiene.checks.params import parse_params
from hygiene.checks.registry import (
    CheckOptions,
    EarlierHits,
    Needs,
    Registry,
    check,
    hits,
    no_hits,
    positions,
    registry,
)
from hygiene.checks.rules import (
    DIRECTIVES,
    OLD_CHECK_NAMES,
    builtin_pack_paths,
    load_pack,
    load_rules,
)
from hygiene.errors import ConfigError
from hygiene.prepared import Prepared


# The worked example of DEVELOPERS.md "Adding a rule", defined here as a team would in its
# own module: a dataclass of typed params and the check registered under the rule's code.
@dataclasses.dataclass(frozen=True)
class TooLong:
    """value.too_long's parameters: the longest value the CRM's text fields take."""

    max_length: int = 255


@check("value.too_long", params=TooLong)
def too_long(prep: Prepared, rule: Any, options: CheckOptions) -> pd.DataFrame:
    """Values longer than the CRM field takes (the import would cut or refuse them)."""
    frames = []
    for field in rule.fields:
        value = prep.value(field)
        if value is None:
            continue
        length = value.str.len()
        pos = positions(length > rule.params.max_length)
        frames.append(hits(pos, field, length=length.iloc[pos]))
    return pd.concat(frames, ignore_index=True) if frames else no_hits()


PACK = """\
pack: team
rules:
  - code: value.too_long
    title: Value longer than the CRM field
    severity: warning
    dimension: validity
    fields: [first_name, company]
    params:
      max_length: 12
    message: "{column} holds {length} characters; the field takes {max_length}"
    fix: Shorten the value, or widen the field in the CRM first.
"""


@pytest.fixture
def team_check() -> Iterator[None]:
    registry().add(too_long)
    yield
    registry().remove("value.too_long")


def test_a_rule_is_one_yaml_entry_and_one_function(tmp_path: Path, team_check: None):
    pack = tmp_path / "team.yaml"
    pack.write_text(PACK, encoding="utf-8")
    crm = tmp_path / "crm.csv"
    crm.write_text(
        "Email,First Name,Company\n"
        "ana@acme.com,Ana,Acme\n"
        "bo@globex.com,Bartholomew-Alexander,Globex\n"
        "cy@initech.com,Cy,Initech Corporation Ltd\n",
        encoding="utf-8",
    )
    result = hygiene.audit(f"crm={crm}", rule_packs=[pack], match=False)
    found = result.findings[result.findings["code"] == "value.too_long"].sort_values("row")
    assert list(found["row"]) == [2, 3]
    assert list(found["field"]) == ["first_name", "company"]
    assert list(found["message"]) == [
        "First Name holds 21 characters; the field takes 12",
        "Company holds 23 characters; the field takes 12",
    ]
    rule = next(r for r in result.rules if r.code == "value.too_long")
    assert rule.engine == "registry" and rule.params == TooLong(12)


def test_without_its_check_the_rule_does_not_load(tmp_path: Path):
    pack = tmp_path / "team.yaml"
    pack.write_text(PACK, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"team.yaml \[value.too_long\]: needs 'check'"):
        load_pack(pack)


@pytest.mark.parametrize(
    "params,problem",
    [
        ("{max_lenght: 12}", "param 'max_lenght' is unknown; allowed: max_length"),
        ("{max_length: twelve}", "param 'max_length': expected an integer, got 'twelve'"),
        ("{max_length: 12.5}", "param 'max_length': expected an integer, got 12.5"),
        ("{max_length: true}", "param 'max_length': expected an integer, got True"),
        ("{max_length: [12]}", "param 'max_length': expected an integer, got [12]"),
        ("[12]", "params must be a mapping"),
    ],
)
def test_a_bad_param_is_one_line_naming_pack_rule_and_param(
    tmp_path: Path, team_check: None, params: str, problem: str
):
    pack = tmp_path / "team.yaml"
    pack.write_text(PACK.replace("    params:\n      max_length: 12\n",
                                 f"    params: {params}\n"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_rules([pack])
    message = str(err.value)
    assert "\n" not in message
    assert f"{pack} [value.too_long]" in message
    assert problem in message


@pytest.mark.parametrize(
    "code,params,problem",
    [
        ("email.typo_domain", {"allow": "hotmall.com"}, "param 'allow': expected a list of"),
        ("email.typo_domain", {"allow": [3]}, "param 'allow': expected a string, got 3"),
        ("email.typo_domain", {"frequency_ratio": "ten"}, "expected a number, got 'ten'"),
        ("link.status_mismatch", {"name_similarity": None}, "expected a number, got None"),
        ("consent.casl_expired", {"purchase_days": "2y"}, "expected an integer, got '2y'"),
        ("value.placeholder", {"values": [None]}, "expected a string, got None"),
    ],
)
def test_shipped_checks_check_their_params(tmp_path: Path, code: str, params: dict, problem: str):
    """A retuned shipped rule (a team pack repeating its code) is checked the same way;
    YAML's unquoted `null` is None, never the word "null"."""
    base = next(r for r in yaml.safe_load(_shipped_text()) if r["code"] == code)
    pack = tmp_path / "team.yaml"
    pack.write_text(yaml.safe_dump({"pack": "team", "rules": [{**base, "params": params}]}),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        load_rules([pack])


def _shipped_text() -> str:
    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in builtin_pack_paths()]
    return yaml.safe_dump([r for d in docs for r in d["rules"]])


@settings(max_examples=50, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**6),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
    st.lists(st.text(min_size=1, max_size=12), max_size=5),
)
def test_params_of_the_right_type_load_as_given(rows: int, ratio: float, allow: list[str]):
    got = parse_params(
        TypoDomain,
        {"frequent_min_rows": rows, "frequency_ratio": ratio, "allow": allow},
        "team.yaml [email.typo_domain]",
    )
    assert got.frequent_min_rows == rows
    assert got.frequency_ratio == ratio
    assert got.allow == tuple(allow)
    # What the pack does not say keeps the check's default.
    assert got.long_domain == TypoDomain().long_domain


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.text(), st.booleans(), st.lists(st.integers()), st.none(),
                 st.floats(allow_nan=False).filter(lambda f: not f.is_integer())))
def test_params_of_another_type_never_load(value: object):
    with pytest.raises(ConfigError) as err:
        parse_params(TypoDomain, {"long_domain": value}, "team.yaml [email.typo_domain]")
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("team.yaml [email.typo_domain]: param 'long_domain'")


def _old_form(rule: dict) -> dict:
    """A shipped rule as packs wrote it before: directives inside params, check by name."""
    old = {k: v for k, v in rule.items() if k not in DIRECTIVES}
    params = dict(rule.get("params") or {})
    params.update({k: rule[k] for k in DIRECTIVES if k in rule})
    if params:
        old["params"] = params
    name = next((n for n, c in OLD_CHECK_NAMES.items() if c == rule["code"]), None)
    if name is not None:
        old["check"] = name
    return old


def test_every_shipped_rule_loads_the_same_from_the_old_form(tmp_path: Path):
    """Each shipped pack rewritten the old way (`params: {skip_if, supersedes, skip_fields,
    scope: links}`, `check: <function name>`) loads into the very same rules, warning once
    per translated key."""
    for path in builtin_pack_paths():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        old_rules = []
        for r in doc["rules"]:
            old = _old_form(r)
            if "check" in old and OLD_CHECK_NAMES[old["check"]] in registry().codes(Needs.FIELDS):
                old_rules.append(old)
            elif "check" in old:
                old_rules.append({**old, "params": {**old.get("params", {}), "scope": "links"}})
            else:
                old_rules.append(old)
        old_path = tmp_path / path.name
        old_path.write_text(yaml.safe_dump({**doc, "rules": old_rules}), encoding="utf-8")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = load_pack(old_path)
        assert got == load_pack(path)
        said = [w for w in caught if issubclass(w.category, FutureWarning)]
        expected = sum(("check" in o) + sum(k in o.get("params", {}) for k in DIRECTIVES)
                       for o in old_rules)
        assert len(said) == expected
        # One line each: the pack file is its location; the message names rule and fix.
        assert all(w.filename == str(old_path) for w in said)
        assert all(re.fullmatch(r"\[[a-z_]+\.[a-z_]+\] \S.* is deprecated; .+", str(w.message))
                   for w in said)


def test_a_directive_given_twice_is_an_error(tmp_path: Path):
    pack = tmp_path / "team.yaml"
    pack.write_text(
        "rules:\n  - {code: email.unknown_tld, fields: [email], fix: x,"
        " skip_if: [value.placeholder], params: {skip_if: [email.invalid_syntax]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"skip_if is given both at the top level and in"):
        load_pack(pack)


@pytest.mark.parametrize(
    "rule,problem",
    [
        ("{code: link.orphan, fields: [email], fix: x, scope: source}",
         "scope 'source' does not fit check 'link.orphan', which needs link"),
        ("{code: email.free_mail, fields: [email], fix: x, scope: links}",
         "scope 'links' does not fit check 'email.free_mail', which needs fields"),
        ("{code: email.free_mail, fields: [email], fix: x, scope: everywhere}",
         "scope 'everywhere' is not one of"),
        ("{code: email.free_mail, fields: [email], fix: x, skip_if: 3}",
         "skip_if must be a list of rule codes"),
        ("{code: email.free_mail, fields: [email], fix: x, skip_fields: [shoe_size]}",
         "skip_fields names unknown field(s) ['shoe_size']"),
    ],
)
def test_directives_are_checked(tmp_path: Path, rule: str, problem: str):
    pack = tmp_path / "team.yaml"
    pack.write_text(f"rules:\n  - {rule}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(problem)):
        load_pack(pack)


def test_one_registry_holds_every_kind_of_check_and_each_fix_has_its_check():
    reg = registry()
    codes = {r.code for r in load_rules() if r.check is not None}
    assert set(reg.codes()) == codes
    assert reg.get("email.typo_domain").needs == Needs.FIELDS
    assert reg.get("consent.no_source").needs == Needs.SOURCE
    assert reg.get("link.orphan").needs == Needs.LINK
    assert reg.get("link.missing_reference").needs == Needs.REFERENCE
    for code in ("email.typo_domain", "field.inconsistent", "value.placeholder"):
        spec = reg.get(code)
        assert spec is not None and spec.fix is reg.fix_of(code)


def test_a_code_registered_twice_is_a_programming_error():
    reg = Registry()
    reg.add(too_long)

    @check("value.too_long", params=TooLong)
    def another(prep: Prepared, rule: Any, options: CheckOptions) -> pd.DataFrame:
        return no_hits()

    with pytest.raises(RuntimeError, match="'value.too_long' is registered twice"):
        reg.add(another)


# Addresses of the kinds the email checks tell apart: real ones, placeholders, malformed,
# special-use and unknown top-level domains, disposable providers (mailinator, guerrillamail:
# both on the disposable-email-domains list), look-alike domains in Cyrillic, and free mail.
ADDRESSES = [
    "ana@acme.com", "bo@gmail.com", "test@test.com", "asdf", "x@localhost",
    "cy@example.test", "dee@acme.con", "eve@mailinator.com", "fay@guerrillamail.com",
    "gus@\u0430pple.com", "hal@paypa\u04cf.com", "a..b@acme.com", "ivy@acme.c0m",
    "jo@yahoo.fr", "ken@acme.cmo", None, "", "n/a", "l" * 70 + "@acme.com",
]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(ADDRESSES), min_size=2, max_size=30), st.data())
def test_row_local_checks_give_the_same_hits_on_parts_of_a_source(emails, data):
    """A check declared `row_local` finds the same rows, values and messages when a source is
    cut into two partitions (as a Spark engine runs it) as on the whole source."""
    from tests.helpers import make_source

    cut = data.draw(st.integers(min_value=1, max_value=len(emails) - 1))
    company = ["Acme" if i % 2 else None for i in range(len(emails))]
    rules = {r.code: r for r in load_rules()}
    local = [c for c in registry().codes(Needs.FIELDS) if registry().get(c).row_local]
    assert {"email.invalid_syntax", "value.placeholder", "email.disposable"} <= set(local)

    def run(code: str, lo: int, hi: int) -> pd.DataFrame:
        src = make_source("crm", {"Email": emails[lo:hi], "Company": company[lo:hi]},
                          {"Email": "email", "Company": "company"})
        spec = registry().get(code)
        got = spec.run_fields(Prepared(src), rules[code], CheckOptions())
        return got.assign(pos=got["pos"] + lo)

    for code in local:
        whole = run(code, 0, len(emails)).sort_values(["pos", "field"]).reset_index(drop=True)
        parts = pd.concat([run(code, 0, cut), run(code, cut, len(emails))], ignore_index=True)
        parts = parts.sort_values(["pos", "field"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(
            whole.astype(object), parts[whole.columns].astype(object), check_dtype=False
        )


#: The engine: how rules run (pandas/Arrow, Great Expectations, the links step), never what
#: they compute.
ENGINE = {"hygiene.checks.engine", "hygiene.checks.gx", "hygiene.links.run"}


def _imports(module: str) -> set[str]:
    """The hygiene modules `module` imports, at the top or inside functions."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    package = module if spec.origin.endswith("__init__.py") else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("hygiene")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                root = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{root}.{base}" if base else root
            if not base.startswith("hygiene"):
                continue
            for a in node.names:
                name = f"{base}.{a.name}"
                out.add(name if importlib.util.find_spec(base) and _is_module(name) else base)
    return out


def _is_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def test_check_definitions_never_import_the_engine():
    """Every module holding a registered check (and all it imports, within hygiene) stays
    clear of the engine, so another engine can run the same definitions."""
    start = {registry().get(c).fn.__module__ for c in registry().codes()}
    seen: set[str] = set()
    todo = list(start)
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        todo += [m for m in _imports(mod) if m not in seen]
    assert start <= seen
    assert not seen & ENGINE, sorted(seen & ENGINE)


@pytest.mark.parametrize("disabled,codes", [
    ((), {"email.typo_domain"}),
    (("email.typo_domain",), {"email.unknown_tld"}),
])
def test_a_misspelt_top_level_domain_is_one_finding(tmp_path: Path, disabled, codes):
    """acme.con (correct_email_typos' case) is email.typo_domain's finding; a team pack
    repeating email.unknown_tld in the old form does not make it two. With the typo rule
    off, the address is still reported: its top-level domain does not exist."""
    from hygiene.checks.engine import run_checks
    from tests.helpers import make_source

    pack = tmp_path / "team.yaml"
    pack.write_text(
        "rules:\n  - {code: email.unknown_tld, check: email_unknown_tld, severity: warning,"
        " fields: [email], fix: x, message: '.{tld}',"
        " params: {skip_if: [value.placeholder, email.invalid_syntax]}}\n",
        encoding="utf-8",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        rules = load_rules([pack], disabled=disabled)
    src = make_source("crm", {"Email": ["ana@acme.con", "bo@acme.com"]}, {"Email": "email"})
    found = run_checks([Prepared(src)], rules, CheckOptions())
    email = found[found["code"].str.startswith("email.")]
    assert set(email["code"]) == codes
    assert list(email["row"]) == [1]


def test_skip_if_and_supersedes_name_rules_that_exist(tmp_path: Path):
    pack = tmp_path / "team.yaml"
    pack.write_text("pack: team\nrules:\n  - {code: email.free_mail, fields: [email], fix: x,"
                    " skip_if: [email.typo_domian]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"rule email.free_mail \(pack team\): skip_if names "
                                          r"unknown rule\(s\) \['email.typo_domian'\]"):
        load_rules([pack])


def test_the_light_index_agrees_with_the_registry_and_the_loaded_rules():
    """`hygiene rules list` reads the packs and the checks' declarations without importing
    the checks (`rule_index`, `declared_needs`): it must say what the validating reader says."""
    from hygiene.checks.needs import declared_needs
    from hygiene.checks.registry import registry
    from hygiene.checks.rules import load_rules, rule_index

    reg = registry()
    assert declared_needs() == {code: reg.get(code).needs for code in reg.codes()}
    loaded = [(r.code, r.severity, r.dimension, r.engine, r.title) for r in load_rules()]
    assert [(r.code, r.severity, r.dimension, r.engine, r.title) for r in rule_index()] == loaded


@check("value.after_placeholder", earlier=True)
def after_placeholder(
    prep: Prepared, rule: Any, options: CheckOptions, earlier: EarlierHits
) -> pd.DataFrame:
    """A team check that builds on an earlier rule: the rows value.placeholder reported."""
    pos = earlier.rows(("value.placeholder",), "email")
    return hits(pos, "email", value=["seen"] * len(pos))


def test_a_check_built_on_earlier_rules_is_given_their_hits(tmp_path: Path):
    """`earlier=True`: the engine hands the check the hits of the rules run before it on the
    same source (after their directives), and no others; nothing reaches it any other way."""
    from hygiene.checks.engine import run_checks
    from tests.helpers import make_source

    pack = tmp_path / "team.yaml"
    pack.write_text(
        "pack: team\nrules:\n  - {code: value.after_placeholder, severity: info,"
        " dimension: validity, fields: [email], fix: x, message: 'after {value}'}\n",
        encoding="utf-8",
    )
    emails = ["ana@acme.com", "test@test.com", "asdf@asdf.com", "bo@acme.com"]
    src = make_source("crm", {"Email": emails}, {"Email": "email"})
    registry().add(after_placeholder)
    try:
        found = run_checks([Prepared(src)], load_rules([pack]), CheckOptions())
        alone = run_checks([Prepared(src)], load_rules([pack], disabled=["value.placeholder"]),
                           CheckOptions())
    finally:
        registry().remove("value.after_placeholder")
    placeholder = found[found["code"] == "value.placeholder"]
    after = found[found["code"] == "value.after_placeholder"]
    assert list(placeholder["row"]) == [2, 3]
    assert list(after["row"]) == list(placeholder["row"])
    assert not (alone["code"] == "value.after_placeholder").any()


def test_earlier_hits_give_sorted_distinct_rows_of_the_codes_and_field():
    frame = pd.DataFrame({"pos": [5, 2, 5, 9], "field": ["email", "email", "phone", "phone"]})
    other = pd.DataFrame({"pos": [1, 2], "field": ["email", "email"]})
    earlier = EarlierHits({"a.one": frame, "a.two": other})
    assert earlier.rows(("a.one",)).tolist() == [2, 5, 9]
    assert earlier.rows(("a.one", "a.two"), "email").tolist() == [1, 2, 5]
    assert earlier.rows(("a.missing",)).tolist() == []
    assert earlier.rows(("a.one",), "company").tolist() == []
