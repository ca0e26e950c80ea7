"""Tests for reports.disclosure: nothing small is shown, and nothing hidden can be worked out.

The reader modelled here sees every shown cell and total, knows that counts are non-negative
integers, and solves the additive relations (cells sum to their row and column totals, totals
to the grand total). A hidden value is disclosed when only one value fits. Two independent
checks look for that: enumeration of every nearby table (complete, because the relations form
a transportation network: any second solution can be reached by moving entries by at most one
around a cycle) and, for larger tables, linear programming with SciPy.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from reports.disclosure import (
    MIN_CELL_FLOOR,
    Cell,
    SuppressedTable,
    check_min_cell,
    percent_shown,
    round_public,
    suppress_small_cells,
    suppress_table,
)

COUNTS = st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 20, 35, 60])
MIN_CELLS = st.integers(min_value=MIN_CELL_FLOOR, max_value=12)


SMALL = Cell(value=None, suppressed=True, reason="small")
SECONDARY = Cell(value=None, suppressed=True, reason="secondary")


def values(cells: Sequence[Cell]) -> list[int | str]:
    return [cell.value if cell.value is not None else str(cell.reason) for cell in cells]


# --- the reader's view ------------------------------------------------------------------------


def published_lines(
    rows: Sequence[Sequence[int]], table: SuppressedTable
) -> Iterator[tuple[list[tuple[int, int]], int]]:
    """Each shown total with the body cells it adds up."""
    height, width = len(rows), len(rows[0])
    for r, total in enumerate(table.row_totals):
        if not total.suppressed:
            yield [(r, c) for c in range(width)], sum(rows[r])
    for c, total in enumerate(table.column_totals):
        if not total.suppressed:
            yield [(r, c) for r in range(height)], sum(row[c] for row in rows)
    if not table.grand_total.suppressed:
        yield [(r, c) for r in range(height) for c in range(width)], sum(map(sum, rows))


def protected_quantities(
    rows: Sequence[Sequence[int]], table: SuppressedTable
) -> list[list[tuple[int, int]]]:
    """Every suppressed cell and suppressed total, as the body cells it is the sum of."""
    height, width = len(rows), len(rows[0])
    quantities = [
        [(r, c)] for r in range(height) for c in range(width) if table.cells[r][c].suppressed
    ]
    quantities += [
        [(r, c) for c in range(width)]
        for r, total in enumerate(table.row_totals)
        if total.suppressed
    ]
    quantities += [
        [(r, c) for r in range(height)]
        for c, total in enumerate(table.column_totals)
        if total.suppressed
    ]
    if table.grand_total.suppressed:
        quantities.append([(r, c) for r in range(height) for c in range(width)])
    return quantities


def disclosed_by_enumeration(
    rows: Sequence[Sequence[int]], table: SuppressedTable
) -> list[list[tuple[int, int]]]:
    """Suppressed quantities that every table consistent with the published one agrees on."""
    hidden_cells = [
        (r, c) for r, row in enumerate(table.cells) for c, cell in enumerate(row) if cell.suppressed
    ]
    lines = list(published_lines(rows, table))
    quantities = protected_quantities(rows, table)
    seen: list[set[int]] = [set() for _ in quantities]
    for moves in itertools.product((-1, 0, 1), repeat=len(hidden_cells)):
        candidate = [list(row) for row in rows]
        for (r, c), move in zip(hidden_cells, moves, strict=True):
            candidate[r][c] += move
        if any(candidate[r][c] < 0 for r, c in hidden_cells):
            continue
        if any(sum(candidate[r][c] for r, c in cells) != total for cells, total in lines):
            continue
        for found, cells in zip(seen, quantities, strict=True):
            found.add(sum(candidate[r][c] for r, c in cells))
    return [cells for found, cells in zip(seen, quantities, strict=True) if len(found) < 2]


def disclosed_by_linear_programming(
    rows: Sequence[Sequence[int]], table: SuppressedTable
) -> list[list[tuple[int, int]]]:
    """The same question answered by minimising and maximising each quantity with SciPy."""
    hidden_cells = [
        (r, c) for r, row in enumerate(table.cells) for c, cell in enumerate(row) if cell.suppressed
    ]
    index = {cell: i for i, cell in enumerate(hidden_cells)}
    equations, right = [], []
    for cells, total in published_lines(rows, table):
        equations.append([1.0 if cell in {*cells} else 0.0 for cell in hidden_cells])
        right.append(total - sum(rows[r][c] for r, c in cells if (r, c) not in index))
    disclosed = []
    for cells in protected_quantities(rows, table):
        objective = [0.0] * len(hidden_cells)
        for cell in cells:
            if cell in index:
                objective[index[cell]] = 1.0
        extremes = []
        for sign in (1.0, -1.0):
            result = linprog(
                [sign * weight for weight in objective],
                A_eq=equations or None,
                b_eq=right or None,
                bounds=(0, None),
                method="highs",
            )
            assert result.status in (0, 3), result.message  # optimal, or unbounded
            extremes.append(sign * result.fun if result.status == 0 else float("inf"))
        if extremes[1] - extremes[0] < 0.5:
            disclosed.append(cells)
    return disclosed


@st.composite
def tables(draw: st.DrawFn, max_rows: int, max_columns: int) -> list[list[int]]:
    height = draw(st.integers(min_value=1, max_value=max_rows))
    width = draw(st.integers(min_value=1, max_value=max_columns))
    return draw(
        st.lists(st.lists(COUNTS, min_size=width, max_size=width), min_size=height, max_size=height)
    )


def assert_nothing_small_is_shown(
    rows: Sequence[Sequence[int]], table: SuppressedTable, min_cell: int
) -> None:
    for row, cells in zip(rows, table.cells, strict=True):
        for count, cell in zip(row, cells, strict=True):
            assert cell.suppressed or cell.value == count >= min_cell
            assert cell.suppressed == (cell.value is None)
            assert (cell.reason == "small") == (cell.suppressed and count < min_cell)
    totals = [
        *zip(map(sum, rows), table.row_totals, strict=False),
        *zip(map(sum, zip(*rows, strict=True)), table.column_totals, strict=False),
        (sum(map(sum, rows)), table.grand_total),
    ]
    for count, cell in totals:
        assert cell.suppressed or cell.value == count >= min_cell
        assert (cell.reason == "small") == (count < min_cell)


def assert_no_shown_total_has_exactly_one_hidden_cell(
    rows: Sequence[Sequence[int]], table: SuppressedTable
) -> None:
    for cells, _ in published_lines(rows, table):
        suppressed = sum(table.cells[r][c].suppressed for r, c in cells)
        assert suppressed != 1, f"one hidden cell among {cells} can be subtracted out"
    if not table.grand_total.suppressed:
        for margin in (table.row_totals, table.column_totals):
            assert sum(total.suppressed for total in margin) != 1


def test_the_audits_notice_hidden_zeros_given_away_by_their_total() -> None:
    # What the "never exactly one hidden cell" rule alone would publish: 0 + 0 = 20 - 20.
    rows = [[20, 0, 0]]
    leaky = SuppressedTable(
        cells=[[Cell(20, False, None), SMALL, SMALL]],
        row_totals=[Cell(20, False, None)],
        column_totals=[],
        grand_total=Cell(20, False, None),
    )

    assert disclosed_by_enumeration(rows, leaky) == [[(0, 1)], [(0, 2)]]
    assert disclosed_by_linear_programming(rows, leaky) == [[(0, 1)], [(0, 2)]]
    assert values(suppress_table(rows, 10, row_totals=True, column_totals=False).cells[0]) == [
        "secondary",
        "small",
        "small",
    ]


# --- min_cell ---------------------------------------------------------------------------------


def test_min_cell_of_five_or_more_is_accepted() -> None:
    assert check_min_cell(5) == 5
    assert check_min_cell(10) == 10


@pytest.mark.parametrize("min_cell", [4, 1, 0, -10])
def test_min_cell_below_five_is_refused_everywhere(min_cell: int) -> None:
    with pytest.raises(ValueError, match="at least 5"):
        check_min_cell(min_cell)
    with pytest.raises(ValueError, match="at least 5"):
        suppress_small_cells([1, 20], min_cell, total_shown=False)
    with pytest.raises(ValueError, match="at least 5"):
        suppress_table([[1, 20]], min_cell, row_totals=True, column_totals=True)
    with pytest.raises(ValueError, match="at least 5"):
        percent_shown(3, 10, min_cell)


def test_min_cell_must_be_a_whole_number() -> None:
    with pytest.raises(TypeError):
        check_min_cell(7.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        check_min_cell(True)


# --- one row ----------------------------------------------------------------------------------


def test_counts_under_min_cell_are_hidden_as_small() -> None:
    cells = suppress_small_cells([3, 12, 40, 9], 10, total_shown=False)

    assert cells == [SMALL, Cell(12, False, None), Cell(40, False, None), SMALL]


def test_a_lone_small_cell_takes_the_next_smallest_with_it_when_the_total_is_shown() -> None:
    assert values(suppress_small_cells([3, 40, 12, 25], 10, total_shown=True)) == [
        "small",
        40,
        "secondary",
        25,
    ]


def test_without_a_total_a_lone_small_cell_is_hidden_alone() -> None:
    assert values(suppress_small_cells([3, 40, 12, 25], 10, total_shown=False)) == [
        "small",
        40,
        12,
        25,
    ]


def test_two_small_cells_protect_each_other() -> None:
    assert values(suppress_small_cells([3, 4, 100, 200], 10, total_shown=True)) == [
        "small",
        "small",
        100,
        200,
    ]


def test_zeros_are_small_and_hidden_too() -> None:
    assert values(suppress_small_cells([0, 50, 60], 10, total_shown=False)) == ["small", 50, 60]


def test_hidden_zeros_take_a_non_zero_cell_with_them_since_a_hidden_sum_of_0_gives_them_away() -> (
    None
):
    cells = suppress_small_cells([0, 0, 100, 200], 10, total_shown=True)

    assert values(cells) == ["small", "small", "secondary", 200]


def test_a_min_cell_of_five_shows_counts_from_five() -> None:
    assert values(suppress_small_cells([4, 5, 6], 5, total_shown=False)) == ["small", 5, 6]


def test_a_total_under_min_cell_cannot_be_shown() -> None:
    with pytest.raises(ValueError, match="must not be shown"):
        suppress_small_cells([3, 2], 10, total_shown=True)
    with pytest.raises(ValueError, match="must not be shown"):
        suppress_small_cells([4], 5, total_shown=True)


def test_no_counts_give_no_cells() -> None:
    assert suppress_small_cells([], 10, total_shown=True) == []


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        suppress_small_cells([5, -1], 5, total_shown=False)


def possible_values(hidden_count: int, hidden_sum: int) -> list[set[int]]:
    """Brute force: each hidden cell's values over every split of the known hidden sum."""
    found: list[set[int]] = [set() for _ in range(hidden_count)]
    for split in itertools.product(range(hidden_sum + 1), repeat=hidden_count):
        if sum(split) == hidden_sum:
            for values_seen, value in zip(found, split, strict=True):
                values_seen.add(value)
    return found


