"""Neural operators: DeepONet, FNO, MgNO, DyMixOp on one shared operator trainer."""

from sciml.methods.operators import deeponet, dymixop, fno, mgno  # noqa: F401  (registers them)
