"""The lowest layer: errors, registries, atomic I/O, options, training loop, progress, derivatives, metrics, surrogate files."""
