"""`Trend`: the change since the previous audit of the same data.

Plain data, so the history lists its runs without pandas; `hygiene.model` re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Trend:
    """The change since the previous audit of the same data (filled from the history)."""

    previous_at: str
    previous_overall: float
    overall_delta: float
    dimension_deltas: dict[str, float] = field(default_factory=dict)
    workflow_deltas: dict[str, float] = field(default_factory=dict)
    #: Findings (by identity: code, source, record, field) present now but not before, and gone.
    new_findings: int = 0
    fixed_findings: int = 0
    new_by_code: dict[str, int] = field(default_factory=dict)
    fixed_by_code: dict[str, int] = field(default_factory=dict)
    #: (generated_at, overall score) of earlier audits of the same data, oldest first.
    history: list[tuple[str, float]] = field(default_factory=list)