@settings(max_examples=300)
@given(st.lists(COUNTS, min_size=1, max_size=4), MIN_CELLS, st.booleans())
def test_one_row_shows_nothing_small_and_hides_nothing_that_subtraction_recovers(
    counts: list[int], min_cell: int, total_shown: bool
) -> None:
    if total_shown and sum(counts) < min_cell:
        with pytest.raises(ValueError):
            suppress_small_cells(counts, min_cell, total_shown=total_shown)
        return

    cells = suppress_small_cells(counts, min_cell, total_shown=total_shown)

    assert len(cells) == len(counts)
    for count, cell in zip(counts, cells, strict=True):
        if count < min_cell:
            assert cell == SMALL
        else:
            assert cell in (Cell(count, False, None), SECONDARY)
    hidden_values = [count for count, cell in zip(counts, cells, strict=True) if cell.suppressed]
    if not total_shown:
        assert SECONDARY not in cells  # nothing to subtract from, so nothing more to hide
        return
    assert len(hidden_values) != 1
    for values_seen in possible_values(len(hidden_values), sum(hidden_values)):
        assert len(values_seen) >= 2


# --- two-way tables ---------------------------------------------------------------------------


def test_a_lone_small_cell_in_a_table_is_protected_by_a_rectangle() -> None:
    rows = [[3, 20, 30, 40], [25, 26, 27, 28], [31, 32, 33, 34]]

    table = suppress_table(rows, 10, row_totals=True, column_totals=True)

    assert [values(row) for row in table.cells] == [
        ["small", "secondary", 30, 40],
        ["secondary", "secondary", 27, 28],
        [31, 32, 33, 34],
    ]
    assert values(table.row_totals) == [93, 106, 130]
    assert values(table.column_totals) == [59, 78, 90, 102]
    assert table.grand_total == Cell(329, False, None)
    assert disclosed_by_enumeration(rows, table) == []


