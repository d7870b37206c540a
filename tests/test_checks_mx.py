"""hygiene.checks.mx (`--check-mx`): what a DNS answer means, the caches, no socket in tests.

Every test runs with sockets refused: the resolver is a fake standing in for dnspython's,
answering as RFC 5321 section 5.1 (no MX record: the domain's A record receives mail) and
RFC 7505 (a single MX of "." with preference 0, the null MX: the domain accepts no mail)
describe.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import dns.exception
import dns.resolver
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hygiene.checks import mx


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Any socket use fails the test; the disk cache lives in the test's own folder."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a test of the MX check tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


class _Answer:
    def __init__(self, hosts: list[str]) -> None:
        self.rrs = [type("MX", (), {"exchange": h})() for h in hosts]

    def __iter__(self) -> Any:
        return iter(self.rrs)


def _fake_resolver(zone: dict[tuple[str, str], Any]) -> type:
    """A stand-in for `dns.resolver.Resolver` answering from `zone`: (domain, type) -> a
    list of MX hosts, True for an A record, or the exception DNS would give."""

    class Resolver:
        lifetime = 0.0

        def resolve(self, domain: str, kind: str) -> Any:
            answer = zone.get((domain, kind), dns.resolver.NoAnswer())
            if isinstance(answer, BaseException):
                raise answer
            return _Answer(answer if kind == "MX" else [])

    return Resolver


@pytest.mark.parametrize(
    ("zone", "reason"),
    [
        ({("acme.example", "MX"): ["mx1.acme.example."]}, None),
        # RFC 7505 section 3: a null MX is one record whose exchange is "." (the root).
        ({("acme.example", "MX"): ["."]}, "the domain refuses mail (null MX)"),
        ({("acme.example", "MX"): dns.resolver.NXDOMAIN()}, "the domain does not exist"),
        # RFC 5321 section 5.1: with no MX, the A record is the implicit mail exchanger.
        ({("acme.example", "A"): True}, None),
        ({}, "the domain has no mail server"),
        ({("acme.example", "A"): dns.resolver.NXDOMAIN()}, "the domain has no mail server"),
        # A time-out or a failing server says nothing against the domain.
        ({("acme.example", "MX"): dns.exception.Timeout()}, None),
        ({("acme.example", "MX"): dns.resolver.NoNameservers()}, None),
        ({("acme.example", "A"): dns.exception.Timeout()}, None),
    ],
)
def test_lookup_reads_the_answer_as_the_rfcs_do(
    monkeypatch: pytest.MonkeyPatch, zone: dict[tuple[str, str], Any], reason: str | None
) -> None:
    monkeypatch.setattr(dns.resolver, "Resolver", _fake_resolver(zone))
    assert mx.lookup("acme.example", timeout=1.0) == reason


def _fake_lookup(
    monkeypatch: pytest.MonkeyPatch, reasons: dict[str, str | None]
) -> list[str]:
    """`mx.lookup` answering from `reasons`; returns the list of domains looked up."""
    asked: list[str] = []
    lock = threading.Lock()

    def lookup(domain: str, timeout: float) -> str | None:
        with lock:
            asked.append(domain)
        return reasons[domain]

    monkeypatch.setattr(mx, "lookup", lookup)
    return asked


_DOMAINS = st.dictionaries(
    st.from_regex(r"[a-z]{1,8}\.(com|org|de)", fullmatch=True),
    st.sampled_from([None, "the domain does not exist", "the domain has no mail server"]),
    max_size=40,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_DOMAINS)
def test_the_domains_without_mail_are_those_the_lookups_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, reasons: dict[str, str | None]
) -> None:
    """Whatever the domains and answers (looked up side by side): each domain is looked up
    once, and the result names exactly the ones with a reason, with that reason."""
    with monkeypatch.context() as m:
        m.setenv("XDG_CACHE_HOME", str(tmp_path / f"cache-{time.perf_counter_ns()}"))
        asked = _fake_lookup(m, reasons)
        got = mx.domains_without_mail(list(reasons))
    assert sorted(asked) == sorted(reasons)
    assert got == {d: r for d, r in reasons.items() if r}


def test_answers_are_cached_on_disk_for_a_week(monkeypatch: pytest.MonkeyPatch) -> None:
    reasons = {"gone.example": "the domain does not exist", "fine.example": None}
    asked = _fake_lookup(monkeypatch, reasons)
    first = mx.domains_without_mail(list(reasons))
    assert sorted(asked) == sorted(reasons) and mx.cache_path().is_file()
    asked.clear()
    assert mx.domains_without_mail(list(reasons)) == first  # a re-audit asks nobody
    assert asked == []
    path = mx.cache_path()
    cache = json.loads(path.read_text(encoding="utf-8"))
    aged = {d: [when - mx.CACHE_SECONDS - 60, why] for d, (when, why) in cache.items()}
    path.write_text(json.dumps(aged), encoding="utf-8")
    assert mx.domains_without_mail(list(reasons)) == first
    assert sorted(asked) == sorted(reasons)  # a week on, each is asked again


def test_an_unreadable_cache_is_a_cache_miss(monkeypatch: pytest.MonkeyPatch) -> None:
    path = mx.cache_path()
    path.parent.mkdir(parents=True)
    path.write_text("not json", encoding="utf-8")
    asked = _fake_lookup(monkeypatch, {"gone.example": "the domain does not exist"})
    assert mx.domains_without_mail(["gone.example"]) == {
        "gone.example": "the domain does not exist"
    }
    assert asked == ["gone.example"]
