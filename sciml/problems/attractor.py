"""Chaotic flows observed as trajectories (the dynamics task), shared by Lorenz-63 and Rössler.

The dataset (parameters of ``[tasks.dynamics]``): from the initial state (``x0``, ``y0``, ``z0``)
and from a second one (that state + ``TEST_OFFSET``), a transient of ``n_transient`` steps is
discarded; then ``n_train`` steps of the first orbit, observed with Gaussian noise of standard
deviation ``noise`` times each coordinate's standard deviation, are the training data, and
``n_test`` clean steps of the second orbit the test data, both sampled every ``dt``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sciml.data.trajectory import Trajectories, cached_trajectories
from sciml.problems.base import Equation

TEST_OFFSET = np.array([0.5, -0.5, 1.0])  # another initial state, same basin


class Attractor(Equation):
    """An autonomous ODE x' = f(x) whose long trajectories are the data of the dynamics task."""

    outputs = ("x", "y", "z")

    def vector_field(self) -> Any:
        """f as a function of a ``(..., d)`` float64 tensor (sciml.reference.attractors)."""
        raise NotImplementedError

    @property
    def x0(self) -> list[float]:
        return [float(self.params[k]) for k in ("x0", "y0", "z0")]

    def trajectories(self) -> dict[str, Any]:
        return cached_trajectories(self).as_dict()

    def compute_trajectories(self) -> Trajectories:
        from sciml.reference.attractors import attractor_trajectories
        from sciml.reference.lorenz import noisy_observations

        p = self.params
        n_train, n_test = int(p["n_train"]), int(p["n_test"])
        initial = np.stack([self.x0, np.asarray(self.x0) + TEST_OFFSET])
        orbits = attractor_trajectories(
            self.vector_field(),
            initial,
            float(p["dt"]),
            max(n_train, n_test),
            int(p["n_transient"]),
        )
        train = noisy_observations(orbits[0, :n_train], float(p["noise"]), seed=2 * self.seed + 1)
        return Trajectories(train, orbits[1, :n_test], float(p["dt"]), tuple(self.outputs))
