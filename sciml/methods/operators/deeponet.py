"""DeepONet (Lu, Jin, Pang, Zhang & Karniadakis, Nature Machine Intelligence 3, 2021) and, with
``--set pod=true``, POD-DeepONet (Lu, Meng, Cai, Mao, Goswami, Zhang & Karniadakis, CMAME 393,
2022). Reference code: lululxvi/deepxde, lu-group/deeponet-fno.

``G(u)(y) = sum_k b_k(u) t_k(y) + b_0``: a branch MLP reads the input function at the m grid
points (the sensors), a trunk MLP the query point y in [0, 1)^d; all grid points of all samples
are evaluated at once in the Cartesian-product form (:class:`sciml.nets.deeponet.DeepONet`).
POD-DeepONet replaces the trunk by the leading POD modes of the (standardised) training outputs
(:class:`sciml.nets.deeponet.PODDeepONet`). For time-dependent problems the branch reads the
last ``t_in`` snapshots and the model is rolled out one snapshot at a time
(:mod:`sciml.methods.operators.base`); the branch's first layer then has ``t_in H W`` inputs
(Lu et al. 2022 use a CNN branch there; this is the plain MLP of the original paper). Burgers'
space-time task (K snapshots) gives branch and trunk K groups of ``n_basis`` features, one
output per snapshot (Lu et al. 2022's "split both"); POD-DeepONet one basis over all K.

Resolution: the trunk takes any query points, so ``predict`` accepts input functions on another
uniform grid of the same periodic domain: they are resampled to the training sensors by Fourier
interpolation (exact for band-limited inputs) and the output is evaluated on the given grid.
POD-DeepONet lives on its training grid and raises an error for any other.
"""

from __future__ import annotations

from typing import Any

import torch

from sciml.core.errors import SciMLError
from sciml.core.options import Option
from sciml.methods.base import METHODS
from sciml.methods.operators.base import OPERATOR_DEFAULTS, OperatorMethod, grid_points
from sciml.nets.activations import ACTIVATIONS
from sciml.nets.deeponet import PODDeepONet, pod_basis


@METHODS.register("deeponet")
class DeepONet(OperatorMethod):
    name = "deeponet"
    paper = "Lu et al., DeepONet, Nat. Mach. Intell. 2021; POD-DeepONet, CMAME 2022"
    defaults: dict[str, Any] = {
        **OPERATOR_DEFAULTS,
        "branch_layers": Option([256, 256], min=1, max=65536),
        "trunk_layers": Option([128, 128], min=1, max=65536),
        "n_basis": Option(128, min=1, max=65536),
        "activation": Option("silu", choices=tuple(ACTIVATIONS)),
        "pod": False,
        "pod_modes": Option(64, min=1, max=65536),
        "trunk_harmonics": Option(4, min=0, max=256),
    }
    budgets = {
        "smoke": {"epochs": 5, "batch_size": 16, "pod_modes": 8},
        "default": {},
        "paper": {"epochs": 500},
    }

    def network_config(self) -> dict[str, Any]:
        o, layout = self.options, self.layout
        n_points = 1
        for n in layout.grid:
            n_points *= n
        n_sensors = layout.in_channels * n_points
        branch = [int(v) for v in o["branch_layers"]]
        if o["pod"]:
            return {
                "type": "PODDeepONet",
                "kwargs": {
                    "n_sensors": n_sensors,
                    "n_modes": int(o["pod_modes"]),
                    # space-time: one basis over all K snapshots (K n values per sample)
                    "n_points": n_points * layout.out_channels,
                    "branch_layers": branch,
                    "activation": o["activation"],
                },
            }
        kwargs = {
            "n_sensors": n_sensors,
            "coord_dim": layout.dim,
            "branch_layers": branch,
            "trunk_layers": [int(v) for v in o["trunk_layers"]],
            "n_basis": int(o["n_basis"]),
            "activation": o["activation"],
            "harmonics": int(o["trunk_harmonics"]),
        }
        if layout.snapshots:  # one output per snapshot (Lu et al. 2022's "split both")
            kwargs["n_outputs"] = layout.out_channels
        return {"type": "DeepONet", "kwargs": kwargs}

    def initialize(self, network: torch.nn.Module) -> None:
        if isinstance(network, PODDeepONet):
            _, targets = self.training_tensors()
            s = self.statistics()
            if self.layout.snapshots:  # a sample is all K snapshots together (B, K N)
                snapshots = targets.flatten(1)
            else:  # every output snapshot (B, C, N) is a sample of the one-step output space
                snapshots = targets.flatten(2)
                snapshots = snapshots.reshape(-1, snapshots.shape[-1])
            snapshots = (snapshots - float(s["output_mean"])) / float(s["output_std"])
            limit = min(snapshots.shape)
            if int(self.options["pod_modes"]) > limit:
                raise SciMLError(
                    f"pod_modes {self.options['pod_modes']} exceeds the {limit} available"
                )
            mean, modes = pod_basis(snapshots.double(), int(self.options["pod_modes"]))
            network.set_basis(mean.float(), modes.float())

    @classmethod
    def step(cls, net: torch.nn.Module, x: torch.Tensor, options: dict[str, Any]) -> torch.Tensor:
        batch, channels, *grid = x.shape
        if isinstance(net, PODDeepONet):
            return net(x.flatten(1)).reshape(batch, -1, *grid)
        dim = len(grid)
        side = round((net.n_sensors // channels) ** (1 / dim))
        sensors = (side,) * dim
        branch = x if tuple(grid) == sensors else fourier_resample(x, sensors)
        trunk = grid_points(tuple(grid), x.device)
        out = net(branch.flatten(1), trunk)  # (B, N) or (B, N, K)
        if out.ndim == 3:  # space-time: K snapshots as channels
            return out.movedim(-1, 1).reshape(batch, -1, *grid)
        return out.reshape(batch, 1, *grid)

    @classmethod
    def check_resolution(cls, surrogate: Any, expected: tuple[int, ...], given: tuple[int, ...]):
        if given != expected and surrogate.config["options"].get("pod"):
            raise SciMLError(
                f"POD-DeepONet predicts on its training grid only: expected "
                f"{' x '.join(map(str, expected))} points, got {' x '.join(map(str, given))}"
            )


def fourier_resample(x: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Trigonometric interpolation of periodic samples ``(B, C, *grid)`` onto ``shape``, per axis
    (truncating the spectrum when coarsening)."""
    for axis, n_new in zip(range(2, x.ndim), shape, strict=True):
        n_old = x.shape[axis]
        if n_new == n_old:
            continue
        spectrum = torch.fft.rfft(x, dim=axis)
        keep = min(n_old, n_new) // 2 + 1
        spectrum = spectrum.narrow(axis, 0, min(keep, spectrum.shape[axis]))
        x = torch.fft.irfft(spectrum, n=n_new, dim=axis) * (n_new / n_old)
    return x
