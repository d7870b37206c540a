"""Realistic sample CRM and ESP exports with known defects (`hygiene demo`, benchmarks).

`generate` writes a HubSpot contacts CSV, a Mailchimp audience export and truth.json;
`load_truth` reads the truth back as DataFrames.
"""

from __future__ import annotations

from .generator import DemoFiles, generate
from .rates import DefectRates
from .truth import Truth, load_truth

__all__ = ["DefectRates", "DemoFiles", "Truth", "generate", "load_truth"]
