"""What the Spark engine is told: the local engine's `Settings` (built from loose arguments
when none are given), the sources named in them or given by name, and what it refuses."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..load.spec import SourceSpec
from ..settings import Settings, resolve

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from ..match.types import MatchSettings


def _spec_of(name: str, given: Any) -> tuple[SourceSpec, Any]:
    if isinstance(given, (str, os.PathLike)):
        return SourceSpec(name=name, paths=(os.fspath(given),)), None
    if isinstance(given, (list, tuple)):
        return SourceSpec(name=name, paths=tuple(os.fspath(p) for p in given)), None
    return SourceSpec(name=name, paths=(name,)), given


def spark_sources(
    settings: Settings, given: Mapping[str, Any]
) -> list[tuple[SourceSpec, DataFrame | None]]:
    """The settings' sources (NAME=PATH strings or `SourceSpec`s) and the ones given by
    name (a DataFrame, a path or a list of paths), each once."""
    from ..load.spec import parse_source_args

    out: list[tuple[SourceSpec, Any]] = []
    texts = [a for a in settings.sources if isinstance(a, (str, os.PathLike))]
    for arg in settings.sources:
        if isinstance(arg, SourceSpec):
            out.append((arg, None))
        elif not isinstance(arg, (str, os.PathLike)):
            raise ConfigError(
                f"source {getattr(arg, 'name', arg)!r}: a loaded Source cannot run on Spark; "
                "give a path or a Spark DataFrame"
            )
    out += [(spec, None) for spec in parse_source_args([os.fspath(a) for a in texts])]
    out += [_spec_of(n, g) for n, g in given.items()]
    names = [spec.name for spec, _ in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"source {twice[0]!r} given twice (in the settings and by name); "
                          "give each source once")
    if not out:
        raise ConfigError("no sources given; pass at least one, e.g. crm=dataframe")
    return out


def spark_settings(
    settings: Settings | None,
    *,
    workflows: Sequence[str] | None = None,
    platforms: Sequence[str] = (),
    maps: Sequence[str] = (),
    region: str | None = None,
    date_orders: Sequence[str] = (),
    rule_packs: Sequence[str | Path] = (),
    disable: Sequence[str] = (),
    workflow_files: Sequence[str | Path] = (),
    kinds: Mapping[str, str] | None = None,
    fail_under: float | None = None,
    match: bool | MatchSettings = True,
    **clean: Any,
) -> Settings:
    """The typed settings the local audit takes (`hygiene.settings.resolve`), from loose
    arguments when none are given; what the Spark engine cannot honour is refused. `match`
    False (no matching) or a `MatchSettings` overrides the settings' own; True leaves them."""
    if settings is not None and match is not True:
        settings = replace(settings, match=None if match is False else match)
    if settings is None:
        settings = resolve(
            # The sources come with the call: a placeholder keeps resolve's check quiet.
            [SourceSpec(name="-", paths=("-",))],
            workflows=workflows, platforms=platforms, maps=maps, region=region,
            date_orders=date_orders, rule_packs=rule_packs, disable=disable,
            workflow_files=workflow_files, kinds=kinds, fail_under=fail_under,
            match=match, decisions=False, **clean,
        )
        settings = replace(settings, sources=())
    elif any(v for v in (workflows, platforms, maps, region, date_orders, rule_packs, disable,
                         workflow_files, kinds, fail_under, *clean.values())):
        raise ConfigError("give the options in the settings or as arguments, not both")
    refused = [what for what, on in (
        ("links", bool(settings.links)), ("check_mx", settings.check_mx),
    ) if on]
    if refused:
        raise ConfigError(f"{', '.join(refused)}: not available on the Spark engine yet; "
                          "use --engine local")
    return settings
