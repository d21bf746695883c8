"""Figures for the operator task: test samples (input, reference, prediction, error) and method
comparisons. 1D functions are drawn as curves; 2D functions as images (for time windows, the
last input and the last predicted snapshot); 1D space-time outputs as three of their snapshots;
trajectories against time and as phase portraits."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from sciml.problems.base import Equation
from sciml.tasks.figures import plot_histories, plt, save_figure

N_SAMPLES = 3


def _samples(surrogate: Any, problem: Equation, n: int = N_SAMPLES):
    data = problem.operator_dataset()
    n = min(n, len(data.test_inputs))
    inputs, truth = data.test_inputs[:n], data.test_outputs[:n]
    return data, inputs, truth, surrogate.predict(inputs)


def _image(ax, image: np.ndarray, title: str, cmap: str = "RdBu_r", limits=None) -> None:
    kwargs = {"vmin": limits[0], "vmax": limits[1]} if limits else {}
    mappable = ax.imshow(image.T, origin="lower", extent=[0, 1, 0, 1], cmap=cmap, **kwargs)
    ax.figure.colorbar(mappable, ax=ax)
    ax.set_title(title)
    ax.set_xlabel("x")
    ax.set_ylabel("y")


def _row_1d(axes, x, u0, truth, prediction, label: str) -> None:
    axes[0].plot(x, u0, lw=1.2, color="0.3")
    axes[0].set_title("input u0")
    axes[1].plot(x, truth, lw=2.0, label="reference")
    axes[1].plot(x, prediction, "--", lw=1.4, label="prediction")
    axes[1].set_title(label)
    axes[1].legend(fontsize=8)
    axes[2].semilogy(x, np.abs(prediction - truth) + 1e-12, lw=1.0, color="C3")
    axes[2].set_title("absolute error")
    for ax in axes:
        ax.set_xlabel("x")


def _row_space_time(axes, data, u0, truth, prediction, label: str) -> None:
    """1D functions at K output times (n, K): the first, middle and last snapshot."""
    x, times = data.coordinates["x"], data.coordinates["t_output"]
    axes[0].plot(x, u0, lw=1.2, color="0.3")
    axes[0].set_title("input u0")
    for c, k in enumerate(sorted({0, len(times) // 2, len(times) - 1})):
        axes[1].plot(x, truth[:, k], lw=2.0, color=f"C{c}", label=f"t = {times[k]:.2g}")
        axes[1].plot(x, prediction[:, k], "--", lw=1.4, color="k")
        axes[2].semilogy(x, np.abs(prediction[:, k] - truth[:, k]) + 1e-12, lw=1.0, color=f"C{c}")
    axes[1].set_title(f"{label}\nreference (colour), prediction (dashed)")
    axes[1].legend(fontsize=8)
    axes[2].set_title("absolute error")
    for ax in axes:
        ax.set_xlabel("x")


def _row_trajectory(axes, data, x0, truth, prediction, label: str) -> None:
    """Components against time, the phase portrait (first two) and the error against time."""
    t = data.coordinates["t"]
    names = json.loads(data.attributes["outputs"])
    for c, name in enumerate(names):
        axes[0].plot(t, truth[:, c], lw=2.0, color=f"C{c}", label=f"{name} reference")
        axes[0].plot(t, prediction[:, c], "--", lw=1.4, color="k")
    axes[0].set_title(label)
    axes[0].set_xlabel("t")
    axes[0].legend(fontsize=8)
    axes[1].plot(truth[:, 0], truth[:, 1], lw=2.0, label="reference")
    axes[1].plot(prediction[:, 0], prediction[:, 1], "--", lw=1.4, label="prediction")
    axes[1].plot(*x0[:2], "ko", ms=4)
    axes[1].set_xlabel(names[0])
    axes[1].set_ylabel(names[1] if len(names) > 1 else "")
    axes[1].set_title("phase portrait")
    axes[1].legend(fontsize=8)
    axes[2].semilogy(t, np.linalg.norm(prediction - truth, axis=-1) + 1e-12, lw=1.0, color="C3")
    axes[2].set_title("absolute error")
    axes[2].set_xlabel("t")


def _row(axes, data, u0, truth, prediction, label: str) -> None:
    if data.trajectories:
        _row_trajectory(axes, data, u0, truth, prediction, label)
    elif "y" in data.coordinates:
        _row_2d(axes, data, u0, truth, prediction, label)
    elif "t_output" in data.coordinates:
        _row_space_time(axes, data, u0, truth, prediction, label)
    else:
        _row_1d(axes, data.coordinates["x"], u0, truth, prediction, label)


def _row_2d(axes, data, u0, truth, prediction, label: str) -> None:
    """Input, reference, prediction and error images; time windows show their last snapshot."""
    (name_in,), (name_out,) = (json.loads(data.attributes[k]) for k in ("inputs", "outputs"))
    input_title, output_title = f"input {name_in}", f"reference {name_out}"
    if "t_input" in data.coordinates:
        input_title += f"(t = {data.coordinates['t_input'][-1]:g})"
        output_title += f"(t = {data.coordinates['t_output'][-1]:g})"
        u0, truth, prediction = u0[..., -1], truth[..., -1], prediction[..., -1]
    limits = (truth.min(), truth.max())
    _image(axes[0], u0, input_title, "viridis" if "t_input" not in data.coordinates else "RdBu_r")
    _image(axes[1], truth, output_title, limits=limits)
    _image(axes[2], prediction, f"{label}: prediction", limits=limits)
    _image(axes[3], np.abs(prediction - truth), "absolute error", "magma")


def plot_operator_solution(surrogate: Any, problem: Equation, path: str | os.PathLike) -> None:
    data, inputs, truth, prediction = _samples(surrogate, problem)
    two_d = "y" in data.coordinates
    columns = 4 if two_d else 3
    fig, axes = plt.subplots(len(inputs), columns, figsize=(4.2 * columns, 3.4 * len(inputs)))
    axes = np.atleast_2d(axes)
    errors = np.linalg.norm((prediction - truth).reshape(len(truth), -1), axis=1)
    errors /= np.linalg.norm(truth.reshape(len(truth), -1), axis=1)
    for k in range(len(inputs)):
        label = f"test sample {k} (rel. L2 {errors[k]:.1e})"
        _row(axes[k], data, inputs[k], truth[k], prediction[k], label)
    rel = surrogate.metrics.get("rel_l2")
    title = f"{problem.spec.title}, operator task: {surrogate.method}"
    if rel is not None:
        title += f", test mean rel. L2 = {rel:.2e}"
    fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


def plot_operator_comparison(
    runs: list[tuple[Any, dict[str, Any]]], problem: Equation, path: str | os.PathLike
) -> None:
    """One row per method (test sample 0: reference vs prediction, error), then error vs time."""
    n = len(runs)
    data = problem.operator_dataset()
    two_d = "y" in data.coordinates
    columns = 4 if two_d else 3
    fig = plt.figure(figsize=(4.2 * columns, 3.4 * (n + 1)))
    grid_spec = fig.add_gridspec(n + 1, columns)
    for row, (surrogate, metrics) in enumerate(runs):
        axes = [fig.add_subplot(grid_spec[row, c]) for c in range(columns)]
        _, inputs, truth, prediction = _samples(surrogate, problem, 1)
        label = (
            f"{surrogate.method}: rel. L2 {metrics['rel_l2']:.2e}, "
            f"{metrics['n_params'] / 1e3:.0f}k params"
        )
        _row(axes, data, inputs[0], truth[0], prediction[0], label)
    curves = fig.add_subplot(grid_spec[n, :])
    plot_histories(curves, runs, "rel_l2", "test mean relative L2", style="o-")
    fig.suptitle(
        f"{problem.spec.title}, operator task: same data, seed and epoch budget "
        f"({runs[0][1].get('n_train')} train / {runs[0][1].get('n_test')} test)"
    )
    fig.tight_layout()
    save_figure(fig, path)
