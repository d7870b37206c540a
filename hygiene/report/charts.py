"""Geometry of the report's SVG charts: numbers only; the templates draw them.

Keeping text out of here means every label reaches the page through the templates'
autoescape, never through a string built in Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .context import Gauge, Sparkline, Venn


def gauge(value: float, tone: str, radius: float = 52.0) -> Gauge:
    """A ring whose coloured arc is `value` percent of the circle."""
    circumference = 2 * math.pi * radius
    clipped = min(100.0, max(0.0, float(value)))
    return Gauge(
        value=round(float(value), 1),
        radius=radius,
        circumference=round(circumference, 2),
        dash=round(circumference * clipped / 100.0, 2),
        tone=tone,
    )


def lens_area(r1: float, r2: float, d: float) -> float:
    """Area where two circles of radii r1, r2 with centres d apart overlap."""
    if d >= r1 + r2:
        return 0.0
    if d <= abs(r1 - r2):
        return math.pi * min(r1, r2) ** 2
    a1 = r1 * r1 * math.acos((d * d + r1 * r1 - r2 * r2) / (2 * d * r1))
    a2 = r2 * r2 * math.acos((d * d + r2 * r2 - r1 * r1) / (2 * d * r2))
    k = 0.5 * math.sqrt((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2))
    return a1 + a2 - k


def venn(a: int, b: int, both: int, width: float = 360.0, height: float = 200.0) -> Venn:
    """Two circles with areas proportional to `a` and `b` (the set sizes, overlap included)
    and an overlap proportional to `both` (found by bisection on the centre distance)."""
    biggest = max(a, b, 1)
    r_max = height / 2 - 12
    r_a = max(r_max * math.sqrt(a / biggest), 14.0)
    r_b = max(r_max * math.sqrt(b / biggest), 14.0)
    scale = math.pi * r_max * r_max / biggest
    target = min(both * scale, math.pi * min(r_a, r_b) ** 2)
    lo, hi = abs(r_a - r_b), r_a + r_b
    if both <= 0:
        d = hi + 10
    elif both >= min(a, b):
        d = lo
    else:
        for _ in range(60):
            mid = (lo + hi) / 2
            if lens_area(r_a, r_b, mid) > target:
                lo = mid
            else:
                hi = mid
        d = (lo + hi) / 2
    room = width - 4
    if r_a + d + r_b > room and d >= r_a + r_b:
        # Apart circles wider than the figure: shrink all three lengths alike.
        factor = room / (r_a + d + r_b)
        r_a, r_b, d = r_a * factor, r_b * factor, d * factor
    left = min(-r_a, d - r_b)
    right = max(r_a, d + r_b)
    cx_a = (width - (right - left)) / 2 - left
    cx_b = cx_a + d
    # The three regions along the centre line: A's left edge to B's, the lens, B's right
    # edge back to A's (when one circle holds the other, a region can be empty).
    edges = (cx_a - r_a, cx_b - r_b, cx_a + r_a, cx_b + r_b)
    spans = ((edges[0], edges[1]), (edges[1], edges[2]), (edges[2], edges[3]))
    mids = [round((lo + hi) / 2, 2) for lo, hi in spans]
    fits = [hi - lo >= 40 for lo, hi in spans]
    return Venn(
        width=width,
        height=height,
        cx_a=round(cx_a, 2),
        cx_b=round(cx_b, 2),
        cy=height / 2,
        r_a=round(r_a, 2),
        r_b=round(r_b, 2),
        label_x=(mids[0], mids[1], mids[2]),
        label_fits=(fits[0], fits[1], fits[2]),
    )


def sparkline(
    values: Sequence[float],
    first_label: str,
    last_label: str,
    width: float = 240.0,
    height: float = 48.0,
) -> Sparkline:
    """A polyline of scores (0-100 on a scale fitted to the values, so small moves show)."""
    lo = min(values)
    hi = max(values)
    if hi - lo < 5:
        mid = (hi + lo) / 2
        lo, hi = mid - 2.5, mid + 2.5
    pad = 4.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    pts = [
        (pad + i * step, pad + (hi - v) / (hi - lo) * (height - 2 * pad))
        for i, v in enumerate(values)
    ]
    return Sparkline(
        points=" ".join(f"{x:.1f},{y:.1f}" for x, y in pts),
        width=width,
        height=height,
        last_x=round(pts[-1][0], 1),
        last_y=round(pts[-1][1], 1),
        first_label=first_label,
        last_label=last_label,
    )
