"""Data tables from CSV files: read and checked once, split into train and test rows.

A table is a CSV file whose first row names the columns and whose other rows are numbers, one
value per column (layout in ``docs/formats.md``). :func:`read_csv_table` refuses anything else
with one line that names the file, and the column and row where it matters; :func:`split_table`
holds out a seeded random share of the rows for testing (the regression task's data).
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sciml.core.errors import SciMLError


@dataclass(frozen=True)
class DataTable:
    """The numbers of a CSV file: ``values[i, j]`` is data row ``i`` of column ``columns[j]``."""

    path: Path
    columns: tuple[str, ...]
    values: np.ndarray  # (N, C) float64, read-only

    @property
    def n_rows(self) -> int:
        return len(self.values)

    def column(self, name: str) -> np.ndarray:
        if name not in self.columns:
            raise SciMLError(
                f"{self.path} has no column {name!r}; columns: {', '.join(self.columns)}"
            )
        return self.values[:, self.columns.index(name)]


@dataclass(frozen=True)
class TableSplit:
    """Train and test rows of a table: inputs (N, d) in ``input_columns`` order, targets (N, m)
    in ``target_columns`` order (m = 1 for a CSV file's target); ``train_rows``/``test_rows`` are
    the data-row indices (0 = the first row after the header)."""

    input_columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    train_inputs: np.ndarray
    train_targets: np.ndarray
    test_inputs: np.ndarray
    test_targets: np.ndarray
    train_rows: np.ndarray
    test_rows: np.ndarray


_cache: dict[Path, tuple[tuple[int, int], DataTable]] = {}


def read_csv_table(path: str | os.PathLike) -> DataTable:
    """The table in the CSV file at ``path`` (a header row of names, then rows of numbers), or a
    one-line :class:`SciMLError` saying what is wrong and where. An unchanged file is read once."""
    path = Path(path)
    if not path.is_file():
        raise SciMLError(f"CSV file {str(path)!r} does not exist")
    stat = path.stat()
    key, stamp = path.resolve(), (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    table = _parse(path)
    _cache.clear()  # one table at a time: the last one read is the one asked for again
    _cache[key] = (stamp, table)
    return table


def _parse(path: Path) -> DataTable:
    try:  # "utf-8-sig": a spreadsheet's byte-order mark is not part of the first name
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, skipinitialspace=True)
            rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except UnicodeDecodeError:
        raise SciMLError(f"{path} is not a UTF-8 text file") from None
    except OSError as error:
        raise SciMLError(f"cannot read {path}: {error.strerror or error}") from None
    except csv.Error as error:
        raise SciMLError(f"{path}: line {reader.line_num} is not valid CSV ({error})") from None
    if not rows:
        raise SciMLError(f"{path} is empty; expected a header row of column names, then numbers")
    header = [cell.strip() for cell in rows[0][1]]
    _check_header(path, header)
    body = rows[1:]
    if not body:
        raise SciMLError(f"{path} has a header but no rows of data")
    if len(body) == 1:
        raise SciMLError(f"{path} has one row of data; a train/test split needs at least two")
    values = np.empty((len(body), len(header)), dtype=np.float64)
    for i, (line, row) in enumerate(body):
        if len(row) != len(header):
            raise SciMLError(
                f"{path}: row {i + 1} (line {line}) has {len(row)} values; the header names "
                f"{len(header)} columns"
            )
        for j, cell in enumerate(row):
            values[i, j] = _number(path, header[j], i + 1, line, cell)
    values.flags.writeable = False
    return DataTable(path=path, columns=tuple(header), values=values)


def _check_header(path: Path, header: list[str]) -> None:
    if all(_is_number(cell) for cell in header):
        raise SciMLError(
            f"{path}: the first row holds numbers ({', '.join(header[:4])}); it must name the "
            "columns"
        )
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "';'" if ";" in header[0] else "tabs"
        raise SciMLError(
            f"{path}: the header {header[0]!r} looks separated by {separator}; sciml reads "
            "comma-separated files"
        )
    for j, name in enumerate(header):
        if not name:
            raise SciMLError(f"{path}: column {j + 1} has no name in the header row")
        if header.index(name) != j:
            raise SciMLError(f"{path}: the header names column {name!r} twice")


def _number(path: Path, column: str, row: int, line: int, cell: str) -> float:
    where = f"{path}: column {column!r}, row {row} (line {line})"
    text = cell.strip()
    if not text:
        raise SciMLError(f"{where} is empty; every cell must hold a number")
    try:
        value = float(text)
    except ValueError:
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise SciMLError(f"{where} holds {shown!r}, which is not a number") from None
    if not math.isfinite(value):
        raise SciMLError(f"{where} is {text!r}; every value must be finite")
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def split_table(table: DataTable, target: str, test_fraction: float, seed: int) -> TableSplit:
    """Every column but ``target`` as inputs (none of them constant); a random ``test_fraction``
    of the rows (at least one, and at least one left to train on) held out, by a permutation
    seeded with ``seed``."""
    check_test_fraction(test_fraction)
    y = table.column(target)
    if np.all(y == y[0]):
        raise SciMLError(
            f"{table.path}: target column {target!r} is constant ({y[0]:g} in every row); "
            "there is nothing to regress"
        )
    inputs = tuple(name for name in table.columns if name != target)
    if not inputs:
        raise SciMLError(
            f"{table.path} has only the target column {target!r}; add at least one input column"
        )
    for name in inputs:
        column = table.column(name)
        if np.all(column == column[0]):
            raise SciMLError(
                f"{table.path}: input column {name!r} is constant ({column[0]:g} in every row); "
                "it carries no information: remove the column"
            )
    n = table.n_rows
    n_test = min(max(round(test_fraction * n), 1), n - 1)
    order = np.random.default_rng(seed % 2**32).permutation(n)
    test_rows, train_rows = np.sort(order[:n_test]), np.sort(order[n_test:])
    x = table.values[:, [table.columns.index(name) for name in inputs]]
    return TableSplit(
        input_columns=inputs,
        target_columns=(target,),
        train_inputs=x[train_rows],
        train_targets=y[train_rows, None],
        test_inputs=x[test_rows],
        test_targets=y[test_rows, None],
        train_rows=train_rows,
        test_rows=test_rows,
    )


def check_test_fraction(value: float) -> float:
    """``value`` if it is strictly between 0 and 1 (both splits must have rows), else one line."""
    if not 0.0 < value < 1.0:
        raise SciMLError(f"invalid value {value!r} for test_fraction: expected a number in (0, 1)")
    return value
