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


class Expression:
    """A parsed formula in the given variables; call it with arrays or tensors."""

    def __init__(self, text: str, variables: tuple[str, ...]) -> None:
        self.text = text
        self.variables = variables
        try:
            self._tree = ast.parse(text, mode="eval").body
        except SyntaxError:
            raise SciMLError(f"invalid formula {text!r}: not an arithmetic expression") from None
        self._check(self._tree)

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return
        if isinstance(node, ast.Name):
            if node.id not in self.variables and node.id not in _CONSTANTS:
                allowed = ", ".join(self.variables + tuple(_CONSTANTS))
                raise SciMLError(
                    f"formula {self.text!r} uses {node.id!r}; allowed names: {allowed}"
                )
            return
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left)
            self._check(node.right)
            return
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            self._check(node.operand)
            return
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS
            and len(node.args) == 1
            and not node.keywords
        ):
            self._check(node.args[0])
            return
        raise SciMLError(
            f"formula {self.text!r} is not allowed: use numbers, {', '.join(self.variables)}, "
            f"pi, e, + - * / ** and {', '.join(_FUNCTIONS)}"
        )

    def __call__(self, **values: Any) -> Any:
        module = torch if any(isinstance(v, torch.Tensor) for v in values.values()) else np
        return self._eval(self._tree, values, module)

    def _eval(self, node: ast.AST, values: dict[str, Any], module: Any) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
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
