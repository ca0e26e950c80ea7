"""Known-answer and property tests for reports.statistics, with statsmodels and SciPy as oracles."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from reports.statistics import (
    Z95,
    Change,
    Interval,
    change,
    mean_interval,
    newcombe_difference,
    quarter_of,
    rolling,
    t_quantile,
    wilson,
)

BASES = (1, 2, 5, 10, 37, 100, 1000)


def counts_for(base: int) -> list[int]:
    """0, n and several proportions in between."""
    return sorted({0, 1, base // 10, base // 3, base // 2, (2 * base) // 3, base - 1, base})


GRID = [(positive, base) for base in BASES for positive in counts_for(base)]


@st.composite
def proportions(draw: st.DrawFn) -> tuple[int, int]:
    base = draw(st.integers(min_value=1, max_value=5000))
    return draw(st.integers(min_value=0, max_value=base)), base


# --- wilson -----------------------------------------------------------------------------------


def test_z95_is_the_normal_97_5_percent_point() -> None:
    assert stats.norm.isf(0.025) == pytest.approx(Z95, abs=1e-15)


@pytest.mark.parametrize(("positive", "base"), GRID)
def test_wilson_matches_statsmodels(positive: int, base: int) -> None:
    low, high = proportion_confint(positive, base, alpha=0.05, method="wilson")

    interval = wilson(positive, base)

    assert interval.low == pytest.approx(low, abs=1e-12)
    assert interval.high == pytest.approx(high, abs=1e-12)


def test_wilson_is_exactly_zero_at_zero_and_one_at_all() -> None:
    assert wilson(0, 37).low == 0.0
    assert wilson(37, 37).high == 1.0


def test_wilson_of_nobody_is_refused() -> None:
    with pytest.raises(ValueError, match="base"):
        wilson(0, 0)


def test_wilson_refuses_more_positives_than_respondents() -> None:
    with pytest.raises(ValueError):
        wilson(11, 10)
    with pytest.raises(ValueError):
        wilson(-1, 10)


def test_wilson_with_another_z_matches_statsmodels_at_that_level() -> None:
    low, high = proportion_confint(7, 30, alpha=0.10, method="wilson")

    interval = wilson(7, 30, z=stats.norm.isf(0.05))

    assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-12)


@given(proportions())
def test_wilson_contains_the_observed_share_and_stays_in_0_1(case: tuple[int, int]) -> None:
    positive, base = case

    interval = wilson(positive, base)

    assert 0.0 <= interval.low <= positive / base <= interval.high <= 1.0


# --- newcombe ---------------------------------------------------------------------------------


def test_newcombe_reproduces_the_worked_example_in_newcombe_1998() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 against 48/80.
    interval = newcombe_difference(48, 80, 56, 70)

    assert interval.low == pytest.approx(0.0524, abs=5e-5)
    assert interval.high == pytest.approx(0.3339, abs=5e-5)
    assert change(48, 80, 56, 70).diff == pytest.approx(0.2, abs=1e-15)


def test_newcombe_matches_statsmodels_over_a_grid_of_counts() -> None:
    mismatches = []
    for p1, n1 in GRID:
        for p2, n2 in GRID:
            low, high = confint_proportions_2indep(
                count1=p2, nobs1=n2, count2=p1, nobs2=n1, method="newcomb", compare="diff"
            )
            interval = newcombe_difference(p1, n1, p2, n2)
            if abs(interval.low - low) > 1e-9 or abs(interval.high - high) > 1e-9:
                mismatches.append(((p1, n1, p2, n2), (interval.low, interval.high), (low, high)))

    assert len(GRID) ** 2 > 1500
    assert mismatches == []


def test_newcombe_is_antisymmetric_in_the_two_periods() -> None:
    forward = newcombe_difference(12, 40, 30, 50)
    backward = newcombe_difference(30, 50, 12, 40)

    assert forward.low == pytest.approx(-backward.high, abs=1e-15)
    assert forward.high == pytest.approx(-backward.low, abs=1e-15)


def test_newcombe_of_an_empty_period_is_refused() -> None:
    with pytest.raises(ValueError):
        newcombe_difference(0, 0, 3, 10)


@given(proportions(), proportions())
def test_newcombe_contains_the_observed_difference_and_stays_in_minus_1_1(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    (p1, n1), (p2, n2) = first, second

    interval = newcombe_difference(p1, n1, p2, n2)

    assert -1.0 <= interval.low <= p2 / n2 - p1 / n1 <= interval.high <= 1.0


# --- change -----------------------------------------------------------------------------------


def test_a_rise_from_60_to_80_percent_on_these_bases_is_significant() -> None:
    result = change(48, 80, 56, 70)

    assert isinstance(result, Change)
    assert result.diff == pytest.approx(0.2)
    assert (result.low, result.high) == pytest.approx((0.0524315, 0.3338727), abs=1e-7)
    assert result.significant


def test_a_fall_is_significant_when_the_whole_interval_is_below_zero() -> None:
    fall = change(56, 70, 48, 80)

    assert fall.diff == pytest.approx(-0.2)
    assert fall.high < 0
    assert fall.significant


def test_a_change_of_one_respondent_in_ten_is_not_significant() -> None:
    result = change(5, 10, 6, 10)

    assert result.low < 0 < result.high
    assert not result.significant


def test_no_change_at_all_is_not_significant_even_at_0_percent() -> None:
    result = change(0, 1000, 0, 1000)

    assert result.diff == 0.0
    assert not result.significant


@given(proportions(), proportions())
def test_change_is_significant_exactly_when_its_interval_excludes_zero(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    (p1, n1), (p2, n2) = first, second

    result = change(p1, n1, p2, n2)

    interval = newcombe_difference(p1, n1, p2, n2)
    assert (result.low, result.high) == (interval.low, interval.high)
    assert result.significant == (not result.low <= 0.0 <= result.high)


# --- t quantile and mean interval ------------------------------------------------------------

DEGREES = (1, 2, 3, 4, 5, 7, 10, 19, 20, 21, 30, 50, 100, 1000, 10**4, 10**5, 10**6)
PROBABILITIES = (0.001, 0.025, 0.05, 0.1, 0.25, 0.6, 0.9, 0.95, 0.975, 0.99, 0.995, 0.9995)


@pytest.mark.parametrize("df", DEGREES)
def test_t_quantile_matches_scipy_to_1e_9(df: int) -> None:
    for probability in PROBABILITIES:
        expected = stats.t.ppf(probability, df)

        assert t_quantile(probability, df) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_t_quantile_is_zero_at_the_median_and_refuses_0_and_1() -> None:
    assert t_quantile(0.5, 7) == 0.0
    for probability in (0.0, 1.0):
        with pytest.raises(ValueError):
            t_quantile(probability, 7)


def test_t_quantile_refuses_fewer_than_one_degree_of_freedom() -> None:
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_quantile(0.975, 0.5)


@given(
    st.floats(min_value=1.0, max_value=1e6),
    st.floats(min_value=1e-6, max_value=1 - 1e-6).filter(lambda p: abs(p - 0.5) > 1e-3),
)
def test_t_quantile_agrees_with_scipy_for_any_df_and_probability(
    df: float, probability: float
) -> None:
    expected = stats.t.ppf(probability, df)

    assert t_quantile(probability, df) == pytest.approx(expected, rel=1e-8)


def sums(values: list[float]) -> tuple[int, float, float]:
    return len(values), math.fsum(values), math.fsum(v * v for v in values)


@pytest.mark.parametrize("n", [2, 3, 5, 10, 37, 100, 1000, 20000])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_mean_interval_matches_scipy_t_interval(n: int, confidence: float) -> None:
    generator = random.Random(n)
    # Trust-index-like scores: respondent means of 0/25/50/75/100 items.
    values = [generator.choice([0, 25, 50, 62.5, 75, 100]) for _ in range(n)]
    if len(set(values)) == 1:
        values[0] = 0.0 if values[0] else 100.0
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    low, high = stats.t.interval(confidence, n - 1, loc=mean, scale=sd / math.sqrt(n))

    estimate, interval = mean_interval(*sums(values), confidence=confidence)

    assert estimate == pytest.approx(mean, rel=1e-12)
    assert interval.low == pytest.approx(low, rel=1e-9, abs=1e-9)
    assert interval.high == pytest.approx(high, rel=1e-9, abs=1e-9)


def test_mean_interval_of_two_scores() -> None:
    # 40 and 60: mean 50, sd 14.142..., se 10, t(0.975, 1) = 12.7062...
    estimate, interval = mean_interval(2, 100.0, 40.0**2 + 60.0**2)

    assert estimate == 50.0
    assert interval.low == pytest.approx(50 - 10 * 12.706204736174707, rel=1e-12)
    assert interval.high == pytest.approx(50 + 10 * 12.706204736174707, rel=1e-12)


def test_mean_interval_of_identical_scores_has_zero_width() -> None:
    value = 100.0 / 3.0  # not exactly representable, so the sums carry rounding
    estimate, interval = mean_interval(*sums([value] * 777))

    assert estimate == pytest.approx(value, rel=1e-15)
    assert interval == Interval(estimate, estimate)


def test_mean_interval_needs_two_respondents() -> None:
    for n in (0, 1):
        with pytest.raises(ValueError, match="two"):
            mean_interval(n, 50.0 * n, 2500.0 * n)


def test_mean_interval_refuses_a_confidence_outside_0_1() -> None:
    with pytest.raises(ValueError, match="confidence"):
        mean_interval(10, 500.0, 26000.0, confidence=1.0)


@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=2, max_size=200))
def test_mean_interval_contains_the_mean(values: list[float]) -> None:
    estimate, interval = mean_interval(*sums(values))

    assert interval.low <= estimate <= interval.high


# --- rolling and quarters ---------------------------------------------------------------------

POINTS = [("2024-11", 1, 2), ("2025-01", 3, 4), ("2025-02", 5, 6)]


def test_rolling_three_months_counts_a_missing_month_as_zero() -> None:
    assert rolling(POINTS, 3) == [("2025-01", 4, 6), ("2025-02", 8, 10)]


def test_rolling_one_month_fills_in_the_missing_month_with_zeros() -> None:
    assert rolling(POINTS, 1) == [
        ("2024-11", 1, 2),
        ("2024-12", 0, 0),
        ("2025-01", 3, 4),
        ("2025-02", 5, 6),
    ]


def test_rolling_twelve_months_starts_once_a_full_year_is_covered() -> None:
    points = [(f"2024-{month:02d}", month, 20) for month in range(1, 13)] + [("2025-01", 1, 20)]

    assert rolling(points, 12) == [("2024-12", 78, 240), ("2025-01", 78, 240)]


def test_rolling_over_a_window_longer_than_the_data_is_empty() -> None:
    assert rolling(POINTS, 5) == []
    assert rolling([], 3) == []


def test_rolling_refuses_periods_out_of_order_or_repeated() -> None:
    with pytest.raises(ValueError, match="increasing"):
        rolling([("2025-02", 1, 1), ("2025-01", 1, 1)], 1)
    with pytest.raises(ValueError, match="increasing"):
        rolling([("2025-01", 1, 1), ("2025-01", 1, 1)], 1)


def test_rolling_accepts_a_month_with_nobody_but_not_impossible_counts() -> None:
    assert rolling([("2025-01", 0, 0)], 1) == [("2025-01", 0, 0)]
    with pytest.raises(ValueError, match="outside"):
        rolling([("2025-01", 3, 2)], 1)


def test_rolling_refuses_a_malformed_period_or_window() -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        rolling([("2025-13", 1, 1)], 1)
    with pytest.raises(ValueError, match="window"):
        rolling(POINTS, 0)


@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 30), st.integers(0, 30)),
        min_size=1,
        max_size=25,
        unique_by=lambda point: point[0],
    ),
    st.integers(min_value=1, max_value=13),
)
def test_rolling_agrees_with_summing_each_window_by_hand(
    raw: list[tuple[int, int, int]], window: int
) -> None:
    raw.sort()
    start = 2023 * 12 + 10  # November 2023, so windows cross year ends
    by_month = {start + offset: (min(p, b), b) for offset, p, b in raw}
    points = [(f"{m // 12}-{m % 12 + 1:02d}", p, b) for m, (p, b) in sorted(by_month.items())]
    first, last = min(by_month), max(by_month)

    expected = [
        (
            f"{end // 12}-{end % 12 + 1:02d}",
            sum(by_month.get(m, (0, 0))[0] for m in range(end - window + 1, end + 1)),
            sum(by_month.get(m, (0, 0))[1] for m in range(end - window + 1, end + 1)),
        )
        for end in range(first + window - 1, last + 1)
    ]
    assert rolling(points, window) == expected


@pytest.mark.parametrize(
    ("period", "quarter"),
    [
        ("2025-01", "2025-Q1"),
        ("2025-03", "2025-Q1"),
        ("2025-04", "2025-Q2"),
        ("2025-05", "2025-Q2"),
        ("2025-09", "2025-Q3"),
        ("2025-10", "2025-Q4"),
        ("2025-12", "2025-Q4"),
    ],
)
def test_quarter_of_a_month(period: str, quarter: str) -> None:
    assert quarter_of(period) == quarter


@pytest.mark.parametrize("period", ["2025-5", "2025-00", "25-05", "2025/05", "2025-05-01", ""])
def test_quarter_of_a_malformed_period_is_refused(period: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        quarter_of(period)
