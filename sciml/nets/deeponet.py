"""DeepONet and POD-DeepONet in the Cartesian-product form.

Lu, Jin, Pang, Zhang & Karniadakis, "Learning nonlinear operators via DeepONet based on the
universal approximation theorem of operators", Nature Machine Intelligence 3, 218-229 (2021).
POD-DeepONet: Lu, Meng, Cai, Mao, Goswami, Zhang & Karniadakis, "A comprehensive and fair comparison
of two neural operators (with practical extensions) based on FAIR data", CMAME 393, 114778 (2022).
Reference code: lululxvi/deepxde (``deepxde/nn/pytorch/deeponet.py``: ``DeepONetCartesianProd``,
``PODDeepONet``; ``deepxde/nn/deeponet_strategy.py``), lu-group/deeponet-fno (``pod``).

DeepONet: with sensor values u = (u(x_1), ..., u(x_m)) and a query point y,

    G(u)(y) = sum_{k=1}^{p} b_k(u) t_k(y) + b_0,

b = branch MLP (last layer linear), t = trunk MLP (activation also after its last layer, as in
DeepXDE). All N queries of all B samples are evaluated at once: einsum("bk,nk->bn", b(u), t(y)).
With ``n_outputs`` > 1 both nets emit n_outputs * p features, split into n_outputs groups of p
(the "split both" strategy of Lu et al. 2022), each with its own b_0; the output is then
(B, N, n_outputs).

POD-DeepONet replaces the trunk by the leading POD modes phi_k of the training outputs sampled on a
fixed grid of N points: G(u) = mean + sum_k b_k(u) phi_k. The modes are scaled to unit RMS over the
grid (phi^T phi = N), as in the reference code, so the branch predicts coefficients of the size of
the data; the projection of a field y on the basis is (y - mean) phi / N.

Periodic trunk (Lu et al. 2022, "feature expansion" for periodic problems): with
``harmonics`` = K > 0 the trunk reads ``(cos 2 pi k y_i, sin 2 pi k y_i)``, k = 1..K, for each
coordinate of y in [0, 1)^d instead of y itself, so every basis function t_k is exactly 1-periodic.

Resolution: the trunk accepts any query points; the branch needs the training sensor count and a
POD-DeepONet the training grid.
"""

from __future__ import annotations

import torch
from torch import nn

from sciml.nets.activations import make_activation

DEFAULT_HIDDEN = [128, 128]


