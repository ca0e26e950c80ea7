"""Interval estimates and period arithmetic for the published metrics (pure Python, no SciPy).

Everything here runs in the web process and in `chorus report`, so it depends on `math` alone;
SciPy and statsmodels serve only as test oracles (tests/reports/test_statistics.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

# The 97.5% point of the standard normal, to double precision (scipy.stats.norm.isf(0.025)).
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise ValueError(f"interval bounds out of order: {self.low} > {self.high}")


@dataclass(frozen=True, slots=True)
class Change:
    diff: float
    low: float
    high: float
    significant: bool


def wilson(positive: int, base: int, z: float = Z95) -> Interval:
    """Wilson (1927) score interval for the proportion positive / base.

    Chosen over the Wald interval because Wald collapses to zero width at 0% and 100% and
    under-covers badly for small bases, exactly where small groups of respondents sit; Brown,
    Cai & DasGupta (2001) recommend Wilson for n < 40 and find it competitive above.
    """
    _check_counts(positive, base)
    if not z > 0:
        raise ValueError("z must be positive")
    return _wilson(positive, base, z)


# Memoized behind the checks (True and 1 hash alike, so the cache must not see unchecked input):
# a report asks for the same few thousand (positive, base) pairs again and again, for each
# point and twice more in the changes either side of it; the result is immutable.
@lru_cache(maxsize=65536)
def _wilson(positive: int, base: int, z: float) -> Interval:
    p = positive / base
    z2 = z * z
    denominator = 1.0 + z2 / base
    centre = (p + z2 / (2.0 * base)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / base + z2 / (4.0 * base * base)) / denominator
    # At 0 and n the exact bounds are 0 and 1; rounding can land a hair outside, so pin them
    # (statsmodels clips the same way, which keeps the two comparable to the last digit).
    low = 0.0 if positive == 0 else max(0.0, centre - half)
    high = 1.0 if positive == base else min(1.0, centre + half)
    return Interval(low, high)


def newcombe_difference(p1: int, n1: int, p2: int, n2: int) -> Interval:
    """Interval for p2/n2 - p1/n1 (later period minus earlier), Newcombe (1998) method 10.

    The hybrid score interval combines the two Wilson intervals, so it inherits their good
    behaviour at 0%, 100% and small bases, where the Wald difference interval fails; Newcombe's
    comparison of eleven methods found it close to nominal coverage throughout. It matches
    statsmodels `confint_proportions_2indep(p2, n2, p1, n1, method="newcomb", compare="diff")`.
    """
    first, second = p1 / _checked_base(p1, n1), p2 / _checked_base(p2, n2)
    first_ci, second_ci = wilson(p1, n1), wilson(p2, n2)
    diff = second - first
    below = math.hypot(second - second_ci.low, first_ci.high - first)
    above = math.hypot(second_ci.high - second, first - first_ci.low)
    # Mathematically within [-1, 1] already; clamping only removes a stray last-bit excess.
    return Interval(max(-1.0, diff - below), min(1.0, diff + above))


def change(p1: int, n1: int, p2: int, n2: int) -> Change:
    """Change from period 1 to period 2, called significant only when its interval excludes 0."""
    interval = newcombe_difference(p1, n1, p2, n2)
    diff = p2 / n2 - p1 / n1
    # An interval that merely touches zero does not exclude it.
    significant = interval.low > 0.0 or interval.high < 0.0
    return Change(diff=diff, low=interval.low, high=interval.high, significant=significant)


def mean_interval(
    n: int, total: float, total_sq: float, confidence: float = 0.95
) -> tuple[float, Interval]:
    """Mean and Student t interval from COUNT(*), SUM(x) and SUM(x*x).

    Taking the three sums lets the database aggregate without shipping respondent rows.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError("a t interval needs at least two observations")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must lie strictly between 0 and 1")
    if not (math.isfinite(total) and math.isfinite(total_sq)) or total_sq < 0:
        raise ValueError("sums must be finite and the sum of squares non-negative")
    mean = total / n
    variance = (total_sq - mean * total) / (n - 1)
    # total_sq - mean * total cancels catastrophically when every value is the same; anything
    # this small relative to the mean square is rounding noise, not spread, so call it zero.
    if variance <= _ZERO_VARIANCE * (total_sq / n):
        return mean, Interval(mean, mean)
    half = _t_upper_quantile((1.0 - confidence) / 2.0, float(n - 1)) * math.sqrt(variance / n)
    return mean, Interval(mean - half, mean + half)


