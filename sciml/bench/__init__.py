"""``sciml bench``: regenerate the measured tables of ``docs/results.md`` and flag what changed.

The manifest (``sciml/bench/manifest.toml``) lists runs -- problem, method, budget, seed,
``--set`` values, torch threads -- each with the figures recorded in ``docs/results.md``.
:func:`run_bench` solves each (or runs a benchmark script, e.g. the DeepXDE comparison), writes
``OUT/results.json`` and ``OUT/results.md`` (one markdown table per group) atomically, and flags a
run whose headline error moved by more than ``tolerance`` (20%) relative to the record, or, with
``timing=True``, whose training seconds did. ``quick=True`` keeps the smoke-budget runs (a few
minutes); the full run states its expected duration first. Figures are only comparable at the
same thread count, so each run sets the thread count it was recorded with unless told otherwise.
"""

from sciml.bench.runner import BenchRun, load_manifest, run_bench

__all__ = ["BenchRun", "load_manifest", "run_bench"]
