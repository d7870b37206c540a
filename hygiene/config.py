"""hygiene.toml: the sources, links, workflows and thresholds of a team's audits, in one file.

Read with tomllib into a typed `Config`; every problem is one `ConfigError` line naming the
file, the table and the key ("hygiene.toml: [sources.crm] path: file not found: ...").
Relative paths are relative to the file's folder. `hygiene init` writes a starter file
(`starter_toml`); README "hygiene.toml" documents the format.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .checks.rules import rule_catalogue
from .errors import ConfigError
from .fields import KINDS
from .fileio import atomic_write
from .links.spec import DEFAULT_REQUIRE, LinkSpec, default_links, link_from_mapping
from .load import SourceSpec, parse_source_args
from .load.presets import platform_presets
from .load.source import split_sheet
from .load.spec import _NAME, DATE_ORDERS
from .model import FIELDS, Source
from .outputs import DEFAULT_FORMATS, FORMATS, HISTORY_DIR, HISTORY_FILE
from .workflows import load_workflows

#: The file `hygiene audit` looks for in the working directory when given no sources.
DEFAULT_NAME = "hygiene.toml"

#: Allowed keys of each top-level table (sources and links are checked on their own).
SECTIONS: dict[str, tuple[str, ...]] = {
    "audit": ("out", "formats", "history", "region", "check_mx", "redact", "default_links"),
    "thresholds": ("fail_under",),
    "workflows": ("use", "files"),
    "rules": ("packs", "disable"),
    "match": (),  # free-form: the matcher's settings, checked by the matcher
    "clean": (),  # `hygiene clean`'s settings, checked by hygiene.clean.settings
    "sources": (),
    "links": (),
}
SOURCE_KEYS = ("path", "paths", "platform", "kind", "columns", "date_order")


@dataclass(frozen=True)
class SourceConfig:
    """A `[sources.NAME]` table: files (resolved against the config's folder) and settings."""

    name: str
    paths: tuple[str, ...]
    platform: str | None = None
    kind: str | None = None
    #: Original column -> canonical field ("" leaves the column unmapped).
    columns: Mapping[str, str] = field(default_factory=dict)
    #: "dmy" / "mdy": how to read numeric dates the source's columns do not decide.
    date_order: str | None = None

    def spec(self) -> SourceSpec:
        return SourceSpec(self.name, self.paths, self.platform, dict(self.columns),
                          self.date_order)


@dataclass(frozen=True)
class Config:
    """Everything hygiene.toml can say; empty values mean "not set" (the defaults apply)."""

    path: Path
    sources: tuple[SourceConfig, ...] = ()
    links: tuple[LinkSpec, ...] = ()
    default_links: bool = True
    workflows: tuple[str, ...] = ()
    workflow_files: tuple[Path, ...] = ()
    fail_under: float | None = None
    out: Path | None = None
    formats: tuple[str, ...] = ()
    history: Path | None = None
    region: str | None = None
    check_mx: bool = False
    redact: bool = False
    rule_packs: tuple[Path, ...] = ()
    disable: tuple[str, ...] = ()
    match: Mapping[str, Any] = field(default_factory=dict)
    #: `hygiene clean`'s [clean] table: target, out, suppress_roles.
    clean: Mapping[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        """The folder relative paths in the file are read from."""
        return self.path.parent

    @property
    def kinds(self) -> dict[str, str]:
        """Source name -> kind, for the sources whose kind the file sets."""
        return {s.name: s.kind for s in self.sources if s.kind}

    def source_specs(
        self, given: Sequence[str | os.PathLike[str] | SourceSpec | Source] = ()
    ) -> list[str | os.PathLike[str] | SourceSpec | Source]:
        """The file's sources with `given` (command-line sources) laid over them: a given
        source replaces the file's source of the same name but keeps its platform and column
        settings; other given sources are added; the file's other sources stay."""
        mine = {s.name: s.spec() for s in self.sources}
        strings = [os.fspath(g) for g in given if isinstance(g, (str, os.PathLike))]
        others = [g for g in given if not isinstance(g, (str, os.PathLike))]
        replaced = {}
        for spec in parse_source_args(strings) if strings else []:
            base = mine.get(spec.name)
            replaced[spec.name] = replace(base, paths=spec.paths) if base else spec
        named = {getattr(o, "name", None) for o in others}
        out: list[str | os.PathLike[str] | SourceSpec | Source] = []
        for name, spec in mine.items():
            if name in named:
                continue
            out.append(replaced.pop(name, spec))
        out.extend(replaced.values())
        out.extend(others)
        return out


class _Where:
    """Builds the messages of one file: `hygiene.toml: [sources.crm] path: ...`."""

    def __init__(self, shown: str) -> None:
        self.shown = shown

    def error(self, table: str, key: str, problem: str) -> ConfigError:
        where = f"[{table}] {key}" if table else key
        return ConfigError(f"{self.shown}: {where}: {problem}")


def _shown(path: Path) -> str:
    """The file as the user named it (relative to the working directory when inside it)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate hygiene.toml."""
    p = Path(path).expanduser()
    w = _Where(_shown(p))
    if not p.is_file():
        raise ConfigError(
            f"{w.shown}: file not found; write one with `hygiene init SOURCE...` or fix the path"
        )
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{w.shown}: not valid TOML ({exc}); fix the file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{w.shown}: cannot read ({exc})") from exc
    return parse_config(doc, p, w)


def as_config(config: Config | str | os.PathLike[str]) -> Config:
    return config if isinstance(config, Config) else load_config(config)


def parse_config(doc: Mapping[str, Any], path: Path, w: _Where | None = None) -> Config:
    """A parsed TOML document -> Config (the checks `load_config` runs, without the file)."""
    w = w or _Where(_shown(path))
    folder = path.parent
    for key in doc:
        if key not in SECTIONS:
            raise w.error("", key, f"unknown table; allowed: {', '.join(SECTIONS)}")
    tables = {k: _table(w, doc, k) for k in SECTIONS if k != "links"}
    for name, allowed in SECTIONS.items():
        if allowed:
            for key in tables[name]:
                if key not in allowed:
                    raise w.error(name, key, f"unknown key; allowed: {', '.join(allowed)}")
    audit, rules, wf = tables["audit"], tables["rules"], tables["workflows"]
    files = tuple(_path(w, "workflows", "files", v, folder, must_exist=True)
                  for v in _strings(w, "workflows", "files", wf.get("files", [])))
    return Config(
        path=path,
        sources=tuple(
            _source(w, name, raw, folder) for name, raw in tables["sources"].items()
        ),
        links=_links(w, doc.get("links", [])),
        default_links=_bool(w, "audit", "default_links", audit.get("default_links", True)),
        workflows=_workflows(w, wf.get("use", []), files),
        workflow_files=files,
        fail_under=_threshold(w, tables["thresholds"].get("fail_under")),
        out=_opt_path(w, "audit", "out", audit.get("out"), folder),
        formats=_formats(w, audit.get("formats", [])),
        history=_opt_path(w, "audit", "history", audit.get("history"), folder),
        region=_region(w, audit.get("region")),
        check_mx=_bool(w, "audit", "check_mx", audit.get("check_mx", False)),
        redact=_bool(w, "audit", "redact", audit.get("redact", False)),
        rule_packs=tuple(
            _path(w, "rules", "packs", v, folder, must_exist=True)
            for v in _strings(w, "rules", "packs", rules.get("packs", []))
        ),
        disable=_disable(w, _strings(w, "rules", "disable", rules.get("disable", []))),
        match=dict(tables["match"]),
        clean=dict(tables["clean"]),
    )


def _table(w: _Where, doc: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, Mapping):
        raise w.error("", key, f"must be a table ([{key}])")
    return value


def _strings(w: _Where, table: str, key: str, value: object) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise w.error(table, key, "must be a list of text values")
    return list(value)


def _bool(w: _Where, table: str, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise w.error(table, key, f"must be true or false, not {value!r}")
    return value


def _path(w: _Where, table: str, key: str, value: str, folder: Path, must_exist: bool) -> Path:
    p = Path(value).expanduser()
    full = p if p.is_absolute() else folder / p
    if must_exist and not full.exists():
        raise w.error(table, key, f"file not found: {value}")
    return full


def _opt_path(w: _Where, table: str, key: str, value: object, folder: Path) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise w.error(table, key, "must be a path (text)")
    return _path(w, table, key, value, folder, must_exist=False)


def _threshold(w: _Where, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise w.error("thresholds", "fail_under", f"must be a number from 0 to 100, not {value!r}")
    if math.isnan(value) or not 0 <= value <= 100:
        raise w.error("thresholds", "fail_under", f"must be from 0 to 100, not {value}")
    return float(value)


def _formats(w: _Where, value: object) -> tuple[str, ...]:
    formats = [f.strip() for item in _strings(w, "audit", "formats", value)
               for f in item.split(",") if f.strip()]
    for f in formats:
        if f not in FORMATS:
            raise w.error("audit", "formats", f"unknown format {f!r}; use {', '.join(FORMATS)}")
    return tuple(formats)


def _region(w: _Where, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value.strip()) != 2 or not value.strip().isalpha():
        raise w.error("audit", "region", f"must be a two-letter country code, not {value!r}")
    return value.strip().upper()


def _workflows(w: _Where, value: object, files: Sequence[Path]) -> tuple[str, ...]:
    names = _strings(w, "workflows", "use", value)
    if names:
        known = load_workflows(files)
        for n in names:
            if n not in known:
                raise w.error("workflows", "use", f"unknown workflow {n!r}; use {', '.join(known)}")
    return tuple(names)


def _disable(w: _Where, codes: list[str]) -> tuple[str, ...]:
    if codes:
        known = rule_catalogue()
        for c in codes:
            if c not in known:
                raise w.error("rules", "disable", f"unknown rule {c!r}; see `hygiene rules list`")
    return tuple(codes)


def _source(w: _Where, name: str, raw: object, folder: Path) -> SourceConfig:
    table = f"sources.{name}"
    if not _NAME.match(name):
        raise w.error("sources", name, "a source name holds letters, digits, '_', '-', '.'")
    if not isinstance(raw, Mapping):
        raise w.error(table, "path", "give the export's path: [sources.NAME] path = \"FILE\"")
    for key in raw:
        if key not in SOURCE_KEYS:
            raise w.error(table, key, f"unknown key; allowed: {', '.join(SOURCE_KEYS)}")
    if "path" in raw and "paths" in raw:
        raise w.error(table, "paths", "give path or paths, not both")
    key = "paths" if "paths" in raw else "path"
    values = _strings(w, table, key, raw.get(key, []))
    if not values:
        raise w.error(table, "path", "missing: give the export file (path = \"contacts.csv\")")
    paths = []
    for v in values:
        base, sheet = split_sheet(v)
        full = base if base.is_absolute() else folder / base
        if not full.exists():
            raise w.error(table, key, f"file not found: {v}")
        paths.append(str(full) + (f"#{sheet}" if sheet is not None else ""))
    platform = raw.get("platform")
    if platform is not None:
        known = platform_presets()
        if not isinstance(platform, str) or platform.lower() not in known:
            raise w.error(table, "platform", f"unknown platform {platform!r}; use one of "
                          f"{', '.join(sorted(known))}")
        platform = platform.lower()
    kind = raw.get("kind")
    if kind is not None and kind not in KINDS:
        raise w.error(table, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    columns = raw.get("columns", {})
    if not isinstance(columns, Mapping):
        raise w.error(table, "columns", "must be a table of \"Column\" = \"field\"")
    for column, fld in columns.items():
        if not isinstance(fld, str) or (fld and fld not in FIELDS):
            raise w.error(f"{table}.columns", _key_text(column),
                          f"unknown field {fld!r}; use one of {', '.join(FIELDS)} or \"\"")
    date_order = raw.get("date_order")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise w.error(table, "date_order", f"{date_order!r} is not one of "
                      f"{', '.join(DATE_ORDERS)} (dmy: 05/01/2024 is 5 January)")
    return SourceConfig(name, tuple(paths), platform, kind, dict(columns), date_order)


def _key_text(key: str) -> str:
    return key if key.replace("_", "").isalnum() else f'"{key}"'


def _links(w: _Where, value: object) -> tuple[LinkSpec, ...]:
    if not isinstance(value, list):
        raise w.error("", "links", "write each link as a [[links]] table")
    return tuple(link_from_mapping(raw, f"{w.shown}: [[links]] #{i}")
                 for i, raw in enumerate(value, 1))


def find_config(folder: Path | None = None) -> Path | None:
    """hygiene.toml in `folder` (default: the working directory), if there is one."""
    p = (folder or Path.cwd()) / DEFAULT_NAME
    return p if p.is_file() else None



# --- the starter file (`hygiene init`) ---------------------------------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}
_COMMENT_AT = 44


def toml_str(value: str) -> str:
    """A TOML basic string (tomli-w cannot write the comments a starter file needs)."""
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    """A bare key when TOML allows one, else a quoted key."""
    if key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key):
        return key
    return toml_str(key)


def _line(text: str, comment: str = "") -> str:
    if not comment:
        return text
    return f"{text.ljust(_COMMENT_AT - 1)} # {comment}"


def _relative(raw: str, folder: Path) -> str:
    """A source path as the starter file writes it: relative to the file's folder."""
    base, sheet = split_sheet(raw)
    try:
        rel = Path(os.path.relpath(base.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        rel = base.resolve().as_posix()
    return rel + (f"#{sheet}" if sheet is not None else "")


def starter_toml(
    sources: Sequence[Source], specs: Sequence[SourceSpec], target: Path, kinds: Mapping[str, str]
) -> str:
    """The text of a starter hygiene.toml for loaded `sources` (their `specs` as given):
    detected platforms and column maps with their confidence, default links, the workflow
    profiles, thresholds and output settings, ready to edit."""
    folder = target.parent
    lines = [
        "# hygiene.toml: crm-hygiene settings, written by `hygiene init`; edit freely.",
        "# `hygiene audit` and `hygiene clean` read it from the working directory (or",
        "# --config FILE); options on the command line win over the values here. Paths are",
        "# relative to this file. The values shown are the defaults.",
        "",
        "[audit]",
        _line('out = "hygiene-report"', "folder for the reports"),
        _line(f"formats = [{', '.join(toml_str(f) for f in DEFAULT_FORMATS)}]",
              "any of html, json, xlsx, md"),
        _line(f'# history = "{HISTORY_DIR}/{HISTORY_FILE}"',
              "past audits, for the score trend (default: beside this file)"),
        _line('# region = "US"', "country of phone numbers written without +code"),
        _line("check_mx = false", "look up each domain's mail server (network)"),
        _line("redact = false", "mask emails, phones and names in the reports"),
        _line("default_links = true", "link every ESP with every CRM on the email"),
        "",
        "[thresholds]",
        _line("# fail_under = 80", "exit 1 when the score (or each workflow's) is below"),
        "",
        "[workflows]",
        "# Readiness profiles to score; none selected means all. Uncomment to choose.",
        "use = [",
    ]
    for wf in load_workflows().values():
        lines.append(_line(f"  # {toml_str(wf.name)},", wf.title))
    lines += [
        "]",
        _line('# files = ["workflows/"]', "your own profiles (YAML files or folders)"),
        "",
        "[rules]",
        _line("packs = []", "your own rule packs (YAML), e.g. [\"team-rules.yaml\"]"),
        _line("disable = []", "rule codes to switch off, e.g. [\"email.free_mail\"]"),
        "",
        "[clean]",
        _line('out = "cleaned"', "folder for `hygiene clean`'s files"),
        _line('# target = "hubspot"', "import format (default: each source's own platform)"),
        _line("suppress_roles = false", "also suppress role mailboxes (info@, sales@ ...)"),
        "",
    ]
    for src, spec in zip(sources, specs, strict=True):
        lines += _source_lines(src, spec, folder, kinds.get(src.name, "crm"))
    links = default_links(kinds, {s.name: s for s in sources})
    if links:
        lines.append("# Links between the systems (README \"Links\"). Each ESP member must be in")
        lines.append("# the CRM; each CRM contact marked marketable in the ESP (`require`).")
    for link in links:
        a, b = link.from_, link.to[0]
        req = ", ".join(f"{toml_key(s)} = {toml_str(DEFAULT_REQUIRE.get(kinds[s], 'none'))}"
                        for s in (a, b))
        lines += [
            "[[links]]",
            f"name = {toml_str(link.name)}",
            f"from = {toml_str(a)}",
            f"to = {toml_str(b)}",
            _line(f"on = [{', '.join(toml_str(o) for o in link.on)}]",
                  'the email, and id columns both carry ("CRM ID=record_id")'),
            _line(f"require = {{ {req} }}", "all, marketable or none per side"),
            "",
        ]
    lines += [
        "# A reference: every value of a column must point at a row of another source",
        "# (add the users export as [sources.users] with kind = \"reference\").",
        "# [[links]]",
        '# from = "crm.owner"',
        '# to = ["users.email", "users.full_name"]',
        '# active = "users.Active"',
        "",
    ]
    return "\n".join(lines)


def _source_lines(src: Source, spec: SourceSpec, folder: Path, kind: str) -> list[str]:
    table = f"sources.{toml_key(src.name)}"
    paths = [_relative(p, folder) for p in spec.paths]
    lines = [f"[{table}]"]
    if len(paths) == 1:
        lines.append(f"path = {toml_str(paths[0])}")
    else:
        lines.append(f"paths = [{', '.join(toml_str(p) for p in paths)}]")
    lines.append(_line(f"platform = {toml_str(src.platform)}",
                       f"detected, confidence {src.platform_confidence:.2f}"))
    lines.append(_line(f"kind = {toml_str(kind)}", "crm, esp, or reference (a lookup table)"))
    lines += ["", f"[{table}.columns]",
              "# Column = canonical field (\"\" leaves a column unmapped); confidence after each."]
    for column in src.data.columns:
        fld = src.columns.get(column)
        key = toml_key(str(column))
        if fld:
            lines.append(_line(f"{key} = {toml_str(fld)}",
                               f"{src.confidence.get(column, 1.0):.2f}"))
        else:
            lines.append(_line(f'# {key} = ""', "not mapped (kept as is)"))
    lines.append("")
    return lines


def write_starter(text: str, target: Path, force: bool = False) -> Path:
    """Write the starter file atomically; an existing file is kept unless `force`."""
    if target.exists() and not force:
        raise ConfigError(f"{target}: already exists; pass --force to overwrite it")
    with atomic_write(target) as fh:
        fh.write(text)
    return target


#: The keys of hygiene.toml's [clean] table.
CLEAN_KEYS = ("target", "out", "suppress_roles")


def clean_table(table: Mapping[str, Any], where: str = "hygiene.toml") -> dict[str, Any]:
    """hygiene.toml's [clean] table checked: target (a name or {source = name}), out,
    suppress_roles."""
    unknown = sorted(set(table) - set(CLEAN_KEYS))
    if unknown:
        raise ConfigError(
            f"{where}: [clean] {unknown[0]}: unknown key; allowed: {', '.join(CLEAN_KEYS)}"
        )
    out = dict(table)
    roles = out.get("suppress_roles", False)
    if not isinstance(roles, bool):
        raise ConfigError(f"{where}: [clean] suppress_roles: must be true or false")
    target = out.get("target")
    if target is not None and not isinstance(target, (str, Mapping)):
        raise ConfigError(
            f'{where}: [clean] target: a target name ("hubspot") or a table of source = target'
        )
    return out
