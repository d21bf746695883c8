"""One option mechanism for problem parameters and method options: a type, a default, a range or
choices, and the same one-line error for every bad value.

A value arrives as a CLI string (``--set width=64``), a TOML value or a Python value
(``sciml.solve(..., overrides={"width": 64})``); :meth:`Option.parse` converts it to the option's
type and checks it. Python values are held to the type: ``True`` is no number, ``2.7`` no integer.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from typing import Any

from sciml.core.errors import SciMLError
from sciml.core.expressions import Expression

TYPES = ("float", "int", "bool", "choice", "formula", "list")
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


@dataclass(frozen=True)
class Option:
    """One parameter or option: its default, type, valid range (numbers; for lists, each entry)
    or choices, and meaning. ``type`` is inferred from the default when not given."""

    default: Any
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    type: str = ""
    variables: tuple[str, ...] = ()  # formula options: the names a formula may use
    description: str = ""
    name: str = ""

    def __post_init__(self) -> None:
        if not self.type:
            object.__setattr__(self, "type", _infer_type(self.default, self.choices))
        if self.type not in TYPES:
            raise SciMLError(f"option {self.name!r} has type {self.type!r}; choices: {TYPES}")
        object.__setattr__(self, "choices", tuple(self.choices))

    def named(self, name: str) -> Option:
        return replace(self, name=name)

    def describe_range(self) -> str:
        if self.type == "choice":
            return "one of " + ", ".join(self.choices)
        if self.type == "formula":
            return "a formula in " + ", ".join(self.variables)
        if self.type == "bool":
            return "true or false"
        kind = {"int": "an integer", "float": "a number"}.get(self.type, "")
        if self.type == "list":
            kind = f"a comma-separated list of {_element_type(self.default)}s"
        if self.min is None and self.max is None:
            return kind
        low = "-inf" if self.min is None else f"{self.min:g}"
        high = "inf" if self.max is None else f"{self.max:g}"
        return f"{kind} in [{low}, {high}]"

    def error(self, value: Any) -> SciMLError:
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        return SciMLError(
            f"invalid value {shown} for {self.name}: expected {self.describe_range()}"
        )

    def parse(self, value: Any) -> Any:
        """``value`` converted to this option's type and checked, or a one-line error."""
        if self.type == "formula":
            Expression(str(value), self.variables)
            return str(value)
        if self.type == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise self.error(value)
            return value
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
                return value.lower() in _TRUE
            raise self.error(value)
        if self.type == "list":
            return self._parse_list(value)
        return self._number(value, self.type, value)

    def _parse_list(self, value: Any) -> list:
        kind = _element_type(self.default)
        if isinstance(value, str):
            text = value.strip()
            try:
                items = (
                    json.loads(text) if text.startswith("[") else text.split(",") if text else []
                )
            except json.JSONDecodeError:
                raise self.error(value) from None
        else:
            items = value
        if not isinstance(items, (list, tuple)) or (not items and self.default):
            raise self.error(value)
        if kind == "str":
            return [str(item).strip() for item in items]
        return [self._number(item, kind, value) for item in items]

    def _number(self, item: Any, kind: str, shown: Any) -> float | int:
        if isinstance(item, bool) or (
            not isinstance(item, str) and not isinstance(item, (int, float))
        ):
            raise self.error(shown)
        try:
            number = float(item)
        except (TypeError, ValueError, OverflowError):
            raise self.error(shown) from None
        if not math.isfinite(number):
            raise self.error(shown)
        if kind == "int":
            if number != int(number):
                raise self.error(shown)
            number = int(number)
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise self.error(shown)
        return number


def _infer_type(default: Any, choices: tuple[str, ...]) -> str:
    if choices:
        return "choice"
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, (list, tuple)):
        return "list"
    raise SciMLError(f"cannot infer an option type from the default {default!r}; give choices")


def _element_type(default: Any) -> str:
    first = default[0] if default else 0.0
    return "int" if isinstance(first, int) else "str" if isinstance(first, str) else "float"


def with_defaults(table: dict[str, Any], **defaults: Any) -> dict[str, Any]:
    """``table`` with new default values, keeping each option's type and range (for a method
    that extends another's options)."""
    out = dict(table)
    for name, value in defaults.items():
        entry = out.get(name)
        out[name] = replace(entry, default=value) if isinstance(entry, Option) else value
    return out


def as_options(table: dict[str, Any]) -> dict[str, Option]:
    """``{name: Option | plain default}`` -> named options. A plain number is a float with no
    range, or an integer that must be at least 0; give an :class:`Option` for anything tighter."""
    options = {}
    for name, entry in table.items():
        if not isinstance(entry, Option):
            entry = Option(entry, min=0) if type(entry) is int else Option(entry)
        options[name] = entry.named(name)
    return options


def resolve(options: dict[str, Option], overrides: dict[str, Any], owner: str) -> dict[str, Any]:
    """Defaults of ``options`` with ``overrides`` parsed in; an unknown key names the valid ones."""
    values = {name: option.default for name, option in options.items()}
    for key, value in overrides.items():
        if key not in options:
            valid = ", ".join(options) or "none"
            raise SciMLError(f"unknown option {key!r} for {owner}; valid: {valid}")
        values[key] = options[key].parse(value)
    return values
