"""Krippendorff's alpha_u: agreement on where units are and what they are, on a continuum of characters.

The formulas are Krippendorff's (1995; Content Analysis, 2004, ch. 12) as DKPro Statistics computes them
(``KrippendorffAlphaUnitizingAgreement``): for each category, every rater's continuum is cut into that
category's units and the gaps between them; the observed disagreement sums, over every pair of raters and
every pair of their segments that share a character, the squared differences of the two units' starts and
ends (both units), or the unit's squared length when a unit lies wholly inside the other rater's gap. The
expected disagreement is the same sum over every way the units and gaps could have been laid out.
The overall alpha_u is ``1 - mean D_o / mean D_e`` over the categories.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, combinations

from annotations.model import Span

# (start, end, is_unit) pieces covering a rater's continuum for one category
_Segment = tuple[int, int, bool]


@dataclass(frozen=True, slots=True)
class CategoryAlpha:
    """One category's observed and expected disagreement and alpha_u (None when undefined)."""

    observed: float
    expected: float
    alpha: float | None


@dataclass(frozen=True, slots=True)
class AlphaU:
    """alpha_u over all categories and per category (None when no rater marked any unit)."""

    alpha: float | None
    per_category: dict[str, CategoryAlpha]


def alpha_u(units_by_rater: Sequence[Sequence[Span]], begin: int, length: int) -> AlphaU:
    """Krippendorff's alpha_u for raters' units (a Span's label is its category) on ``[begin, begin+length)``.

    A rater's units of one category must not overlap each other; units of different categories may.
    """
    categories = sorted({unit.label for units in units_by_rater for unit in units})
    per_category = {c: _category_alpha(units_by_rater, c, begin, length) for c in categories}
    if not per_category:
        return AlphaU(None, {})
    observed = sum(c.observed for c in per_category.values()) / len(per_category)
    expected = sum(c.expected for c in per_category.values()) / len(per_category)
    return AlphaU(_alpha(observed, expected), per_category)


def _alpha(observed: float, expected: float) -> float | None:
    """1 - D_o / D_e; None when the expected disagreement is zero (nothing to compare)."""
    return None if expected == 0 else 1.0 - observed / expected


def _category_alpha(
    units_by_rater: Sequence[Sequence[Span]], category: str, begin: int, length: int
) -> CategoryAlpha:
    """Observed and expected disagreement of one category."""
    segments = [_segments(units, category, begin, length) for units in units_by_rater]
    observed = _observed(segments, length)
    expected = _expected(segments, length)
    return CategoryAlpha(observed, expected, _alpha(observed, expected))


def _segments(units: Sequence[Span], category: str, begin: int, length: int) -> list[_Segment]:
    """The rater's units of ``category`` and the gaps around them, in order, covering the continuum."""
    result: list[_Segment] = []
    position = begin
    for unit in sorted(u for u in units if u.label == category):
        if unit.start > position:
            result.append((position, unit.start, False))
        result.append((unit.start, unit.end, True))
        position = unit.end
    if position < begin + length:
        result.append((position, begin + length, False))
    return result


def _observed(segments: Sequence[list[_Segment]], length: int) -> float:
    """D_o: the distances of every pair of segments that share a character, over every pair of raters."""
    raters = len(segments)
    if raters < 2 or length == 0:
        return 0.0
    total = sum(_pair_distance(first, second) for first, second in combinations(segments, 2))
    return 2.0 * total / (raters * (raters - 1) * length * length)


def _pair_distance(first: list[_Segment], second: list[_Segment]) -> int:
    """The summed distances between two raters' segments that intersect (a sweep over both)."""
    total = i = j = 0
    while i < len(first) and j < len(second):
        total += _distance(first[i], second[j])
        if first[i][1] <= second[j][1]:
            i += 1
        else:
            j += 1
    return total


def _distance(a: _Segment, b: _Segment) -> int:
    """Krippendorff's delta between two intersecting segments."""
    (a_start, a_end, a_unit), (b_start, b_end, b_unit) = a, b
    if not (a_start < b_end and b_start < a_end):
        return 0
    if a_unit and b_unit:
        return (a_start - b_start) ** 2 + (a_end - b_end) ** 2
    if a_unit and b_start <= a_start and a_end <= b_end:
        return (a_end - a_start) ** 2
    if b_unit and a_start <= b_start and b_end <= a_end:
        return (b_end - b_start) ** 2
    return 0


def _expected(segments: Sequence[list[_Segment]], length: int) -> float:
    """D_e: the disagreement expected if every unit and gap could lie anywhere (Krippendorff 1995)."""
    raters = len(segments)
    units = [end - start for rater in segments for start, end, is_unit in rater if is_unit]
    gaps = sorted(end - start for rater in segments for start, end, is_unit in rater if not is_unit)
    gap_sums = [0, *accumulate(gaps)]
    count = len(units)
    numerator = 0
    for unit in units:
        first = bisect.bisect_left(gaps, unit)  # gaps at least as long as the unit
        fitting = len(gaps) - first
        within = (gap_sums[-1] - gap_sums[first]) - fitting * (unit - 1)  # sum of (gap - unit + 1)
        numerator += (count - 1) * (2 * unit**3 - 3 * unit**2 + unit) / 3 + unit * unit * within
    denominator = raters * length * (raters * length - 1) - sum(u * (u - 1) for u in units)
    if numerator == 0 or denominator <= 0:
        return 0.0
    return 2.0 / length * numerator / denominator