def test_a_block_of_hidden_zeros_is_not_given_away_by_its_totals() -> None:
    rows = [[0, 0, 50], [0, 0, 60], [40, 70, 80]]

    table = suppress_table(rows, 10, row_totals=True, column_totals=True)

    assert disclosed_by_enumeration(rows, table) == []
    assert disclosed_by_linear_programming(rows, table) == []
    assert table.grand_total == Cell(300, False, None)


def test_a_row_with_only_one_cell_has_its_total_hidden_instead() -> None:
    rows = [[3], [20], [30]]

    table = suppress_table(rows, 10, row_totals=True, column_totals=True)

    assert [values(row) for row in table.cells] == [["small"], ["secondary"], [30]]
    assert values(table.row_totals) == ["small", "secondary", 30]
    assert values(table.column_totals) == [53]
    assert disclosed_by_enumeration(rows, table) == []


def test_a_small_row_total_is_hidden_and_cannot_be_recovered_from_the_others() -> None:
    rows = [[3, 2], [20, 40]]

    table = suppress_table(rows, 10, row_totals=True, column_totals=True)

    assert table.row_totals[0] == SMALL
    assert table.row_totals[1].suppressed
    assert disclosed_by_enumeration(rows, table) == []


def test_a_small_grand_total_is_hidden() -> None:
    table = suppress_table([[1, 2], [0, 3]], 10, row_totals=False, column_totals=False)

    assert table.grand_total == SMALL
    assert all(cell == SMALL for row in table.cells for cell in row)


