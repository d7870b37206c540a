"""MX look-ups for `--check-mx`: dnspython with a timeout, an in-run cache and a disk cache.

The only part of crm-hygiene that opens a socket, and only when the user asks.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

from ..runtime import io_map

#: Answers are kept a week: MX records change rarely and re-audits should not re-query.
CACHE_SECONDS = 7 * 24 * 3600


def cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crm-hygiene" / "mx.json"


def _load_cache(path: Path) -> dict[str, list[object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_cache(path: Path, cache: dict[str, list[object]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(cache), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs the next run some look-ups


def lookup(domain: str, timeout: float) -> str | None:
    """None when the domain can receive mail; otherwise the reason it cannot."""
    import dns.exception
    import dns.resolver

    resolver = dns.resolver.Resolver()
    resolver.lifetime = timeout
    try:
        answer = resolver.resolve(domain, "MX")
        hosts = [str(r.exchange).rstrip(".") for r in answer]
        if hosts == [""] or hosts == []:
            return "the domain refuses mail (null MX)"
        return None
    except dns.resolver.NXDOMAIN:
        return "the domain does not exist"
    except dns.resolver.NoAnswer:
        try:
            resolver.resolve(domain, "A")
            return None  # RFC 5321: no MX but an A record still receives mail
        except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
            return "the domain has no mail server"
        except dns.exception.DNSException:
            return None
    except dns.exception.DNSException:
        return None  # time-outs and server failures are not evidence against the domain


def domains_without_mail(domains: Iterable[str], timeout: float = 3.0) -> dict[str, str]:
    """Domain -> reason, for the domains that cannot receive mail."""
    path = cache_path()
    cache = _load_cache(path)
    now = time.time()
    todo = [d for d in domains if d not in cache or now - float(cache[d][0]) > CACHE_SECONDS]  # type: ignore[arg-type]
    if todo:
        reasons = io_map(lambda d: lookup(d, timeout), todo)
        for d, reason in zip(todo, reasons, strict=True):
            cache[d] = [now, reason]
        _save_cache(path, cache)
    return {d: str(cache[d][1]) for d in domains if d in cache and cache[d][1]}
