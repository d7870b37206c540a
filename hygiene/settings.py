"""One run's settings, resolved once: arguments (or command-line options) over hygiene.toml
over the defaults, validated where they are resolved.

`resolve()` is the one place an argument is laid over the config: `audit()` and `clean()`
take the `Settings` it returns (and build one from their keyword arguments), the CLI builds
one from its options. Every problem is one `ConfigError` line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .fields import KINDS
from .outputs import DECISIONS_FILE

if TYPE_CHECKING:
    from .config import Config
    from .decisions import Decisions
    from .links import LinkSpec
    from .load import SourceSpec
    from .match import MatchSettings
    from .model import Source

    SourceArg = str | os.PathLike[str] | SourceSpec | Source

#: Where `hygiene audit` writes its reports unless told.
REPORTS_DIR = Path("hygiene-report")


@dataclass(frozen=True)
class Settings:
    """Everything a run is told: the sources, what to check and score, where decisions live.

    Empty values mean "not set" only where said; `resolve()` fills the rest."""

    #: Paths ("crm=contacts.csv"), `SourceSpec`s or loaded `Source`s, the config's included.
    sources: tuple[SourceArg, ...]
    config: Config | None = None
    #: Workflow profiles to score, by name (None: every profile).
    workflows: tuple[str, ...] | None = None
    workflow_files: tuple[str | Path, ...] = ()
    platforms: tuple[str, ...] = ()
    maps: tuple[str, ...] = ()
    date_orders: tuple[str, ...] = ()
    #: ISO 3166-1 alpha-2, upper case.
    region: str | None = None
    check_mx: bool = False
    rule_packs: tuple[str | Path, ...] = ()
    disable: tuple[str, ...] = ()
    links: tuple[LinkSpec | str, ...] = ()
    #: A default link for each ESP x CRM pair no declared link joins.
    default_links: bool = True
    #: Source name -> "crm", "esp" or "reference", as asked (the rest: the platform's kind).
    kinds: Mapping[str, str] = field(default_factory=dict)
    #: The matcher's settings; None: no matching.
    match: MatchSettings | None = None
    #: The review decisions file: read if it exists, written by `clean --review` (None: none).
    decisions_file: Path | None = None
    #: The file was named, so it must exist for an audit.
    decisions_named: bool = False
    #: Decisions given as an object (they win over the file).
    decisions: Decisions | None = field(default=None, repr=False)
    #: The gate: 0-100, or None.
    fail_under: float | None = None
    # What `hygiene audit` writes: reports and the history.
    #: The reports' folder.
    out: Path = REPORTS_DIR
    #: Report formats, in order ("html", "json", "xlsx", "md").
    formats: tuple[str, ...] = ("html", "json", "xlsx")
    redact: bool = False
    #: Record the audit in a history database: `history` or the default beside the config.
    record_history: bool = True
    history: Path | None = None
    # What `clean` writes.
    #: The cleaned files' folder (`clean` needs one).
    clean_out: Path | None = None
    #: One import format for every source, or {source (or "*"): format}; None: their own.
    target: str | Mapping[str, str] | None = None
    suppress_roles: bool = False

    @property
    def folder(self) -> Path | None:
        """The config's folder, where its relative paths and files kept beside it live."""
        return self.config.folder if self.config is not None else None

    def history_path(self) -> Path | None:
        """The history database to record in: as set, else .hygiene/history.db beside the
        config (else here); None when no history is kept."""
        if not self.record_history:
            return None
        if self.history is not None:
            return self.history
        from .outputs import default_history_path

        return default_history_path(self.folder)

    def source_kinds(self, sources: Sequence[Source]) -> dict[str, str]:
        """Every loaded source's kind (`hygiene.load.source_kinds`: as asked, else its
        platform's), the asked ones checked against the names loaded."""
        from .load.presets import source_kinds

        asked = check_kinds(self.kinds, [s.name for s in sources])
        return source_kinds({s.name: s.platform for s in sources}, asked)


