"""Training data for HyPINO by the method of manufactured solutions (Bischof et al., "Multi-Physics
Neural Operators via HyperPINNs and the Method of Manufactured Solutions", arXiv 2509.05117;
reference ``src/data/utils.py``: ``RandomFunction``, ``generate_diff_operator``, and
``src/data/supervised.py``).

A random smooth u(x, y) is built from n ~ U{6..10} terms: term k draws psi from {identity, sin, cos,
tanh, sigmoid, 1/(1+s^2)}, a, b (zero with probability 1/2, else U[-10, 10]), c, d, e ~ U[-2 pi,
2 pi] (the last term d = 1, e = 0) and a rule: ``add`` u <- u + d psi(a x + b y + c) + e, ``mult``
u <- u (d psi(a x + b y + c) + e), ``compose`` u <- d psi(u) + e. A random operator has 1-3
nonzero coefficients of (u, u_x, u_y, u_xx, u_yy), each U[-2, 2]. f = L u and the boundary data
(g = u on Dirichlet pixels, h = grad u . n on Neumann pixels) come exactly from autograd (float64).
A sample is rejected when |u| > 10, a derivative or |f| > 1e4, |h| > 100, or std(u) < 0.1.

Boundaries as the reference: an elliptic operator gets Dirichlet data on the square's outline
(plus Neumann with probability 1/4); other operators treat y as time: Dirichlet on x = +-1 and at
y = -1 the initial data (u, plus du/dn for hyperbolic operators; first-order ones add du/dn with
probability 1/4). Up to ``max_holes`` random holes (:mod:`.domains`) cut the square, each with
Dirichlet and/or Neumann data; f and the loss points live outside them.

``unlabelled`` samples (the reference's ``unsupervised.py``) have a constant
source and zero or linear Dirichlet data, no known u, and train with the physics loss only.

Everything is vectorized over the batch (one loop over at most ten terms); a ``torch.Generator``
makes it reproducible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from sciml.methods.hypino.domains import Domains, interior_points, random_domains
from sciml.methods.hypino.inputs import grid_coordinates

N_PSI = 6
MAX_TERMS = 10
ADD, MULT, COMPOSE, SKIP = 0, 1, 2, 3
MAX_U, MAX_DERIVATIVE, MAX_NEUMANN, MIN_STD = 10.0, 1e4, 1e2, 0.1


@dataclass
class Batch:
    """B problems on an H x W grid (PDEGrids' layout, batched, torch) plus the loss points.

    ``solution`` is (B, 3, H, W): u, u_x, u_y on the grid (zero where ``labelled`` is False);
    ``points`` (B, N, 2) random interior points with ``targets`` (B, N, 5): u, u_x, u_y, u_xx,
    u_yy (supervised samples only) and ``source_at_points`` (B, N) f there."""

    coefficients: torch.Tensor  # (B, 5)
    source: torch.Tensor  # (B, H, W)
    domain_mask: torch.Tensor
    dirichlet_mask: torch.Tensor
    dirichlet_values: torch.Tensor
    neumann_mask: torch.Tensor
    neumann_values: torch.Tensor
    normals: torch.Tensor  # (B, 2, H, W) outward normals (zero off the boundary)
    labelled: torch.Tensor  # (B,) bool
    solution: torch.Tensor  # (B, 3, H, W)
    points: torch.Tensor  # (B, N, 2)
    targets: torch.Tensor  # (B, N, 5)
    source_at_points: torch.Tensor  # (B, N)
    functions: torch.Tensor  # (B, 7, MAX_TERMS) float64: the random functions (``pack``)


def _uniform(generator: torch.Generator, shape: tuple[int, ...], low: float, high: float):
    return low + (high - low) * torch.rand(shape, generator=generator, dtype=torch.float64)


def random_functions(batch: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """The parameters of ``batch`` random functions, each (batch, MAX_TERMS); unused terms SKIP."""
    n = torch.randint(6, MAX_TERMS + 1, (batch, 1), generator=generator)
    k = torch.arange(MAX_TERMS).expand(batch, -1)
    two_pi = 2 * math.pi
    shape = (batch, MAX_TERMS)
    a = torch.where(
        torch.rand(shape, generator=generator) < 0.5, 0.0, _uniform(generator, shape, -10, 10)
    )
    b = torch.where(
        torch.rand(shape, generator=generator) < 0.5, 0.0, _uniform(generator, shape, -10, 10)
    )
    last = k == n - 1
    d = torch.where(last, 1.0, _uniform(generator, shape, -two_pi, two_pi))
    e = torch.where(last, 0.0, _uniform(generator, shape, -two_pi, two_pi))
    rule = torch.randint(0, 3, shape, generator=generator)
    return {
        "psi": torch.randint(0, N_PSI, shape, generator=generator),
        "a": a,
        "b": b,
        "c": _uniform(generator, shape, -two_pi, two_pi),
        "d": d,
        "e": e,
        "rule": torch.where(k < n, rule, SKIP),
    }


PARAMETERS = ("psi", "a", "b", "c", "d", "e", "rule")


def pack(params: dict[str, torch.Tensor]) -> torch.Tensor:
    """Random-function parameters as one (B, 7, MAX_TERMS) float64 tensor."""
    return torch.stack([params[name].double() for name in PARAMETERS], dim=1)


def unpack(functions: torch.Tensor) -> dict[str, torch.Tensor]:
    out = {name: functions[:, k] for k, name in enumerate(PARAMETERS)}
    out["psi"], out["rule"] = out["psi"].long(), out["rule"].long()
    return out


def _psi(index: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """psi_index(s) for a (B, 1) index and (B, N) arguments."""
    library = torch.stack(
        [s, torch.sin(s), torch.cos(s), torch.tanh(s), torch.sigmoid(s), 1.0 / (1.0 + s * s)]
    )
    return torch.gather(library, 0, index.T.unsqueeze(-1).expand(1, *s.shape)).squeeze(0)


def evaluate(params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """u at (B, N) points x, y for the random functions ``params``."""
    u = torch.zeros_like(x + y)
    for k in range(MAX_TERMS):
        p = {name: value[:, k : k + 1] for name, value in params.items()}
        linear = p["a"] * x + p["b"] * y + p["c"]
        compose = p["rule"] == COMPOSE
        value = p["d"] * _psi(p["psi"], torch.where(compose, u, linear)) + p["e"]
        u = torch.where(
            p["rule"] == ADD,
            u + value,
            torch.where(p["rule"] == MULT, u * value, torch.where(compose, value, u)),
        )
    return u


def derivatives(params: dict[str, torch.Tensor], xy: torch.Tensor) -> torch.Tensor:
    """(B, N, 5): u, u_x, u_y, u_xx, u_yy at (B, N, 2) points, exact by autograd."""
    x = xy[..., 0].detach().double().requires_grad_(True)
    y = xy[..., 1].detach().double().requires_grad_(True)
    u = evaluate(params, x, y)
    u_x, u_y = torch.autograd.grad(u.sum(), (x, y), create_graph=True)
    (u_xx,) = torch.autograd.grad(u_x.sum(), x, retain_graph=True)
    (u_yy,) = torch.autograd.grad(u_y.sum(), y)
    return torch.stack([u, u_x, u_y, u_xx, u_yy], dim=-1).detach()


def random_operators(batch: int, generator: torch.Generator) -> torch.Tensor:
    """(batch, 5) coefficients with 1-3 nonzero entries, each U[-2, 2]."""
    count = torch.randint(1, 4, (batch, 1), generator=generator)
    rank = torch.rand((batch, 5), generator=generator).argsort(dim=1).argsort(dim=1)
    chosen = rank < count  # `count` distinct terms, uniformly
    return torch.where(chosen, _uniform(generator, (batch, 5), -2, 2), 0.0)


def boundary_masks(
    coefficients: torch.Tensor, domains: Domains, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, H, W) Dirichlet and Neumann masks: the square's sides by operator type, the holes'
    boundaries as drawn in ``domains``."""
    batch = coefficients.shape[0]
    c_xx, c_yy = coefficients[:, 3], coefficients[:, 4]
    elliptic = c_xx * c_yy > 0
    first_order = (c_xx == 0) & (c_yy == 0)
    hyperbolic_or_first = (c_xx * c_yy < 0) | (
        first_order & (torch.rand(batch, generator=generator) < 0.25)
    )
    s = domains.sides
    outline = s["bottom"] | s["left"] | s["right"] | s["top"]
    initial = s["bottom"]  # row H-1 is y = -1
    e = elliptic[:, None, None]
    dirichlet = torch.where(e, outline, s["left"] | s["right"] | initial)
    neumann_outer = (torch.rand(batch, generator=generator) < 0.25)[:, None, None] & outline
    neumann_time = (hyperbolic_or_first & ~elliptic)[:, None, None] & initial
    neumann = torch.where(e, neumann_outer, neumann_time)
    return dirichlet | domains.hole_dirichlet, neumann | domains.hole_neumann


def _passes(values: torch.Tensor, with_std: bool = True) -> torch.Tensor:
    """(B,) the rejection rules on (B, N, 5) values u, u_x, u_y, u_xx, u_yy."""
    ok = (
        torch.isfinite(values).all(dim=(1, 2))
        & (values[..., 0].abs().amax(1) <= MAX_U)
        & (values[..., 1:].abs().amax(dim=(1, 2)) <= MAX_DERIVATIVE)
    )
    return ok & (values[..., 0].std(1) >= MIN_STD) if with_std else ok


def manufactured(
    batch: int,
    height: int,
    width: int,
    n_points: int,
    generator: torch.Generator,
    max_holes: int = 3,
    max_tries: int = 50,
) -> Batch:
    """``batch`` supervised samples (rejection sampling, vectorized over over-drawn candidates)."""
    grid = grid_coordinates(height, width).double()  # (H*W, 2)
    kept: list[Batch] = []
    count = 0
    for _ in range(max_tries):
        candidates = _candidates(3 * batch, height, width, n_points, grid, generator, max_holes)
        if candidates is not None:
            kept.append(candidates)
            count += candidates.source.shape[0]
        if count >= batch:
            break
    if count < batch:  # not expected: about a third of the candidates pass
        raise RuntimeError(f"MMS: only {count} of {batch} samples passed the rejection rules")
    return _take(concatenate(kept), batch)


def _candidates(
    batch: int,
    height: int,
    width: int,
    n_points: int,
    grid: torch.Tensor,
    generator: torch.Generator,
    max_holes: int,
) -> Batch | None:
    params = random_functions(batch, generator)
    coefficients = random_operators(batch, generator)
    # a cheap first screen on a 16 x 16 subgrid: most rejections need no full evaluation
    coarse = grid.reshape(height, width, 2)[:: max(1, height // 16), :: max(1, width // 16)]
    screened = _passes(derivatives(params, coarse.reshape(-1, 2).expand(batch, -1, -1)))
    if not screened.any():
        return None
    params = {name: value[screened] for name, value in params.items()}
    coefficients, batch = coefficients[screened], int(screened.sum())
    domains = random_domains(batch, height, width, generator, max_holes)
    points = interior_points(domains.holes, n_points, generator)
    on_grid = derivatives(params, grid.expand(batch, -1, -1))  # (B, H*W, 5)
    at_points = derivatives(params, points)
    dirichlet, neumann = boundary_masks(coefficients, domains, generator)
    domain, normals = domains.domain, domains.normals
    flat_normals = normals.flatten(2).transpose(1, 2)  # (B, H*W, 2)
    f_grid = (on_grid * coefficients[:, None, :]).sum(-1)
    f_points = (at_points * coefficients[:, None, :]).sum(-1)
    h = (on_grid[..., 1:3] * flat_normals).sum(-1).reshape(batch, height, width)
    both = torch.cat([on_grid, at_points], dim=1)
    valid = (
        _passes(both, with_std=False)
        & (torch.cat([f_grid, f_points], 1).abs().amax(1) <= MAX_DERIVATIVE)
        & (torch.where(neumann, h, 0.0).abs().amax(dim=(1, 2)) <= MAX_NEUMANN)
        & (on_grid[..., 0].std(1) >= MIN_STD)
    )
    if not valid.any():
        return None
    u_grid = on_grid[..., 0].reshape(batch, height, width)
    sample = Batch(
        coefficients=coefficients,
        source=torch.where(domain, f_grid.reshape(batch, height, width), 0.0),
        domain_mask=domain,
        dirichlet_mask=dirichlet,
        dirichlet_values=torch.where(dirichlet, u_grid, 0.0),
        neumann_mask=neumann,
        neumann_values=torch.where(neumann, h, 0.0),
        normals=normals,
        labelled=torch.ones(batch, dtype=torch.bool),
        solution=on_grid[..., :3].transpose(1, 2).reshape(batch, 3, height, width),
        points=points,
        targets=at_points,
        source_at_points=f_points,
        functions=pack(params),
    )
    return _select(sample, valid)


def unlabelled(
    batch: int,
    height: int,
    width: int,
    n_points: int,
    generator: torch.Generator,
    max_holes: int = 3,
) -> Batch:
    """Samples without a known solution: f constant U[-5, 5], Dirichlet data zero (probability
    1/2) or linear alpha x + beta y + gamma (U[-1, 1] each), Neumann data zero."""
    coefficients = random_operators(batch, generator)
    domains = random_domains(batch, height, width, generator, max_holes)
    dirichlet, neumann = boundary_masks(coefficients, domains, generator)
    grid = grid_coordinates(height, width).double().reshape(height, width, 2)
    linear = _uniform(generator, (batch, 3), -1.0, 1.0)
    linear = torch.where(torch.rand(batch, 1, generator=generator) < 0.5, 0.0, linear)
    g = linear[:, 0, None, None] * grid[..., 0] + linear[:, 1, None, None] * grid[..., 1]
    g = g + linear[:, 2, None, None]
    constant = _uniform(generator, (batch, 1), -5.0, 5.0)
    domain = domains.domain
    points = interior_points(domains.holes, n_points, generator)
    return Batch(
        coefficients=coefficients,
        source=torch.where(domain, constant[:, :, None], 0.0),
        domain_mask=domain,
        dirichlet_mask=dirichlet,
        dirichlet_values=torch.where(dirichlet, g, 0.0),
        neumann_mask=neumann,
        neumann_values=torch.zeros(batch, height, width, dtype=torch.float64),
        normals=domains.normals,
        labelled=torch.zeros(batch, dtype=torch.bool),
        solution=torch.zeros(batch, 3, height, width, dtype=torch.float64),
        points=points,
        targets=torch.zeros(batch, n_points, 5, dtype=torch.float64),
        source_at_points=constant.expand(batch, n_points).clone(),
        functions=torch.zeros(batch, len(PARAMETERS), MAX_TERMS, dtype=torch.float64),
    )


def training_batch(
    batch: int,
    height: int,
    width: int,
    n_points: int,
    generator: torch.Generator,
    unlabelled_fraction: float = 0.5,
    max_holes: int = 3,
) -> Batch:
    """A mixed batch as the paper trains on: supervised MMS samples and unlabelled ones, float32."""
    n_free = int(round(batch * unlabelled_fraction))
    parts = [manufactured(batch - n_free, height, width, n_points, generator, max_holes)]
    if n_free:
        parts.append(unlabelled(n_free, height, width, n_points, generator, max_holes))
    return to_dtype(concatenate(parts), torch.float32)


def _fields(batch: Batch) -> dict[str, torch.Tensor]:
    return dict(vars(batch))


def _select(batch: Batch, keep: torch.Tensor) -> Batch:
    return Batch(**{name: value[keep] for name, value in _fields(batch).items()})


def _take(batch: Batch, n: int) -> Batch:
    return Batch(**{name: value[:n] for name, value in _fields(batch).items()})


def concatenate(parts: list[Batch]) -> Batch:
    names = _fields(parts[0])
    return Batch(**{name: torch.cat([getattr(p, name) for p in parts]) for name in names})


def to_dtype(batch: Batch, dtype: torch.dtype) -> Batch:
    fields = _fields(batch)
    return Batch(
        **{
            k: v.to(dtype) if v.is_floating_point() and k != "functions" else v
            for k, v in fields.items()
        }
    )
