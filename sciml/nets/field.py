"""Coordinate networks for PINN-family methods: u = N(x[, t]).

:class:`FieldNet` maps physical coordinates to physical outputs. Inside it:

* inputs are scaled to [-1, 1] from the domain bounds, and a periodic input of period P is replaced
  by its harmonics (cos(2 pi k x / P), sin(2 pi k x / P)), k = 1..K, which makes the network exactly
  periodic (Dong & Ni 2021; used by Wang et al. 2022 for causal training);
* optional random Fourier features [cos(z B), sin(z B)], B ~ N(0, s^2) (Tancik et al. 2020);
* a plain MLP or the modified MLP of Wang, Teng & Perdikaris (2021):
  U = act(z W_u), V = act(z W_v), H <- (1 - act(H W)) * U + act(H W) * V;
* a final linear layer times ``output_scale``;
* optionally, a mirror symmetry of the solution, u(x') = p u(x) with x' the reflection of one
  input about the domain's centre and parity p = +-1, built in: N(x) <- (N(x) + p N(x'))/2;
* optionally, hard initial and zero-Dirichlet constraints (Lagaris, Likas & Fotiadis 1998):
  u = u0(x) + (t - t0)/(t1 - t0) * prod_i b_i(x_i) * N(x, t), b_i = (x_i - a)(b - x_i)/((b-a)/2)^2
  on inputs with zero Dirichlet data, so the initial and boundary conditions hold exactly.

:meth:`FieldNet.jet` computes the outputs with their first and pure second input derivatives in
one forward pass (Taylor mode, :mod:`sciml.nets.jets`), the PINN residual's fast path.

:class:`WindowedFieldNet` stacks one FieldNet per time window (time marching); a steady problem
has a single window and no time input.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from sciml.nets.activations import make_activation
from sciml.nets.jets import ELEMENTWISE_DERIVATIVES, Jet

ARCHITECTURES = ("mlp", "modified")


class FieldNet(nn.Module):
    """A coordinate network on a box domain; every argument is JSON-serialisable."""

    def __init__(
        self,
        lower: list[float],
        upper: list[float],
        n_outputs: int,
        width: int = 64,
        depth: int = 4,
        activation: str = "tanh",
        architecture: str = "mlp",
        periods: list[float] | None = None,
        harmonics: int = 1,
        fourier_features: int = 0,
        fourier_scale: float = 1.0,
        output_scale: list[float] | None = None,
        input_names: list[str] | None = None,
        initial: list[str] | None = None,
        dirichlet: list[bool] | None = None,
        time_input: str | None = None,
        mirror: list[float] | None = None,
    ) -> None:
        super().__init__()
        # [input index, centre c, parity p]: the network part is symmetrised,
        # N(x) <- (N(x) + p N(x'))/2 with x' = x reflected about x_i = c
        self.mirror = None if mirror is None else (int(mirror[0]), float(mirror[1]), mirror[2])
        self.input_names = list(input_names or [f"x{i}" for i in range(len(lower))])
        # the hard constraints' time input; files written before this argument existed name it t
        self.time_input = time_input or ("t" if initial is not None else None)
        self.time_index = -1
        self.initial = None
        if initial is not None:
            from sciml.core.expressions import Expression

            self.time_index = self.input_names.index(self.time_input)
            space = tuple(n for n in self.input_names if n != self.time_input)
            self.initial = [Expression(text, space) for text in initial]
        self.dirichlet = list(dirichlet or [False] * len(lower))
        n_inputs = len(lower)
        periods = periods or [0.0] * n_inputs
        self.register_buffer("lower", torch.tensor(lower, dtype=torch.float32))
        self.register_buffer("upper", torch.tensor(upper, dtype=torch.float32))
        self.register_buffer("periods", torch.tensor(periods, dtype=torch.float32))
        self.register_buffer("harmonics", torch.arange(1, harmonics + 1, dtype=torch.float32))
        scale = output_scale or [1.0] * n_outputs
        self.register_buffer("output_scale", torch.tensor(scale, dtype=torch.float32))
        self.periodic_mask = [p > 0 for p in periods]
        n_embedded = sum(2 * harmonics if p else 1 for p in self.periodic_mask)
        if fourier_features:
            b = torch.randn(n_embedded, fourier_features // 2) * fourier_scale
            self.register_buffer("fourier_matrix", b)
            n_embedded = 2 * (fourier_features // 2)
        else:
            self.fourier_matrix = None
        self.architecture = architecture
        self.activation = activation
        self.act = make_activation(activation)
        self.hidden = nn.ModuleList(
            nn.Linear(n_embedded if i == 0 else width, width) for i in range(depth)
        )
        if architecture == "modified":
            self.encoder_u = nn.Linear(n_embedded, width)
            self.encoder_v = nn.Linear(n_embedded, width)
        elif architecture != "mlp":
            raise ValueError(f"unknown architecture {architecture!r}; choices: mlp, modified")
        self.head = nn.Linear(width, n_outputs)
        for layer in self.modules():
            if isinstance(layer, nn.Linear):
                nn.init.xavier_normal_(layer.weight)
                nn.init.zeros_(layer.bias)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        columns = []
        for i, periodic in enumerate(self.periodic_mask):
            xi = x[:, i : i + 1]
            if periodic:
                phase = (2 * math.pi / self.periods[i]) * xi * self.harmonics
                columns += [torch.cos(phase), torch.sin(phase)]
            else:
                columns.append(2 * (xi - self.lower[i]) / (self.upper[i] - self.lower[i]) - 1)
        z = torch.cat(columns, dim=-1)
        if self.fourier_matrix is not None:
            zb = z @ self.fourier_matrix
            z = torch.cat([torch.cos(zb), torch.sin(zb)], dim=-1)
        return z

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mirror is None:
            out = self.core(x)
        else:
            parity = self.mirror[2]
            both = self.core(torch.cat([x, self._reflected(x)]))
            out = (both[: len(x)] + parity * both[len(x) :]) / 2
        return out if self.initial is None else self.constrain(x, out)

    def _reflected(self, x: torch.Tensor) -> torch.Tensor:
        """x with the mirrored input reflected about its centre, x_i -> 2c - x_i."""
        i, centre, _ = self.mirror
        reflected = x.clone()
        reflected[:, i] = 2 * centre - x[:, i]
        return reflected

    def core(self, x: torch.Tensor) -> torch.Tensor:
        """The network without symmetrisation and constraints: MLP(embed(x)) * output_scale."""
        z = self.embed(x)
        if self.architecture == "modified":
            u, v = self.act(self.encoder_u(z)), self.act(self.encoder_v(z))
            h = z
            for layer in self.hidden:
                gate = self.act(layer(h))
                h = (1 - gate) * u + gate * v
        else:
            h = z
            for layer in self.hidden:
                h = self.act(layer(h))
        return self.head(h) * self.output_scale

    # -- Taylor mode ----------------------------------------------------------------------
    def jet(self, x: torch.Tensor, dirs: tuple[int, ...], seconds: tuple[int, ...]) -> Jet | None:
        """The outputs at ``x`` (N, d) with d/dx_i for i in ``dirs`` and d2/dx_i^2 for i in
        ``seconds`` (a subset of ``dirs``) as a :class:`Jet`; None if the activation has no
        rule."""
        if self.activation not in ELEMENTWISE_DERIVATIVES:
            return None
        coordinates = Jet.coordinates(x, dirs, seconds)
        if self.mirror is None:
            out = self._core_jet(coordinates)
        else:  # both halves in one pass; d x'_i / d x_i = -1
            i, _, parity = self.mirror
            reflected = Jet.coordinates(self._reflected(x), dirs, seconds)
            reflected.first[..., i] *= -1
            both = self._core_jet(Jet.cat_rows([coordinates, reflected]))
            n = len(x)
            out = (both.rows(0, n) + both.rows(n, 2 * n).scale(parity)).scale(0.5)
        return out if self.initial is None else self._constrain_jet(x, out, dirs)

    def _core_jet(self, coordinates: Jet) -> Jet:
        z = self._embed_jet(coordinates)
        if self.architecture == "modified":
            u = z.linear(self.encoder_u.weight, self.encoder_u.bias).apply(self.activation)
            v = z.linear(self.encoder_v.weight, self.encoder_v.bias).apply(self.activation)
            h = z
            for layer in self.hidden:
                gate = h.linear(layer.weight, layer.bias).apply(self.activation)
                h = u + gate * (v - u)
        else:
            h = z
            for layer in self.hidden:
                h = h.linear(layer.weight, layer.bias).apply(self.activation)
        return h.linear(self.head.weight, self.head.bias).scale(self.output_scale)

    def _embed_jet(self, x: Jet) -> Jet:
        columns = []
        for i, periodic in enumerate(self.periodic_mask):
            xi = x.columns(i, i + 1)
            if periodic:
                phase = xi.scale((2 * math.pi / self.periods[i]) * self.harmonics)
                columns += [phase.apply("cos"), phase.apply("sin")]
            else:
                width = self.upper[i] - self.lower[i]
                columns.append(xi.scale(2 / width, -2 * self.lower[i] / width - 1))
        z = Jet.cat(columns)
        if self.fourier_matrix is not None:
            zb = z.linear(self.fourier_matrix.T)
            z = Jet.cat([zb.apply("cos"), zb.apply("sin")])
        return z

    def _constrain_jet(self, x: torch.Tensor, out: Jet, dirs: tuple[int, ...]) -> Jet:
        """:meth:`constrain` on jets; u0's derivatives by autograd (a formula, no parameters)."""
        coords = Jet.coordinates(x.detach(), dirs, tuple(dirs[k] for k in out.seconds))
        i = self.time_index
        span = self.upper[i] - self.lower[i]
        factor = coords.columns(i, i + 1).scale(1 / span, -self.lower[i] / span)
        for k, zero in enumerate(self.dirichlet):
            if zero:
                half2 = ((self.upper[k] - self.lower[k]) / 2) ** 2
                xk = coords.columns(k, k + 1)
                factor = factor * xk.scale(1.0, -self.lower[k]) * xk.scale(-1.0, self.upper[k])
                factor = factor.scale(1 / half2)
        return self._initial_jet(x, out, dirs) + factor * out

    def _initial_jet(self, x: torch.Tensor, like: Jet, dirs: tuple[int, ...]) -> Jet:
        """u0(x) with its derivatives along ``dirs`` (zero along time), detached: no parameters."""
        with torch.enable_grad():
            xs = x.detach().requires_grad_(True)
            values = {n: xs[:, k] for k, n in enumerate(self.input_names) if n != self.time_input}
            base = torch.stack(
                [
                    torch.as_tensor(f(**values), dtype=x.dtype, device=x.device).expand(len(x))
                    for f in self.initial
                ],
                dim=-1,
            )
            first = x.new_zeros(len(dirs), *base.shape)
            second = x.new_zeros(len(like.seconds), *base.shape)
            for c in range(base.shape[1]):
                if not base.requires_grad:  # a constant initial condition
                    continue
                (g,) = torch.autograd.grad(
                    base[:, c].sum(), xs, create_graph=True, allow_unused=True
                )
                if g is None:
                    continue
                first[:, :, c] = g[:, list(dirs)].T.detach()
                for j, k in enumerate(like.seconds):
                    if g.requires_grad:
                        (h,) = torch.autograd.grad(
                            g[:, dirs[k]].sum(), xs, retain_graph=True, allow_unused=True
                        )
                        if h is not None:
                            second[j, :, c] = h[:, dirs[k]]
        return like.like(base.detach(), first, second)

    def constrain(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """u0(x) + (t - t0)/(t1 - t0) * prod_i b_i(x_i) * out: exact initial and boundary data."""
        i = self.time_index
        factor = (x[:, i : i + 1] - self.lower[i]) / (self.upper[i] - self.lower[i])
        for k, zero in enumerate(self.dirichlet):
            if zero:
                half = (self.upper[k] - self.lower[k]) / 2
                xk = x[:, k : k + 1]
                factor = factor * (xk - self.lower[k]) * (self.upper[k] - xk) / half**2
        values = {n: x[:, k] for k, n in enumerate(self.input_names) if n != self.time_input}
        base = torch.stack(
            [
                torch.as_tensor(f(**values), dtype=x.dtype, device=x.device).expand(len(x))
                for f in self.initial
            ],
            dim=-1,
        )
        return base + factor * out


class WindowedFieldNet(nn.Module):
    """One :class:`FieldNet` per time window [edges[i], edges[i+1]] (time marching).

    ``time_index=None`` (a steady problem): one FieldNet on the window's own bounds, no edges.
    """

    def __init__(self, edges: list[float] | None, time_index: int | None, window: dict) -> None:
        super().__init__()
        self.time_index = time_index
        if time_index is None:
            if edges is not None:
                raise ValueError("a steady WindowedFieldNet (time_index=None) takes no edges")
            self.register_buffer("edges", None)
            self.windows = nn.ModuleList([FieldNet(**window)])
            return
        self.register_buffer("edges", torch.tensor(edges, dtype=torch.float32))
        nets = []
        for start, end in zip(edges[:-1], edges[1:]):
            lower, upper = list(window["lower"]), list(window["upper"])
            lower[time_index], upper[time_index] = start, end
            nets.append(FieldNet(**{**window, "lower": lower, "upper": upper}))
        self.windows = nn.ModuleList(nets)

    def window_of(self, t: torch.Tensor) -> torch.Tensor:
        inner = self.edges[1:-1].to(t.dtype)
        return torch.bucketize(t.contiguous(), inner, right=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(self.windows) == 1:
            return self.windows[0](x)
        which = self.window_of(x[:, self.time_index])
        out = x.new_zeros(x.shape[0], self.windows[0].head.out_features)
        for i, net in enumerate(self.windows):
            mask = which == i
            if mask.any():
                out = out.index_put((mask,), net(x[mask]))
        return out
