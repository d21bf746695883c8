"""Name -> class registries filled by a decorator (the torchdiffeq ``SOLVERS`` dict, made explicit).

An unknown name fails with the list of known names, so a typo never produces a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from sciml.core.errors import SciMLError, brief

T = TypeVar("T")


class Registry(Generic[T]):
    """A dict of named entries with a decorator to add one and a lookup that names the choices."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def add(entry: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = entry
            return entry

        return add

    def unregister(self, name: str) -> T:
        """Remove ``name`` and return its entry (e.g. a test's own method, when the test ends)."""
        entry = self.get(name)
        del self._entries[name]
        return entry

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except (KeyError, TypeError):  # TypeError: an unhashable name, e.g. read from a file
            raise SciMLError(
                f"unknown {self.kind} {brief(name)}; choices: {', '.join(sorted(self._entries))}"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
