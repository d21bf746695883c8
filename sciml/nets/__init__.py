"""Networks, registered by class name so a surrogate file can rebuild them from JSON kwargs."""

from sciml.core.registry import Registry
from sciml.nets.alrnn import ALRNN
from sciml.nets.deeponet import DeepONet, PODDeepONet
from sciml.nets.dymixop import DyMixOp
from sciml.nets.field import FieldNet, WindowedFieldNet
from sciml.nets.fno import FNONet
from sciml.nets.integral_equation import ANIEGridNet, ANIENet, NIENet
from sciml.nets.kan import KAN
from sciml.nets.lagrangian import LagrangianNet
from sciml.nets.mgno import MgNO
from sciml.nets.plrnn import ClippedShallowPLRNN
from sciml.nets.spectral_gp import SpectralGPField
from sciml.nets.vector_field import VectorField

NETWORKS: Registry = Registry("network")
NETWORKS.register("FieldNet")(FieldNet)
NETWORKS.register("WindowedFieldNet")(WindowedFieldNet)
NETWORKS.register("LagrangianNet")(LagrangianNet)
NETWORKS.register("SpectralGPField")(SpectralGPField)
NETWORKS.register("KAN")(KAN)
for _network in (DeepONet, PODDeepONet, DyMixOp, FNONet, MgNO):  # the neural operators
    NETWORKS.register(_network.__name__)(_network)
for _network in (ClippedShallowPLRNN, ALRNN, VectorField):  # dynamical systems reconstruction
    NETWORKS.register(_network.__name__)(_network)
for _network in (NIENet, ANIENet, ANIEGridNet):  # neural integral equations
    NETWORKS.register(_network.__name__)(_network)

__all__ = [
    "ALRNN",
    "NETWORKS",
    "ANIEGridNet",
    "ANIENet",
    "ClippedShallowPLRNN",
    "DeepONet",
    "DyMixOp",
    "FNONet",
    "FieldNet",
    "KAN",
    "MgNO",
    "NIENet",
    "PODDeepONet",
    "SpectralGPField",
    "VectorField",
    "WindowedFieldNet",
]
