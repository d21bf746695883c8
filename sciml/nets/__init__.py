"""Networks, registered by class name so a surrogate file can rebuild them from JSON kwargs."""

from sciml.nets.field import FieldNet, WindowedFieldNet
from sciml.registry import Registry

NETWORKS: Registry = Registry("network")
NETWORKS.register("FieldNet")(FieldNet)
NETWORKS.register("WindowedFieldNet")(WindowedFieldNet)

__all__ = ["NETWORKS", "FieldNet", "WindowedFieldNet"]
