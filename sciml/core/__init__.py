"""The lowest layer: errors, registries, atomic I/O, options, the training loop, progress,
derivatives, metrics and surrogate files."""
