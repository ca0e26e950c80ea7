"""Disclosure control: which counts may be shown, and which must be hidden along with them.

DOMAIN.md section 4: a cell based on fewer than MIN_CELL respondents is not shown (ONS "10-5"
rule: default 10, never below 5), and where a total is shown, enough other cells are hidden that
no hidden value can be worked out by subtraction.

The model of the reader ("intruder") is the usual audit model for additive tables (Hundepool
et al., Statistical Disclosure Control, 2012, section 4.2.3): they see every shown cell and total,
know that hidden counts are non-negative integers, and solve the table's additive relations. A
hidden value is disclosed when those relations allow exactly one value for it. Protection is
checked exactly (see `_Grid._pinned`), not only by the "never exactly one hidden cell in a line"
rule, because that rule alone misses two leaks: hidden cells that are all zero (a hidden sum of
0 forces each of them to 0), and a hidden cell linking two otherwise protected blocks, whose
value follows from subtracting one block's relations from the other's.

The reason ("small" or "secondary") is for the managers' view and the tests; a public page must
render every suppressed cell alike, since knowing which hidden cells are under MIN_CELL narrows
their range and can pin them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final, Literal

MIN_CELL_FLOOR = 5

Reason = Literal["small", "secondary"]


@dataclass(frozen=True, slots=True)
class Cell:
    value: int | None  # None when suppressed
    suppressed: bool
    reason: Reason | None


@dataclass(frozen=True, slots=True)
class SuppressedTable:
    cells: list[list[Cell]]
    row_totals: list[Cell]  # empty when row totals are not shown
    column_totals: list[Cell]  # empty when column totals are not shown
    grand_total: Cell


def check_min_cell(min_cell: int) -> int:
    """The threshold itself, refused below the floor of 5 whatever the configuration says."""
    if isinstance(min_cell, bool) or not isinstance(min_cell, int):
        raise TypeError("min_cell must be an integer")
    if min_cell < MIN_CELL_FLOOR:
        raise ValueError(f"min_cell must be at least {MIN_CELL_FLOOR}, got {min_cell}")
    return min_cell


def suppress_small_cells(counts: Sequence[int], min_cell: int, *, total_shown: bool) -> list[Cell]:
    """One row of counts: hide those under min_cell, and enough others to stop subtraction.

    With the total shown, a single hidden cell is the total minus the shown ones, so the next
    smallest cell is hidden too; and hidden cells that are all zero are betrayed by their sum
    of 0, so a non-zero cell joins them. A total under min_cell cannot be shown at all (its
    cells would all be hidden and their sum would still give the group away): that raises
    ValueError; use `suppress_table` with `row_totals=True` to have the total hidden instead.
    """
    check_min_cell(min_cell)
    _check_counts(counts)
    if not counts:
        return []
    if total_shown and sum(counts) < min_cell:
        raise ValueError(
            f"a total of {sum(counts)} is under min_cell {min_cell} and must not be shown"
        )
    if min(counts) >= min_cell:
        # Nothing is hidden, so nothing can be worked out: the common case, without the grid.
        return [Cell(value=count, suppressed=False, reason=None) for count in counts]
    grid = _Grid(
        [list(counts)], min_cell, row_totals=total_shown, column_totals=False, grand=total_shown
    )
    grid.protect()
    # With a total of at least min_cell there is always a non-zero cell to hide instead, and
    # cells are always preferred to totals; this only guards that argument.
    if total_shown and grid.state[0][grid.columns] != _SHOWN:  # pragma: no cover
        raise RuntimeError("the row total would have had to be hidden")
    return grid.row_cells(0)


def suppress_table(
    rows: Sequence[Sequence[int]], min_cell: int, *, row_totals: bool, column_totals: bool
) -> SuppressedTable:
    """A two-way table with optional margins, protected cell by cell.

    Primary suppression hides every cell and every total under min_cell. Secondary suppression
    then repeats, until no hidden value is determined by what is shown: a row or column (the
    margins included: row totals sum to the grand total) with exactly one hidden entry gets its
    smallest shown cell hidden, preferring cells whose crossing line needs a second hidden
    entry anyway, and falling back to the line's total when it has no other cell; any other
    determined value gets a neighbour hidden the same way. The grand total is the base n that
    every published metric shows, so it is treated as shown and protected like the rest.
    """
    check_min_cell(min_cell)
    if not rows or not rows[0]:
        raise ValueError("a table needs at least one row and one column")
    if any(len(row) != len(rows[0]) for row in rows):
        raise ValueError("all rows must have the same number of cells")
    for row in rows:
        _check_counts(row)
    grid = _Grid(
        [list(row) for row in rows],
        min_cell,
        row_totals=row_totals,
        column_totals=column_totals,
        grand=True,
    )
    grid.protect()
    return SuppressedTable(
        cells=[grid.row_cells(r) for r in range(grid.rows)],
        row_totals=[grid.cell(r, grid.columns) for r in range(grid.rows)] if row_totals else [],
        column_totals=(
            [grid.cell(grid.rows, c) for c in range(grid.columns)] if column_totals else []
        ),
        grand_total=grid.cell(grid.rows, grid.columns),
    )


def round_public(count: int, base: int = 5) -> int:
    """Count rounded to the nearest multiple of base (halves up) for public outputs."""
    if count < 0:
        raise ValueError("counts are never negative")
    if base < 1:
        raise ValueError("rounding base must be positive")
    return (count + base // 2) // base * base


def percent_shown(positive: int, base: int, min_cell: int) -> bool:
    """Whether a percentage (and its interval) on this base may be shown.

    The base is what counts: a percentage is "based on" its base respondents (DOMAIN.md 4).
    A positive count shown beside it is a count cell of its own and goes through
    `suppress_small_cells` like any other.
    """
    check_min_cell(min_cell)
    if not 0 <= positive <= base:
        raise ValueError(f"positive count {positive} outside 0..{base}")
    return base >= min_cell


# --- internals --------------------------------------------------------------------------------

_SHOWN: Final = "shown"
_ABSENT: Final = "absent"  # a total the caller does not publish: unknown to the reader

_State = Literal["shown", "small", "secondary", "absent"]


def _check_counts(counts: Sequence[int]) -> None:
    for count in counts:
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"counts must be non-negative integers, got {count!r}")


class _Grid:
    """The table with its margins as one (rows+1) x (columns+1) grid of entries.

    Row `rows` holds the column totals and column `columns` the row totals; the corner is the
    grand total. Negating the margins makes every row and every column of the grid sum to zero,
    so the values a reader cannot see can change, without changing anything they can, exactly
    along alternating +1/-1 cycles through hidden entries (the table is a transportation
    network). A hidden entry is determined when no such cycle through it keeps every count
    non-negative.
    """

    def __init__(
        self,
        body: list[list[int]],
        min_cell: int,
        *,
        row_totals: bool,
        column_totals: bool,
        grand: bool,
    ) -> None:
        self.rows, self.columns = len(body), len(body[0])
        self.min_cell = min_cell
        column_sums = [sum(row[c] for row in body) for c in range(self.columns)]
        self.value = [[*row, sum(row)] for row in body] + [[*column_sums, sum(column_sums)]]
        self.state: list[list[_State]] = [
            [
                self._primary(r, c, row_totals=row_totals, column_totals=column_totals, grand=grand)
                for c in range(self.columns + 1)
            ]
            for r in range(self.rows + 1)
        ]

    def _primary(
        self, r: int, c: int, *, row_totals: bool, column_totals: bool, grand: bool
    ) -> _State:
        published = {
            (False, False): True,
            (False, True): row_totals,
            (True, False): column_totals,
            (True, True): grand,
        }[(r == self.rows, c == self.columns)]
        if not published:
            return _ABSENT
        return "small" if self.value[r][c] < self.min_cell else _SHOWN

    # -- reading the result --

    def cell(self, r: int, c: int) -> Cell:
        state = self.state[r][c]
        if state == _SHOWN:
            return Cell(value=self.value[r][c], suppressed=False, reason=None)
        if state == _ABSENT:  # pragma: no cover - callers only read published entries
            raise LookupError("this total is not published")
        return Cell(value=None, suppressed=True, reason=state)

    def row_cells(self, r: int) -> list[Cell]:
        return [self.cell(r, c) for c in range(self.columns)]

    # -- protection --

    def protect(self) -> None:
        # Each round hides one more entry, and a grid with everything hidden determines
        # nothing, so this ends; in practice after a handful of rounds.
        while True:
            line = self._line_with_one_hidden()
            if line is not None:
                kind, _ = line
                self._hide(self._choose([(e, kind, False) for e in self._line(line)], None))
                continue
            pinned = next(self._pinned(), None)
            if pinned is None:
                return
            r, c = pinned
            options = [(e, "row", False) for e in self._line(("row", r))]
            options += [(e, "column", False) for e in self._line(("column", c))]
            options += [(e, "", True) for e in self._entries()]
            self._hide(self._choose(options, pinned))

    def _hide(self, entry: tuple[int, int] | None) -> None:
        if entry is None:  # pragma: no cover - impossible by the argument in `protect`
            raise RuntimeError("no entry left to hide, yet a hidden value is still determined")
        r, c = entry
        self.state[r][c] = "secondary"

    def _protected(self, r: int, c: int) -> bool:
        state = self.state[r][c]
        if state == _SHOWN:
            return False
        # Unpublished totals need no protection unless they are small groups themselves.
        return state != _ABSENT or self.value[r][c] < self.min_cell

    def _line(self, line: tuple[str, int]) -> list[tuple[int, int]]:
        kind, index = line
        if kind == "row":
            return [(index, c) for c in range(self.columns + 1)]
        return [(r, index) for r in range(self.rows + 1)]

    def _lines(self) -> Iterator[tuple[str, int]]:
        yield from (("row", r) for r in range(self.rows + 1))
        yield from (("column", c) for c in range(self.columns + 1))

    def _line_with_one_hidden(self) -> tuple[str, int] | None:
        for line in self._lines():
            hidden = [e for e in self._line(line) if self._hidden(*e)]
            if len(hidden) == 1 and self._protected(*hidden[0]):
                return line
        return None

    def _choose(
        self, options: list[tuple[tuple[int, int], str, bool]], pinned: tuple[int, int] | None
    ) -> tuple[int, int] | None:
        """The shown entry to hide next, from (entry, line it mends, found far away) options.

        Preference: cells before totals (a shown total is what makes a table useful); entries
        in the line being mended before entries elsewhere; entries whose crossing line already
        has one hidden entry, since hiding them mends two lines at once; then the smallest
        value, which loses the least information. For a determined entry, the first option in
        that order that sets it free is taken, if any does.
        """
        ranked = sorted(
            (
                (self._is_margin(*e), far, self._crossing_cost(e, kind), self.value[e[0]][e[1]], e)
                for e, kind, far in options
                if not self._hidden(*e)
            ),
        )
        if not ranked:
            return None
        if pinned is not None:
            for *_, entry in ranked:
                if self._would_free(entry, pinned):
                    return entry
        return ranked[0][-1]

    def _entries(self) -> Iterator[tuple[int, int]]:
        for r in range(self.rows + 1):
            for c in range(self.columns + 1):
                yield (r, c)

    def _is_margin(self, r: int, c: int) -> bool:
        return r == self.rows or c == self.columns

    def _crossing_cost(self, entry: tuple[int, int], mending: str) -> int:
        if not mending:
            return 0
        r, c = entry
        crossing = self._line(("column", c) if mending == "row" else ("row", r))
        hidden = sum(1 for e in crossing if self._hidden(*e))
        return {0: 2, 1: 0}.get(hidden, 1)

    def _would_free(self, entry: tuple[int, int], pinned: tuple[int, int]) -> bool:
        r, c = entry
        self.state[r][c] = "secondary"
        try:
            return not self._is_pinned(*pinned)
        finally:
            self.state[r][c] = _SHOWN

    def _pinned(self) -> Iterator[tuple[int, int]]:
        for r, c in self._entries():
            if self._protected(r, c) and self._is_pinned(r, c):
                yield (r, c)

    def _hidden(self, r: int, c: int) -> bool:
        return self.state[r][c] != _SHOWN

    def _sign(self, r: int, c: int) -> int:
        return -1 if (r == self.rows) != (c == self.columns) else 1

    def _can_step(self, r: int, c: int, signed: int) -> bool:
        # A step of `signed` in the sign-adjusted grid changes the count by signed * sign;
        # a decrease needs the count to be at least 1.
        return signed * self._sign(r, c) > 0 or self.value[r][c] >= 1

    def _is_pinned(self, r: int, c: int) -> bool:
        """Whether the hidden entry (r, c) has exactly one value consistent with what is shown.

        Nodes are grid rows and columns; a hidden entry gives an arc row -> column when it can
        go up by one (in the sign-adjusted grid) and column -> row when it can go down. The
        entry can move iff one of its arcs closes a directed cycle through the others: any
        second solution differs from the true table by a sum of such unit cycles (conformal
        decomposition of a circulation), so looking one step away is enough.
        """
        row_node, column_node = r, self.rows + 1 + c
        up = self._can_step(r, c, +1) and self._reaches(column_node, row_node, (r, c))
        return not up and not (
            self._can_step(r, c, -1) and self._reaches(row_node, column_node, (r, c))
        )

    def _reaches(self, start: int, goal: int, skip: tuple[int, int]) -> bool:
        seen = {start}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for succ in self._successors(node, skip):
                if succ == goal:
                    return True
                if succ not in seen:
                    seen.add(succ)
                    queue.append(succ)
        return False

    def _successors(self, node: int, skip: tuple[int, int]) -> Iterator[int]:
        if node <= self.rows:  # a row node: hidden entries in the row that can go up
            for c in range(self.columns + 1):
                if (node, c) != skip and self._hidden(node, c) and self._can_step(node, c, +1):
                    yield self.rows + 1 + c
        else:  # a column node: hidden entries in the column that can go down
            c = node - self.rows - 1
            for r in range(self.rows + 1):
                if (r, c) != skip and self._hidden(r, c) and self._can_step(r, c, -1):
                    yield r
