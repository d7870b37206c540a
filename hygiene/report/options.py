"""How the reports are written: redaction and the caps that keep big audits readable."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportOptions:
    """Options every writer receives (`Audit.save(..., redact=True)`, `hygiene audit --redact`)."""

    redact: bool = False
    """Mask emails, phone numbers and names in report.html, review.xlsx and summary.md."""
    max_findings: int = 5_000
    """Findings rows report.html embeds (an even sample over codes); review.xlsx has all."""
    examples_per_code: int = 3
    """Real examples shown under each finding code in report.html."""
    max_clusters: int = 100
    """Duplicate clusters shown side by side in report.html; review.xlsx has all."""
    xlsx_source_rows: int = 50_000
    """Sources up to this many rows get every row in their review.xlsx sheet; larger ones
    only the rows with findings or duplicates (up to this many)."""
    xlsx_source_cells: int = 2_000_000
    """Cells a source's review.xlsx sheet may hold: a wide source gets fewer rows
    (`source_sheet_rows`), so a file of 16,384 columns cannot make a workbook of billions."""
    xlsx_max_findings: int = 1_000_000
    """Findings rows in review.xlsx (Excel holds 1,048,576 rows a sheet)."""


def source_sheet_rows(options: ReportOptions, rows: int, columns: int) -> int:
    """Rows a source of `rows` rows and `columns` columns gets in its review.xlsx sheet."""
    cap = min(options.xlsx_source_rows, max(1, options.xlsx_source_cells // max(columns, 1)))
    return min(rows, cap)
