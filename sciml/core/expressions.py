"""Safe evaluation of the small formulas a problem file may hold, such as ``u0 = "sin(x)"``.

A formula is parsed with :mod:`ast` and only numbers, the named variables, ``pi``/``e``, arithmetic
and a fixed list of elementwise functions are accepted: a problem file never executes code.
The same formula evaluates on numpy arrays (reference solvers) and torch tensors (training).
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Any

import numpy as np
import torch

from sciml.core.errors import SciMLError

_FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sinh", "cosh", "abs")
_CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def _constant(node: ast.AST) -> float | None:
    """The value of a constant, possibly signed (``-2``); None for anything else."""
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        inner = _constant(node.operand)
        return None if inner is None else _UNARY[type(node.op)](inner)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    return None


MAX_LENGTH = 2000  # characters
MAX_DEPTH = 60  # nesting of operations
MAX_EXPONENT = 64.0  # |constant exponent|; a power's exponent must be a constant


class Expression:
    """A parsed formula in the given variables; call it with arrays or tensors.

    What a formula may compute is bounded, so that no file or option can hang the process: at most
    ``MAX_LENGTH`` characters and ``MAX_DEPTH`` nested operations, and ``**`` only with a constant
    exponent of magnitude at most ``MAX_EXPONENT``; numbers are floats (no unbounded integers).
    """

    def __init__(self, text: str, variables: tuple[str, ...]) -> None:
        self.text = str(text)
        self.variables = variables
        self.shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        if len(self.text) > MAX_LENGTH:
            raise SciMLError(
                f"formula {self.shown!r} is too long ({len(self.text)} characters; at most "
                f"{MAX_LENGTH})"
            )
        try:
            self._tree = ast.parse(self.text, mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            raise SciMLError(
                f"invalid formula {self.shown!r}: not an arithmetic expression"
            ) from None
        try:
            self._check(self._tree, 0)
        except RecursionError:
            raise SciMLError(f"formula {self.shown!r} nests too deeply") from None

    def _check(self, node: ast.AST, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise SciMLError(f"formula {self.shown!r} nests deeper than {MAX_DEPTH} operations")
        depth += 1
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)
        ):
            if not math.isfinite(float(node.value)) or abs(float(node.value)) > 1e300:
                raise SciMLError(f"formula {self.shown!r} holds a number out of range")
            return
        if isinstance(node, ast.Name):
            if node.id not in self.variables and node.id not in _CONSTANTS:
                allowed = ", ".join(self.variables + tuple(_CONSTANTS))
                raise SciMLError(
                    f"formula {self.shown!r} uses {node.id[:40]!r}; allowed names: {allowed}"
                )
            return
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = _constant(node.right)
            if exponent is None or abs(exponent) > MAX_EXPONENT:
                raise SciMLError(
                    f"formula {self.shown!r}: ** needs a constant exponent of magnitude at most "
                    f"{MAX_EXPONENT:g}"
                )
            self._check(node.left, depth)
            return
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left, depth)
            self._check(node.right, depth)
            return
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            self._check(node.operand, depth)
            return
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS
            and len(node.args) == 1
            and not node.keywords
        ):
            self._check(node.args[0], depth)
            return
        raise SciMLError(
            f"formula {self.shown!r} is not allowed: use numbers, {', '.join(self.variables)}, "
            f"pi, e, + - * / ** and {', '.join(_FUNCTIONS)}"
        )

    def __call__(self, **values: Any) -> Any:
        """The formula at ``values``; arithmetic errors of constants (1/0) are one-line errors."""
        try:
            return self._evaluate(**values)
        except (ZeroDivisionError, OverflowError):
            raise SciMLError(
                f"formula {self.shown!r} cannot be evaluated (division by zero or overflow)"
            ) from None

    def _evaluate(self, **values: Any) -> Any:
        module = torch if any(isinstance(v, torch.Tensor) for v in values.values()) else np
        return self._eval(self._tree, values, module)

    def _eval(self, node: ast.AST, values: dict[str, Any], module: Any) -> Any:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values[node.id] if node.id in values else _CONSTANTS[node.id]
        if isinstance(node, ast.BinOp):
            left = self._eval(node.left, values, module)
            return _BINARY[type(node.op)](left, self._eval(node.right, values, module))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._eval(node.operand, values, module))
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        argument = self._eval(node.args[0], values, module)
        if not isinstance(argument, (np.ndarray, torch.Tensor)):
            argument = module.asarray(argument, dtype=module.float64)
        return getattr(module, node.func.id)(argument)