def check_kinds(kinds: Mapping[str, str], names: Sequence[str]) -> dict[str, str]:
    """Source kinds asked for by name: each names a source and a known kind (the Spark
    engine's sources are not loaded `Source`s, so `Settings.source_kinds` cannot say)."""
    for name, kind in kinds.items():
        if name not in names:
            raise ConfigError(
                f"kind of {name!r}: no source of that name; sources are: {', '.join(names)}"
            )
        if kind not in KINDS:
            raise ConfigError(f"kind of {name!r}: {kind!r} is not one of crm, esp, reference")
    return dict(kinds)


def resolve(
    sources: Sequence[SourceArg] = (),
    *,
    config: Config | str | os.PathLike[str] | None = None,
    workflows: Sequence[str] | None = None,
    workflow_files: Sequence[str | Path] = (),
    platforms: Sequence[str] = (),
    maps: Sequence[str] = (),
    date_orders: Sequence[str] = (),
    region: str | None = None,
    check_mx: bool = False,
    rule_packs: Sequence[str | Path] = (),
    disable: Sequence[str] = (),
    links: Sequence[LinkSpec | str] | None = None,
    kinds: Mapping[str, str] | None = None,
    match: bool | MatchSettings = True,
    decisions: Decisions | str | os.PathLike[str] | bool | None = None,
    fail_under: float | None = None,
    out: str | os.PathLike[str] | None = None,
    formats: Sequence[str] = (),
    redact: bool = False,
    history: str | os.PathLike[str] | None = None,
    record_history: bool = True,
    clean_out: str | os.PathLike[str] | None = None,
    target: str | Mapping[str, str] | None = None,
    suppress_roles: bool | None = None,
) -> Settings:
    """Arguments over the config (a hygiene.toml path or `Config`) over the defaults, checked.

    Lists add to the config's (rule packs, disabled rules, workflow files); single values
    replace it; `links=None` means the config's. A workflow ending in .yaml or .yml is a
    team's own profile file, selected by the name inside it. `decisions`: an object, a
    file, False for none, None for hygiene-decisions.json beside the config (else here).
    `out`, `formats`, `redact`, `history` are what `hygiene audit` writes (the config's
    [audit] table), `clean_out`, `target`, `suppress_roles` what `clean` writes (its
    [clean] table)."""
    from .config import as_config
    from .workflows import split_selection

    cfg = as_config(config) if config is not None else None
    given = tuple(sources)
    if cfg is not None:
        given = tuple(cfg.source_specs(given))
        workflows = workflows or (list(cfg.workflows) or None)
        region = region or cfg.region
        check_mx = check_mx or cfg.check_mx
        rule_packs = [*cfg.rule_packs, *rule_packs]
        disable = [*cfg.disable, *disable]
        workflow_files = [*cfg.workflow_files, *workflow_files]
        links = cfg.links if links is None else links
        kinds = {**cfg.kinds, **(kinds or {})}
        fail_under = cfg.fail_under if fail_under is None else fail_under
    if not given:
        raise ConfigError("no sources given; pass at least one export, e.g. crm=contacts.csv")
    for name, kind in (kinds or {}).items():
        if kind not in KINDS:
            raise ConfigError(f"kind of {name!r}: {kind!r} is not one of crm, esp, reference")
    names, files = split_selection(list(workflows or ()))
    workflow_files = [*workflow_files, *files]
    workflows = names
    file, named, obj = _decisions(decisions, cfg)
    return Settings(
        sources=given,
        config=cfg,
        workflows=tuple(workflows) if workflows else None,
        workflow_files=tuple(workflow_files),
        platforms=tuple(platforms),
        maps=tuple(maps),
        date_orders=tuple(date_orders),
        region=check_region(region) if region else None,
        check_mx=bool(check_mx),
        rule_packs=tuple(rule_packs),
        disable=tuple(disable),
        links=tuple(links or ()),
        default_links=cfg.default_links if cfg is not None else True,
        kinds=dict(kinds or {}),
        match=_match(match, cfg),
        decisions_file=file,
        decisions_named=named,
        decisions=obj,
        fail_under=check_threshold(fail_under) if fail_under is not None else None,
        out=Path(out) if out is not None else (cfg.out if cfg and cfg.out else REPORTS_DIR),
        formats=_formats(formats, cfg),
        redact=bool(redact or (cfg is not None and cfg.redact)),
        record_history=record_history,
        history=Path(history) if history is not None else (cfg.history if cfg else None),
        **_clean(cfg, clean_out, target, suppress_roles),
    )


