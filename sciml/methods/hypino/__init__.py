"""HyPINO (Bischof et al., arXiv 2509.05117): a hypernetwork trained on manufactured solutions
writes a PINN for a linear 2D PDE in one forward pass; refinement and fine-tuning sharpen it.

``sciml.hypino.pretrained()`` returns the model whose weights ship with the package; the method
``hypino`` solves the ``linear2d`` problems with it.
"""

from sciml.methods.hypino.method import HyPINOMethod
from sciml.methods.hypino.model import HyPINO, pretrained

__all__ = ["HyPINO", "HyPINOMethod", "pretrained"]