def t_quantile(probability: float, df: float) -> float:
    """Inverse CDF of Student's t with df >= 1 degrees of freedom (SciPy's t.ppf)."""
    if not 0.0 < probability < 1.0:
        raise ValueError("probability must lie strictly between 0 and 1")
    if probability == 0.5:
        return 0.0
    if probability < 0.5:
        return -_t_upper_quantile(probability, df)
    return _t_upper_quantile(1.0 - probability, df)


def rolling(points: Sequence[tuple[str, int, int]], window: int) -> list[tuple[str, int, int]]:
    """Sums of (positive, base) over the `window` calendar months ending at each month.

    A month with no row had no responses, so it adds zero rather than being skipped: skipping
    would quietly stretch a "rolling 12 months" over more than a year. Months whose window
    reaches before the first point are left out, since their sums would be incomplete.
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError("window must be a positive number of months")
    if not points:
        return []
    months = [_month_index(period) for period, _, _ in points]
    if any(later <= earlier for earlier, later in pairwise(months)):
        raise ValueError("periods must be in strictly increasing order")
    first = months[0]
    span = months[-1] - first + 1
    positives, bases = [0] * span, [0] * span
    for month, (_, positive, base) in zip(months, points, strict=True):
        # A month may have nobody in it; it may not have more positives than respondents.
        if not 0 <= positive <= base:
            raise ValueError(f"positive count {positive} outside 0..{base}")
        positives[month - first] = positive
        bases[month - first] = base
    result: list[tuple[str, int, int]] = []
    for end in range(window - 1, span):
        start = end - window + 1
        period = _period_of(first + end)
        result.append((period, sum(positives[start : end + 1]), sum(bases[start : end + 1])))
    return result


def quarter_of(period: str) -> str:
    """Calendar quarter of a "YYYY-MM" period: "2025-05" -> "2025-Q2"."""
    index = _month_index(period)
    return f"{index // 12:04d}-Q{index % 12 // 3 + 1}"


# --- internals --------------------------------------------------------------------------------

_ZERO_VARIANCE = 1e-12
_CF_EPS = 1e-15
_CF_TINY = 1e-300
_CF_MAX_ITERATIONS = 100_000


def _check_counts(positive: int, base: int) -> None:
    if base <= 0:
        raise ValueError("base must be positive: a proportion of nobody is undefined")
    if not 0 <= positive <= base:
        raise ValueError(f"positive count {positive} outside 0..{base}")


def _checked_base(positive: int, base: int) -> int:
    _check_counts(positive, base)
    return base


def _month_index(period: str) -> int:
    year_text, sep, month_text = period.partition("-")
    if not (
        sep
        and len(year_text) == 4
        and len(month_text) == 2
        and year_text.isdigit()
        and month_text.isdigit()
        and 1 <= int(month_text) <= 12
    ):
        raise ValueError(f"period {period!r} is not of the form YYYY-MM")
    return int(year_text) * 12 + int(month_text) - 1


def _period_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@lru_cache(maxsize=1024)
def _t_upper_quantile(tail: float, df: float) -> float:
    """The t with P(T > t) = tail, for 0 < tail < 0.5 (cached: reports reuse a few df)."""
    if not 0.0 < tail < 0.5:
        raise ValueError("upper tail probability must lie strictly between 0 and 0.5")
    if not (df >= 1.0 and math.isfinite(df)):
        raise ValueError("degrees of freedom must be at least 1")
    # One and two degrees of freedom have closed forms, and they bound every larger df from
    # above (heavier tails), which gives the solver a bracket.
    cauchy = 1.0 / math.tan(math.pi * tail)
    if df == 1.0:
        return cauchy
    if df == 2.0:
        return (1.0 - 2.0 * tail) / math.sqrt(2.0 * tail * (1.0 - tail))
    low, high = 0.0, cauchy
    t = min(_cornish_fisher(_normal_upper_quantile(tail), df), high)
    # Newton on the upper tail, falling back to bisection whenever a step leaves the bracket.
    # From the Cornish-Fisher start this takes one to three steps at the usual confidence
    # levels and rarely more than eight anywhere (df >= 3, tail >= 5e-7).
    for _ in range(200):
        excess = _t_upper_tail(t, df) - tail
        if excess > 0.0:
            low = t
        else:
            high = t
        density = _t_density(t, df)
        # Far out in the tail the density underflows to zero; bisect there instead.
        step = excess / density if density > 0.0 else math.inf
        # Newton converges quadratically, so once a step is this small the next would be
        # below rounding; demanding less would chase the noise in the tail probability.
        if abs(step) <= 1e-9 * max(1.0, t):
            return t + step
        t = t + step if low < t + step < high else 0.5 * (low + high)
        if high - low <= 1e-15 * high:
            return t
    return t


def _cornish_fisher(z: float, df: float) -> float:
    """Student t quantile from the normal one by the Cornish-Fisher expansion (A&S 26.7.5)."""
    z2 = z * z
    g1 = (z2 + 1.0) * z / 4.0
    g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0
    g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0
    g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0
    return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df


def _normal_upper_quantile(tail: float) -> float:
    """z with P(Z > z) = tail, for 0 < tail <= 0.5."""
    # Abramowitz & Stegun 26.2.23 (error < 4.5e-4), then Newton on erfc to full precision.
    w = math.sqrt(-2.0 * math.log(tail))
    z = w - (2.515517 + 0.802853 * w + 0.010328 * w * w) / (
        1.0 + 1.432788 * w + 0.189269 * w * w + 0.001308 * w * w * w
    )
    for _ in range(4):
        density = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
        z += (0.5 * math.erfc(z / math.sqrt(2.0)) - tail) / density
    return z


def _t_upper_tail(t: float, df: float) -> float:
    """P(T > t) for t >= 0: half the regularized incomplete beta I_x(df/2, 1/2), x = df/(df+t²)."""
    t2 = t * t
    # Form x and 1 - x separately: with df = 10^6 and t near 2, x is within 4e-6 of 1, and
    # computing 1 - x by subtraction would throw away the digits that matter.
    return 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2))


def _t_density(t: float, df: float) -> float:
    log_norm = -_log_gamma_difference(df / 2.0, 0.5) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1.0) / 2.0 * math.log1p(t * t / df))


def _incomplete_beta(a: float, b: float, x: float, y: float) -> float:
    """Regularized incomplete beta I_x(a, b), with y = 1 - x supplied exactly."""
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_x = math.log1p(-y) if y < 0.5 else math.log(x)
    log_y = math.log1p(-x) if x < 0.5 else math.log(y)
    front = math.exp(a * log_x + b * log_y - _log_beta(a, b))
    # The continued fraction converges quickly only below the mean (a+1)/(a+b+2); above it use
    # I_x(a, b) = 1 - I_y(b, a) (Numerical Recipes, 3rd ed., section 6.4). Against SciPy this
    # keeps P(T > t) within 1e-13 relative up to df = 10^4 and 1e-10 at df = 10^6.
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, y) / b


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta, evaluated by the modified Lentz method."""
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > _CF_TINY else _CF_TINY)
    h = d
    for m in range(1, _CF_MAX_ITERATIONS + 1):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((a + m2 - 1.0) * (a + m2)),
            -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _CF_TINY else _CF_TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _CF_TINY else _CF_TINY
            h *= d * c
        if abs(d * c - 1.0) < _CF_EPS:
            return h
    raise ArithmeticError("incomplete beta continued fraction did not converge")


def _log_beta(a: float, b: float) -> float:
    small, large = min(a, b), max(a, b)
    return math.lgamma(small) + _log_gamma_difference(large, small)


def _log_gamma_difference(a: float, b: float) -> float:
    """lgamma(a) - lgamma(a + b), without the cancellation of two huge lgamma values.

    With df = 10^6, lgamma(df/2) is about 6e6, so subtracting two of them leaves only nine
    significant digits; the Stirling series written as a difference keeps them all.
    """
    if a < 10.0:
        return math.lgamma(a) - math.lgamma(a + b)
    c = a + b
    return (
        -(a - 0.5) * math.log1p(b / a)
        - b * math.log(c)
        + b
        + _stirling_correction(a)
        - _stirling_correction(c)
    )


def _stirling_correction(x: float) -> float:
    """lgamma(x) - ((x - 1/2) log x - x + log(2 pi)/2); truncation error < 1e-11 for x >= 10."""
    r = 1.0 / (x * x)
    return (1.0 / 12.0 - r * (1.0 / 360.0 - r * (1.0 / 1260.0 - r / 1680.0))) / x