def _mlp(sizes: list[int], activation: str, final_activation: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        linear = nn.Linear(fan_in, fan_out)
        nn.init.xavier_normal_(linear.weight)  # DeepXDE's usual "Glorot normal"
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(sizes) - 2 or final_activation:
            layers.append(make_activation(activation))
    return nn.Sequential(*layers)


def _check_activation(activation: str) -> None:
    make_activation(activation)


def _check_branch_input(branch_input: torch.Tensor, n_sensors: int) -> None:
    if branch_input.ndim != 2 or branch_input.shape[1] != n_sensors:
        raise ValueError(
            f"the branch net was trained on {n_sensors} sensors and expects input "
            f"(B, {n_sensors}); got shape {tuple(branch_input.shape)}"
        )


class DeepONet(nn.Module):
    """Unstacked DeepONet with a Cartesian-product forward pass.

    **Main arguments**

    - ``n_sensors``: m, the number of sensor values the branch net reads.
    - ``coord_dim``: d, the dimension of a query point y.
    - ``branch_layers`` / ``trunk_layers``: hidden widths (default [128, 128] each).
    - ``n_basis``: p, the number of basis functions per output.
    - ``activation``: ``"tanh"``, ``"relu"``, ``"gelu"`` or ``"silu"``.
    - ``n_outputs``: number of output fields.
    - ``harmonics``: K > 0 feeds the trunk the periodic features ``cos/sin(2 pi k y)``,
      k = 1..K, of each coordinate (period 1) instead of y.

    **Returns** ``forward(branch_input (B, m), trunk_input (N, d))`` -> (B, N), or (B, N, n_outputs)
    when n_outputs > 1.
    """

    def __init__(
        self,
        n_sensors: int,
        coord_dim: int,
        branch_layers: list[int] | None = None,
        trunk_layers: list[int] | None = None,
        n_basis: int = 64,
        activation: str = "tanh",
        n_outputs: int = 1,
        harmonics: int = 0,
    ) -> None:
        super().__init__()
        _check_activation(activation)
        branch_layers = DEFAULT_HIDDEN if branch_layers is None else list(branch_layers)
        trunk_layers = DEFAULT_HIDDEN if trunk_layers is None else list(trunk_layers)
        self.n_sensors, self.coord_dim = n_sensors, coord_dim
        self.n_basis, self.n_outputs = n_basis, n_outputs
        features = n_basis * n_outputs
        self.branch = _mlp([n_sensors, *branch_layers, features], activation, False)
        self.harmonics = harmonics
        trunk_in = 2 * harmonics * coord_dim if harmonics else coord_dim
        self.trunk = _mlp([trunk_in, *trunk_layers, features], activation, True)
        self.bias = nn.Parameter(torch.zeros(n_outputs))
        self.register_buffer(
            "frequencies",
            2 * torch.pi * torch.arange(1, harmonics + 1, dtype=torch.float32),
            persistent=False,
        )

    def trunk_features(self, y: torch.Tensor) -> torch.Tensor:
        """y itself, or its periodic features (N, 2 K d) when ``harmonics`` > 0."""
        if not self.harmonics:
            return y
        phase = (y[..., None] * self.frequencies).flatten(-2)
        return torch.cat([torch.cos(phase), torch.sin(phase)], dim=-1)

    def forward(self, branch_input: torch.Tensor, trunk_input: torch.Tensor) -> torch.Tensor:
        _check_branch_input(branch_input, self.n_sensors)
        if trunk_input.ndim != 2 or trunk_input.shape[1] != self.coord_dim:
            raise ValueError(
                f"the trunk net expects query points (N, {self.coord_dim}); "
                f"got shape {tuple(trunk_input.shape)}"
            )
        b = self.branch(branch_input).unflatten(-1, (self.n_outputs, self.n_basis))
        t = self.trunk(self.trunk_features(trunk_input))
        t = t.unflatten(-1, (self.n_outputs, self.n_basis))
        out = torch.einsum("bok,nok->bno", b, t) + self.bias
        return out.squeeze(-1) if self.n_outputs == 1 else out


def pod_basis(outputs: torch.Tensor, n_modes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean (N,) and the leading ``n_modes`` POD modes (N, n_modes) of ``outputs`` (n_samples, N).

    Modes come from the SVD of the centred data (computed in float64) and are scaled so that
    phi^T phi = N (unit RMS over the grid), as in Lu et al. (2022).
    """
    if outputs.ndim != 2:
        raise ValueError(f"outputs must be (n_samples, N), got shape {tuple(outputs.shape)}")
    n_samples, n_points = outputs.shape
    if not 1 <= n_modes <= min(n_samples, n_points):
        raise ValueError(
            f"n_modes must be in [1, {min(n_samples, n_points)}] for {n_samples} samples of "
            f"{n_points} points, got {n_modes}"
        )
    data = outputs.detach().to(torch.float64)
    mean = data.mean(dim=0)
    _, _, vh = torch.linalg.svd(data - mean, full_matrices=False)
    modes = vh[:n_modes].T * n_points**0.5
    return mean.to(outputs.dtype), modes.to(outputs.dtype)


def pod_coefficients(
    outputs: torch.Tensor, mean: torch.Tensor, modes: torch.Tensor
) -> torch.Tensor:
    """Coefficients (n_samples, n_modes) of ``outputs`` in a basis from :func:`pod_basis`."""
    return (outputs - mean) @ modes / modes.shape[0]


class PODDeepONet(nn.Module):
    """DeepONet whose trunk is a fixed POD basis of the training outputs (a buffer).

    **Main arguments**

    - ``n_sensors``: m, the number of sensor values the branch net reads.
    - ``n_modes``: number of POD modes (the branch outputs one coefficient per mode).
    - ``n_points``: N, the size of the output grid the basis lives on.
    - ``branch_layers``: hidden widths (default [128, 128]). ``activation``: as for DeepONet.

    The mean and modes are buffers, zero until :meth:`set_basis` (or :meth:`from_outputs`) fills
    them, and are saved with the state_dict, so ``PODDeepONet(**config)`` then ``load_state_dict``
    restores a trained model.

    **Returns** ``forward(branch_input (B, m))`` -> (B, N) = mean + branch(u) @ modes^T. An optional
    ``trunk_input`` is accepted for a uniform call signature; it must have N rows.
    """

    def __init__(
        self,
        n_sensors: int,
        n_modes: int,
        n_points: int,
        branch_layers: list[int] | None = None,
        activation: str = "tanh",
    ) -> None:
        super().__init__()
        _check_activation(activation)
        branch_layers = DEFAULT_HIDDEN if branch_layers is None else list(branch_layers)
        self.n_sensors, self.n_modes, self.n_points = n_sensors, n_modes, n_points
        self.branch = _mlp([n_sensors, *branch_layers, n_modes], activation, False)
        self.register_buffer("mean", torch.zeros(n_points))
        self.register_buffer("modes", torch.zeros(n_points, n_modes))

    @torch.no_grad()
    def set_basis(self, mean: torch.Tensor, modes: torch.Tensor) -> None:
        if mean.shape != self.mean.shape or modes.shape != self.modes.shape:
            raise ValueError(
                f"basis shapes {tuple(mean.shape)}, {tuple(modes.shape)} do not match "
                f"{tuple(self.mean.shape)}, {tuple(self.modes.shape)}"
            )
        self.mean.copy_(mean)
        self.modes.copy_(modes)

    @classmethod
    def from_outputs(
        cls,
        outputs: torch.Tensor,
        n_sensors: int,
        n_modes: int,
        branch_layers: list[int] | None = None,
        activation: str = "tanh",
    ) -> PODDeepONet:
        """Build the network and its basis from training outputs (n_samples, N)."""
        net = cls(n_sensors, n_modes, outputs.shape[1], branch_layers, activation)
        net.set_basis(*pod_basis(outputs, n_modes))
        return net

    def forward(
        self, branch_input: torch.Tensor, trunk_input: torch.Tensor | None = None
    ) -> torch.Tensor:
        _check_branch_input(branch_input, self.n_sensors)
        if trunk_input is not None and trunk_input.shape[0] != self.n_points:
            raise ValueError(
                f"a POD-DeepONet predicts on its training grid of {self.n_points} points; "
                f"got {trunk_input.shape[0]} query points"
            )
        return self.mean + self.branch(branch_input) @ self.modes.T
