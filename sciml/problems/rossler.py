"""The Rössler system (Rössler 1976), as a dynamics task:

    x' = -y - z,   y' = x + a y,   z' = b + z (x - c),

a = b = 0.2, c = 5.7: a chaotic band attractor whose orbits spiral out in the (x, y) plane and are
reinjected by a short excursion in z. Trajectories: :mod:`sciml.problems.attractor`.
"""

from __future__ import annotations

from sciml.problems.attractor import Attractor
from sciml.problems.base import EQUATIONS


@EQUATIONS.register("rossler")
class Rossler(Attractor):
    inputs = ()
    provides = frozenset({"trajectories"})
    equation_text = "x' = -y - z, y' = x + a y, z' = b + z (x - c)"

    @property
    def output_scale(self) -> tuple[float, ...]:
        return (5.0, 5.0, 5.0)

    def vector_field(self):
        from sciml.reference.attractors import rossler_field

        return rossler_field(*(float(self.params[k]) for k in ("a", "b", "c")))