def test_totals_not_asked_for_are_not_returned() -> None:
    table = suppress_table([[12, 20], [30, 40]], 10, row_totals=False, column_totals=True)

    assert table.row_totals == []
    assert values(table.column_totals) == [42, 60]
    assert table.grand_total == Cell(102, False, None)


def test_the_grand_total_counts_as_shown_even_without_margins() -> None:
    rows = [[3, 20], [25, 40]]

    table = suppress_table(rows, 10, row_totals=False, column_totals=False)

    assert sum(cell.suppressed for row in table.cells for cell in row) >= 2
    assert disclosed_by_enumeration(rows, table) == []


def test_ragged_or_empty_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="same number"):
        suppress_table([[1, 2], [3]], 10, row_totals=True, column_totals=True)
    with pytest.raises(ValueError, match="at least one"):
        suppress_table([], 10, row_totals=True, column_totals=True)


@settings(max_examples=300, deadline=None)
@given(tables(max_rows=3, max_columns=3), MIN_CELLS, st.booleans(), st.booleans())
def test_small_tables_show_nothing_small_and_no_hidden_value_can_be_worked_out(
    rows: list[list[int]], min_cell: int, row_totals: bool, column_totals: bool
) -> None:
    table = suppress_table(rows, min_cell, row_totals=row_totals, column_totals=column_totals)

    assert_nothing_small_is_shown(rows, table, min_cell)
    assert_no_shown_total_has_exactly_one_hidden_cell(rows, table)
    assert disclosed_by_enumeration(rows, table) == []


@settings(max_examples=60, deadline=None)
@given(tables(max_rows=5, max_columns=6), MIN_CELLS, st.booleans(), st.booleans())
def test_larger_tables_pass_a_linear_programming_audit(
    rows: list[list[int]], min_cell: int, row_totals: bool, column_totals: bool
) -> None:
    assume(sum(map(len, rows)) > 9)
    table = suppress_table(rows, min_cell, row_totals=row_totals, column_totals=column_totals)

    assert_nothing_small_is_shown(rows, table, min_cell)
    assert_no_shown_total_has_exactly_one_hidden_cell(rows, table)
    assert disclosed_by_linear_programming(rows, table) == []


@settings(max_examples=100, deadline=None)
@given(st.lists(COUNTS, min_size=1, max_size=4), MIN_CELLS)
def test_one_row_agrees_with_a_one_row_table_with_its_total(
    counts: list[int], min_cell: int
) -> None:
    assume(sum(counts) >= min_cell)

    cells = suppress_small_cells(counts, min_cell, total_shown=True)
    table = suppress_table([counts], min_cell, row_totals=True, column_totals=False)

    assert table.cells == [cells]
    assert table.row_totals == [Cell(sum(counts), False, None)]


# --- rounding and percentages -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "rounded"),
    [(0, 0), (2, 0), (3, 5), (7, 5), (8, 10), (10, 10), (12, 10), (13, 15), (1002, 1000)],
)
def test_public_counts_round_to_the_nearest_five(count: int, rounded: int) -> None:
    assert round_public(count) == rounded


def test_public_rounding_to_ten_rounds_halves_up() -> None:
    assert round_public(15, base=10) == 20
    assert round_public(14, base=10) == 10


def test_public_rounding_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        round_public(-3)


@given(st.integers(min_value=0, max_value=10**9))
def test_public_rounding_is_a_nearby_non_negative_multiple_of_five(count: int) -> None:
    rounded = round_public(count)

    assert rounded >= 0
    assert rounded % 5 == 0
    assert abs(rounded - count) <= 2


def test_a_percentage_is_shown_only_on_a_base_of_at_least_min_cell() -> None:
    assert percent_shown(3, 10, 10)
    assert not percent_shown(3, 9, 10)
    assert percent_shown(0, 5, 5)
    assert not percent_shown(0, 0, 5)


def test_a_percentage_with_more_positives_than_respondents_is_refused() -> None:
    with pytest.raises(ValueError):
        percent_shown(11, 10, 10)
