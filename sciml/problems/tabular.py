"""A data table as a problem: y = f(x_1, ..., x_d) learned from the rows of a CSV file (the
regression task, :mod:`sciml.tasks.regression`).

``sciml solve DATA.csv --method M`` makes this problem from the file
(:func:`sciml.problems.spec.load_spec`): the output is the ``target`` column (default: the last),
the inputs are every other column in file order, and a share ``test_fraction`` of the rows, drawn
by a permutation seeded with the run's seed, is held out to score the surrogate. The file is read
when the problem's data is first asked for, so rebuilding the problem of a surrogate file
(``sciml.api.problem_of``) reads nothing until the problem's data is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sciml.core.errors import SciMLError
from sciml.data.tabular import (
    DataTable,
    TableSplit,
    check_test_fraction,
    read_csv_table,
    split_table,
)
from sciml.problems.base import EQUATIONS, Equation
from sciml.problems.spec import ProblemSpec


@EQUATIONS.register("tabular")
class TabularProblem(Equation):
    """The rows of the CSV file ``spec.source``; parameters ``target`` and ``test_fraction``."""

    provides = frozenset({"tabular"})
    equation_text = "y = f(x_1, ..., x_d): a regression on the rows of a data table"

    def __init__(self, spec: ProblemSpec, task: str, params: dict[str, Any], seed: int = 0):
        super().__init__(spec, task, params, seed)
        check_test_fraction(float(params["test_fraction"]))
        self._split: TableSplit | None = None

    def data(self) -> DataTable:
        """The whole table, read from the CSV file (checked, and cached while it is unchanged)."""
        source = self.spec.source
        if not source or not Path(source).is_file():
            raise SciMLError(
                f"the CSV file of problem {self.name!r}, {source!r}, does not exist "
                "(moved or deleted?)"
            )
        return read_csv_table(source)

    def table(self) -> TableSplit:
        """Train and test rows: inputs (N, d) in :attr:`inputs` order, targets (N, 1)."""
        if self._split is None:
            self._split = split_table(
                self.data(),
                str(self.params["target"]),
                float(self.params["test_fraction"]),
                self.seed,
            )
        return self._split

    @property
    def inputs(self) -> tuple[str, ...]:  # type: ignore[override]  (columns of the file)
        return self.table().input_columns

    @property
    def outputs(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.table().target_columns

    @property
    def domain(self) -> dict[str, tuple[float, float]]:
        """The range of each input over the training rows."""
        x = self.table().train_inputs
        return {
            name: (float(x[:, j].min()), float(x[:, j].max())) for j, name in enumerate(self.inputs)
        }

    @property
    def output_scale(self) -> tuple[float, ...]:
        """The standard deviation of the target over the training rows."""
        return (float(np.std(self.table().train_targets)) or 1.0,)

    def describe(self) -> str:
        return f"{self.outputs[0]} = f({', '.join(self.inputs)}), rows of {self.spec.source}"