def _formats(given: Sequence[str], cfg: Config | None) -> tuple[str, ...]:
    from .outputs import DEFAULT_FORMATS, FORMATS

    chosen = tuple(dict.fromkeys(given or (cfg.formats if cfg else ()) or DEFAULT_FORMATS))
    for fmt in chosen:
        if fmt not in FORMATS:
            raise ConfigError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return chosen


def _clean(
    cfg: Config | None,
    out: str | os.PathLike[str] | None,
    target: str | Mapping[str, str] | None,
    suppress_roles: bool | None,
) -> dict[str, Any]:
    """`clean`'s settings over the config's [clean] table (`out` there is relative to it)."""
    from .config import clean_table

    table = clean_table(cfg.clean, str(cfg.path)) if cfg is not None else {}
    if out is None and table.get("out"):
        out = (cfg.folder if cfg is not None else Path.cwd()) / str(table["out"])
    return {
        "clean_out": Path(out) if out is not None else None,
        "target": target if target is not None else table.get("target"),
        "suppress_roles": (
            suppress_roles if suppress_roles is not None else bool(table.get("suppress_roles"))
        ),
    }


def decisions_file(folder: Path | None) -> Path:
    """Where the review decisions live by default: beside hygiene.toml, else here."""
    return (folder or Path.cwd()) / DECISIONS_FILE


def _decisions(
    given: Decisions | str | os.PathLike[str] | bool | None, cfg: Config | None
) -> tuple[Path | None, bool, Decisions | None]:
    """(the decisions file, whether it was named, decisions given as an object)."""
    from .decisions import Decisions

    if given is False:
        return None, False, None
    if isinstance(given, Decisions):
        return given.path, False, given
    if isinstance(given, (str, os.PathLike)):
        return Path(given), True, None
    return decisions_file(cfg.folder if cfg is not None else None), False, None


def load_decisions(settings: Settings, *, must_exist: bool = False) -> Decisions | None:
    """The decisions a run honours: the object given, else the file if it exists (a named
    file must, when `must_exist`), else none."""
    from .decisions import load_decisions as read

    if settings.decisions is not None:
        return settings.decisions
    path = settings.decisions_file
    if path is None:
        return None
    if not path.is_file():
        if must_exist and settings.decisions_named:
            raise ConfigError(f"{path}: decisions file not found")
        return None
    return read(path)


def _match(match: bool | MatchSettings, cfg: Config | None) -> MatchSettings | None:
    from .match import MatchSettings

    if match is False:
        return None
    return match if isinstance(match, MatchSettings) else match_settings(cfg)


def match_settings(cfg: Config | None) -> MatchSettings:
    """The matcher's settings from the config's `[match]` table (names as in MatchSettings)."""
    from .match import MatchSettings

    table: dict[str, Any] = dict(cfg.match) if cfg is not None else {}
    known = {f.name for f in fields(MatchSettings)}
    unknown = sorted(set(table) - known)
    if unknown:
        where = cfg.path if cfg is not None else "hygiene.toml"
        raise ConfigError(f"{where}: [match] unknown key(s) {unknown}; known: {sorted(known)}")
    for key in ("blocking", "comparisons"):
        if key in table:
            table[key] = tuple(table[key])
    return MatchSettings(**table)


def check_threshold(value: float) -> float:
    """A gate threshold: a number from 0 to 100 (NaN would let every gate pass)."""
    number = float(value)
    if not 0.0 <= number <= 100.0:  # also false for NaN
        raise ConfigError(f"fail_under {value!r}: must be a number from 0 to 100")
    return number


def check_region(value: str) -> str:
    """`value` as an ISO 3166-1 alpha-2 country code, upper case ("us" -> "US")."""
    import pycountry

    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        hint = ""
        if len(code) == 3:
            found = pycountry.countries.get(alpha_3=code)
            hint = f" ({code} is alpha-3; write {found.alpha_2})" if found is not None else ""
        raise ConfigError(
            f"region {value!r}: not an ISO 3166-1 alpha-2 country code{hint}; "
            "write two letters such as US, GB, DE, FR"
        )
    return code

