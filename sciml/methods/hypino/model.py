"""The pretrained HyPINO model a user calls: grids of a linear 2D problem in, a field surrogate out
(Bischof et al., arXiv 2509.05117).

    model = sciml.hypino.pretrained()
    u = model.solve(coefficients={"u_xx": -1, "u_yy": -1}, source=F, dirichlet_mask=M,
                    dirichlet_values=G, refine=3)
    u.predict(points)        # (N, 2) columns (x, y) -> (N, 1)

Grids are H x W arrays over [-1, 1]^2, row 0 at y = +1 and column 0 at x = -1 (pixel centres on
``np.linspace(-1, 1, n)``), as :class:`sciml.problems.pde_grids.PDEGrids`. One forward pass of the
hypernetwork writes the PINN; ``refine = K`` adds K corrections (:mod:`.refinement`);
``finetune_steps`` trains the result further (:mod:`.finetune`).
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
import torch

from sciml.core.errors import SciMLError
from sciml.core.surrogate import Surrogate
from sciml.methods.hypino import finetune, refinement, weights
from sciml.methods.hypino.hypernet import HyPINOHypernet
from sciml.methods.hypino.inputs import channels, grids_to_tensors
from sciml.methods.hypino.target_pinn import PINNEnsemble
from sciml.problems.pde_grids import PDEGrids


class HyPINO:
    """A trained hypernetwork with ``solve`` (zero-shot, refinement, fine-tuning)."""

    def __init__(self, hypernet: HyPINOHypernet, training: dict[str, Any] | None = None) -> None:
        self.hypernet = hypernet.eval()
        self.training = dict(training or {})

    def generate(self, problem: refinement.Tensors) -> torch.Tensor:
        """(P,) target-PINN weights for a batch-of-one problem (``inputs.grids_to_tensors``)."""
        grid = channels(
            problem["dirichlet_mask"],
            problem["neumann_mask"],
            problem["dirichlet_values"],
            problem["neumann_values"],
            problem["source"],
            problem["domain_mask"],
            self.hypernet.resolution,
        )
        with torch.no_grad():
            return self.hypernet(problem["coefficients"].float(), grid)[0]

    def solve_grids(
        self,
        grids: PDEGrids,
        refine: int = 0,
        finetune_steps: int = 0,
        lbfgs_steps: int = 0,
        seed: int = 0,
    ) -> tuple[torch.Tensor, dict[str, Any]]:
        """(K + 1, P) ensemble weights for ``grids`` and what each stage took (seconds, misfits)."""
        if int(refine) < 0 or int(finetune_steps) < 0 or int(lbfgs_steps) < 0:
            raise SciMLError("refine, finetune_steps and lbfgs_steps must be >= 0")
        problem = grids_to_tensors(grids)
        stages: dict[str, Any] = {}
        clock = time.perf_counter()

        def record(k: int, flats: torch.Tensor, misfit: dict[str, float]) -> None:
            nonlocal clock
            now = time.perf_counter()
            stages[f"refine_{k}" if k else "zero_shot"] = {"seconds": now - clock, **misfit}
            clock = time.perf_counter()

        flats = refinement.refine(self.generate, problem, int(refine), record)
        if finetune_steps or lbfgs_steps:
            started = time.perf_counter()
            flats = finetune.finetune(
                flats, problem, int(finetune_steps), int(lbfgs_steps), seed=seed
            )
            stages["finetune"] = {"seconds": time.perf_counter() - started}
        return flats, stages

    def solve(
        self,
        coefficients: dict[str, float],
        source: Any,
        dirichlet_mask: Any,
        dirichlet_values: Any,
        neumann_mask: Any = None,
        neumann_values: Any = None,
        domain_mask: Any = None,
        refine: int = 0,
        finetune_steps: int = 0,
        lbfgs_steps: int = 0,
    ) -> Surrogate:
        """A field surrogate u(x, y) of L u = f with the given boundary data (module docstring);
        bad input raises one :class:`SciMLError` line."""
        grids = as_grids(
            coefficients,
            source,
            dirichlet_mask,
            dirichlet_values,
            neumann_mask,
            neumann_values,
            domain_mask,
        )
        flats, stages = self.solve_grids(grids, refine, finetune_steps, lbfgs_steps)
        return field_surrogate(flats, {"stages": stages}, problem="custom")


def as_grids(
    coefficients: Any,
    source: Any,
    dirichlet_mask: Any,
    dirichlet_values: Any,
    neumann_mask: Any = None,
    neumann_values: Any = None,
    domain_mask: Any = None,
) -> PDEGrids:
    """Checked :class:`PDEGrids` from user arrays (missing Neumann data: none; domain: all)."""
    if not isinstance(coefficients, dict):
        raise SciMLError("coefficients must be a dict such as {'u_xx': -1.0, 'u_yy': -1.0}")
    try:
        f = np.asarray(source, dtype=np.float64)
        arrays = {
            "dirichlet_mask": np.asarray(dirichlet_mask, dtype=bool),
            "dirichlet_values": np.asarray(dirichlet_values, dtype=np.float64),
            "neumann_mask": np.zeros(f.shape, bool)
            if neumann_mask is None
            else np.asarray(neumann_mask, dtype=bool),
            "neumann_values": np.zeros(f.shape)
            if neumann_values is None
            else np.asarray(neumann_values, dtype=np.float64),
            "domain_mask": np.ones(f.shape, bool)
            if domain_mask is None
            else np.asarray(domain_mask, dtype=bool),
        }
        values = {str(k): float(v) for k, v in coefficients.items()}
    except (TypeError, ValueError) as error:
        raise SciMLError(
            f"grids and coefficients must be numeric arrays and numbers ({error})"
        ) from None
    return PDEGrids(coefficients=values, source=f, **arrays).validate()


def field_surrogate(flats: torch.Tensor, metrics: dict[str, Any], problem: str) -> Surrogate:
    """A field surrogate (inputs x, y; output u) holding the ensemble ``flats`` (K, P)."""
    ensemble = PINNEnsemble.of(flats.float()).eval()
    surrogate = Surrogate(
        problem=problem,
        method="hypino",
        task="field",
        inputs=("x", "y"),
        outputs=("u",),
        config={"network": {"type": "PINNEnsemble", "kwargs": {"n_members": len(flats)}}},
        network=ensemble,
        metrics=metrics,
    )
    return surrogate.bind(lambda s, points: predict(s.network, points))


def predict(network: torch.nn.Module, points: Any) -> np.ndarray:
    """(N, 2) points (x, y) -> (N, 1) u, without gradients; one line for a wrong shape."""
    array = np.asarray(points, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2 or not np.all(np.isfinite(array)):
        raise SciMLError(f"points must be a finite (N, 2) array of (x, y); got shape {array.shape}")
    with torch.no_grad():
        return network(torch.as_tensor(array, dtype=torch.float32)).double().numpy()


def pretrained(path: str | os.PathLike | None = None) -> HyPINO:
    """The HyPINO model whose weights ship with the package (or those of ``path``)."""
    hypernet, training = weights.load(weights.SHIPPED if path is None else path)
    return HyPINO(hypernet, training)
